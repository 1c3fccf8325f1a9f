import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { campaignsInStates } from '../lib/campaigns/repository';
import { dispatch } from '../lib/campaigns/dispatch';
import type { Deps } from '../lib/core/deps';
import { TickRequest } from '../lib/domain/dialing';
import { listInstanceIds } from '../lib/instances/repository';
import { awsDeps } from './deps';

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
export function createDispatchHandler(deps: Deps) {
  return async (input: DispatchInput): Promise<DispatchOutput> => {
    const result = await dispatch(deps, input.instanceId, { campaignId: input.campaignId, run: input.run });
    return { instanceId: input.instanceId, campaignId: input.campaignId, ...(input.run !== undefined ? { run: input.run } : {}), done: result.done, waitSeconds: result.waitSeconds };
  };
}

/** SQS consumer of TickRequests: a line was freed or a campaign changed, plan the instance again now. */
export function createTickHandler(deps: Deps) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const byInstance = new Map<string, string[]>();
    for (const record of event.Records) {
      try {
        const tick = TickRequest.parse(JSON.parse(record.body));
        byInstance.set(tick.instanceId, [...(byInstance.get(tick.instanceId) ?? []), record.messageId]);
      } catch (error) {
        deps.log.error('malformed tick dropped', { messageId: record.messageId, error: String(error) });
      }
    }
    const failures: { itemIdentifier: string }[] = [];
    // Ten calls ending at once make one planning round per instance, not ten.
    for (const [instanceId, messageIds] of byInstance) {
      try {
        await dispatch(deps, instanceId);
      } catch (error) {
        deps.log.error('tick dispatch failed', { instanceId, error: String(error) });
        failures.push(...messageIds.map((itemIdentifier) => ({ itemIdentifier })));
      }
    }
    return { batchItemFailures: failures };
  };
}

/** EventBridge schedule (every minute): a safety net that plans every instance with live campaigns. */
export function createSweepHandler(deps: Deps) {
  return async (): Promise<{ instances: number }> => {
    let instances = 0;
    for (const instanceId of await listInstanceIds(deps.store)) {
      const live = await campaignsInStates(deps.store, instanceId, ['scheduled', 'running']);
      if (live.length === 0) continue;
      instances++;
      await deps.queues.tick.send({ body: JSON.stringify({ type: 'tick', instanceId, reason: 'schedule' }) });
    }
    return { instances };
  };
}

let deps: Deps | undefined;
const lazy = () => (deps ??= awsDeps('scheduler'));
/** Lambda entry: Step Functions dispatch task. */
export const dispatchHandler = (input: DispatchInput) => createDispatchHandler(lazy())(input);
/** Lambda entry: tick queue consumer. */
export const tickHandler = (event: SQSEvent) => createTickHandler(lazy())(event);
/** Lambda entry: scheduled sweep. */
export const sweepHandler = () => createSweepHandler(lazy())();
