import { randomBytes } from 'node:crypto';
import type { Store } from '../ports/store';
import { keys } from './keys';

/**
 * The cursor secret every API process of a deployment shares, kept in the table (issue 9, E3).
 *
 * Why the table and not Secrets Manager: the secret only makes cursors opaque and tamper-evident for the
 * caller's own queries (the query, instance and route are bound into each cursor), so it protects nothing a
 * reader of the table could not read directly; keeping it beside the data needs no extra service, no SDK
 * client in the bundle and no deploy step, and works the same on the local runtime. The first process to
 * start writes a random 32-byte secret with a conditional put; every other one reads the winner's.
 * A `CURSOR_SECRET` in the environment still takes precedence (rotation: set it, cursors issued before are refused
 * with a 400 and the client starts its listing again).
 */
export async function loadCursorSecret(store: Store): Promise<string> {
  const key = keys.cursorSecret();
  const existing = await store.get(key);
  if (typeof existing?.secret === 'string' && existing.secret.length > 0) return existing.secret;
  const secret = randomBytes(32).toString('base64');
  const put = await store.put({ ...key, type: 'cursorSecret', secret }, { notExists: 'pk' });
  if (put.ok) return secret;
  // Lost the race to another process: use its secret.
  const winner = await store.get(key);
  if (typeof winner?.secret !== 'string') throw new Error('cursor secret item exists without a secret');
  return winner.secret;
}
