import { finishCall } from '../campaigns/call-outcome';
import { addCounters, findCampaign, getJob } from '../campaigns/repository';
import type { Deps } from '../core/deps';
import type { CallArguments, CallOutcome, DialRequest } from '../domain/dialing';
import type { CallStatus } from '../domain/statuses';
import { addInstanceStats } from '../instances/repository';
import { onList } from '../lists';
import { isoAt } from '../ports/clock';
import { keys } from '../store/keys';
import { takeRate } from './rate-limiter';
import { ringTimeoutMessage } from './ring-timeout';

/**
 * The dialer (SPEC P4, T1): turns a DialRequest into CreateSipMediaApplicationCall, at most once per
 * (jobId, attempt): the job moves queued → dialing with a conditional write before the call is placed,
 * so a duplicated message finds it already dialing and does nothing.
 */

/** What became of a dial request. */
export type DialResult = 'placed' | 'duplicate' | 'cancelled' | 'blocked' | 'retryLater' | 'failed';

/** How long a dialer waits for a rate slot before handing the message back to the queue. */
export const MAX_RATE_WAIT_MS = 20_000;

/** Handles one dial request. `retryLater` means: let the queue redeliver it (throttled, no rate slot). */
export async function handleDialRequest(deps: Deps, req: DialRequest): Promise<DialResult> {
  const { store } = deps;
  const { instanceId, campaignId, jobId, attempt } = req;
  const job = await getJob(store, instanceId, campaignId, jobId);
  if (!job || job.attempts !== attempt || job.dialState !== 'queued' || job.finishedAttempt >= attempt) return 'duplicate';

  const notPlaced = (status: CallStatus, systemFailure: boolean): CallOutcome => ({
    instanceId,
    campaignId,
    jobId,
    attempt,
    callId: req.callId,
    leaseSlot: req.leaseSlot,
    status,
    answered: false,
    completed: false,
    turns: 0,
    talkSeconds: 0,
    tags: {},
    systemFailure,
    endedAt: isoAt(deps.clock.now()),
  });

  // Stop and pause take effect here too: a request queued before the change is not placed.
  const campaign = await findCampaign(store, instanceId, campaignId);
  if (!campaign || campaign.state !== 'running') {
    await finishCall(deps, notPlaced('Cancelled', true));
    return 'cancelled';
  }
  // The do-not-call list is checked at dial time as well (P7): a number added after planning is not called.
  if ((await onList(store, instanceId, 'doNotCall', [req.to])).size > 0) {
    await finishCall(deps, notPlaced('ContactBlockList', true));
    return 'blocked';
  }

  const jobKey = keys.job(instanceId, campaignId, jobId);
  const claimed = await store.update(
    jobKey,
    { set: { dialState: 'dialing', updatedAt: isoAt(deps.clock.now()) } },
    { and: [{ eq: ['attempts', attempt] }, { eq: ['dialState', 'queued'] }] },
  );
  if (!claimed.ok) return 'duplicate';
  const backToQueued = () =>
    store.update(jobKey, { set: { dialState: 'queued' } }, { and: [{ eq: ['attempts', attempt] }, { eq: ['dialState', 'dialing'] }] });

  if (!(await takeRate(store, deps.clock, deps.config.callsPerSecond, MAX_RATE_WAIT_MS))) {
    await backToQueued();
    return 'retryLater';
  }

  const args: CallArguments = { instanceId, campaignId, jobId, attempt: String(attempt), callId: req.callId, leaseSlot: String(req.leaseSlot) };
  let result;
  try {
    result = await deps.telephony.placeCall({
      fromPhoneNumber: req.from,
      toPhoneNumber: req.to,
      arguments: { ...args, maxRingSeconds: String(campaign.retry.maxRingSeconds) },
    });
  } catch (error) {
    deps.log.warn('placeCall threw', { jobId, error: String(error) });
    result = { ok: false as const, reason: 'unavailable' as const, message: String(error), retryable: true };
  }
  if (!result.ok) {
    if (result.retryable || result.reason === 'throttled') {
      await backToQueued();
      return 'retryLater';
    }
    const status: CallStatus = /caller|not registered|from/i.test(result.message) ? 'CallerNotRegistered' : 'Failed';
    deps.log.warn('call rejected by telephony', { jobId, reason: result.reason, message: result.message });
    await finishCall(deps, notPlaced(status, result.reason === 'unavailable'));
    return 'failed';
  }
  await store.update(
    jobKey,
    { set: { dialState: 'inCall', transactionId: result.transactionId, dialledAt: isoAt(deps.clock.now()) } },
    { and: [{ eq: ['attempts', attempt] }, { eq: ['dialState', 'dialing'] }] },
  );
  await deps.queues.dial.send(
    ringTimeoutMessage({ instanceId, campaignId, jobId, attempt, callId: req.callId, transactionId: result.transactionId }, campaign.retry.maxRingSeconds),
  );
  await addCounters(store, instanceId, campaignId, `${jobId}#${attempt}`, { callsPlaced: 1 });
  await addInstanceStats(store, instanceId, { callsPlaced: 1 }, attempt + jobId.length);
  // The Dialing event comes from the SMA handler when Chime reports the new outbound call.
  return 'placed';
}
