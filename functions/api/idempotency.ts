import { createHash, randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Deps } from '../../lib/core/deps';
import { IdempotencyInProgressError, IdempotencyKeyReusedError, ValidationError } from '../../lib/core/errors';
import type { Condition, Item } from '../../lib/ports/store';
import { keys } from '../../lib/store/keys';

type Result = APIGatewayProxyStructuredResultV2;

/**
 * Idempotency keys (E3). A mutating request (POST, PUT, PATCH, DELETE) with an `Idempotency-Key` header is
 * executed once per key within 24 hours; repeats get the first answer back (`idempotent-replayed: true`).
 *
 * - **Scope:** instance × route (`POST /campaigns/{campaignId}/start`), so keys of different tenants or
 *   operations never collide.
 * - **Same key, other request:** the record holds a SHA-256 of method, path, query and body; a repeat with
 *   a different hash answers 422 `IdempotencyKeyReused` instead of replaying an answer to another request.
 * - **In progress:** a repeat while the first runs answers 409 with `Retry-After`. A claim whose lease
 *   ran out (the first request's function was killed) is taken over by the next identical request.
 * - **Failure releases the key:** a 4xx or 5xx deletes the claim, so the corrected retry runs. Only
 *   success (< 400) is remembered. Safe because a rejected request writes nothing (the fuzz test checks).
 * - **Expiry:** `expiresAt` (epoch seconds) 24 h after the claim. No TTL is needed for correctness: an
 *   expired record is treated as absent and overwritten by the next claim. Deployed, DynamoDB TTL may be
 *   enabled on `expiresAt` to reclaim the space (the local runtime has no TTL and does not need it).
 * - **Large answers** are stored gzip-compressed; past what fits an item, in the data bucket
 *   (`idempotency/…`, which a lifecycle rule may expire after a day).
 */

/** How long a key is remembered. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;
/** How long a claim blocks repeats before it counts as abandoned (well above the API function's 29 s timeout). */
export const DEFAULT_LEASE_MS = 120_000;
/** Stored answers above this size (bytes, before base64) go to the data bucket. */
const INLINE_RESPONSE_BYTES = 256 * 1024;
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Header names of the feature. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** Set on replayed answers. */
export const REPLAYED_HEADER = 'idempotent-replayed';

/** The request as the hash sees it. */
export interface IdempotentRequest {
  instanceId: string;
  method: string;
  /** Route template, e.g. `/campaigns/{campaignId}/start` (the scope). */
  route: string;
  /** Actual path and canonical query (part of the hash). */
  path: string;
  query: string;
  /** Canonical body bytes (part of the hash). */
  body: Buffer | string;
}

/** Reads and checks the header: undefined when absent or the method is not mutating. */
export function idempotencyKeyOf(method: string, headers: Record<string, string>): string | undefined {
  const key = headers[IDEMPOTENCY_HEADER];
  if (key === undefined || !MUTATING.has(method)) return undefined;
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new ValidationError('the idempotency key must be 1 to 255 printable ASCII characters without spaces (a UUID is a good choice)', [
      { path: IDEMPOTENCY_HEADER, message: 'expected 1–255 printable ASCII characters' },
    ]);
  }
  return key;
}

/** SHA-256 of what makes two requests the same. */
export function requestHash(r: IdempotentRequest): string {
  return createHash('sha256').update(`${r.method}\n${r.path}\n${r.query}\n`).update(r.body).digest('base64url');
}

interface StoredResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

