import * as z from 'zod';
import { CallStatus, HangupParty } from '../domain/statuses';
import type { DialogTurn } from '../dialog/types';
import type { CallOutcome } from '../domain/dialing';
import type { Item, ItemKey, Store } from '../ports/store';
import { decodeCursorState, encodeCursorState } from '../core/cursor';
import { queryItems } from '../store/indexes';
import { keys } from '../store/keys';
import { effectId, type EffectInput } from '../outbox/effects';
import { withoutOutbox } from '../outbox/outbox';

/** Call detail record of one attempt, answered or not (T4). Times are ISO 8601 UTC. */
export const CallRecord = z.object({
  callId: z.string(),
  instanceId: z.string(),
  campaignId: z.string(),
  jobId: z.string(),
  attempt: z.number().int().positive(),
  transactionId: z.string().optional(),
  caller: z.string().optional(),
  callee: z.string().optional(),
  referenceId: z.string().optional(),
  scenarioId: z.string().optional(),
  scenarioVersion: z.number().int().optional(),
  plannedAt: z.string().optional(),
  dialledAt: z.string(),
  rungAt: z.string().optional(),
  answeredAt: z.string().optional(),
  endedAt: z.string().optional(),
  /** Seconds from dialling (Chime's start of the call) to the answer, or to the end of an unanswered call. */
  ringSeconds: z.number().nonnegative().default(0),
  talkSeconds: z.number().nonnegative().default(0),
  turns: z.number().int().nonnegative().default(0),
  answered: z.boolean().default(false),
  completed: z.boolean().default(false),
  transferred: z.boolean().default(false),
  hangupParty: HangupParty.optional(),
  hangupNode: z.string().optional(),
  hangupReason: z.string().optional(),
  status: CallStatus,
  sipCode: z.number().int().optional(),
  recordingKey: z.string().optional(),
  tags: z.record(z.string(), z.string()).default({}),
  /** The last turn's outcome was a no-match (R5 "no-match hang-up"). */
  noMatchHangup: z.boolean().default(false),
  /** The attempt failed for a reason of ours or the network's (does not count towards the daily cap, P6). */
  systemFailure: z.boolean().default(false),
  /** The attempt reached the telephony (false: refused before dialling: do-not-call, stopped, rejected). */
  placed: z.boolean().default(true),
  /** At least one of the person's answers was matched: an effective interaction (R3 funnel, C6). */
  interacted: z.boolean().default(false),
  /** Values the dialog captured from the person's answers (S3 entities). */
  captured: z.record(z.string(), z.string()).default({}),
  /** Result of a delegated external Lex bot (S13): its intent, slots and transcript. */
  delegate: z.object({ intent: z.string().optional(), slots: z.record(z.string(), z.string()).default({}), transcript: z.string().optional() }).optional(),
});
/** A call detail record. */
export type CallRecord = z.infer<typeof CallRecord>;

/** One stored transcript turn (T6): the dialog turn with its time as ISO 8601. */
export const StoredTurn = z.object({
  callId: z.string(),
  index: z.number().int().nonnegative(),
  time: z.string(),
  nodeId: z.string(),
  prompt: z.string().optional(),
  userText: z.string().optional(),
  intent: z.string().optional(),
  score: z.number().optional(),
  /** Who decided `intent` when the scenario's external recogniser did (`lex`, `bedrock-embeddings`, `bedrock-converse`, `builtin-fallback`). */
  recognizer: z.string().optional(),
  outcome: z.string(),
});
/** One stored transcript turn. */
export type StoredTurn = z.infer<typeof StoredTurn>;

const dayOf = (iso: string) => iso.slice(0, 10);
const strip = (item: Item): Record<string, unknown> => {
  const { pk: _pk, sk: _sk, gsi3pk: _g, gsi3sk: _s, kind: _k, ...rest } = withoutOutbox(item);
  return rest;
};

