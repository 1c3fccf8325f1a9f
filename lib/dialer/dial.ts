import { closeCallRecord } from '../campaigns/attempts';
import { renewLease, LEASE_TTL_MS } from '../campaigns/leases';
import { findCampaign, getJob } from '../campaigns/repository';
import type { Campaign, Job } from '../campaigns/schema';
import { applyJobEvent } from '../campaigns/transitions';
import type { Services } from '../core/deps';
import { CallArguments, type DialRequest } from '../domain/dialing';
import type { CallStatus } from '../domain/statuses';
import { buildEvent, contactsOf, extrasOf, taskOf } from '../events';
import { onList } from '../lists';
import { effectId } from '../outbox/effects';
import { isoAt } from '../ports/clock';
import { callPointerItem, callRecordItem, callRecordKey, type CallRecord, type FinalCallFields } from '../telephony/call-records';
import { encodePlanArgument, loadCallPlan } from '../telephony/plan';
import { takeRate } from './rate-limiter';
import { campaignSchedules } from '../campaigns/dispatch';
import { getInstanceSettings } from '../instances/repository';
import { allOpen, type WindowConstraint } from '../windows/schedule';
import { ringTimeoutMessage } from './ring-timeout';

/**
 * The dialer (SPEC P4, T1, T4): turns a DialRequest into CreateSipMediaApplicationCall, at most once per
 * claimed attempt: the job moves queued → dialing (a machine transition, conditional) before the call is
 * placed, so a duplicated message finds it past `queued` and does nothing. Every attempt gets its call
 * record here, before the call is placed (so the SMA handler only ever updates it); an attempt refused
 * before reaching the telephony gets a final one (do-not-call, stopped campaign, rejected). A refusal before
 * `dialing` is the job machine's `refuse`, conditional on the job as this delivery read it, whose effect writes
 * the final record: a duplicate delivery with a stale read never closes the record of the call another delivery
 * placed meanwhile (nor ends that attempt, nor releases its line under the live call). A record written
 * before a placement that failed and was requeued is reused by the redelivery (same call id), or, when the
 * attempt is given back instead (`unclaim`: paused, line lost, window closed), discarded by that transition's
 * effect, since the attempt number is claimed again under a new call id.
 */

/** What became of a dial request. */
export type DialResult = 'placed' | 'duplicate' | 'cancelled' | 'blocked' | 'retryLater' | 'failed';

/** How long a dialer waits for a rate slot before handing the message back to the queue. */
export const MAX_RATE_WAIT_MS = 20_000;

/** The call record an attempt starts with (status Executing until the call ends). */
function openRecord(req: DialRequest, job: Job, campaign: Campaign | undefined, now: number): CallRecord {
  return {
    callId: req.callId,
    instanceId: req.instanceId,
    campaignId: req.campaignId,
    jobId: req.jobId,
    attempt: req.attempt,
    caller: req.from,
    callee: req.to,
    referenceId: job.contact.referenceId,
    scenarioId: campaign?.scenarioId,
    scenarioVersion: campaign?.scenarioVersion,
    plannedAt: req.plannedAt,
    dialledAt: isoAt(now),
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
    placed: false,
    interacted: false,
    captured: {},
  };
}

