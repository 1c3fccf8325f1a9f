import type { Services } from '../core/deps';
import { pendingEffects } from '../outbox/outbox';
import { isoAt } from '../ports/clock';
import { keys } from '../store/keys';
import {
  callPointerItem,
  callRecordFromItem,
  callRecordItem,
  callRecordKey,
  finalCallEffects,
  outcomeOf,
  type CallRecord,
  type FinalCallFields,
} from '../telephony/call-records';
import { endAttempt } from './call-outcome';
import { applyJobEvent } from './transitions';
import type { Job } from './schema';

/**
 * Call records of attempts that end outside the SMA handler: refused before dialling (do-not-call at
 * dial time, stopped campaign, rejected by the telephony) and lost (no hang-up ever came). Every attempt
 * gets exactly one call record (T4), and it is the record becoming final that ends the job's attempt
 * (its effects), so the record and the job can never disagree. Who closes a record there decides on a read of
 * the job that may be stale (a duplicate dial delivery, the sweep), so the job machine goes first: `refuse` or
 * `lost`, conditional on the version read, carries the final write as its effect (`CALL_TASKS.close`, which runs
 * `closeCallRecord`); a stale reader loses on the version and writes nothing.
 */

/**
 * Makes an attempt's call record final (creating it from `base` when the attempt never got one) with the
 * effects that end the job's attempt. Conditional on the record not being final yet: the first final
 * write wins, later ones are values (`false`). The record ends `endedAt` (epoch ms; now when absent).
 */
export async function closeCallRecord(svc: Services, base: CallRecord, fields: FinalCallFields, endedAtMs?: number): Promise<boolean> {
  const now = svc.clock.now();
  const key = callRecordKey(base);
  const endedAt = isoAt(endedAtMs ?? now);
  const effects = finalCallEffects(base, now);
  const updated = await svc.outbox.commit(
    key,
    { set: { ...fields, endedAt, ...(fields.placed ? {} : { ringSeconds: 0, talkSeconds: 0 }) } },
    { and: [{ exists: 'pk' }, { notExists: 'endedAt' }] },
    effects,
  );
  if (updated.ok) return true;
  const existing = await svc.store.get(key);
  if (existing) return false;
  await svc.store.put(callPointerItem(base));
  const created = await svc.outbox.commitPut(callRecordItem({ ...base, ...fields, endedAt }), { notExists: 'pk' }, effects);
  return created.ok;
}

/**
 * Deletes the record of a call that was never placed and never ended, with its call-id pointer: the record the
 * dialer wrote before a placement that failed and was requeued, once the attempt was given back (`unclaim`) and
 * its call id abandoned; the attempt is claimed again under another call id, which gets its own record. A record
 * placed or final is left alone (the call happened, or the attempt ended with it). Idempotent.
 */
export async function discardUnplacedRecord(svc: Pick<Services, 'store'>, ids: { instanceId: string; jobId: string; callId: string }): Promise<boolean> {
  const key = callRecordKey(ids);
  const deleted = await svc.store.delete(key, { and: [{ exists: 'pk' }, { notExists: 'endedAt' }, { eq: ['placed', false] }] });
  // The pointer only leads to this record: it goes once the record is gone (now or by an earlier run of the task).
  if (deleted.ok || !(await svc.store.get(key))) await svc.store.delete(keys.callPointer(ids.instanceId, ids.callId));
  return deleted.ok;
}

/**
 * When a lost call's record says it ended: the expiry of its lease (`leaseEnd`, the latest the platform
 * knows), never before the record's last sign of life (dial, ring, answer) and never after `now`.
 *
 * Why the lease expiry and not the time the loss was noticed: the true hang-up is unknown (the event never
 * came) and lies between the call's last event and its lease expiry, since every event renews the lease
 * well before it runs out. The lease expiry is the moment the platform stopped holding a line for the call
 * (from then on the slot may be taken by another call), so the record's dial-to-end interval is the time
 * the call held its line, and records never overlap beyond the maximum concurrency the leases allow. The
 * reconcile time, by contrast, depends on when the sweep or the planner reached the job (hours later, in the
 * chaos soak of issue 14). Such records say `hangupParty: 'system'`, `hangupReason: 'lost'`: their end is
 * the platform's bound, not an observed hang-up.
 */
