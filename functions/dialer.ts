import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { Deps } from '../lib/core/deps';
import { DialerMessage } from '../lib/domain/dialing';
import { handleDialRequest } from '../lib/dialer/dial';
import { handleRingTimeout } from '../lib/dialer/ring-timeout';
import { awsDeps } from './deps';

/**
 * Dialer: SQS consumer of DialRequests and ring-timeout checks (SPEC P4, P5, T1). Messages the telephony side throttled, or that
 * found no rate slot in time, are reported as batch item failures so SQS redelivers them after the
 * visibility timeout; everything else is acknowledged (duplicates included: handling is idempotent).
 */
export function createDialerHandler(deps: Deps) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failures: { itemIdentifier: string }[] = [];
    // One at a time: the rate limiter paces calls, and parallel waits would only contend for the same slot.
    for (const record of event.Records) {
      let request: DialerMessage;
      try {
        request = DialerMessage.parse(JSON.parse(record.body));
      } catch (error) {
        deps.log.error('malformed dial request dropped', { messageId: record.messageId, error: String(error) });
        continue;
      }
      try {
        if (request.type === 'ringTimeout') {
          await handleRingTimeout(deps, request);
          continue;
        }
        const result = await handleDialRequest(deps, request);
        if (result === 'retryLater') failures.push({ itemIdentifier: record.messageId });
      } catch (error) {
        deps.log.error('dial request failed', { messageId: record.messageId, jobId: request.jobId, error: String(error) });
        failures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures: failures };
  };
}

let handlerInstance: ReturnType<typeof createDialerHandler> | undefined;
/** Lambda entry point. */
export const handler = (event: SQSEvent) => (handlerInstance ??= createDialerHandler(awsDeps('dialer')))(event);
