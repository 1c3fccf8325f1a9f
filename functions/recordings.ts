import type { EventBridgeEvent } from 'aws-lambda';
import * as z from 'zod';
import { DynamoDbStore } from '../lib/adapters/aws/dynamodb-store';
import { EventBridgeBus } from '../lib/adapters/aws/eventbridge-bus';
import type { Services } from '../lib/core/deps';
import { attachRecording } from '../lib/telephony/recordings';
import { awsServices } from './composition';

/** The part of an S3 "Object Created" event (EventBridge) the handler reads. */
export const ObjectCreated = z.object({
  detail: z.object({ bucket: z.object({ name: z.string() }), object: z.object({ key: z.string().min(1), size: z.number().int().nonnegative().optional() }) }),
});

/**
 * Recordings bucket notifications (T5): Chime writes a call's recording after the call ended; each
 * object-created event (EventBridge) attaches it to its call record and publishes RecordingReady (once per
 * call). Errors throw so the rule's retries (and then its dead-letter queue) take over.
 */
export function createRecordingsHandler(svc: Services) {
  return async (event: EventBridgeEvent<string, unknown>): Promise<{ attached: boolean }> => {
    const parsed = ObjectCreated.safeParse(event);
    if (!parsed.success) {
      svc.log.error('not an object-created event; dropped', { issues: parsed.error.issues.slice(0, 3) });
      return { attached: false };
    }
    const { key, size } = parsed.data.detail.object;
    const result = await attachRecording(svc, key, size);
    if (result !== 'attached' && result !== 'already') svc.log.warn('recording not attached', { key, result });
    return { attached: result === 'attached' };
  };
}

let handlerInstance: ReturnType<typeof createRecordingsHandler> | undefined;
/** Lambda entry point. */
export const handler = (event: EventBridgeEvent<string, unknown>) => (handlerInstance ??= createRecordingsHandler(awsServices('recordings', { store: DynamoDbStore, bus: EventBridgeBus })))(event);
