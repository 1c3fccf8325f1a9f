import * as z from 'zod';
import { CallRecord, StoredTurn } from '../telephony/call-records';
import type { BusEvent } from '../ports/bus';
import { CallsRow, DATASET_SCHEMAS, EventsRow, JobsRow, TurnsRow, type DatasetName, type DatasetRow } from './datasets';

/**
 * Pure mapping from bus events to dataset rows, shared by the local writer (local/analytics.ts) and the Firehose
 * transformation in AWS (functions/analytics-transform.ts), so both write the same rows.
 *
 * Inputs the datasets need (the event contract, see docs/analytics.md):
 * - every event: `detail.instanceId`, a stable `detail.eventId` (or the BusEvent id), a time;
 * - `CallFinished`: `detail.call` = the full CallRecord, `detail.turns` = StoredTurn[] (optional), `detail.intentGrade`
 *   (optional, A–E);
 * - `JobComplete`: the job in the detail (or in `detail.job`), read defensively: jobId (or id), campaignId (or
 *   groupId), status, failureReason, attempts (or the number of tasks), contacts[0] (or contact) with phoneNumber
 *   (or phone), name, referenceId, variables; tags; extras [{key, value}]; lastCallId / lastCallStatus (or the last
 *   task); answered; intentGrade.
 */

/** An EventBridge event as a rule target or Firehose receives it. */
export const EventEnvelope = z.object({
  id: z.string(),
  'detail-type': z.string(),
  source: z.string(),
  time: z.string(),
  detail: z.record(z.string(), z.unknown()),
});
/** An EventBridge event envelope. */
export type EventEnvelope = z.infer<typeof EventEnvelope>;

/** Why an event (or part of it) could not become rows; the rest of the event's rows are still produced. */
export interface RowProblem {
  dataset: DatasetName;
  eventId: string;
  detailType: string;
  message: string;
}

/** The rows of one event and the problems met. */
export interface EventRows {
  rows: DatasetRow[];
  problems: RowProblem[];
}

interface Normalized {
  eventId: string;
  detailType: string;
  source: string;
  time: string;
  detail: Record<string, unknown>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : null);
const int = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= 2 ** 31 - 1 ? v : null);
const boolean = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);

/** ISO 8601 UTC from an ISO string or epoch milliseconds (seed 002 sends `eventTime` as epoch ms); null if neither. */
export function isoTime(v: unknown): string | null {
  if (typeof v === 'number' && Number.isFinite(v)) return new Date(v).toISOString();
  if (typeof v === 'string' && v !== '') {
    const ms = Date.parse(v);
    if (!Number.isNaN(ms)) return new Date(ms).toISOString();
  }
  return null;
}

const dayOf = (iso: string) => iso.slice(0, 10);

/** A map column from a record of scalars (non-string values become text; nested values are dropped). */
function stringMap(v: unknown): Record<string, string> | null {
  if (!isRecord(v)) return null;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'string') out[k] = x;
    else if (typeof x === 'number' || typeof x === 'boolean') out[k] = String(x);
  }
  return out;
}

/** Seed 002's extras, `[{key, value}]`, as a map. */
function keyValueMap(v: unknown): Record<string, string> | null {
  if (isRecord(v)) return stringMap(v);
  if (!Array.isArray(v)) return null;
  const out: Record<string, string> = {};
  for (const e of v) if (isRecord(e) && typeof e.key === 'string' && (typeof e.value === 'string' || typeof e.value === 'number')) out[e.key] = String(e.value);
  return out;
}

function normalize(event: BusEvent | EventEnvelope): Normalized {
  const detailType = 'detailType' in event ? event.detailType : event['detail-type'];
  const detail = event.detail;
  const eventId = str(detail.eventId) ?? event.id;
  const time = isoTime(event.time) ?? isoTime(detail.eventTime) ?? new Date(0).toISOString();
  return { eventId, detailType, source: event.source, time, detail };
}

function validate<D extends DatasetName>(dataset: D, row: unknown, n: Normalized, problems: RowProblem[]): DatasetRow | undefined {
  const parsed = DATASET_SCHEMAS[dataset].safeParse(row);
  if (parsed.success) return { dataset, row: parsed.data } as DatasetRow;
  problems.push({ dataset, eventId: n.eventId, detailType: n.detailType, message: z.prettifyError(parsed.error).replace(/\n/g, '; ') });
  return undefined;
}

/** The `events` row of any event. */
function eventRow(n: Normalized, problems: RowProblem[]): DatasetRow | undefined {
  const row: EventsRow = {
    event_id: n.eventId,
    detail_type: n.detailType,
    source: n.source,
    event_time: n.time,
    campaign_id: str(n.detail.campaignId),
    job_id: str(n.detail.jobId),
    call_id: str(n.detail.callId),
    detail: JSON.stringify(n.detail),
    instance_id: n.detail.instanceId as string,
    dt: dayOf(n.time),
  };
  return validate('events', row, n, problems);
}

