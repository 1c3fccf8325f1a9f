/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): a secret is `whsec_` + base64 of
 * random bytes; a delivery carries `webhook-id`, `webhook-timestamp` (Unix seconds) and
 * `webhook-signature`, a space-separated list of `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`,
 * one per secret in use (two while a rotated-out secret is still in its grace period).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Prefix of a Standard Webhooks secret. */
export const SECRET_PREFIX = 'whsec_';
/** Random bytes in a generated secret (the spec asks for 24 to 64). */
const SECRET_BYTES = 32;
/** How far a receiver should accept a timestamp from its clock (the spec's recommendation). */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

/** A new random secret, `whsec_` + base64 of 32 random bytes. */
export function generateSecret(random: (n: number) => Buffer = randomBytes): string {
  return SECRET_PREFIX + random(SECRET_BYTES).toString('base64');
}

/** True for a well-formed secret (prefix and 24–64 bytes of base64). */
export function isSecret(secret: string): boolean {
  if (!secret.startsWith(SECRET_PREFIX)) return false;
  const b64 = secret.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return false;
  const n = Buffer.from(b64, 'base64').length;
  return n >= 24 && n <= 64;
}

const keyOf = (secret: string) => Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');

/** One `v1,<base64>` signature of a message with one secret. */
export function signature(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', keyOf(secret)).update(`${id}.${timestampSeconds}.${body}`, 'utf8').digest('base64');
  return `v1,${mac}`;
}

/** The three Standard Webhooks headers of a delivery, signed with every given secret (newest first). */
export function signedHeaders(secrets: readonly string[], id: string, timestampSeconds: number, body: string): Record<string, string> {
  if (secrets.length === 0) throw new Error('a webhook delivery needs at least one secret');
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': secrets.map((s) => signature(s, id, timestampSeconds, body)).join(' '),
  };
}

/** Why a delivery failed verification, or ok. */
export type VerifyResult = { ok: true } | { ok: false; reason: 'missing headers' | 'bad timestamp' | 'timestamp out of tolerance' | 'no matching signature' };

/**
 * Verifies a delivery the way a receiver should: all three headers present, the timestamp within the
 * tolerance of `nowSeconds`, and at least one `v1` signature matching the secret (constant-time compare).
 */
export function verifySignature(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: string,
  nowSeconds: number,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): VerifyResult {
  const one = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const id = one('webhook-id');
  const ts = one('webhook-timestamp');
  const sig = one('webhook-signature');
  if (!id || !ts || !sig) return { ok: false, reason: 'missing headers' };
  if (!/^\d+$/.test(ts)) return { ok: false, reason: 'bad timestamp' };
  const timestamp = Number(ts);
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return { ok: false, reason: 'timestamp out of tolerance' };
  const expected = Buffer.from(signature(secret, id, timestamp, body).slice(3), 'base64');
  for (const candidate of sig.split(' ')) {
    const [version, value] = candidate.split(',', 2);
    if (version !== 'v1' || !value) continue;
    const given = Buffer.from(value, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true };
  }
  return { ok: false, reason: 'no matching signature' };
}
