import type * as z from 'zod';
import { ReachoutError, fieldIssues } from '../core/errors';
import { stableId } from '../core/ids';
import type { BusEvent } from '../ports/bus';
import type { CallRecord } from '../telephony/call-records';
import { EVENT_SCHEMAS, SCHEMA_VERSION, type EventContact, type EventDetail, type EventExtra, type EventInput, type EventTask, type EventType } from './schemas';

/** An event that breaks the contract: a producer bug, never the caller's input. */
export class EventContractError extends ReachoutError {
  override readonly name = 'EventContractError';
  constructor(message: string, context: Record<string, unknown> = {}, details: { path: string; message: string }[] = []) {
    super('EventContract', message, 500, context, details);
  }
}

/**
 * The identifying parts of each fact, after the detail type and the instance id. The event id is
 * `stableId(type, instanceId, ...parts)`: the same fact gets the same id in any process, on any retry.
 *
 * - call events (Dialing, Ringing, CallAnswered, CallFinished, RecordingReady): the call id (one per dial attempt);
 * - JobComplete: the job id (a job completes once);
 * - CampaignStateChanged: the campaign id and the campaign's version after the change;
 * - CampaignComplete: the campaign id and the dispatch run that completed;
 * - ExportReady: the export id.
 */
export const EVENT_ID_PARTS: { readonly [T in EventType]: (detail: EventInput<T>) => (string | number)[] } = {
  Dialing: (d) => [d.callId],
  Ringing: (d) => [d.callId],
  CallAnswered: (d) => [d.callId],
  CallFinished: (d) => [d.callId],
  RecordingReady: (d) => [d.callId],
  JobComplete: (d) => [d.jobId],
  CampaignStateChanged: (d) => [d.campaignId, d.version],
  CampaignComplete: (d) => [d.campaignId, d.run],
  ExportReady: (d) => [d.exportId],
};

/** The stable id of a fact (see EVENT_ID_PARTS); producers and outboxes can compute it before building the event. */
export function eventIdOf<T extends EventType>(type: T, detail: EventInput<T>): string {
  return stableId(type, detail.instanceId, ...EVENT_ID_PARTS[type](detail));
}

/** Options of buildEvent. */
export interface BuildEventOptions {
  /** The bus `source` (deps.config.eventSource). */
  source: string;
  /** When the fact happened, epoch ms (the producer's clock). */
  time: number;
}

/**
 * Largest detail accepted, in bytes of JSON. EventBridge takes 256 KB per entry; the rest is headroom for
 * the envelope and for the webhook delivery message that carries the event through SQS (256 KB too).
 */
export const MAX_DETAIL_BYTES = 200 * 1024;

const bytesOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

/**
 * Builds the bus event of a fact: fills `eventId` (stable, see EVENT_ID_PARTS), `eventType`,
 * `schemaVersion` and `eventTime`, validates the detail against its schema, and sets the envelope id
 * to the event id. A CallFinished whose transcript would make the event too large keeps the first
 * turns and says how many were left out (`turnsOmitted`). Throws EventContractError when the detail
 * does not match its schema or is still too large.
 */
export function buildEvent<T extends EventType>(type: T, detail: EventInput<T>, options: BuildEventOptions): BusEvent {
  const schema = EVENT_SCHEMAS[type] as unknown as z.ZodType<EventDetail<T>>;
  const eventId = eventIdOf(type, detail);
  const candidate = { ...detail, eventId, eventType: type, schemaVersion: SCHEMA_VERSION, eventTime: Math.floor(options.time) };
  const parsed = schema.safeParse(candidate);
  if (!parsed.success) {
    const details = fieldIssues(parsed.error.issues);
    throw new EventContractError(`${type} detail does not match its schema: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, { type, eventId }, details);
  }
  const body = fitSize(type, parsed.data as Record<string, unknown>);
  return { id: eventId, source: options.source, detailType: type, detail: body, time: new Date(options.time).toISOString() };
}

function fitSize(type: EventType, detail: Record<string, unknown>): Record<string, unknown> {
  if (bytesOf(detail) <= MAX_DETAIL_BYTES) return detail;
  if (type === 'CallFinished' && Array.isArray(detail.turns)) {
    const turns = detail.turns as unknown[];
    // Binary search for the longest prefix of the transcript that fits.
    let lo = 0;
    let hi = turns.length;
    const withTurns = (n: number) => ({ ...detail, turns: turns.slice(0, n), ...(n < turns.length ? { turnsOmitted: turns.length - n } : {}) });
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (bytesOf(withTurns(mid)) <= MAX_DETAIL_BYTES) lo = mid;
      else hi = mid - 1;
    }
    const fitted = withTurns(lo);
    if (bytesOf(fitted) <= MAX_DETAIL_BYTES) return fitted;
  }
  throw new EventContractError(`${type} detail is ${bytesOf(detail)} bytes, at most ${MAX_DETAIL_BYTES}`, { type, eventId: detail.eventId });
}

/** Seed 002's `contacts[]` of a job's contact (Reachout's contact shape: `phone`, `name`, `honorific`, `referenceId`). */
export function contactsOf(contact: { phone: string; name?: string; honorific?: string; referenceId?: string }): EventContact[] {
  return [
    {
      phoneNumber: contact.phone,
      ...(contact.name !== undefined ? { name: contact.name } : {}),
      ...(contact.honorific !== undefined ? { honorific: contact.honorific } : {}),
      ...(contact.referenceId !== undefined ? { referenceId: contact.referenceId } : {}),
    },
  ];
}

/** Seed 002's `extras[]` of a contact's variables, sorted by key so the same job always gives the same list. */
export function extrasOf(variables: Record<string, string> | undefined): EventExtra[] {
  return Object.entries(variables ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => ({ key, value }));
}

const ms = (iso: string | undefined) => {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
};

/** Seed 002's `tasks[]` item of a call detail record. */
export function taskOf(call: Pick<CallRecord, 'callId' | 'attempt' | 'plannedAt' | 'dialledAt' | 'endedAt' | 'caller' | 'callee' | 'status'>): EventTask {
  const task: EventTask = { id: call.callId, callId: call.callId, attempt: call.attempt, status: call.status };
  const planned = ms(call.plannedAt);
  const actual = ms(call.dialledAt);
  const end = ms(call.endedAt);
  if (planned !== undefined) task.plannedTime = planned;
  if (actual !== undefined) task.actualTime = actual;
  if (end !== undefined) task.endTime = end;
  if (call.caller) task.callingNumber = call.caller;
  if (call.callee) task.calledNumber = call.callee;
  return task;
}
