import type { Deps } from '../core/deps';
import type { CallOutcome } from '../domain/dialing';
import type { JobStatus } from '../domain/statuses';
import { getInstanceSettings } from '../instances/repository';
import { decideAfterCall } from '../planner/retry';
import { isoAt } from '../ports/clock';
import { keys } from '../store/keys';
import { suspendedAmong } from '../lists';
import { jobCompleteEvent, publishEvents } from './events';
import { completeIfDone } from './jobs';
import { releaseLease } from './leases';
import { addCounters, dueIndex, findCampaign, getJob, jobFromItem } from './repository';

/**
 * Applies the outcome of one call attempt (SPEC P5, P6, R1, E1). Idempotent per (jobId, attempt):
 * the job update is conditional on the attempt not being finished yet, and every later step is
 * either guarded the same way or harmless to repeat (lease release by holder, stable event ids, tick).
 */
export async function finishCall(deps: Deps, outcome: CallOutcome): Promise<void> {
  const { store } = deps;
  const { instanceId, campaignId, jobId, attempt } = outcome;
  const now = deps.clock.now();
  const job = await getJob(store, instanceId, campaignId, jobId);
  const slot = outcome.leaseSlot ?? job?.leaseSlot;
  if (!job || job.attempts !== attempt || job.finishedAttempt >= attempt) {
    await releaseLease(store, instanceId, slot, jobId, attempt);
    return;
  }
  const campaign = await findCampaign(store, instanceId, campaignId);
  const settings = await getInstanceSettings(store, instanceId);
  const suspended = (await suspendedAmong(store, instanceId, campaignId, [job.contact.phone])).size > 0;
  const decision = decideAfterCall({
    status: outcome.status,
    answered: outcome.answered,
    systemFailure: outcome.systemFailure,
    tries: job.tries,
    systemAttempts: job.systemAttempts,
    policy: campaign?.retry ?? { retries: 0, intervalSeconds: 1800, intervalByStatus: {}, neverRedial: [] },
    noRedialEmptyNumbers: settings.noRedialEmptyNumbers,
    stopped: !campaign || campaign.state === 'stopped' || campaign.state === 'completed',
    now,
  });
  let status: JobStatus;
  let failureReason: string | undefined;
  if (decision.kind === 'retry' && suspended) {
    status = 'Cancelled';
    failureReason = 'ContactSuspended';
  } else if (decision.kind === 'retry') {
    status = 'Scheduling';
  } else {
    status = decision.status;
    failureReason = decision.failureReason;
  }
  const retrying = status === 'Scheduling';
  const answered = job.answered || outcome.answered;
  const counts = decision.kind === 'retry' ? decision.countsAsTry : !outcome.systemFailure;
  const written = await store.update(
    keys.job(instanceId, campaignId, jobId),
    {
      set: {
        status,
        failureReason,
        finishedAttempt: attempt,
        dialState: 'idle',
        lastCallStatus: outcome.status,
        lastCallId: outcome.callId,
        answered,
        tags: { ...job.tags, ...outcome.tags },
        tries: job.tries + (counts ? 1 : 0),
        systemAttempts: job.systemAttempts + (outcome.systemFailure ? 1 : 0),
        updatedAt: isoAt(now),
        ...(retrying && decision.kind === 'retry' ? dueIndex(instanceId, campaignId, jobId, decision.at) : {}),
      },
      remove: ['leaseSlot', 'calleeDay', 'from', ...(retrying ? [] : ['gsi1pk', 'gsi1sk', 'dueAt'])],
    },
    { and: [{ eq: ['attempts', attempt] }, { lt: ['finishedAttempt', attempt] }] },
  );
  if (!written.ok) {
    await releaseLease(store, instanceId, slot, jobId, attempt);
    return;
  }
  const terminal = !retrying;
  await addCounters(store, instanceId, campaignId, jobId, {
    callsAnswered: outcome.answered ? 1 : 0,
    ...(terminal
      ? {
          completed: 1,
          succeeded: status === 'Succeeded' ? 1 : 0,
          failed: status === 'Failed' ? 1 : 0,
          cancelled: status === 'Cancelled' ? 1 : 0,
          suspended: failureReason === 'ContactSuspended' ? 1 : 0,
          answered: answered ? 1 : 0,
          notAnswered: status !== 'Succeeded' && !answered ? 1 : 0,
        }
      : {}),
  });
  // System failures do not count towards the per-callee daily cap (P6): give the count back.
  if (outcome.systemFailure && job.calleeDay) {
    await store.update(keys.calleeDay(instanceId, job.contact.phone, job.calleeDay), { add: { count: -1 } }, { gt: ['count', 0] });
  }
  await releaseLease(store, instanceId, slot, jobId, attempt);
  if (terminal) {
    const final = jobFromItem(written.item!);
    await publishEvents(deps, [
      jobCompleteEvent(deps, final, { status, failureReason, lastCall: { callId: outcome.callId, status: outcome.status, answered } }),
    ]);
    await completeIfDone(deps, instanceId, campaignId);
  }
  await deps.queues.tick.send({ body: JSON.stringify({ type: 'tick', instanceId, campaignId, reason: 'callEnded' }) });
}
