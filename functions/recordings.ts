import type { S3Event } from 'aws-lambda';
import { DynamoDbStore } from '../lib/adapters/aws/dynamodb-store';
import { EventBridgeBus } from '../lib/adapters/aws/eventbridge-bus';
import type { Services } from '../lib/core/deps';
import { attachRecording } from '../lib/telephony/recordings';
import { awsServices } from './composition';

/**
 * Recordings bucket notifications (T5): Chime writes a call's recording after the call ended; each
 * object-created event attaches it to its call record and publishes RecordingReady (once per call).
 * Errors throw so Lambda's asynchronous retries (and then its failure destination) take over.
 */
export function createRecordingsHandler(svc: Services) {
  return async (event: S3Event): Promise<{ attached: number }> => {
    let attached = 0;
    for (const record of event.Records ?? []) {
      const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
      const result = await attachRecording(svc, key, record.s3.object.size);
      if (result === 'attached') attached++;
      else if (result !== 'already') svc.log.warn('recording not attached', { key, result });
    }
    return { attached };
  };
}

let handlerInstance: ReturnType<typeof createRecordingsHandler> | undefined;
/** Lambda entry point. */
export const handler = (event: S3Event) => (handlerInstance ??= createRecordingsHandler(awsServices('recordings', { store: DynamoDbStore, bus: EventBridgeBus })))(event);
