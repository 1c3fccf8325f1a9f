import { randomBytes, createHash } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A time-ordered, URL-safe unique id (ULID layout: 10 time chars + 16 random chars), optionally prefixed. */
export function newId(prefix = '', nowMs = Date.now()): string {
  let t = nowMs;
  let time = '';
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(16);
  let rand = '';
  for (const b of bytes) rand += ALPHABET[b % 32];
  return `${prefix}${time}${rand}`;
}

/** A stable id derived from parts (for idempotent event ids and keys). */
export function stableId(...parts: (string | number)[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

/** Shard number (0..shards-1) of a key, stable across processes. */
export function shardOf(key: string, shards: number): number {
  const h = createHash('md5').update(key).digest();
  return h.readUInt32BE(0) % shards;
}
