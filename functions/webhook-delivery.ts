import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DynamoDbStore } from '../lib/adapters/aws/dynamodb-store';
import { SqsQueue } from '../lib/adapters/aws/sqs-queue';
import { fetchHttp, handleDeliveryMessage, type DeliveryDeps } from '../lib/webhooks/delivery';
import { awsServices } from './composition';

/**
 * Webhook delivery (SPEC E2): SQS consumer of the webhook queue, which a bus rule fills with every
 * Reachout event and the function itself with retries (delayed messages). Records are handled
 * concurrently; one that fails (store or queue trouble, never a receiver's failure) is reported so
 * SQS redelivers it, and after the queue's maxReceiveCount it lands in the queue's dead-letter queue.
 */
export function createWebhookDeliveryHandler(deps: DeliveryDeps) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const results = await Promise.allSettled(event.Records.map((record) => handleDeliveryMessage(deps, record.body, record.messageId)));
    const failures: { itemIdentifier: string }[] = [];
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') return;
      const record = event.Records[i]!;
      deps.log.error('webhook delivery message failed', { messageId: record.messageId, error: result.reason as unknown });
      failures.push({ itemIdentifier: record.messageId });
    });
    return { batchItemFailures: failures };
  };
}

let handlerInstance: ReturnType<typeof createWebhookDeliveryHandler> | undefined;

/** Lambda entry point (env: TABLE_NAME, WEBHOOK_QUEUE_URL, optional WEBHOOK_TIMEOUT_MS). */
export const handler = (event: SQSEvent) => {
  if (!handlerInstance) {
    const deps = awsServices('webhookDelivery', { store: DynamoDbStore, queue: SqsQueue });
    handlerInstance = createWebhookDeliveryHandler({
      store: deps.store,
      clock: deps.clock,
      log: deps.log,
      queue: deps.queues.webhooks!,
      http: fetchHttp,
      timeoutMs: Number(process.env.WEBHOOK_TIMEOUT_MS ?? 10_000),
    });
  }
  return handlerInstance(event);
};
