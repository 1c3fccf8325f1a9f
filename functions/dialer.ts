import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { ChimeTelephony } from '../lib/adapters/aws/chime-telephony';
import { DynamoDbStore } from '../lib/adapters/aws/dynamodb-store';
import { EventBridgeBus } from '../lib/adapters/aws/eventbridge-bus';
import { SqsQueue } from '../lib/adapters/aws/sqs-queue';
import type { Services } from '../lib/core/deps';
import { DialerMessage } from '../lib/domain/dialing';
import { handleDialRequest } from '../lib/dialer/dial';
import { handleRingTimeout } from '../lib/dialer/ring-timeout';
import { awsServices } from './composition';

/**
 * Dialer: SQS consumer of DialRequests and ring-timeout checks (SPEC P4, P5, T1). Messages the telephony side throttled, or that
 * found no rate slot in time, are reported as batch item failures so SQS redelivers them after the
 * visibility timeout; everything else is acknowledged (duplicates included: handling is idempotent).
 */
export function createDialerHandler(svc: Services) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failures: { itemIdentifier: string }[] = [];
    // One at a time: the rate limiter paces calls, and parallel waits would only contend for the same slot.
    for (const record of event.Records) {
      let request: DialerMessage;
      try {
        request = DialerMessage.parse(JSON.parse(record.body));
      } catch (error) {
        svc.log.error('malformed dial request dropped', { messageId: record.messageId, error });
        continue;
      }
      try {
        if (request.type === 'ringTimeout') {
          await handleRingTimeout(svc, request);
          continue;
        }
        const result = await handleDialRequest(svc, request);
        if (result === 'retryLater') failures.push({ itemIdentifier: record.messageId });
      } catch (error) {
        svc.log.error('dial request failed', { messageId: record.messageId, jobId: request.jobId, error });
        failures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures: failures };
  };
}

let handlerInstance: ReturnType<typeof createDialerHandler> | undefined;
/** Lambda entry point. */
export const handler = (event: SQSEvent) =>
  (handlerInstance ??= createDialerHandler(awsServices('dialer', { store: DynamoDbStore, bus: EventBridgeBus, queue: SqsQueue, telephony: ChimeTelephony })))(event);
