import type { BusEvent } from '../ports/bus';
import { fieldIssues } from '../core/errors';
import { EventContractError, eventIdOf, MAX_DETAIL_BYTES } from './build';
import { AnyEventDetail, EVENT_SCHEMAS, isEventType, type EventInput, type EventType } from './schemas';

/** An event as a rule target receives it (EventBridge's envelope: `detail-type`, `source`, `detail`, `time`). */
export interface EventEnvelopeLike {
  'detail-type': string;
  source: string;
  time: string;
  detail: Record<string, unknown>;
}

/** Outcome of checking an event against the contract. */
export type EventCheck = { ok: true; detail: AnyEventDetail } | { ok: false; problems: string[] };

function differences(expected: unknown, actual: unknown, path: string, out: string[]): void {
  if (out.length > 20) return;
  if (expected === actual) return;
  if (typeof expected !== 'object' || typeof actual !== 'object' || expected === null || actual === null || Array.isArray(expected) !== Array.isArray(actual)) {
    if (JSON.stringify(expected) !== JSON.stringify(actual)) out.push(`${path || '(detail)'}: published ${JSON.stringify(actual)}, the schema reads ${JSON.stringify(expected)}`);
    return;
  }
  const e = expected as Record<string, unknown>;
  const a = actual as Record<string, unknown>;
  for (const key of new Set([...Object.keys(e), ...Object.keys(a)])) {
    const p = path ? `${path}.${key}` : key;
    if (!(key in e) && a[key] !== undefined) out.push(`${p}: not in the schema (undocumented field)`);
    else if (!(key in a) && e[key] !== undefined) out.push(`${p}: missing (the schema fills a default, the producer should send it)`);
    else differences(e[key], a[key], p, out);
  }
}

/**
 * Checks a bus event (or an EventBridge envelope of one) against the contract: a known detail type,
 * a detail its schema accepts with no undocumented field, `eventType` equal to the detail type,
 * `eventId` equal to the stable id of the fact (and to the BusEvent id), the event time equal to
 * `eventTime`, and a size EventBridge and the webhook queue accept.
 */
export function checkEvent(event: BusEvent | EventEnvelopeLike): EventCheck {
  const problems: string[] = [];
  const envelope = 'detail-type' in event;
  const type = envelope ? event['detail-type'] : event.detailType;
  const detail = event.detail;
  if (!event.source) problems.push('source: empty');
  if (!isEventType(type)) return { ok: false, problems: [...problems, `detailType: ${JSON.stringify(type)} is not a Reachout event type`] };
  const parsed = EVENT_SCHEMAS[type].safeParse(detail);
  if (!parsed.success) {
    for (const issue of fieldIssues(parsed.error.issues)) problems.push(`${issue.path}: ${issue.message}`);
    return { ok: false, problems };
  }
  differences(JSON.parse(JSON.stringify(parsed.data)), JSON.parse(JSON.stringify(detail)), '', problems);
  const data = parsed.data as { eventId: string; eventType: string; eventTime: number };
  const expectedId = eventIdOf(type, data as unknown as EventInput<EventType>);
  if (data.eventId !== expectedId) problems.push(`eventId: ${data.eventId} is not the stable id of the fact (${expectedId})`);
  if (!envelope && event.id !== data.eventId) problems.push(`id: the envelope id ${event.id} differs from detail.eventId ${data.eventId}`);
  const time = Date.parse(event.time);
  if (Number.isNaN(time)) problems.push(`time: ${JSON.stringify(event.time)} is not an ISO 8601 time`);
  // EventBridge keeps whole seconds in the envelope; the detail keeps milliseconds.
  else if (envelope ? Math.floor(time / 1000) !== Math.floor(data.eventTime / 1000) : time !== data.eventTime) {
    problems.push(`time: ${event.time} differs from eventTime ${data.eventTime}`);
  }
  const bytes = Buffer.byteLength(JSON.stringify(detail), 'utf8');
  if (bytes > MAX_DETAIL_BYTES) problems.push(`detail: ${bytes} bytes, at most ${MAX_DETAIL_BYTES}`);
  if (problems.length) return { ok: false, problems };
  return { ok: true, detail: AnyEventDetail.parse(detail) };
}

/** Throws EventContractError listing every problem when an event breaks the contract (see checkEvent); returns its detail. */
export function assertValidEvent(event: BusEvent | EventEnvelopeLike): AnyEventDetail {
  const result = checkEvent(event);
  if (result.ok) return result.detail;
  const type = 'detail-type' in event ? event['detail-type'] : event.detailType;
  throw new EventContractError(`${type} event breaks the contract: ${result.problems.join('; ')}`, { type }, result.problems.map((message) => ({ path: type, message })));
}
