import type { Deps } from '../core/deps';
import type { JobFailureReason } from '../domain/statuses';
import { isoAt } from '../ports/clock';
import { JOB_SHARDS, keys } from '../store/keys';
import { campaignEvent, jobCompleteEvent, publishEvents } from './events';
import { addCounters, getCampaign, jobFromItem, mutateCampaign, readCounters } from './repository';

/**
 * Job state changes outside a call: cancelling waiting jobs (stop, suspend list, end of a recurring
 * plan) and completing a campaign when every job is done.
 */

/** Cancels a job that is waiting (not being dialled); false when it was not waiting any more. */
export async function cancelWaitingJob(
  deps: Deps,
  instanceId: string,
  campaignId: string,
  jobId: string,
  reason: Extract<JobFailureReason, 'Stopped' | 'ContactSuspended' | 'TimeUp' | 'ContactBlockList'>,
): Promise<boolean> {
  const now = deps.clock.now();
  const status = reason === 'ContactBlockList' ? 'Failed' : 'Cancelled';
  const result = await deps.store.update(
    keys.job(instanceId, campaignId, jobId),
    { set: { status, failureReason: reason, updatedAt: isoAt(now) }, remove: ['gsi1pk', 'gsi1sk', 'dueAt'] },
    { and: [{ eq: ['status', 'Scheduling'] }, { eq: ['dialState', 'idle'] }] },
  );
  if (!result.ok || !result.item) return false;
  const job = jobFromItem(result.item);
  await addCounters(deps.store, instanceId, campaignId, jobId, {
    completed: 1,
    ...(status === 'Cancelled' ? { cancelled: 1 } : { failed: 1, notAnswered: job.answered ? 0 : 1 }),
    suspended: reason === 'ContactSuspended' ? 1 : 0,
    cancelledUndialled: job.attempts === 0 ? 1 : 0,
  });
  await publishEvents(deps, [jobCompleteEvent(deps, job, { status, failureReason: reason })]);
  return true;
}

/**
 * Cancels every waiting job of a campaign, shard by shard through the due queue (gsi1), in pages.
 * Returns a cursor to continue from when `budgetMs` ran out (the worker re-enqueues itself).
 */
export async function cancelWaitingJobs(
  deps: Deps,
  instanceId: string,
  campaignId: string,
  reason: 'Stopped' | 'TimeUp',
  options: { fromShard?: number; budgetMs?: number } = {},
): Promise<{ cancelled: number; nextShard?: number }> {
  const started = Date.now();
  let cancelled = 0;
  for (let shard = options.fromShard ?? 0; shard < JOB_SHARDS; shard++) {
    for (;;) {
      // Cancelled jobs leave the index, so re-reading the first page walks the queue without a cursor.
      const page = await deps.store.query({ index: 'gsi1', pk: keys.dueQueue(instanceId, campaignId, shard), limit: 200 });
      if (page.items.length === 0) break;
      let progressed = 0;
      for (const item of page.items) {
        if (item.status !== 'Scheduling' || item.dialState !== 'idle') continue;
        if (await cancelWaitingJob(deps, instanceId, campaignId, String(item.jobId), reason)) {
          cancelled++;
          progressed++;
        }
      }
      if (progressed === 0) break; // Only jobs in calls left in this shard: their outcomes will close them.
      if (options.budgetMs !== undefined && Date.now() - started > options.budgetMs) return { cancelled, nextShard: shard };
    }
  }
  await completeIfDone(deps, instanceId, campaignId);
  return { cancelled };
}

/** Marks a running campaign completed when every job is done and no import runs; publishes the events once. */
export async function completeIfDone(deps: Deps, instanceId: string, campaignId: string): Promise<boolean> {
  const campaign = await getCampaign(deps.store, instanceId, campaignId);
  if (campaign.state !== 'running' && campaign.state !== 'stopped') return false;
  if (campaign.importsRunning > 0) return false;
  const counters = await readCounters(deps.store, instanceId, campaignId);
  if (counters.completed < counters.total) return false;
  if (campaign.state === 'stopped') {
    if (campaign.finishedAt) return false;
    await mutateCampaign(deps.store, instanceId, campaignId, deps.clock.now(), (c) => ({ ...c, finishedAt: c.finishedAt ?? isoAt(deps.clock.now()) }));
    return false;
  }
  let changed = false;
  try {
    await mutateCampaign(deps.store, instanceId, campaignId, deps.clock.now(), (c) => {
      if (c.state !== 'running') throw new Error('not running');
      changed = true;
      return { ...c, state: 'completed', finishedAt: isoAt(deps.clock.now()) };
    });
  } catch {
    return false;
  }
  if (!changed) return false;
  await publishEvents(deps, [
    campaignEvent(deps, 'CampaignStateChanged', [campaignId, 'completed'], { instanceId, campaignId, state: 'completed', previousState: 'running' }),
    campaignEvent(deps, 'CampaignComplete', [campaignId, campaign.run], { instanceId, campaignId, name: campaign.name, counters }),
  ]);
  return true;
}
