import type { Deps } from '../core/deps';
import { stableId } from '../core/ids';
import type { BusEvent } from '../ports/bus';
import { isoAt } from '../ports/clock';
import { keys } from '../store/keys';
import type { Job } from './schema';

/** Builds a bus event with a stable id (SPEC E1): the same fact always gets the same id, so consumers can deduplicate. */
export function campaignEvent(deps: Deps, detailType: string, idParts: (string | number)[], detail: Record<string, unknown>): BusEvent {
  const id = stableId(detailType, ...idParts);
  return { id, source: deps.config.eventSource, detailType, detail: { eventId: id, ...detail }, time: isoAt(deps.clock.now()) };
}

/** The JobComplete event of a finished job (E1); one builder so every path reports the same fields. */
export function jobCompleteEvent(
  deps: Deps,
  job: Job,
  outcome: { status: string; failureReason?: string; lastCall?: { callId: string; status: string; answered: boolean } },
): BusEvent {
  return campaignEvent(deps, 'JobComplete', [job.jobId, 'final'], {
    instanceId: job.instanceId,
    campaignId: job.campaignId,
    jobId: job.jobId,
    status: outcome.status,
    failureReason: outcome.failureReason,
    contact: { phone: job.contact.phone, name: job.contact.name, referenceId: job.contact.referenceId },
    attempts: job.attempts,
    ...(outcome.lastCall
      ? { lastCallId: outcome.lastCall.callId, lastCallStatus: outcome.lastCall.status, answered: outcome.lastCall.answered }
      : {}),
    tags: job.tags,
  });
}

/** Publishes events; a failure is logged, never thrown, because the state change they report is already committed. */
export async function publishEvents(deps: Deps, events: BusEvent[]): Promise<void> {
  if (events.length === 0) return;
  try {
    const result = await deps.bus.publish(events);
    for (const f of result.failed) deps.log.warn('event not published', { detailType: f.event.detailType, reason: f.reason });
  } catch (error) {
    deps.log.warn('event publish failed', { error: String(error) });
  }
}

/** Appends an audit entry (SPEC E4): who changed what. */
export async function audit(
  deps: Deps,
  instanceId: string,
  entry: { principal: string; action: string; target: string; details?: Record<string, unknown> },
): Promise<void> {
  const at = isoAt(deps.clock.now());
  const id = stableId(entry.principal, entry.action, entry.target, at, Math.random());
  await deps.store.put({ ...keys.audit(instanceId, at, id), type: 'audit', at, ...entry });
}
