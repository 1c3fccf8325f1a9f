import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../lib/adapters/memory/store';
import { aggregateWrites, applyAggregateWrite, BOUNDED_CAP, callContribution } from '../../../lib/results/aggregate';
import { resultKeys } from '../../../lib/results/keys';
import { readAggregates } from '../../../lib/results/read';
import { CallRecord } from '../../../lib/telephony/call-records';
import { reportingScenario } from './fixtures';

const key = resultKeys.item('i', 'c', 'all', 'H#ft');

describe('applyAggregateWrite', () => {
  it('counts the first `cap` distinct names exactly and sends later ones to their overflow bucket', async () => {
    const store = new MemoryStore();
    let total = 0;
    for (let i = 0; i < 30; i++) {
      const n = 1 + (i % 3);
      total += n;
      await applyAggregateWrite(store, { key, add: { [`t:g=v${i % 12}`]: n }, bounded: { cap: 5, overflow: { [`t:g=v${i % 12}`]: 't~g' } } });
    }
    const item = (await store.get(key))!;
    const names = Object.keys(item).filter((k) => k.startsWith('t:'));
    expect(names).toHaveLength(5);
    expect(item.distinct).toBe(5);
    const counted = names.reduce((n, k) => n + Number(item[k]), 0) + Number(item['t~g']);
    expect(counted).toBe(total);
  });

  it('takes a removal of a name that never got in from the overflow bucket', async () => {
    const store = new MemoryStore();
    const w = (name: string, n: number) => ({ key, add: { [name]: n }, bounded: { cap: 1, overflow: { [name]: 'v~x' } } });
    await applyAggregateWrite(store, w('v:x=a', 1));
    await applyAggregateWrite(store, w('v:x=b', 1));
    await applyAggregateWrite(store, w('v:x=b', -1));
    await applyAggregateWrite(store, w('v:x=a', -1));
    const item = (await store.get(key))!;
    expect(item['v:x=a']).toBe(0);
    expect(item['v:x=b']).toBeUndefined();
    expect(item['v~x']).toBe(0);
  });

  it('keeps free-text answers past the cap in the other bucket, so the item stays small however many distinct answers come', async () => {
    const store = new MemoryStore();
    const def = reportingScenario();
    for (let i = 0; i < BOUNDED_CAP + 200; i++) {
      const record = CallRecord.parse({
        callId: `c${i}`,
        instanceId: 'i',
        campaignId: 'c',
        jobId: `j${i}`,
        attempt: 1,
        dialledAt: '2026-01-05T10:00:00.000Z',
        status: 'Succeeded',
        answered: true,
        tags: { promiseDate: `free text answer number ${i}` },
      });
      const delta = callContribution(record, [], { scenario: def, timeZone: 'UTC', job: {} });
      for (const write of aggregateWrites('i', 'c', record.callId, delta)) await applyAggregateWrite(store, write);
    }
    const item = (await store.get(key))!;
    expect(Object.keys(item).filter((k) => k.startsWith('t:'))).toHaveLength(BOUNDED_CAP);
    expect(JSON.stringify(item).length).toBeLessThan(100_000);
    const read = await readAggregates(store, 'i', 'c');
    const h = read.tags.get('promiseDate')!;
    expect([...h.counts.values()].reduce((a, b) => a + b, 0) + h.other).toBe(BOUNDED_CAP + 200);
    expect(h.other).toBe(200);
  });
});

describe('readAggregates', () => {
  it('sums counter items of every shard, so counters written when there were four shards per scope still count', async () => {
    const store = new MemoryStore();
    const day = '2026-01-05';
    for (const shard of [0, 1, 2, 3]) {
      await store.put({ ...resultKeys.item('i', 'c', 'all', `C#${shard}`), type: 'results', callsPlaced: 1 + shard });
      await store.put({ ...resultKeys.item('i', 'c', day, `C#${shard}`), type: 'results', callsPlaced: 10 * (1 + shard) });
    }
    expect((await readAggregates(store, 'i', 'c')).c.callsPlaced).toBe(10);
    expect((await readAggregates(store, 'i', 'c', { from: day, to: day })).c.callsPlaced).toBe(100);
    // New calls add to the one counter item of each scope.
    const record = CallRecord.parse({ callId: 'c9', instanceId: 'i', campaignId: 'c', jobId: 'j9', attempt: 1, dialledAt: `${day}T10:00:00.000Z`, status: 'NoAnswer' });
    const writes = aggregateWrites('i', 'c', record.callId, callContribution(record, [], { scenario: reportingScenario(), timeZone: 'UTC', job: {} }));
    expect(writes.filter((w) => /C#/.test(w.key.sk)).map((w) => w.key.sk).sort()).toEqual(['A#C#0', `D#C#${day}#0`]);
  });
});

describe('loadResultsContext', () => {
  it('reads the job state stored with the previous call, the scenario version and the instance zone', async () => {
    const { testDeps } = await import('../../support/deps');
    const { seedCampaign } = await import('./seed');
    const { loadResultsContext, JOB_RESULTS_ATTRIBUTE } = await import('../../../lib/results/context');
    const t = testDeps();
    const s = await seedCampaign(t.deps, { jobs: 1, timeZone: 'Asia/Shanghai' });
    const campaign = { scenarioId: s.scenarioId, scenarioVersion: 1 };
    const state = { day: '2026-01-05', answered: true, success: false, grade: 'B' as const, numberStatus: 1 };
    const ctx = await loadResultsContext(t.deps.store, { instanceId: s.instanceId, campaign, job: { contact: { variables: { region: 'north' } }, [JOB_RESULTS_ATTRIBUTE]: state } });
    expect(ctx.timeZone).toBe('Asia/Shanghai');
    expect(ctx.scenario?.name).toBe('Payment reminder');
    expect(ctx.job).toEqual({ variables: { region: 'north' }, previous: state });
    const first = await loadResultsContext(t.deps.store, { instanceId: s.instanceId, campaign, job: { contact: { variables: {} }, [JOB_RESULTS_ATTRIBUTE]: { bogus: true } }, timeZone: 'UTC' });
    expect(first.job.previous).toBeUndefined();
  });
});