/** The item of a call record: indexed by day for the history (R5). */
export function callRecordItem(record: CallRecord): Item {
  return {
    ...keys.call(record.instanceId, record.jobId, record.callId),
    kind: 'call',
    ...record,
    gsi3pk: keys.callHistoryDay(record.instanceId, dayOf(record.dialledAt)),
    gsi3sk: `${record.dialledAt}#${record.callId}`,
  };
}

/** The call-id pointer of a call record (a call found from its id alone). */
export function callPointerItem(record: Pick<CallRecord, 'instanceId' | 'callId' | 'jobId' | 'campaignId'>): Item {
  return { ...keys.callPointer(record.instanceId, record.callId), kind: 'callPointer', jobId: record.jobId, campaignId: record.campaignId };
}

/** Key of a call record. */
export const callRecordKey = (ids: { instanceId: string; jobId: string; callId: string }): ItemKey => keys.call(ids.instanceId, ids.jobId, ids.callId);

/** A call record as callers may write it (defaults filled in by the schema). */
export type CallRecordInput = z.input<typeof CallRecord>;

/** Writes (or overwrites) a call record and its call-id pointer. */
export async function putCallRecord(store: Store, input: CallRecordInput): Promise<void> {
  const record = CallRecord.parse(input);
  await store.batchPut([callRecordItem(record), callPointerItem(record)]);
}

/** A call record from its item (outbox attributes left out), or undefined when it is not one. */
export function callRecordFromItem(item: Item | undefined): CallRecord | undefined {
  if (!item) return undefined;
  const r = CallRecord.safeParse(strip(item));
  return r.success ? r.data : undefined;
}

/** Reads a call record by job and call id. */
export async function getCallRecordOfJob(store: Store, instanceId: string, jobId: string, callId: string): Promise<CallRecord | undefined> {
  return callRecordFromItem(await store.get(keys.call(instanceId, jobId, callId)));
}

/** The outcome a final call record reports to its job (what `endAttempt` applies). */
export function outcomeOf(record: CallRecord): CallOutcome {
  return {
    instanceId: record.instanceId,
    campaignId: record.campaignId,
    jobId: record.jobId,
    attempt: record.attempt,
    callId: record.callId,
    status: record.status,
    ...(record.sipCode !== undefined ? { sipCode: record.sipCode } : {}),
    answered: record.answered,
    completed: record.completed,
    turns: record.turns,
    talkSeconds: record.talkSeconds,
    ...(record.hangupParty ? { hangupParty: record.hangupParty } : {}),
    ...(record.hangupNode ? { hangupNode: record.hangupNode } : {}),
    ...(record.hangupReason ? { hangupReason: record.hangupReason } : {}),
    tags: record.tags,
    systemFailure: record.systemFailure,
    placed: record.placed,
    interacted: record.interacted,
    captured: record.captured,
    endedAt: record.endedAt ?? record.dialledAt,
  };
}

/** Reads a call record from its call id alone (through the pointer). */
export async function getCallRecord(store: Store, instanceId: string, callId: string): Promise<CallRecord | undefined> {
  const ptr = await store.get(keys.callPointer(instanceId, callId));
  if (!ptr || typeof ptr.jobId !== 'string') return undefined;
  return getCallRecordOfJob(store, instanceId, ptr.jobId, callId);
}

/** Calls of one job, oldest first. */
export async function listCallsOfJob(store: Store, instanceId: string, jobId: string): Promise<CallRecord[]> {
  const out: CallRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.query({ pk: keys.call(instanceId, jobId, '').pk, beginsWith: 'CALL#', cursor });
    for (const it of page.items) {
      const r = CallRecord.safeParse(strip(it));
      if (r.success) out.push(r.data);
    }
    cursor = page.cursor;
  } while (cursor);
  return out.sort((a, b) => a.dialledAt.localeCompare(b.dialledAt));
}

