import { CallArguments } from '../domain/dialing';
import type { Store } from '../ports/store';
import { keys } from '../store/keys';
import { CallSession, newSession } from './call-session';
import { decodePlanArgument, type CallIds } from './plan';
import { expectOnly } from '../core/errors';

/**
 * How a call's session travels between invocations: in the transaction attributes. The developer guide's
 * limits (strict reading: at most 10 pairs, each value at most 1,024 characters, 20 KB in all; a response
 * that sets attributes replaces them all) shape the encoding: the ids in one compact value `c`, the session
 * JSON in chunks `s0`…`s8` of at most 1,000 characters. A session too large even for that is kept in the
 * store (one item per call) and the attributes carry `ref`. The first events carry the call's arguments
 * instead (ids, the plan in chunks `p0`…), from which a fresh session is made. Everything is parsed with
 * zod: attributes are input, never cast.
 */

/** Characters per attribute value (the guide's limit is 1,024). */
export const ATTRIBUTE_CHUNK = 1000;
/** Chunks of session JSON at most (with `c`, within the guide's 10 pairs). */
export const MAX_SESSION_CHUNKS = 9;
/** Chunks of plan JSON a call's arguments may carry (with the 6 ids and `maxRingSeconds`). */
export const MAX_PLAN_CHUNKS = 3;

/** What the attributes of an event say about its call. */
export type DecodedAttributes =
  | { kind: 'session'; session: CallSession }
  | { kind: 'stored'; ids: CallIds }
  | { kind: 'none'; reason: string };

/** Splits a string into attribute-sized chunks under `prefix0`, `prefix1`…; undefined when more than `max` are needed. */
export function chunked(prefix: string, value: string, max: number): Record<string, string> | undefined {
  const n = Math.ceil(value.length / ATTRIBUTE_CHUNK);
  if (n > max) return undefined;
  const out: Record<string, string> = {};
  for (let i = 0; i < n; i++) out[`${prefix}${i}`] = value.slice(i * ATTRIBUTE_CHUNK, (i + 1) * ATTRIBUTE_CHUNK);
  return out;
}

/** Joins chunks `prefix0`, `prefix1`… back (stops at the first missing one). */
export function unchunked(prefix: string, attrs: Record<string, string>): string | undefined {
  let out = '';
  for (let i = 0; attrs[`${prefix}${i}`] !== undefined; i++) out += attrs[`${prefix}${i}`];
  return out || undefined;
}

const encodeIds = (ids: CallIds) => [ids.instanceId, ids.campaignId, ids.jobId, ids.attempt, ids.callId, ids.leaseSlot ?? ''].join('|');

/** The call ids of a set of attributes: the compact `c` value, or the call's arguments; validated. */
export function idsFromAttributes(attrs: Record<string, string>): CallIds | undefined {
  let source: Record<string, string> = attrs;
  if (attrs.c) {
    const [instanceId, campaignId, jobId, attempt, callId, leaseSlot] = attrs.c.split('|');
    source = { instanceId: instanceId ?? '', campaignId: campaignId ?? '', jobId: jobId ?? '', attempt: attempt ?? '', callId: callId ?? '', leaseSlot: leaseSlot ?? '' };
  }
  const parsed = CallArguments.safeParse(source);
  if (!parsed.success) return undefined;
  const attempt = Number(parsed.data.attempt);
  const slot = parsed.data.leaseSlot === '' ? undefined : Number(parsed.data.leaseSlot);
  if (!Number.isInteger(attempt) || attempt < 1) return undefined;
  return {
    instanceId: parsed.data.instanceId,
    campaignId: parsed.data.campaignId,
    jobId: parsed.data.jobId,
    attempt,
    callId: parsed.data.callId,
    ...(slot !== undefined && Number.isInteger(slot) && slot >= 0 ? { leaseSlot: slot } : {}),
  };
}

/** Reads the session (or where it is) from an event's transaction attributes. */
export function decodeAttributes(attrs: Record<string, string> | undefined): DecodedAttributes {
  const a = attrs ?? {};
  const ids = idsFromAttributes(a);
  if (!ids) return { kind: 'none', reason: 'no call ids in the transaction attributes' };
  if (a.ref === '1') return { kind: 'stored', ids };
  const json = unchunked('s', a);
  if (json) {
    try {
      const parsed = CallSession.safeParse(JSON.parse(json));
      if (parsed.success && parsed.data.ids.callId === ids.callId) return { kind: 'session', session: parsed.data };
    } catch (error) {
      expectOnly(error, SyntaxError);
      // Not JSON (truncated): fall through to a fresh session from the ids rather than failing the call.
    }
  }
  return { kind: 'session', session: newSession(ids, decodePlanArgument(unchunked('p', a))) };
}

/** Key of a call's stored session. */
export const storedSessionKey = (ids: CallIds) => ({ pk: keys.callPointer(ids.instanceId, ids.callId).pk, sk: 'SESSION' });

/** Reads a stored session; a fresh one when missing or unreadable. */
export async function loadStoredSession(store: Store, ids: CallIds): Promise<CallSession> {
  const item = await store.get(storedSessionKey(ids));
  if (typeof item?.s === 'string') {
    try {
      const parsed = CallSession.safeParse(JSON.parse(item.s));
      if (parsed.success) return parsed.data;
    } catch (error) {
      expectOnly(error, SyntaxError);
      // Unreadable: start over from the ids.
    }
  }
  return newSession(ids);
}

/** The attributes to answer with, and the session item to store when it is too large to travel. */
export function encodeSession(session: CallSession): { attributes: Record<string, string>; store?: { key: { pk: string; sk: string }; s: string } } {
  const json = JSON.stringify(session);
  const c = encodeIds(session.ids);
  const chunks = chunked('s', json, MAX_SESSION_CHUNKS);
  if (chunks) return { attributes: { c, ...chunks } };
  return { attributes: { c, ref: '1' }, store: { key: storedSessionKey(session.ids), s: json } };
}
