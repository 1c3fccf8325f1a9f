import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { Deps } from '../lib/core/deps';
import { CampaignWork, runCampaignWork } from '../lib/contacts/work';
import { awsDeps } from './deps';

/** A handler of other work kinds (e.g. exports), registered by type. */
export type WorkHandler = (deps: Deps, message: Record<string, unknown>) => Promise<void>;

/**
 * Worker: SQS consumer of background work — contact imports, re-runs, cancelling a stopped
 * campaign's jobs — plus any kinds registered in `extra` (exports). Failed items are redelivered;
 * every kind is idempotent (imports are keyed by importId, cancels are conditional).
 */
export function createWorkerHandler(deps: Deps, extra: Record<string, WorkHandler> = {}) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failures: { itemIdentifier: string }[] = [];
    for (const record of event.Records) {
      try {
        const message = JSON.parse(record.body) as Record<string, unknown>;
        const other = typeof message.type === 'string' ? extra[message.type] : undefined;
        if (other) await other(deps, message);
        else {
          const parsed = CampaignWork.safeParse(message);
          if (!parsed.success) {
            deps.log.error('unknown work item dropped', { messageId: record.messageId, type: String(message.type) });
            continue;
          }
          await runCampaignWork(deps, parsed.data);
        }
      } catch (error) {
        deps.log.error('work item failed', { messageId: record.messageId, error: String(error) });
        failures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures: failures };
  };
}

let handlerInstance: ReturnType<typeof createWorkerHandler> | undefined;
/** Lambda entry point. */
export const handler = (event: SQSEvent) => (handlerInstance ??= createWorkerHandler(awsDeps('worker')))(event);