function callRows(n: Normalized, problems: RowProblem[]): DatasetRow[] {
  const problem = (dataset: DatasetName, message: string) => problems.push({ dataset, eventId: n.eventId, detailType: n.detailType, message });
  const parsed = CallRecord.safeParse(n.detail.call);
  if (!parsed.success) {
    problem('calls', n.detail.call === undefined ? 'CallFinished has no detail.call (the CallRecord)' : `detail.call: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`);
    return [];
  }
  const call = parsed.data;
  const day = dayOf(isoTime(call.dialledAt) ?? n.time);
  const turns: StoredTurn[] = [];
  const rawTurns = n.detail.turns;
  if (rawTurns !== undefined && !Array.isArray(rawTurns)) problem('turns', 'detail.turns is not an array');
  for (const [i, t] of (Array.isArray(rawTurns) ? rawTurns : []).entries()) {
    const r = StoredTurn.safeParse(t);
    if (r.success) turns.push(r.data);
    else problem('turns', `detail.turns[${i}]: ${z.prettifyError(r.error).replace(/\n/g, '; ')}`);
  }
  const out: DatasetRow[] = [];
  const calls: CallsRow = {
    call_id: call.callId,
    campaign_id: call.campaignId,
    job_id: call.jobId,
    attempt: call.attempt,
    transaction_id: call.transactionId ?? null,
    caller: call.caller ?? null,
    callee: call.callee ?? null,
    reference_id: call.referenceId ?? null,
    scenario_id: call.scenarioId ?? null,
    scenario_version: call.scenarioVersion ?? null,
    planned_at: isoTime(call.plannedAt),
    dialled_at: isoTime(call.dialledAt),
    rung_at: isoTime(call.rungAt),
    answered_at: isoTime(call.answeredAt),
    ended_at: isoTime(call.endedAt),
    ring_seconds: call.ringSeconds,
    talk_seconds: call.talkSeconds,
    turns: call.turns,
    user_turns: Array.isArray(rawTurns) ? turns.filter((t) => (t.userText ?? '').trim() !== '' || t.intent !== undefined).length : null,
    answered: call.answered,
    completed: call.completed,
    transferred: call.transferred,
    no_match_hangup: call.noMatchHangup,
    hangup_party: call.hangupParty ?? null,
    hangup_node: call.hangupNode ?? null,
    hangup_reason: call.hangupReason ?? null,
    status: call.status,
    sip_code: call.sipCode ?? null,
    recording_key: call.recordingKey ?? null,
    intent_grade: str(n.detail.intentGrade),
    tags: call.tags,
    event_id: n.eventId,
    event_time: n.time,
    instance_id: call.instanceId,
    dt: day,
  };
  const callRow = validate('calls', calls, n, problems);
  if (callRow) out.push(callRow);
  for (const t of turns) {
    const row: TurnsRow = {
      call_id: call.callId,
      turn_index: t.index,
      campaign_id: call.campaignId,
      job_id: call.jobId,
      turn_time: isoTime(t.time),
      node_id: t.nodeId || null,
      prompt: t.prompt ?? null,
      user_text: t.userText ?? null,
      intent: t.intent ?? null,
      score: t.score ?? null,
      recognizer: t.recognizer ?? null,
      outcome: t.outcome,
      event_id: n.eventId,
      event_time: n.time,
      instance_id: call.instanceId,
      dt: day,
    };
    const turnRow = validate('turns', row, n, problems);
    if (turnRow) out.push(turnRow);
  }
  return out;
}

function jobRow(n: Normalized, problems: RowProblem[]): DatasetRow | undefined {
  const job = isRecord(n.detail.job) ? { ...n.detail, ...n.detail.job } : n.detail;
  const contacts = Array.isArray(job.contacts) ? job.contacts : [];
  const contact = isRecord(contacts[0]) ? contacts[0] : isRecord(job.contact) ? job.contact : {};
  const tasks = Array.isArray(job.tasks) ? job.tasks.filter(isRecord) : [];
  const lastTask = tasks[tasks.length - 1];
  const row: JobsRow = {
    job_id: (str(job.jobId) ?? str(job.id)) as string,
    campaign_id: str(job.campaignId) ?? str(job.groupId),
    status: str(job.status),
    failure_reason: str(job.failureReason),
    attempts: int(job.attempts) ?? (tasks.length > 0 ? tasks.length : null),
    phone: str(contact.phoneNumber) ?? str(contact.phone),
    contact_name: str(contact.name),
    reference_id: str(contact.referenceId),
    last_call_id: str(job.lastCallId) ?? str(lastTask?.callId),
    last_call_status: str(job.lastCallStatus) ?? str(lastTask?.status),
    answered: boolean(job.answered),
    intent_grade: str(job.intentGrade),
    tags: stringMap(job.tags),
    variables: stringMap(job.variables) ?? stringMap(contact.variables),
    extras: keyValueMap(job.extras),
    completed_at: n.time,
    event_id: n.eventId,
    event_time: n.time,
    instance_id: (str(job.instanceId) ?? '') as string,
    dt: dayOf(n.time),
  };
  return validate('jobs', row, n, problems);
}

/**
 * The rows of every dataset that one event produces, validated by the datasets' zod schemas, and the problems met
 * (an invalid part never stops the other rows: a CallFinished without `detail.call` still gives its `events` row).
 */
export function mapEvent(event: BusEvent | EventEnvelope): EventRows {
  const n = normalize(event);
  const problems: RowProblem[] = [];
  const rows: DatasetRow[] = [];
  const ev = eventRow(n, problems);
  if (ev) rows.push(ev);
  if (n.detailType === 'CallFinished') rows.push(...callRows(n, problems));
  if (n.detailType === 'JobComplete') {
    const job = jobRow(n, problems);
    if (job) rows.push(job);
  }
  return { rows, problems };
}

/** The dataset rows of one event (problems dropped; use mapEvent to see them). */
export function rowsFromEvent(event: BusEvent | EventEnvelope): DatasetRow[] {
  return mapEvent(event).rows;
}

/** The rows (and problems) of one event for one dataset only, as one Firehose stream needs them. */
export function mapEventFor(dataset: DatasetName, event: BusEvent | EventEnvelope): EventRows {
  const all = mapEvent(event);
  return { rows: all.rows.filter((r) => r.dataset === dataset), problems: all.problems.filter((p) => p.dataset === dataset) };
}
