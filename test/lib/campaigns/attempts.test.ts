import { describe, expect, it } from 'vitest';
import { DelegatingStore } from '../../../lib/adapters/delegating-store';
import { discardUnplacedRecord, lostCallEnd } from '../../../lib/campaigns/attempts';
import { reconcileLostAttempts } from '../../../lib/campaigns/dispatch';
import { LEASE_TTL_MS } from '../../../lib/campaigns/leases';
import { getJob } from '../../../lib/campaigns/repository';
import { compose } from '../../../lib/composition';
import type { Store } from '../../../lib/ports/store';
import { keys } from '../../../lib/store/keys';
import { callPointerItem, callRecordItem, callRecordKey, listCallsOfJob, putCallRecord, type CallRecord } from '../../../lib/telephony/call-records';
import { testDeps } from '../../support/deps';
import { queuedDial } from '../../support/dialing';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

describe('attempts', () => {
  it('ends a lost call at its lease expiry, not when the loss was noticed', () => {
    expect(lostCallEnd({ dialledAt: iso(T0) }, T0 + 900_000, T0 + 2 * 3_600_000)).toBe(T0 + 900_000);
  });

  it('never ends a lost call before its last sign of life nor after now', () => {
    expect(lostCallEnd({ dialledAt: iso(T0), answeredAt: iso(T0 + 1_000_000) }, T0 + 900_000, T0 + 2_000_000)).toBe(T0 + 1_000_000);
    expect(lostCallEnd({ dialledAt: iso(T0) }, T0 + 900_000, T0 + 600_000)).toBe(T0 + 600_000);
    expect(lostCallEnd({ dialledAt: iso(T0) }, undefined, T0 + 600_000)).toBe(T0 + 600_000);
  });

  it('discards the record of a call never placed nor ended, with its pointer, and leaves placed or final records alone', async () => {
    const t = testDeps();
    const record = (callId: string, extra: Partial<CallRecord> = {}): CallRecord => ({
      callId, instanceId: 'inst_1', campaignId: 'cmp_1', jobId: 'job_1', attempt: 1, dialledAt: iso(T0), ringSeconds: 0, talkSeconds: 0, turns: 0,
      answered: false, completed: false, transferred: false, status: 'Executing', tags: {}, noMatchHangup: false, systemFailure: false, placed: false,
      interacted: false, captured: {}, ...extra,
    });
    const open = record('call_open');
    await t.deps.store.put(callPointerItem(open));
    await t.deps.store.put(callRecordItem(open));
    expect(await discardUnplacedRecord(t.deps, open)).toBe(true);
    expect(await t.deps.store.get(callRecordKey(open))).toBeUndefined();
    expect(await t.deps.store.get(keys.callPointer('inst_1', 'call_open'))).toBeUndefined();
    // Run again (a redelivered effect): nothing left to do.
    expect(await discardUnplacedRecord(t.deps, open)).toBe(false);

    const placed = record('call_placed', { placed: true });
    const final = record('call_final', { status: 'Cancelled', endedAt: iso(T0 + 1_000), hangupReason: 'stopped' });
    for (const r of [placed, final]) {
      await putCallRecord(t.deps.store, r);
      expect(await discardUnplacedRecord(t.deps, r)).toBe(false);
      expect(await t.deps.store.get(callRecordKey(r))).toBeDefined();
      expect(await t.deps.store.get(keys.callPointer('inst_1', r.callId))).toBeDefined();
    }
  });

  it('finishes an attempt found lost whose record a crash left unwritten, from the effect pending on the job', async () => {
    const t = await queuedDial();
    const { instanceId, campaignId, request } = t;
    t.clock.advance(LEASE_TTL_MS + 60_000);

    // The sweep finds the attempt lost, but every write of a call record fails (the process dies before the effect runs).
    const records = keys.call(instanceId, request!.jobId, '').pk;
    const failing = new (class extends DelegatingStore {
      override async put(...a: Parameters<Store['put']>) {
        if (a[0].pk === records) throw new Error('store unavailable');
        return this.inner.put(...a);
      }
    })(t.deps.store);
    expect(await reconcileLostAttempts(compose({ ...t.deps, store: failing }), instanceId, campaignId)).toBe(1);
    expect(await getJob(t.deps.store, instanceId, campaignId, request!.jobId)).toMatchObject({ status: 'Executing', dialState: 'ending', callId: request!.callId });
    expect(await listCallsOfJob(t.deps.store, instanceId, request!.jobId)).toEqual([]);

    // The next sweep round finishes the close the job carries: one record, final as lost, and the attempt ended by it.
    await reconcileLostAttempts(t.deps, instanceId, campaignId);
    expect(await listCallsOfJob(t.deps.store, instanceId, request!.jobId)).toMatchObject([{ callId: request!.callId, status: 'Failed', hangupReason: 'lost', placed: false }]);
    expect(await getJob(t.deps.store, instanceId, campaignId, request!.jobId)).toMatchObject({ status: 'Scheduling', dialState: 'idle', finishedAttempt: 1, systemAttempts: 1 });
    expect(await t.deps.store.get(keys.leaseSlot(instanceId, request!.leaseSlot))).toBeUndefined();
  });
});