/** Stores transcript turns of a call (T6). */
export async function putTurns(store: Store, instanceId: string, callId: string, turns: readonly DialogTurn[]): Promise<void> {
  if (turns.length === 0) return;
  await store.batchPut(
    turns.map((t) => ({
      ...keys.turn(instanceId, callId, t.index),
      kind: 'turn',
      callId,
      index: t.index,
      time: new Date(t.at).toISOString(),
      nodeId: t.nodeId,
      prompt: t.prompt,
      userText: t.userText,
      intent: t.intent,
      score: t.score,
      recognizer: t.recognizer,
      outcome: t.outcome,
    })),
  );
}

/** The transcript of a call, in turn order. */
export async function listTurns(store: Store, instanceId: string, callId: string): Promise<StoredTurn[]> {
  const out: StoredTurn[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.query({ pk: keys.turn(instanceId, callId, 0).pk, beginsWith: 'TURN#', cursor });
    for (const it of page.items) {
      const r = StoredTurn.safeParse(strip(it));
      if (r.success) out.push(r.data);
    }
    cursor = page.cursor;
  } while (cursor);
  return out.sort((a, b) => a.index - b.index);
}

/** Filters of the call history (R5). */
export interface CallHistoryFilter {
  /** Inclusive ISO 8601 bounds on the dial time. */
  from: string;
  to: string;
  phone?: string;
  referenceId?: string;
  campaignId?: string;
  jobId?: string;
  status?: CallStatus;
  answered?: boolean;
  completed?: boolean;
  noMatchHangup?: boolean;
  minRingSeconds?: number;
  limit?: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

const isHistoryCursor = (v: unknown): v is { day?: string; c?: string } =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && ['day', 'c'].every((k) => (v as Record<string, unknown>)[k] === undefined || typeof (v as Record<string, unknown>)[k] === 'string');

/** Longest time range one history query walks (one index partition per day). */
export const MAX_HISTORY_DAYS = 31;

function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  const start = Date.UTC(+from.slice(0, 4), +from.slice(5, 7) - 1, +from.slice(8, 10));
  const end = Date.UTC(+to.slice(0, 4), +to.slice(5, 7) - 1, +to.slice(8, 10));
  for (let d = end; d >= start && out.length < MAX_HISTORY_DAYS; d -= 86_400_000) out.push(new Date(d).toISOString().slice(0, 10));
  return out;
}

/**
 * Searches the call history newest first, walking one day partition of gsi3 at a time (key-bounded,
 * never a scan); filters on the other fields are applied to each day's page.
 */
export async function searchCalls(store: Store, instanceId: string, filter: CallHistoryFilter): Promise<{ items: CallRecord[]; cursor?: string }> {
  const limit = Math.min(200, filter.limit ?? 50);
  const match = (r: CallRecord) =>
    (!filter.phone || r.callee === filter.phone) &&
    (!filter.referenceId || r.referenceId === filter.referenceId) &&
    (!filter.campaignId || r.campaignId === filter.campaignId) &&
    (!filter.jobId || r.jobId === filter.jobId) &&
    (!filter.status || r.status === filter.status) &&
    (filter.answered === undefined || r.answered === filter.answered) &&
    (filter.completed === undefined || r.completed === filter.completed) &&
    (filter.noMatchHangup === undefined || r.noMatchHangup === filter.noMatchHangup) &&
    (filter.minRingSeconds === undefined || r.ringSeconds >= filter.minRingSeconds);
  if (filter.jobId) {
    const all = (await listCallsOfJob(store, instanceId, filter.jobId)).filter((r) => r.dialledAt >= filter.from && r.dialledAt <= filter.to && match(r));
    return { items: all.reverse().slice(0, limit) };
  }
  const state: { day?: string; c?: string } = filter.cursor ? decodeCursorState(filter.cursor, isHistoryCursor) : {};
  const days = daysBetween(filter.from, filter.to);
  let i = state.day ? Math.max(0, days.indexOf(state.day)) : 0;
  let inner = state.c;
  const items: CallRecord[] = [];
  while (i < days.length && items.length < limit) {
    // Keys only in the index: the records are read back by key, the page's keys in one batch.
    const page = await queryItems(store, {
      index: 'gsi3',
      pk: keys.callHistoryDay(instanceId, days[i]!),
      between: [filter.from, `${filter.to}\uffff`],
      reverse: true,
      // Never more than still fits the page: the store's cursor then points after the last item kept.
      limit: limit - items.length,
      cursor: inner,
    });
    for (const it of page.items) {
      const r = CallRecord.safeParse(strip(it));
      if (r.success && match(r.data)) items.push(r.data);
    }
    if (page.cursor) {
      inner = page.cursor;
      if (items.length >= limit) break;
    } else {
      i++;
      inner = undefined;
    }
  }
  const more = i < days.length;
  return {
    items,
    cursor: more ? encodeCursorState({ day: days[i], c: inner }) : undefined,
  };
}

