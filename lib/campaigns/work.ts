import * as z from 'zod';
import type { Services } from '../core/deps';
import { cancelWaitingJobs, pullForwardDeferred } from './jobs';

/** Background work of campaigns on the work queue: bulk job changes too large for one request. */
export const CampaignWork = z.discriminatedUnion('type', [
  /** Cancel the waiting jobs of a stopped campaign (or of a recurring plan that ended), from a shard on. */
  z.object({ type: z.literal('cancelJobs'), instanceId: z.string(), campaignId: z.string(), reason: z.enum(['Stopped', 'TimeUp']), fromShard: z.number().int().min(0).default(0) }),
  /** Windows widened: jobs deferred for windows are due again. */
  z.object({ type: z.literal('replan'), instanceId: z.string(), campaignId: z.string(), fromShard: z.number().int().min(0).default(0) }),
]);
/** A campaign work item. */
export type CampaignWork = z.infer<typeof CampaignWork>;

/** Time a worker spends on one pass before handing the rest to a new message (Lambda limit: 15 min). */
export const WORK_BUDGET_MS = 10 * 60_000;

/** Runs one campaign work item; what the budget leaves goes back to the queue with its position. */
export async function runCampaignWork(svc: Services, work: CampaignWork): Promise<void> {
  const result =
    work.type === 'cancelJobs'
      ? await cancelWaitingJobs(svc, work.instanceId, work.campaignId, work.reason, { fromShard: work.fromShard, budgetMs: WORK_BUDGET_MS })
      : await pullForwardDeferred(svc, work.instanceId, work.campaignId, { fromShard: work.fromShard, budgetMs: WORK_BUDGET_MS });
  if (result.nextShard !== undefined) await svc.queues.work.send({ body: JSON.stringify({ ...work, fromShard: result.nextShard }) });
  else if (work.type === 'replan') await svc.queues.tick.send({ body: JSON.stringify({ type: 'tick', instanceId: work.instanceId, campaignId: work.campaignId, reason: 'stateChanged' }) });
}
