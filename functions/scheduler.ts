import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DynamoDbStore } from '../lib/adapters/aws/dynamodb-store';
import { LibphonenumberGeo } from '../lib/adapters/geo/libphonenumber-geo';
import { EventBridgeBus } from '../lib/adapters/aws/eventbridge-bus';
import { SqsQueue } from '../lib/adapters/aws/sqs-queue';
import { dispatch } from '../lib/campaigns/dispatch';
import type { Services } from '../lib/core/deps';
import { TickMessage } from '../lib/domain/dialing';
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

// Each entry point is its own function (own needs, own grants); a container only ever runs one of them. Both plan
// dials, so both geocode (P2, P8). The sweep, which never plans, has its own entry (functions/sweep.ts), so its
// bundle carries neither the planner nor the phone metadata. Neither starts campaign loops (no `workflows` in
// functions/needs.ts: the composition would never build the adapter), so the Step Functions client stays out (22 KB).
const lazy = (fn: 'tick' | 'dispatch') => awsServices(fn, { store: DynamoDbStore, bus: EventBridgeBus, queue: SqsQueue, geo: LibphonenumberGeo });
/** Lambda entry: Step Functions dispatch task. */
export const dispatchHandler = (input: DispatchInput) => createDispatchHandler(lazy('dispatch'))(input);
/** Lambda entry: tick queue consumer. */
export const tickHandler = (event: SQSEvent) => createTickHandler(lazy('tick'))(event);
