import type { Services } from '../core/deps';
import { CallOutcome, type CallOutcome as Outcome } from '../domain/dialing';
import { getInstanceSettings } from '../instances/repository';
import { suspendedAmong } from '../lists';
import { RetryPolicy } from './schema';
import { findCampaign, getJob } from './repository';
import { applyJobEvent, type JobApplied } from './transitions';

/**
 * Ends one call attempt (SPEC P5, P6, R1, E1): gathers what the job machine needs to decide (the
 * campaign's retry policy and state, the instance's "do not redial empty numbers" switch, the suspend
 * list) and applies `attemptEnded`. Idempotent per (job, attempt, call): a duplicate or late outcome is
 * refused by the machine and nothing is applied twice.
 */
export async function endAttempt(svc: Services, input: Omit<Outcome, 'placed' | 'interacted' | 'captured' | 'systemFailure' | 'tags'> & Partial<Outcome>): Promise<JobApplied> {
  const outcome = CallOutcome.parse(input);
  const { instanceId, campaignId, jobId } = outcome;
  const job = await getJob(svc.store, instanceId, campaignId, jobId);
  if (!job) return { ok: false, reason: 'no such job' };
  const [campaign, settings, suspended] = await Promise.all([
    findCampaign(svc.store, instanceId, campaignId),
    getInstanceSettings(svc.store, instanceId),
    suspendedAmong(svc.store, instanceId, campaignId, [job.contact.phone]),
  ]);
  return applyJobEvent(
    svc,
    { instanceId, campaignId, jobId },
    {
      type: 'attemptEnded',
      attempt: outcome.attempt,
      callId: outcome.callId,
      outcome,
      policy: campaign?.retry ?? RetryPolicy.parse({ retries: 0 }),
      stopped: !campaign || campaign.state === 'stopped' || campaign.state === 'completed',
      suspended: suspended.size > 0,
      noRedialEmptyNumbers: settings.noRedialEmptyNumbers,
    },
    { job },
  );
}
