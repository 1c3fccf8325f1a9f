import type { Services } from '../../lib/core/deps';
import type { DialRequest } from '../../lib/domain/dialing';
import { isoAt } from '../../lib/ports/clock';
import { callRecordKey, finalCallEffects, getCallRecordOfJob, type CallRecord } from '../../lib/telephony/call-records';

/**
 * Ends a placed call the way the SMA handler does: its call record becomes final (once) carrying the
 * effects that end the job's attempt and publish CallFinished, which the outbox then applies.
 */
export async function endCall(svc: Services, r: Pick<DialRequest, 'instanceId' | 'campaignId' | 'jobId' | 'callId'>, final: Partial<CallRecord> & Pick<CallRecord, 'status'>) {
  const now = svc.clock.now();
  const key = callRecordKey(r);
  const existing = await getCallRecordOfJob(svc.store, r.instanceId, r.jobId, r.callId);
  if (!existing) throw new Error(`no call record for ${r.callId}: was the call placed?`);
  return svc.outbox.commit(
    key,
    { set: { answered: final.status === 'Succeeded', placed: true, ...final, endedAt: isoAt(now) } },
    { and: [{ exists: 'pk' }, { notExists: 'endedAt' }] },
    finalCallEffects(r, now),
  );
}
