import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../lib/adapters/memory/store';
import { getCallRecord, listCallsOfJob, putCallRecord, searchCalls, updateCallRecord, type CallRecord } from '../../../lib/telephony/call-records';

const base = (i: number, day: string): CallRecord => ({
  callId: `c${i}`,
  instanceId: 'inst1',
  campaignId: 'cmp1',
  jobId: `j${i % 5}`,
  attempt: 1,
  callee: `+1206550${String(i).padStart(4, '0')}`,
  dialledAt: `${day}T10:${String(i % 60).padStart(2, '0')}:00.000Z`,
  ringSeconds: i % 7,
  talkSeconds: 0,
  turns: 0,
  answered: i % 2 === 0,
  completed: false,
  transferred: false,
  status: i % 2 === 0 ? 'Succeeded' : 'NoAnswer',
  tags: {},
  noMatchHangup: false,
  systemFailure: false,
  placed: true,
  interacted: false,
  captured: {},
});

describe('call records', () => {
  it('reads a record by call id through its pointer and applies updates', async () => {
    const store = new MemoryStore();
    await putCallRecord(store, base(1, '2026-01-05'));
    await updateCallRecord(store, 'inst1', 'j1', 'c1', { rungAt: '2026-01-05T10:01:02.000Z' });
    expect(await getCallRecord(store, 'inst1', 'c1')).toMatchObject({ callId: 'c1', rungAt: '2026-01-05T10:01:02.000Z' });
    expect(await getCallRecord(store, 'inst2', 'c1')).toBeUndefined();
  });

  it('lists the calls of a job oldest first', async () => {
    const store = new MemoryStore();
    for (let i = 0; i < 10; i++) await putCallRecord(store, base(i, '2026-01-05'));
    expect((await listCallsOfJob(store, 'inst1', 'j0')).map((c) => c.callId)).toEqual(['c0', 'c5']);
  });

  it('pages through several days of history newest first without losing or repeating calls', async () => {
    const store = new MemoryStore();
    for (let i = 0; i < 30; i++) await putCallRecord(store, base(i, i < 15 ? '2026-01-04' : '2026-01-05'));
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await searchCalls(store, 'inst1', { from: '2026-01-01T00:00:00.000Z', to: '2026-01-06T00:00:00.000Z', limit: 7, cursor });
      seen.push(...page.items.map((c) => c.callId));
      cursor = page.cursor;
      pages++;
    } while (cursor && pages < 20);
    expect(new Set(seen).size).toBe(30);
    expect(seen.length).toBe(30);
    expect(seen[0]).toBe('c29');
  });

  it('filters by answered and minimum ring time', async () => {
    const store = new MemoryStore();
    for (let i = 0; i < 14; i++) await putCallRecord(store, base(i, '2026-01-05'));
    const r = await searchCalls(store, 'inst1', { from: '2026-01-05T00:00:00.000Z', to: '2026-01-05T23:59:59.999Z', answered: true, minRingSeconds: 4 });
    expect(r.items.map((c) => c.callId).sort()).toEqual(['c12', 'c4', 'c6']);
  });
});
