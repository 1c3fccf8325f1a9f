import type { Deps } from '../core/deps';
import { stableId } from '../core/ids';
import type { BusEvent } from '../ports/bus';
import { isoAt } from '../ports/clock';
import { keys } from '../store/keys';
import type { CallRecord } from '../telephony/call-records';
import type { Job } from './schema';

/** Builds a bus event with a stable id (SPEC E1): the same fact always gets the same id, so consumers can deduplicate. */
export function campaignEvent(deps: Pick<Deps, 'config' | 'clock'>, detailType: string, idParts: (string | number)[], detail: Record<string, unknown>): BusEvent {
  const id = stableId(detailType, ...idParts);
  return { id, source: deps.config.eventSource, detailType, detail: { eventId: id, eventType: detailType, eventTime: deps.clock.now(), ...detail }, time: isoAt(deps.clock.now()) };
}

/** The contact of a job as seed 002's messages list it (`contacts[]`). */
export function contactOf(job: Job) {
  const c = job.contact;
  return { id: job.jobId, phoneNumber: c.phone, ...(c.name ? { name: c.name } : {}), ...(c.honorific ? { honorific: c.honorific } : {}), ...(c.referenceId ? { referenceId: c.referenceId } : {}) };
}

/** A contact's variables as seed 002's `extras` (key/value pairs). */
export function extrasOf(job: Job) {
  return Object.entries({ ...job.contact.variables, ...job.captured }).map(([key, value]) => ({ key, value }));
}

/** One call of a job as seed 002's `tasks[]` lists it. */
export function taskOf(call: CallRecord) {
  return {
    id: call.callId,
    callId: call.callId,
    planedTime: call.plannedAt,
    actualTime: call.dialledAt,
    endTime: call.endedAt,
    callingNumber: call.caller,
    calledNumber: call.callee,
    status: call.status,
    ...(call.sipCode !== undefined ? { sipCode: call.sipCode } : {}),
  };
}

/** The JobComplete event of a finished job (E1), in seed 002's shape: contacts[], extras, tasks[] (its calls). */
export function jobCompleteEvent(deps: Pick<Deps, 'config' | 'clock'>, job: Job, calls: readonly CallRecord[]): BusEvent {
  return campaignEvent(deps, 'JobComplete', [job.jobId, 'final'], {
    instanceId: job.instanceId,
    groupId: job.campaignId,
    campaignId: job.campaignId,
    id: job.jobId,
    jobId: job.jobId,
    status: job.status,
    ...(job.failureReason ? { failureReason: job.failureReason } : {}),
    attempts: job.attempts,
    answered: job.answered,
    tags: job.tags,
    extras: extrasOf(job),
    contacts: [contactOf(job)],
    tasks: calls.map(taskOf),
  });
}

/** Appends an audit entry (SPEC E4): who changed what. The id is stable per fact so a retried request writes it once. */
export async function audit(
  deps: Pick<Deps, 'store' | 'clock'>,
  instanceId: string,
  entry: { principal: string; action: string; target: string; details?: Record<string, unknown> },
): Promise<void> {
  const at = isoAt(deps.clock.now());
  const id = stableId(entry.principal, entry.action, entry.target, at, JSON.stringify(entry.details ?? {}));
  await deps.store.put({ ...keys.audit(instanceId, at, id), type: 'audit', at, ...entry }, { notExists: 'pk' });
}