/** Handles one dial request. `retryLater` means: let the queue redeliver it (throttled, no rate slot). */
export async function handleDialRequest(svc: Services, req: DialRequest): Promise<DialResult> {
  const { store } = svc;
  const { instanceId, campaignId, jobId, attempt, callId } = req;
  const ids = { instanceId, campaignId, jobId };
  const job = await getJob(store, instanceId, campaignId, jobId);
  // Only a request still `queued` for this very claim may dial: a redelivery after `dialing` could follow a
  // call already placed, so it never places another (a call never placed is found lost at lease expiry).
  if (!job || job.status !== 'Executing' || job.attempts !== attempt || job.callId !== callId || job.dialState !== 'queued') return 'duplicate';

  const campaign = await findCampaign(store, instanceId, campaignId);
  const final = (status: CallStatus, reason: string, systemFailure: boolean): FinalCallFields => ({ status, systemFailure, placed: false, hangupParty: 'system', hangupReason: reason });
  // Refused before dialling: only as this delivery read the job (queued for this claim; `retries: 0`, so the version
  // decides). Another delivery of the same request may have taken the attempt since and placed the call: this one
  // then lost the race and is a duplicate that writes nothing. The record becomes final by the transition's effect.
  const refuse = async (status: CallStatus, reason: string, result: 'cancelled' | 'blocked'): Promise<DialResult> => {
    const record = openRecord(req, job, campaign, svc.clock.now());
    const refused = await applyJobEvent(svc, ids, { type: 'refuse', attempt, callId, record, final: final(status, reason, true) }, { job, retries: 0 });
    return refused.ok ? result : 'duplicate';
  };

  if (!campaign || campaign.state === 'stopped' || campaign.state === 'completed') return refuse('Cancelled', 'stopped', 'cancelled');
  // The attempt is given back only as this delivery read it (queued; `retries: 0`, so the version decides): a
  // fresh read may find it `dialing` under another delivery of the same request, about to place the call, and
  // taking its lease away then put a call in flight without a line (over the maximum, and dialled twice).
  if (campaign.state !== 'running') {
    // Paused (or back to scheduled): the attempt never left; the job waits as if it had not been claimed.
    await applyJobEvent(svc, ids, { type: 'unclaim', attempt, callId, reason: 'paused' }, { job, retries: 0 });
    return 'cancelled';
  }
  // The do-not-call list is checked at dial time as well (P7): a number added after planning is not called.
  if ((await onList(store, instanceId, 'doNotCall', [req.to])).size > 0) return refuse('ContactBlockList', 'doNotCall', 'blocked');

  const now = svc.clock.now();
  if (!(await renewLease(store, instanceId, req.leaseSlot, callId, now + LEASE_TTL_MS))) {
    // The line went to someone else (the request waited past the lease): give the attempt back.
    await applyJobEvent(svc, ids, { type: 'unclaim', attempt, callId, reason: 'leaseLost' }, { job, retries: 0 });
    return 'cancelled';
  }
  const dialing = await applyJobEvent(svc, ids, { type: 'dialing', attempt, callId, leaseUntil: now + LEASE_TTL_MS }, { job, retries: 0 });
  if (!dialing.ok) return 'duplicate';

  if (!(await takeRate(store, svc.clock, svc.config.callsPerSecond, MAX_RATE_WAIT_MS))) {
    await applyJobEvent(svc, ids, { type: 'requeue', attempt, callId });
    return 'retryLater';
  }
  // The windows are checked at dial time too (P1): a request delayed past a window's end (a slow or redelivered
  // message, a throttled placement handed back, the wait for a rate slot) gives the attempt back, and the planner
  // defers the job to the next opening. The campaign chaos soak found calls placed up to 47 s after 10:30.
  if (!(await windowsOpenAt(svc, campaign, req, svc.clock.now()))) {
    await applyJobEvent(svc, ids, { type: 'unclaim', attempt, callId, reason: 'outsideWindows' });
    return 'cancelled';
  }

  const record = openRecord(req, job, campaign, svc.clock.now());
  // The record exists before the call does: the SMA handler only ever updates it. A redelivered request keeps the first one.
  await Promise.all([store.put(callPointerItem(record)), store.put(callRecordItem(record), { notExists: 'pk' })]);

  const plan = await loadCallPlan(svc, { instanceId, campaignId, jobId, attempt, callId, leaseSlot: req.leaseSlot }, { campaign, job }).catch((error: unknown) => {
    svc.log.warn('call plan not loaded; the SMA handler will load it', { jobId, error });
    return undefined;
  });
  const args: CallArguments = { instanceId, campaignId, jobId, attempt: String(attempt), callId, leaseSlot: String(req.leaseSlot) };
  let result;
  try {
    result = await svc.telephony.placeCall({
      fromPhoneNumber: req.from,
      toPhoneNumber: req.to,
      arguments: { ...args, maxRingSeconds: String(campaign.retry.maxRingSeconds), ...(plan ? encodePlanArgument(plan) : {}) },
    });
  } catch (error) {
    svc.log.warn('placeCall threw', { jobId, error });
    result = { ok: false as const, reason: 'unavailable' as const, message: String(error), retryable: true };
  }
  if (!result.ok) {
    if (result.retryable || result.reason === 'throttled') {
      await applyJobEvent(svc, ids, { type: 'requeue', attempt, callId });
      return 'retryLater';
    }
    const status: CallStatus = /caller|not registered|from/i.test(result.message) ? 'CallerNotRegistered' : 'Failed';
    svc.log.warn('call rejected by telephony', { jobId, reason: result.reason, message: result.message });
    // This delivery holds the attempt (`dialing` is its own; only the attempt's end can follow, and the first final
    // write of the record wins, should the sweep have found it lost meanwhile): it closes the record it wrote.
    await closeCallRecord(svc, record, final(status, 'rejected', result.reason === 'unavailable' || status === 'CallerNotRegistered'));
    return 'failed';
  }
  const placedAt = svc.clock.now();
  await Promise.all([
    applyJobEvent(svc, ids, { type: 'placed', attempt, callId, transactionId: result.transactionId }),
    svc.outbox.commit(
      callRecordKey(record),
      { set: { transactionId: result.transactionId, placed: true, dialledAt: isoAt(placedAt) } },
      { exists: 'pk' },
      [
        {
          type: 'publish',
          id: effectId(placedAt, 'call', callId, 'dialing'),
          event: buildEvent(
            'Dialing',
            {
              instanceId, campaignId, jobId, callId, attempt, status: 'Executing',
              extras: extrasOf(job.contact.variables),
              contacts: contactsOf(job.contact),
              tasks: [taskOf({ ...record, dialledAt: isoAt(placedAt) })],
              callingNumber: req.from,
              calledNumber: req.to,
            },
            { source: svc.config.eventSource, time: placedAt },
          ),
        },
      ],
    ),
    svc.queues.dial.send(ringTimeoutMessage({ instanceId, campaignId, jobId, attempt, callId, transactionId: result.transactionId }, campaign.retry.maxRingSeconds)),
  ]);
  return 'placed';
}

