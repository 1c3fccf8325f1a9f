import { describe, expect, it } from 'vitest';
import { LibphonenumberGeo } from '../../../lib/adapters/geo/libphonenumber-geo';
import { MemoryStore } from '../../../lib/adapters/memory/store';
import { dispatch } from '../../../lib/campaigns/dispatch';
import { startCampaign, stopCampaign, pauseCampaign, updateCampaign } from '../../../lib/campaigns/lifecycle';
import { addCounters, createCampaign, findCampaign, newJobItem, getCampaign, listJobs } from '../../../lib/campaigns/repository';
import { CampaignSettings } from '../../../lib/campaigns/schema';
import { checkCompletion } from '../../../lib/campaigns/transitions';
import type { Services as Deps } from '../../../lib/core/deps';
import type { DialRequest } from '../../../lib/domain/dialing';
import { createInstance } from '../../../lib/instances/repository';
import type { CallerNumber } from '../../../lib/instances/schema';
import type { Store } from '../../../lib/ports/store';
import { testDeps } from '../../support/deps';
import { CampaignWork, runCampaignWork } from '../../../lib/campaigns/work';
import { beginImport, fromArray, runImport } from '../../../lib/contacts/import';

/** A store that counts its reads: calls, and items returned. */
function countingStore(inner: Store) {
  const reads = { calls: 0, items: 0 };
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (prop === 'get') {
        return async (...args: Parameters<Store['get']>) => {
          reads.calls++;
          const item = await target.get(...args);
          if (item) reads.items++;
          return item;
        };
      }
      if (prop === 'batchGet' || prop === 'query') {
        return async (arg: never) => {
          reads.calls++;
          const out = (await (target[prop] as (a: never) => Promise<unknown>)(arg)) as { items?: unknown[] } | unknown[];
          reads.items += Array.isArray(out) ? out.length : (out.items?.length ?? 0);
          return out;
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
  return { store, reads };
}

const actor = { principal: 'test' };

async function instanceWith(deps: Deps, callerNumbers: Partial<CallerNumber>[], now: number) {
  return createInstance(
    deps.store,
    {
      name: 'test',
      settings: {
        maxConcurrency: 5,
        windows: { ranges: [{ start: '00:00', end: '23:59' }], weekdaysOnly: false, calleeLocalTime: false },
        callerNumbers: callerNumbers.map((n) => ({ periodSeconds: 60, ...n }) as CallerNumber),
      },
    },
    now,
  );
}

/** A started campaign holding the given callees as waiting jobs. */
async function runningCampaign(deps: Deps, instanceId: string, phones: string[], now: number, extra: Partial<CampaignSettings> = {}) {
  const campaign = await createCampaign(deps.store, instanceId, CampaignSettings.parse({ name: 'c', scenarioId: 's', scenarioVersion: 1, ...extra }), now);
  for (const [i, phone] of phones.entries()) {
    // Ids independent of the campaign's: shards (due queue, counters) are then the same in every run.
    const jobId = `job${i}`;
    await deps.store.put(newJobItem(instanceId, campaign.campaignId, jobId, { phone, variables: {} }, now, now));
    await addCounters(deps.store, instanceId, campaign.campaignId, jobId, { total: 1 });
  }
  return startCampaign(deps, instanceId, campaign.campaignId, actor);
}

describe('dispatch', () => {
  it('reads the same whatever the number of finished campaigns (P3: the round follows live campaigns only)', async () => {
    /** Store reads of one round of a running campaign, in an instance with `finished` campaigns behind it. */
    async function roundReads(finished: number) {
      const counted = countingStore(new MemoryStore());
      const { deps, clock } = testDeps({ store: counted.store });
      deps.config.callsPerSecond = 10;
      const now = clock.now();
      const instance = await instanceWith(deps, [{ phoneNumber: '+14155550900' }], now);
      for (let i = 0; i < finished; i++) {
        const c = await runningCampaign(deps, instance.instanceId, ['+14155550101'], now);
        await stopCampaign(deps, instance.instanceId, c.campaignId, actor);
        await checkCompletion(deps, instance.instanceId, c.campaignId);
        expect((await findCampaign(deps.store, instance.instanceId, c.campaignId))?.finishedAt).toBeDefined();
      }
      const live = await runningCampaign(deps, instance.instanceId, ['+14155550102', '+14155550103'], now);
      counted.reads.calls = 0;
      counted.reads.items = 0;
      const round = await dispatch(deps, instance.instanceId, { campaignId: live.campaignId, run: live.run });
      expect(round.dialled).toBe(2);
      return { ...counted.reads };
    }
    const none = await roundReads(0);
    const many = await roundReads(25);
    expect(many).toEqual(none);
  });

  it('dials a Chinese mobile callee from the caller number of its city when the deployment geocodes (P8)', async () => {
    const callers = [{ phoneNumber: '+861065529988' }, { phoneNumber: '+8675582345678' }]; // Beijing (the default), Shenzhen
    const shenzhenMobile = '+8613510001234';
    async function fromOf(geo: boolean) {
      const { deps, clock, queues } = testDeps(geo ? { geo: new LibphonenumberGeo() } : {});
      deps.config.callsPerSecond = 10;
      const instance = await instanceWith(deps, callers, clock.now());
      const c = await runningCampaign(deps, instance.instanceId, [shenzhenMobile], clock.now());
      await dispatch(deps, instance.instanceId, { campaignId: c.campaignId, run: c.run });
      return queues.dial.bodies<DialRequest>().find((b) => b.type === 'dial')?.from;
    }
    expect(await fromOf(true)).toBe('+8675582345678');
    expect(await fromOf(false)).toBe('+861065529988');
  });

  it('dials from the default number when geocoding fails', async () => {
    const { deps, clock, queues } = testDeps({
      geo: {
        locate: async () => {
          throw new Error('data unreadable');
        },
      },
    });
    deps.config.callsPerSecond = 10;
    const instance = await instanceWith(deps, [{ phoneNumber: '+861065529988' }, { phoneNumber: '+8675582345678' }], clock.now());
    const c = await runningCampaign(deps, instance.instanceId, ['+8613510001234'], clock.now());
    const round = await dispatch(deps, instance.instanceId, { campaignId: c.campaignId, run: c.run });
    expect(round.dialled).toBe(1);
    expect(queues.dial.bodies<DialRequest>().find((b) => b.type === 'dial')?.from).toBe('+861065529988');
  });
});

async function setup(settings: Record<string, unknown>, campaign: Record<string, unknown> = {}) {
  const t = testDeps();
  const now = t.clock.now(); // 09:00 UTC
  const { instanceId } = await createInstance(t.deps.store, { name: 'i', settings: { windows: { ranges: [{ start: '00:00', end: '23:59' }], weekdaysOnly: false, calleeLocalTime: false }, ...settings } }, now);
  const { campaignId } = await createCampaign(t.deps.store, instanceId, CampaignSettings.parse({ name: 'c', scenarioId: 's', scenarioVersion: 1, ...campaign }), now);
  const report = await beginImport(t.deps, instanceId, campaignId, 'api');
  await runImport(t.deps, report, { kind: 'contacts', contacts: fromArray([{ row: 1, contact: { phone: '+14155550101' } }]) }, { instanceId, defaultRegion: 'US', requiredVariables: [] });
  await startCampaign(t.deps, instanceId, campaignId, { principal: 't' });
  return { ...t, instanceId, campaignId };
}

describe('dispatch: when the loop comes back', () => {
  it('waits until the earliest lease expiry, at most 60 s, when every line is busy, however many jobs are due', async () => {
    const { deps, clock } = testDeps();
    deps.config.callsPerSecond = 10;
    const instance = await createInstance(
      deps.store,
      { name: 'test', settings: { maxConcurrency: 2, windows: { ranges: [{ start: '00:00', end: '23:59' }], weekdaysOnly: false, calleeLocalTime: false }, callerNumbers: [{ phoneNumber: '+14155550900', periodSeconds: 60 }] } },
      clock.now(),
    );
    const phones = Array.from({ length: 60 }, (_, i) => `+1415555${String(1000 + i)}`);
    const c = await runningCampaign(deps, instance.instanceId, phones, clock.now());
    const first = await dispatch(deps, instance.instanceId, { campaignId: c.campaignId, run: c.run });
    expect(first.dialled).toBe(2);
    // Both lines held, 58 jobs due: a call's end dispatches through the tick queue, so the loop sleeps.
    const full = await dispatch(deps, instance.instanceId, { campaignId: c.campaignId, run: c.run });
    expect(full).toMatchObject({ dialled: 0, waitSeconds: 60 });
    // A line whose call never reports its end frees at its lease expiry: the loop is back then.
    const expiresAt = Math.min(...(await deps.store.query({ pk: `I#${instance.instanceId}#LEASE` })).items.map((i) => Number(i.expiresAt)));
    clock.advance(expiresAt - clock.now() - 20_000);
    expect(await dispatch(deps, instance.instanceId, { campaignId: c.campaignId, run: c.run })).toMatchObject({ dialled: 0, waitSeconds: 20 });
  });

  it('comes back within a second while lines are free and due jobs wait for the call rate', async () => {
    const { deps, clock } = testDeps();
    deps.config.callsPerSecond = 1;
    const instance = await instanceWith(deps, [{ phoneNumber: '+14155550900' }], clock.now());
    const c = await runningCampaign(deps, instance.instanceId, ['+14155550101', '+14155550102', '+14155550103', '+14155550104'], clock.now());
    const round = await dispatch(deps, instance.instanceId, { campaignId: c.campaignId, run: c.run });
    expect(round.dialled).toBe(2);
    expect(round.waitSeconds).toBe(1);
  });
});

describe('dispatch: what the campaign says', () => {
  it('writes a flip between dialling and lines full at most once a minute, anything else at once', async () => {
    const { deps, clock } = testDeps();
    deps.config.callsPerSecond = 10;
    const instance = await createInstance(
      deps.store,
      { name: 'test', settings: { maxConcurrency: 1, windows: { ranges: [{ start: '00:00', end: '23:59' }], weekdaysOnly: false, calleeLocalTime: false }, callerNumbers: [{ phoneNumber: '+14155550900', periodSeconds: 60 }] } },
      clock.now(),
    );
    const c = await runningCampaign(deps, instance.instanceId, ['+14155551001', '+14155551002'], clock.now());
    const said = async () => (await getCampaign(deps.store, instance.instanceId, c.campaignId)).dialling;
    expect((await dispatch(deps, instance.instanceId)).dialled).toBe(1);
    expect(await said()).toMatchObject({ reason: 'dialling', at: '2026-01-05T09:00:00.000Z' });
    clock.advance(10_000);
    await dispatch(deps, instance.instanceId);
    expect(await said()).toMatchObject({ reason: 'dialling', at: '2026-01-05T09:00:00.000Z' });
    clock.advance(60_000);
    await dispatch(deps, instance.instanceId);
    expect(await said()).toMatchObject({ reason: 'linesFull', at: '2026-01-05T09:01:10.000Z' });
  });

  it('says on the campaign why it dials nothing (issue 9.13)', async () => {
    const noCaller = await setup({ callerNumbers: [] });
    await dispatch(noCaller.deps, noCaller.instanceId, { campaignId: noCaller.campaignId });
    expect((await getCampaign(noCaller.deps.store, noCaller.instanceId, noCaller.campaignId)).dialling).toMatchObject({ reason: 'noCallerNumber' });

    const closed = await setup({ callerNumbers: [{ phoneNumber: '+14155550900', periodSeconds: 60 }] }, { windows: { ranges: [{ start: '18:00', end: '20:00' }] } });
    await dispatch(closed.deps, closed.instanceId, { campaignId: closed.campaignId });
    expect((await getCampaign(closed.deps.store, closed.instanceId, closed.campaignId)).dialling).toMatchObject({ reason: 'outsideWindows', until: '2026-01-05T18:00:00.000Z' });
  });

  it('re-plans jobs deferred for windows when the windows widen (issue 9.13)', async () => {
    const { deps, instanceId, campaignId, queues, clock } = await setup({ callerNumbers: [{ phoneNumber: '+14155550900', periodSeconds: 60 }] }, { windows: { ranges: [{ start: '18:00', end: '20:00' }] } });
    await dispatch(deps, instanceId, { campaignId });
    const [deferred] = (await listJobs(deps.store, instanceId, campaignId)).items;
    expect(deferred).toMatchObject({ deferReason: 'outsideWindows', dueAt: Date.parse('2026-01-05T18:00:00Z') });
    await pauseCampaign(deps, instanceId, campaignId, { principal: 't' });
    await updateCampaign(deps, instanceId, campaignId, { windows: { ranges: [{ start: '08:00', end: '20:00' }] } });
    const replan = queues.work.bodies().find((b) => b.type === 'replan');
    expect(replan).toMatchObject({ campaignId });
    await runCampaignWork(deps, CampaignWork.parse(replan));
    const [pulled] = (await listJobs(deps.store, instanceId, campaignId)).items;
    expect(pulled).toMatchObject({ dueAt: clock.now() });
    expect(pulled!.deferReason).toBeUndefined();
  });
});