/** Applies partial changes to a call record without reading it (it must exist). */
export async function updateCallRecord(store: Store, instanceId: string, jobId: string, callId: string, changes: Partial<CallRecord>): Promise<void> {
  const set: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(changes)) if (v !== undefined) set[k] = v;
  await store.update(keys.call(instanceId, jobId, callId), { set }, { exists: 'pk' });
}

/**
 * Outbox task names of call records (registered by the composition root): `end`, `aggregate` and `finished` run
 * when a record becomes final; `discard` when an attempt is given back (`unclaim`) and its call id abandoned;
 * `close` when the job machine ends an attempt outside the SMA handler (refused before dialling, or lost) and the
 * record must become final (`CloseCallArgs`).
 */
export const CALL_TASKS = { end: 'call.end', finished: 'call.finished', aggregate: 'call.aggregate', discard: 'call.discard', close: 'call.close' } as const;

/** What makes a call record final when the attempt ends outside the SMA handler (refused, lost). */
export const FinalCallFields = z.object({
  status: CallStatus,
  systemFailure: z.boolean(),
  placed: z.boolean(),
  hangupParty: HangupParty.optional(),
  hangupReason: z.string().optional(),
  sipCode: z.number().int().optional(),
});
/** What makes a call record final. */
export type FinalCallFields = z.infer<typeof FinalCallFields>;

/**
 * Arguments of the `close` task: the record to make final (created from it when the attempt has none yet), the
 * fields that make it final, and when it ended (epoch ms; the time the task runs when absent).
 */
export const CloseCallArgs = z.object({ record: CallRecord, final: FinalCallFields, endedAt: z.number().optional() });
/** Arguments of the `close` task. */
export type CloseCallArgs = z.infer<typeof CloseCallArgs>;

/**
 * Effects a call record carries when it becomes final (its `endedAt` is set): end the job's attempt with
 * the outcome the record reports, then add the call to the report aggregates and publish CallFinished with
 * the record and its transcript. Ids are derived from the call id: the record becomes final once (its final
 * write is conditional).
 */
export function finalCallEffects(record: Pick<CallRecord, 'instanceId' | 'campaignId' | 'jobId' | 'callId'>, at: number): EffectInput[] {
  const args = { instanceId: record.instanceId, campaignId: record.campaignId, jobId: record.jobId, callId: record.callId };
  return [
    { type: 'task', id: effectId(at, 'call', record.callId, 'end'), order: 0, task: CALL_TASKS.end, args },
    // The report aggregates (R2, R3): exactly once per call, after the job's outcome (they read its state).
    { type: 'task', id: effectId(at, 'call', record.callId, 'aggregate'), order: 1, task: CALL_TASKS.aggregate, args },
    { type: 'task', id: effectId(at, 'call', record.callId, 'finished'), order: 1, task: CALL_TASKS.finished, args },
  ];
}
