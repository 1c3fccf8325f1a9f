import type { Services } from '../core/deps';
import { JOB_SHARDS, keys } from '../store/keys';
import { jobFromItem } from './repository';
import type { JobEventInput } from './job-machine';
import { applyJobEvent, checkCompletion } from './transitions';

/**
 * Job changes outside a call, in bulk: cancelling the waiting jobs of a stopped campaign or of a
 * recurring plan that ended, and pulling window-deferred jobs forward when windows widen. Each job is
 * one machine transition (conditional write, effects on the job); the walks go through the due queue
 * (gsi1), where only waiting jobs are, and stop at a time budget with the shard to continue from.
 */

/** Reasons a waiting job is cancelled. */
export type CancelReason = Extract<JobEventInput, { type: 'cancel' }>['reason'];

/** Cancels one waiting job; false when it was not waiting any more (in a call, already finished). */
export async function cancelWaitingJob(svc: Services, instanceId: string, campaignId: string, jobId: string, reason: CancelReason): Promise<boolean> {
  const r = await applyJobEvent(svc, { instanceId, campaignId, jobId }, { type: 'cancel', reason });
  return r.ok;
}

/** Walks a campaign's due queue applying an event to each job it matches; stops at the budget. */
async function walkDueQueue(
  svc: Services,
  instanceId: string,
  campaignId: string,
  event: JobEventInput,
  options: { fromShard?: number; budgetMs?: number; match?: (item: Record<string, unknown>) => boolean },
): Promise<{ changed: number; nextShard?: number }> {
  const started = Date.now();
  let changed = 0;
  for (let shard = options.fromShard ?? 0; shard < JOB_SHARDS; shard++) {
    let cursor: string | undefined;
    do {
      const page = await svc.store.query({ index: 'gsi1', pk: keys.dueQueue(instanceId, campaignId, shard), limit: 200, cursor });
      for (const item of page.items) {
        if (item.status !== 'Scheduling' || item.dialState !== 'idle') continue;
        if (options.match && !options.match(item)) continue;
        const r = await applyJobEvent(svc, { instanceId, campaignId, jobId: String(item.jobId) }, event, { job: jobFromItem(item), retries: 2 });
        if (r.ok) changed++;
      }
      cursor = page.cursor;
      if (options.budgetMs !== undefined && Date.now() - started > options.budgetMs) return { changed, nextShard: shard };
    } while (cursor);
  }
  return { changed };
}

/**
 * Cancels every waiting job of a campaign, shard by shard. Returns the shard to continue from when the
 * budget ran out (the worker re-enqueues itself with it). Jobs in a call finish their call first; their
 * outcome sees the stopped campaign and does not redial.
 */
export async function cancelWaitingJobs(
  svc: Services,
  instanceId: string,
  campaignId: string,
  reason: 'Stopped' | 'TimeUp',
  options: { fromShard?: number; budgetMs?: number } = {},
): Promise<{ cancelled: number; nextShard?: number }> {
  const r = await walkDueQueue(svc, instanceId, campaignId, { type: 'cancel', reason }, options);
  if (r.nextShard === undefined) await checkCompletion(svc, instanceId, campaignId);
  return { cancelled: r.changed, ...(r.nextShard !== undefined ? { nextShard: r.nextShard } : {}) };
}

/** Windows widened (instance or campaign): jobs deferred for windows are due again now. */
export async function pullForwardDeferred(
  svc: Services,
  instanceId: string,
  campaignId: string,
  options: { fromShard?: number; budgetMs?: number } = {},
): Promise<{ pulled: number; nextShard?: number }> {
  const now = svc.clock.now();
  const r = await walkDueQueue(svc, instanceId, campaignId, { type: 'pullForward' }, {
    ...options,
    match: (item) => typeof item.deferReason === 'string' && item.deferReason !== 'dailyCap' && Number(item.dueAt) > now,
  });
  return { pulled: r.changed, ...(r.nextShard !== undefined ? { nextShard: r.nextShard } : {}) };
}