export function lostCallEnd(record: Pick<CallRecord, 'dialledAt' | 'rungAt' | 'answeredAt'>, leaseEnd: number | undefined, now: number): number {
  const lastSign = Math.max(...[record.dialledAt, record.rungAt, record.answeredAt].map((t) => (t ? Date.parse(t) : 0)).filter((t) => Number.isFinite(t)));
  return Math.min(now, Math.max(leaseEnd ?? now, lastSign));
}

/**
 * An attempt whose call never reported its end: its record's outcome is applied if it is waiting, else
 * the record is closed as lost (a system failure: the job is retried, the callee's count given back),
 * ending at `leaseEnd` (the attempt's lease expiry, `lostCallEnd`).
 *
 * `job` is as the caller read it (the sweep's page of overdue attempts), and the loss is the job machine's `lost`
 * transition, conditional on that version, with the record's final write as its effect: if the attempt changed
 * since (a late delivery of its dial request found the line gone and gave the attempt back, its call id abandoned
 * and the attempt number to be claimed again under a new one; an outcome; a renewed lease), nothing is written,
 * rather than a "lost" record for an attempt that will get another, or an outcome against a job that moved on.
 * Returns whether the attempt was found lost now.
 */
export async function endLostAttempt(svc: Services, job: Job, options: { leaseEnd?: number } = {}): Promise<boolean> {
  if (job.status !== 'Executing') return false;
  const callId = job.callId;
  if (!callId) {
    await endAttempt(svc, {
      instanceId: job.instanceId, campaignId: job.campaignId, jobId: job.jobId, attempt: job.attempts, callId: job.lastCallId ?? `lost-${job.jobId}-${job.attempts}`,
      status: 'Failed', answered: false, completed: false, turns: 0, talkSeconds: 0, systemFailure: true, placed: false, endedAt: isoAt(svc.clock.now()),
    });
    return true;
  }
  const key = callRecordKey({ instanceId: job.instanceId, jobId: job.jobId, callId });
  const item = await svc.store.get(key);
  const record = callRecordFromItem(item);
  if (item && pendingEffects(item).length > 0) {
    await svc.outbox.drainClaimed(key);
    return false;
  }
  if (record?.endedAt) {
    // Final and its effects cleared, yet the job still waits: apply the outcome again (idempotent).
    await endAttempt(svc, outcomeOf(record));
    return false;
  }
  if (job.dialState === 'ending') {
    // Refused or found lost already: the effect making the record final is pending on the job (a crash); finish it.
    await svc.outbox.drainClaimed(keys.job(job.instanceId, job.campaignId, job.jobId));
    return false;
  }
  const now = svc.clock.now();
  const base: CallRecord = record ?? {
    callId,
    instanceId: job.instanceId,
    campaignId: job.campaignId,
    jobId: job.jobId,
    attempt: job.attempts,
    caller: job.from,
    callee: job.contact.phone,
    referenceId: job.contact.referenceId,
    plannedAt: job.plannedAt,
    dialledAt: job.plannedAt ?? isoAt(now),
    ringSeconds: 0,
    talkSeconds: 0,
    turns: 0,
    answered: false,
    completed: false,
    transferred: false,
    status: 'Executing',
    tags: {},
    noMatchHangup: false,
    systemFailure: false,
    placed: job.dialState === 'inCall',
    interacted: false,
    captured: {},
  };
  const ids = { instanceId: job.instanceId, campaignId: job.campaignId, jobId: job.jobId };
  const lost = await applyJobEvent(svc, ids, { type: 'lost', attempt: job.attempts, callId, record: base, endedAt: lostCallEnd(base, options.leaseEnd ?? job.dueAt, now) }, { job, retries: 0 });
  if (lost.ok) svc.log.warn('attempt lost: no outcome before its lease expired', { instanceId: job.instanceId, jobId: job.jobId, callId });
  return lost.ok;
}
