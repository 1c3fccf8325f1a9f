import { DynamoDbStore } from '../lib/adapters/aws/dynamodb-store';
import { EventBridgeBus } from '../lib/adapters/aws/eventbridge-bus';
import { SfnWorkflows } from '../lib/adapters/aws/sfn-workflows';
import { SqsQueue } from '../lib/adapters/aws/sqs-queue';
import { reconcileLostAttempts, reconcileOverdueAttempt } from '../lib/campaigns/dispatch';
import { jobFromItem, liveCampaigns } from '../lib/campaigns/repository';
import { checkCompletion, releaseAbandonedImports } from '../lib/campaigns/transitions';
import type { Services } from '../lib/core/deps';
import { listInstanceIds } from '../lib/instances/repository';
import { JOB_SHARDS, keys } from '../lib/store/keys';
import { awsServices } from './composition';

/**
 * Overdue attempts a paused or stopped campaign's due queue still holds: jobs indexed before attempts in
 * progress moved to their own partition (`reconcileLostAttempts` finds the others, in every live campaign).
 */
async function reconcileIdleCampaign(svc: Services, instanceId: string, campaignId: string): Promise<void> {
  const now = svc.clock.now();
  for (let shard = 0; shard < JOB_SHARDS; shard++) {
    const page = await svc.store.query({ index: 'gsi1', pk: keys.dueQueue(instanceId, campaignId, shard), le: `${String(now).padStart(13, '0')}\uffff`, limit: 25 });
    for (const item of page.items) {
      const job = jobFromItem(item);
      if (job.status === 'Executing') await reconcileOverdueAttempt(svc, job);
    }
  }
}

/**
 * EventBridge schedule (every minute), the safety net: applies effects a crash left pending, ends attempts
 * whose lease expired without an outcome (lost hang-ups, crashed dialers) in every live campaign, releases
 * import markers of imports that died, completes or finishes campaigns, and ticks every instance with live
 * campaigns.
 */
export function createSweepHandler(svc: Services) {
  return async (): Promise<{ instances: number; drained: number }> => {
    let instances = 0;
    let drained = 0;
    for (const instanceId of await listInstanceIds(svc.store)) {
      drained += await svc.outbox.sweep(instanceId);
      const live = await liveCampaigns(svc.store, instanceId);
      for (const c of live) {
        // By lease expiry, apart from the due queue: a lost attempt ends within a lease period and a sweep
        // interval, however many jobs are due before it (issue 14).
        await reconcileLostAttempts(svc, instanceId, c.campaignId);
        if (c.state === 'paused' || c.state === 'stopped') await reconcileIdleCampaign(svc, instanceId, c.campaignId);
        if (c.state === 'stopped' || c.state === 'running') {
          await releaseAbandonedImports(svc, instanceId, c.campaignId);
          await checkCompletion(svc, instanceId, c.campaignId);
        }
      }
      if (!live.some((c) => c.state === 'scheduled' || c.state === 'running')) continue;
      instances++;
      await svc.queues.tick.send({ body: JSON.stringify({ type: 'tick', instanceId, reason: 'schedule' }) });
    }
    // The markers of what this run counted are removed now: the next run comes a minute later, past their deadline,
    // so no later counted write of this container could take them in passing (lib/outbox/outbox.ts).
    await svc.outbox.flushReleases({ all: true });
    return { instances, drained };
  };
}

// Its own entry, apart from the planning functions (functions/scheduler.ts): the sweep never plans dials, so its
// bundle leaves out the planner, the geocoder and the phone metadata.
/** Lambda entry: scheduled sweep. */
export const handler = () => createSweepHandler(awsServices('sweep', { store: DynamoDbStore, bus: EventBridgeBus, queue: SqsQueue, workflows: SfnWorkflows }))();