/** Whether a call to `to` may start at `now` under the instance's windows (in the callee's zones when so set) and the campaign's own. */
async function windowsOpenAt(svc: Services, campaign: Campaign, req: DialRequest, now: number): Promise<boolean> {
  const settings = await getInstanceSettings(svc.store, campaign.instanceId);
  const constraints: WindowConstraint[] = campaignSchedules(campaign).map((schedule) => ({ schedule, zones: [settings.timeZone] }));
  // The allow list is exempt from the instance windows, not from the campaign's own (P7), as in the planner.
  if ((await onList(svc.store, campaign.instanceId, 'allow', [req.to])).size === 0) {
    // The planner's zones (geocoded or from its table), so both checks agree; the planner is the one place that
    // works out where a callee is, which keeps the phone metadata out of this function. A request queued before
    // the field existed carries none: when callee-local windows are on it counts as closed, and the attempt goes
    // back to the planner, which dials it again at once with the zones.
    if (req.calleeZones === undefined && settings.windows.calleeLocalTime) {
      svc.log.info('dial request without the callee zones; handed back to the planner', { jobId: req.jobId, attempt: req.attempt });
      return false;
    }
    const found = req.calleeZones ?? [];
    constraints.push({ schedule: { ranges: settings.windows.ranges, weekdaysOnly: settings.windows.weekdaysOnly }, zones: found.length > 0 ? found : [settings.timeZone] });
  }
  return allOpen(constraints, now);
}
