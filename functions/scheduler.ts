import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DynamoDbStore } from '../lib/adapters/aws/dynamodb-store';
import { LibphonenumberGeo } from '../lib/adapters/geo/libphonenumber-geo';
import { EventBridgeBus } from '../lib/adapters/aws/eventbridge-bus';
import { SfnWorkflows } from '../lib/adapters/aws/sfn-workflows';
import { SqsQueue } from '../lib/adapters/aws/sqs-queue';
import { dispatch, reconcileLostAttempts, reconcileOverdueAttempt } from '../lib/campaigns/dispatch';
import { jobFromItem, liveCampaigns } from '../lib/campaigns/repository';
import { checkCompletion, releaseAbandonedImports } from '../lib/campaigns/transitions';
import type { Services } from '../lib/core/deps';
import { TickMessage } from '../lib/domain/dialing';
import { listInstanceIds } from '../lib/instances/repository';
import { JOB_SHARDS, keys } from '../lib/store/keys';
import { awsServices } from './composition';

/** Input of the Step Functions dispatch task. */
export interface DispatchInput {
  instanceId: string;
  campaignId: string;
  run?: number;
}

/** Output of the dispatch task: the state machine ends on `done`, else waits `waitSeconds` and loops. */
export interface DispatchOutput {
  instanceId: string;
  campaignId: string;
  run?: number;
  done: boolean;
  waitSeconds: number;
}

/** Step Functions task: one dispatch round for a campaign's loop (SPEC P1–P8). */
export function createDispatchHandler(svc: Services) {
  return async (input: DispatchInput): Promise<DispatchOutput> => {
    const result = await dispatch(svc, input.instanceId, { campaignId: input.campaignId, run: input.run });
    return { instanceId: input.instanceId, campaignId: input.campaignId, ...(input.run !== undefined ? { run: input.run } : {}), done: result.done, waitSeconds: result.waitSeconds };
  };
}

/**
 * SQS consumer of the tick queue: `drain` requests (a call ended: apply what its record carries — the
 * job's outcome, counters, events) and ticks (a line was freed or a campaign changed: plan again now).
 * One planning round per instance per batch, after the drains, so ten calls ending at once make one round.
 */
export function createTickHandler(svc: Services) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const byInstance = new Map<string, string[]>();
    const failures: { itemIdentifier: string }[] = [];
    for (const record of event.Records) {
      let message: TickMessage;
      try {
        message = TickMessage.parse(JSON.parse(record.body));
      } catch (error) {
        svc.log.error('malformed tick dropped', { messageId: record.messageId, error });
        continue;
      }
      byInstance.set(message.instanceId, [...(byInstance.get(message.instanceId) ?? []), record.messageId]);
      if (message.type !== 'drain') continue;
      try {
        // Claimed: another drainer (the sweep, a redelivery) never applies the same record at once.
        await svc.outbox.drainClaimed({ pk: message.pk, sk: message.sk });
      } catch (error) {
        svc.log.error('drain failed', { messageId: record.messageId, error });
        failures.push({ itemIdentifier: record.messageId });
      }
    }
    for (const [instanceId, messageIds] of byInstance) {
      try {
        await dispatch(svc, instanceId);
      } catch (error) {
        svc.log.error('tick dispatch failed', { instanceId, error });
        for (const id of messageIds) if (!failures.some((f) => f.itemIdentifier === id)) failures.push({ itemIdentifier: id });
      }
    }
    return { batchItemFailures: failures };
  };
}

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

// Each entry point is its own function (own needs, own grants); a container only ever runs one of them.
// Only the planning functions geocode (P2, P8); the sweep never plans dials.
const lazy = (fn: 'tick' | 'dispatch' | 'sweep') =>
  awsServices(fn, { store: DynamoDbStore, bus: EventBridgeBus, queue: SqsQueue, workflows: SfnWorkflows, ...(fn === 'sweep' ? {} : { geo: LibphonenumberGeo }) });
/** Lambda entry: Step Functions dispatch task. */
export const dispatchHandler = (input: DispatchInput) => createDispatchHandler(lazy('dispatch'))(input);
/** Lambda entry: tick queue consumer. */
export const tickHandler = (event: SQSEvent) => createTickHandler(lazy('tick'))(event);
/** Lambda entry: scheduled sweep. */
export const sweepHandler = () => createSweepHandler(lazy('sweep'))();
