import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DynamoDbStore } from '../lib/adapters/aws/dynamodb-store';
import { EventBridgeBus } from '../lib/adapters/aws/eventbridge-bus';
import { S3Blobs } from '../lib/adapters/aws/s3-blobs';
import { SqsQueue } from '../lib/adapters/aws/sqs-queue';
import { CampaignWork, runCampaignWork } from '../lib/campaigns/work';
import { ContactWork, runContactWork, runUploadCreated, UploadCreated } from '../lib/contacts/work';
import type { Services } from '../lib/core/deps';
import { exportWorkHandlers } from '../lib/results/exports';
import { awsServices } from './composition';

/** A handler of other work kinds (e.g. exports), registered by type. */
export type WorkHandler = (svc: Services, message: Record<string, unknown>) => Promise<void>;

/**
 * Worker: SQS consumer of background work — contact imports (and presigned uploads' object-created events), re-runs, cancelling a stopped campaign's
 * jobs, re-planning after windows widened, exports (`extra`, by default the export handlers). Failed items
 * are redelivered; every kind is idempotent (imports are keyed by importId and resume, job changes are
 * machine transitions).
 */
export function createWorkerHandler(svc: Services, extra: Record<string, WorkHandler> = exportWorkHandlers) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failures: { itemIdentifier: string }[] = [];
    for (const record of event.Records) {
      try {
        const message = JSON.parse(record.body) as Record<string, unknown>;
        const other = typeof message.type === 'string' ? extra[message.type] : undefined;
        if (other) {
          await other(svc, message);
          continue;
        }
        const campaign = CampaignWork.safeParse(message);
        if (campaign.success) {
          await runCampaignWork(svc, campaign.data);
          continue;
        }
        const contact = ContactWork.safeParse(message);
        if (contact.success) {
          await runContactWork(svc, contact.data);
          continue;
        }
        // A presigned contact upload landed in the data bucket (EventBridge rule → this queue).
        const upload = UploadCreated.safeParse(message);
        if (upload.success) {
          await runUploadCreated(svc, upload.data);
          continue;
        }
        svc.log.error('unknown work item dropped', { messageId: record.messageId, type: String(message.type) });
      } catch (error) {
        svc.log.error('work item failed', { messageId: record.messageId, error });
        failures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures: failures };
  };
}

let handlerInstance: ReturnType<typeof createWorkerHandler> | undefined;
/** Lambda entry point. */
export const handler = (event: SQSEvent) =>
  (handlerInstance ??= createWorkerHandler(awsServices('worker', { store: DynamoDbStore, bus: EventBridgeBus, queue: SqsQueue, blobs: S3Blobs })))(event);
