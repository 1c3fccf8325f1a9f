import { describe, expect, it } from 'vitest';
import { CALL_TASKS, CallRecord, callRecordItem, callRecordKey } from '../../lib/telephony/call-records';
import { effectId } from '../../lib/outbox/effects';
import { FX_PREFIX } from '../../lib/outbox/outbox';
import { testDeps } from '../support/deps';

/** A final call record of job `job_1` carrying only its pending aggregate contribution. */
function endedCall(callId: string, attempt: number, endedAt: string) {
  return CallRecord.parse({
    callId, instanceId: 'in_1', campaignId: 'cmp_1', jobId: 'job_1', attempt, caller: '+14155550900', callee: '+14155550101',
    dialledAt: endedAt, endedAt, status: 'NoAnswer',
  });
}

describe('composition: call.aggregate', () => {
  it('waits while an earlier call of the same job is not yet in the aggregates, then follows it', async () => {
    const { deps: svc, clock } = testDeps();
    const first = endedCall('call_1', 1, '2026-01-05T09:00:00.000Z');
    const second = endedCall('call_2', 2, '2026-01-05T10:00:00.000Z');
    for (const record of [first, second]) {
      const args = { instanceId: record.instanceId, campaignId: record.campaignId, jobId: record.jobId, callId: record.callId };
      const effect = { type: 'task' as const, id: effectId(clock.now(), 'call', record.callId, 'aggregate'), order: 1, task: CALL_TASKS.aggregate, args };
      await svc.store.put(svc.outbox.itemWithEffects(callRecordItem(record), [effect]));
    }
    const pending = async (record: CallRecord) => Object.keys((await svc.store.get(callRecordKey(record))) ?? {}).filter((k) => k.startsWith(FX_PREFIX)).length;

    // The later call's contribution is drained first (after a crash, the sweep's order): it waits.
    expect(await svc.outbox.drain(callRecordKey(second))).toMatchObject({ applied: 0, failed: 1 });
    expect(await pending(second)).toBe(1);
    // Once the earlier one is in, the later one follows.
    expect(await svc.outbox.drain(callRecordKey(first))).toMatchObject({ applied: 1, failed: 0 });
    expect(await svc.outbox.drain(callRecordKey(second))).toMatchObject({ applied: 1, failed: 0 });
    expect(await pending(second)).toBe(0);
  });
});
