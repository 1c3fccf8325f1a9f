import type { Services } from '../core/deps';
import { getJob } from '../campaigns/repository';
import { buildEvent, contactsOf, extrasOf } from '../events';
import { effectId } from '../outbox/effects';
import type { Blobs } from '../ports/blobs';
import { keys } from '../store/keys';
import { callRecordFromItem, callRecordKey } from './call-records';

/** Seconds a recording link stays valid (T5: short-lived). */
export const RECORDING_LINK_SECONDS = 300;

/** Prefix under which Chime writes the recordings of one call: `<instance>/<yyyy-mm-dd>/<callId>`. */
export function recordingPrefix(instanceId: string, callId: string, atIso: string): string {
  return `${instanceId}/${atIso.slice(0, 10)}/${callId}`;
}

/** `bucket/prefix` destination of StartCallRecording. */
export function recordingDestination(bucket: string, prefix: string): string {
  return `${bucket}/${prefix}`;
}

/** The object key inside the recordings bucket from Chime's `CallRecordingDestination.Location` (`bucket/key`). */
export function recordingKeyFromLocation(location: string, bucket: string): string {
  const withoutScheme = location.replace(/^s3:\/\//, '');
  return withoutScheme.startsWith(`${bucket}/`) ? withoutScheme.slice(bucket.length + 1) : withoutScheme.slice(withoutScheme.indexOf('/') + 1);
}

/** A short-lived link to a stored recording, or undefined when it has not landed. */
export async function recordingLink(blobs: Blobs, key: string, seconds = RECORDING_LINK_SECONDS): Promise<{ url: string; expiresAt: number } | undefined> {
  const head = await blobs.head(key);
  if (!head) return undefined;
  return { url: await blobs.link(key, seconds), expiresAt: seconds };
}

/**
 * The instance and call a recording object belongs to, from its key: our prefix `<instance>/<yyyy-mm-dd>/<callId>`,
 * under which Chime writes `YYYY/MM/DD/<date-time>_<transactionId>_<chimeCallId>.wav` (start-call-recording.md).
 */
export function recordingOwner(key: string): { instanceId: string; callId: string } | undefined {
  const m = /^([^/]+)\/\d{4}-\d{2}-\d{2}\/([^/]+)\/.+\.wav$/i.exec(key);
  return m ? { instanceId: m[1]!, callId: m[2]! } : undefined;
}

/** What attaching a recording did. */
export type RecordingAttached = 'attached' | 'already' | 'unknownCall' | 'notARecording';

/**
 * Attaches a recording to its call when the object lands (T5): Chime writes the file after the call
 * ended, so the recording is found from the bucket's object-created notification (S3 event locally: the
 * file store's listener), never looked up at hang-up. The call record gets the key once, and the
 * RecordingReady event rides on that write (published by the outbox; its id is stable per call).
 */
export async function attachRecording(svc: Services, key: string, size?: number): Promise<RecordingAttached> {
  const owner = recordingOwner(key);
  if (!owner) return 'notARecording';
  const pointer = await svc.store.get(keys.callPointer(owner.instanceId, owner.callId));
  if (!pointer || typeof pointer.jobId !== 'string') return 'unknownCall';
  const recordKey = callRecordKey({ instanceId: owner.instanceId, jobId: pointer.jobId, callId: owner.callId });
  const record = callRecordFromItem(await svc.store.get(recordKey));
  if (!record) return 'unknownCall';
  if (record.recordingKey) return 'already';
  const now = svc.clock.now();
  const fileName = key.split('/').pop() ?? key;
  const job = await getJob(svc.store, record.instanceId, record.campaignId, record.jobId);
  const event = buildEvent(
    'RecordingReady',
    {
      instanceId: record.instanceId,
      campaignId: record.campaignId,
      jobId: record.jobId,
      callId: record.callId,
      attempt: record.attempt,
      extras: extrasOf(job?.contact.variables),
      contacts: contactsOf(job?.contact ?? { phone: record.callee ?? '' }),
      recording: {
        taskId: record.callId,
        callId: record.callId,
        duration: record.talkSeconds,
        fileName,
        key,
        contentType: 'audio/wav',
        apiPath: `/calls/${record.callId}/recording`,
      },
    },
    { source: svc.config.eventSource, time: now },
  );
  const written = await svc.outbox.commit(recordKey, { set: { recordingKey: key, ...(size !== undefined ? { recordingBytes: size } : {}) } }, { and: [{ exists: 'pk' }, { notExists: 'recordingKey' }] }, [
    { type: 'publish', id: effectId(now, 'call', owner.callId, 'recording'), event },
  ]);
  return written.ok ? 'attached' : 'already';
}
