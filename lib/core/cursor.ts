import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { InvalidCursorError } from './errors';

/**
 * Pagination cursors (E3).
 *
 * Two layers:
 * - **State cursors** (`encodeCursorState` / `decodeCursorState`): how a repository writes its own paging
 *   state (a shard and the store's cursor, a day and the index cursor) into a string. Decoding never throws
 *   a SyntaxError: a string that is not such a state is an `InvalidCursorError` (400), never a 500.
 * - **Sealed cursors** (`sealCursor` / `openCursor`): what the API hands to clients. The inner cursor is
 *   encrypted and authenticated with AES-256-GCM under a key derived from the deployment's cursor secret,
 *   with the query it belongs to (route, path parameters, filters, instance) as additional authenticated
 *   data. A client can neither read it (store cursors carry sort keys such as phone numbers of the
 *   do-not-call list), nor alter or forge it, nor replay it with another query or instance: each of those
 *   is an `InvalidCursorError`. GCM's tag is the message authentication code; a plain HMAC over readable JSON
 *   would be tamper-evident too, but not opaque.
 */

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Longest cursor accepted from a client (characters). */
export const MAX_CURSOR_LENGTH = 4096;

/** A key that seals cursors, derived once from the secret. */
export interface CursorKey {
  readonly key: Buffer;
}

/** Derives the cursor key from a secret (any string; at least 32 random bytes recommended). */
export function cursorKey(secret: string | Uint8Array): CursorKey {
  if (typeof secret === 'string' ? secret.length === 0 : secret.length === 0) throw new Error('the cursor secret is empty');
  const ikm = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  return { key: Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), 'reachout cursor v1', 32)) };
}

let processKey: CursorKey | undefined;

/**
 * A key made of random bytes once per process, for the local runtime and tests when no secret is
 * configured. Cursors sealed with it do not survive a restart and are not shared between processes
 * (so a deployment must configure a secret: Lambda runs many processes).
 */
export function processCursorKey(): CursorKey {
  return (processKey ??= cursorKey(randomBytes(32)));
}

/** The query a cursor belongs to, as a canonical string (sorted keys, so parameter order does not matter). */
export function cursorBinding(parts: { instanceId: string; route: string; params?: Record<string, unknown>; filters?: Record<string, unknown> }): string {
  const canon = (o: Record<string, unknown> = {}) =>
    Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => [k, String(o[k])]);
  return JSON.stringify([parts.instanceId, parts.route, canon(parts.params), canon(parts.filters)]);
}

/** Seals an inner cursor for a client: opaque, tamper-evident and bound to its query. */
export function sealCursor(key: CursorKey, binding: string, inner: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv);
  cipher.setAAD(aad(binding));
  const body = Buffer.concat([cipher.update(inner, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** Opens a sealed cursor; throws InvalidCursorError when it was altered, forged, or belongs to another query. */
export function openCursor(key: CursorKey, binding: string, sealed: string): string {
  if (sealed.length > MAX_CURSOR_LENGTH) throw new InvalidCursorError(`longer than ${MAX_CURSOR_LENGTH} characters`);
  if (!/^[A-Za-z0-9_-]+$/.test(sealed)) throw new InvalidCursorError('not a cursor returned by this API');
  const raw = Buffer.from(sealed, 'base64url');
  if (raw.length < 1 + IV_BYTES + TAG_BYTES || raw[0] !== VERSION) throw new InvalidCursorError('not a cursor returned by this API');
  const iv = raw.subarray(1, 1 + IV_BYTES);
  const tag = raw.subarray(raw.length - TAG_BYTES);
  const body = raw.subarray(1 + IV_BYTES, raw.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, iv);
    decipher.setAAD(aad(binding));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch (error) {
    // GCM authentication failed: altered, forged, sealed under another secret, or another query's cursor.
    if (error instanceof Error) throw new InvalidCursorError('altered, expired by a secret rotation, or from another query');
    throw error;
  }
}

function aad(binding: string): Buffer {
  return createHash('sha256').update(binding).digest();
}

/** Writes a repository's paging state as a cursor string (drop-in for `Buffer.from(JSON.stringify(x)).toString('base64url')`). */
export function encodeCursorState(state: unknown): string {
  return Buffer.from(JSON.stringify(state), 'utf8').toString('base64url');
}

/**
 * Reads a repository's paging state; `check` says whether the decoded value has the expected shape.
 * Anything else (not base64url, not JSON, wrong shape) is an InvalidCursorError, never a SyntaxError.
 */
export function decodeCursorState<T>(cursor: string, check: (value: unknown) => value is T): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (error) {
    if (error instanceof SyntaxError) throw new InvalidCursorError('not a cursor returned by this API', 'cursor');
    throw error;
  }
  if (!check(value)) throw new InvalidCursorError('not a cursor returned by this API', 'cursor');
  return value;
}
