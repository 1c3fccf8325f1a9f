import type { Blobs } from '../ports/blobs';

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
 * Finds the recording object of a call: Chime names the file itself under the prefix we gave,
 * so the key reported at start may be a prefix; the first object under it is the recording.
 */
export async function findRecording(blobs: Blobs, keyOrPrefix: string): Promise<string | undefined> {
  if (await blobs.head(keyOrPrefix)) return keyOrPrefix;
  const list = await blobs.list(keyOrPrefix);
  return list.find((b) => b.key.endsWith('.wav'))?.key ?? list[0]?.key;
}