/** Runs `run` at most once per key; see the module comment for the rules. */
export async function withIdempotency(
  deps: Deps,
  key: string,
  request: IdempotentRequest,
  run: () => Promise<Result>,
  options: { leaseMs?: number } = {},
): Promise<Result> {
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const itemKey = keys.idempotency(request.instanceId, `${request.method} ${request.route}`, key);
  const hash = requestHash(request);
  const claimId = randomBytes(12).toString('base64url');
  for (let round = 0; ; round++) {
    const now = deps.clock.now();
    const nowSeconds = Math.floor(now / 1000);
    const claim: Item = {
      ...itemKey,
      type: 'idempotency',
      state: 'inProgress',
      requestHash: hash,
      claimId,
      leaseUntil: now + leaseMs,
      claimedAt: now,
      expiresAt: Math.ceil((now + IDEMPOTENCY_TTL_MS) / 1000),
    };
    const free: Condition = {
      or: [
        { notExists: 'pk' },
        // Records written before expiry existed are treated as expired.
        { notExists: 'expiresAt' },
        { lt: ['expiresAt', nowSeconds] },
        { and: [{ eq: ['state', 'inProgress'] }, { lt: ['leaseUntil', now] }, { eq: ['requestHash', hash] }] },
      ],
    };
    const claimed = await deps.store.put(claim, free);
    if (claimed.ok) break;
    const existing = await deps.store.get(itemKey);
    // Gone or expired between the two reads: claim again (bounded; a third loss is a real conflict).
    if (!existing || existing.expiresAt === undefined || Number(existing.expiresAt) < nowSeconds) {
      if (round < 2) continue;
      throw new IdempotencyInProgressError(1);
    }
    if (existing.requestHash !== hash) throw new IdempotencyKeyReusedError();
    if (existing.state === 'done') return replay(deps, existing);
    if (Number(existing.leaseUntil) < now && round < 2) continue;
    throw new IdempotencyInProgressError(1);
  }

  let result: Result;
  try {
    result = await run();
  } catch (error) {
    await release(deps, itemKey, claimId);
    throw error;
  }
  const status = result.statusCode ?? 200;
  if (status >= 400) {
    await release(deps, itemKey, claimId);
    return result;
  }
  try {
    const stored = await storedFields(deps, request, key, result);
    await deps.store.update(itemKey, { set: { state: 'done', status, ...stored }, remove: ['leaseUntil'] }, { eq: ['claimId', claimId] });
  } catch (error) {
    // The work is done; failing to remember it must not turn success into an error. The claim's lease
    // runs out and an identical retry then runs again, which is the best that can be done here.
    deps.log.error('idempotency record not saved', { error, route: request.route });
  }
  return result;
}

async function release(deps: Deps, itemKey: { pk: string; sk: string }, claimId: string): Promise<void> {
  try {
    await deps.store.delete(itemKey, { eq: ['claimId', claimId] });
  } catch (error) {
    deps.log.error('idempotency claim not released; it frees itself when its lease runs out', { error });
  }
}

async function storedFields(deps: Deps, request: IdempotentRequest, key: string, result: Result): Promise<Record<string, unknown>> {
  const response: StoredResponse = {
    statusCode: result.statusCode ?? 200,
    headers: Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)])),
    body: result.body ?? '',
    isBase64Encoded: result.isBase64Encoded === true,
  };
  const json = Buffer.from(JSON.stringify(response), 'utf8');
  if (json.length <= 16 * 1024) return { response };
  const zipped = gzipSync(json);
  if (zipped.length <= INLINE_RESPONSE_BYTES) return { responseGzip: zipped.toString('base64') };
  const blobKey = `idempotency/${request.instanceId}/${createHash('sha256').update(`${request.method} ${request.route}#${key}`).digest('hex')}.json.gz`;
  await deps.blobs.data.put(blobKey, zipped, 'application/gzip');
  return { responseBlob: blobKey };
}

async function replay(deps: Deps, item: Item): Promise<Result> {
  let response: StoredResponse | undefined;
  if (item.response && typeof item.response === 'object') response = item.response as StoredResponse;
  else if (typeof item.responseGzip === 'string') response = JSON.parse(gunzipSync(Buffer.from(item.responseGzip, 'base64')).toString('utf8')) as StoredResponse;
  else if (typeof item.responseBlob === 'string') {
    const bytes = await deps.blobs.data.get(item.responseBlob);
    if (bytes) response = JSON.parse(gunzipSync(bytes).toString('utf8')) as StoredResponse;
  }
  if (!response) {
    // The answer is gone (bucket lifecycle); the request did succeed.
    return { statusCode: Number(item.status ?? 200), headers: { [REPLAYED_HEADER]: 'true' }, body: '' };
  }
  return {
    statusCode: response.statusCode,
    headers: { ...response.headers, [REPLAYED_HEADER]: 'true' },
    body: response.body,
    ...(response.isBase64Encoded ? { isBase64Encoded: true } : {}),
  };
}
