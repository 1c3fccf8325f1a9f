import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';

/**
 * Test support for the Amazon Chime SDK developer guide's example events (test/fixtures/chime/events) and
 * action examples (test/fixtures/chime/actions). `guideEvent` loads one event and lets a test set the fields
 * its case needs (transaction attributes, participants, ActionData); everything else stays as the guide
 * prints it, so a handler test states which documented event it is built from.
 */

const FIXTURES = fileURLToPath(new URL('../fixtures/chime/', import.meta.url));

/** A JSON value as the fixtures hold it. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
/** A JSON object. */
export type JsonObject = { [key: string]: Json };

const Fidelity = z.enum(['verbatim', 'repaired', 'completed']);

/** One line of test/fixtures/chime/events/index.json. */
const GuideEventEntry = z.strictObject({
  file: z.string().regex(/\.json$/),
  source: z.string().startsWith('doc_source/'),
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  eventType: z.enum([
    'NEW_OUTBOUND_CALL',
    'NEW_INBOUND_CALL',
    'RINGING',
    'CALL_ANSWERED',
    'ACTION_SUCCESSFUL',
    'ACTION_FAILED',
    'ACTION_INTERRUPTED',
    'DIGITS_RECEIVED',
    'CALL_UPDATE_REQUESTED',
    'INVALID_LAMBDA_RESPONSE',
    'HANGUP',
  ]),
  actionType: z.string().nullable(),
  leg: z.enum(['LEG-A', 'LEG-B']).nullable(),
  errorType: z.string().nullable(),
  fidelity: Fidelity,
  notes: z.string(),
});

const GuideEventIndex = z.strictObject({
  description: z.string(),
  repository: z.literal('awsdocs/amazon-chime-sdk-developer-guide'),
  errorTypes: z.string(),
  events: z.array(GuideEventEntry),
});

/** One line of test/fixtures/chime/actions/index.json. */
const GuideResponseEntry = z.strictObject({
  file: z.string().regex(/\.json$/),
  source: z.string().startsWith('doc_source/'),
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  actionTypes: z.array(z.string()),
  valid: z.boolean(),
  fidelity: Fidelity,
  notes: z.string(),
});

const GuideResponseIndex = z.strictObject({
  description: z.string(),
  repository: z.literal('awsdocs/amazon-chime-sdk-developer-guide'),
  responses: z.array(GuideResponseEntry),
});

/** Metadata of one example event: its name (file name without .json), guide page, event and action type, fidelity, notes. */
export type GuideEventInfo = z.infer<typeof GuideEventEntry> & { name: string };
/** Metadata of one example response of the action reference. */
export type GuideResponseInfo = z.infer<typeof GuideResponseEntry> & { name: string };

const JsonValue: z.ZodType<Json> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(JsonValue), z.record(z.string(), JsonValue)]),
);
const JsonObjectSchema = z.record(z.string(), JsonValue);

const cache = new Map<string, unknown>();
function readJson(path: string): unknown {
  if (!cache.has(path)) cache.set(path, JSON.parse(readFileSync(path, 'utf8')));
  return cache.get(path);
}

const nameOf = (file: string) => file.replace(/\.json$/, '');

/** Every example event of the guide, with its metadata, in index order. */
export function allGuideEvents(): GuideEventInfo[] {
  return GuideEventIndex.parse(readJson(`${FIXTURES}events/index.json`)).events.map((e) => ({ ...e, name: nameOf(e.file) }));
}

/** Every example response (action reference examples), with its metadata. */
export function allGuideResponses(): GuideResponseInfo[] {
  return GuideResponseIndex.parse(readJson(`${FIXTURES}actions/index.json`)).responses.map((e) => ({ ...e, name: nameOf(e.file) }));
}

function find<T extends { name: string }>(all: T[], name: string, kind: string): T {
  const wanted = nameOf(name);
  const hit = all.find((e) => e.name === wanted);
  if (!hit) throw new Error(`no guide ${kind} named "${wanted}"; known: ${all.map((e) => e.name).join(', ')}`);
  return hit;
}

/** Marker that deletes a field when used as an override value. */
export const REMOVE: unique symbol = Symbol('remove');

/** A partial JSON object deep-merged into a fixture: objects merge key by key, arrays and scalars replace, {@link REMOVE} deletes. */
export type JsonPatch = { [key: string]: Json | JsonPatch | typeof REMOVE | undefined };

/** What a test may change on a guide event before using it. */
export interface GuideEventOverrides {
  /** `Sequence`. */
  sequence?: number;
  /** `CallDetails.TransactionId`. */
  transactionId?: string;
  /**
   * Renames LEG-A's CallId everywhere it appears (its participant and `ActionData.Parameters.CallId` or
   * `ActionData.CallId` when they name LEG-A), so a test can match the call id its session expects.
   */
  legACallId?: string;
  /** Deep-merged into `CallDetails.TransactionAttributes` (created when the event has none); {@link REMOVE} drops a key, `REMOVE` as the whole value drops the map. */
  transactionAttributes?: Record<string, string | typeof REMOVE> | typeof REMOVE;
  /**
   * Deep-merged into the participant with that tag (matched case-insensitively: case-5.md prints `Leg-B`);
   * a tag the event lacks is appended as a new participant; {@link REMOVE} drops the participant.
   */
  participants?: Partial<Record<'LEG-A' | 'LEG-B', JsonPatch | typeof REMOVE>>;
  /** Deep-merged into `ActionData` (created when the event has none). */
  actionData?: JsonPatch | typeof REMOVE;
  /** Deep-merged into the whole event, last. */
  event?: JsonPatch;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function merge(target: JsonObject, patch: JsonPatch): JsonObject {
  const out: JsonObject = { ...target };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    if (v === REMOVE) delete out[k];
    else if (isObject(v) && isObject(out[k])) out[k] = merge(out[k] as JsonObject, v as JsonPatch);
    else if (isObject(v)) out[k] = merge({}, v as JsonPatch);
    else out[k] = structuredClone(v as Json);
  }
  return out;
}

/**
 * One example event of the guide by name (file name without `.json`, see {@link allGuideEvents}), as a
 * fresh copy with the overrides applied. Throws on an unknown name, listing the known ones.
 */
export function guideEvent(name: string, overrides: GuideEventOverrides = {}): JsonObject {
  const info = find(allGuideEvents(), name, 'event');
  let event = JsonObjectSchema.parse(structuredClone(readJson(`${FIXTURES}events/${info.file}`)));
  const details = (): JsonObject => {
    if (!isObject(event.CallDetails)) event.CallDetails = {};
    return event.CallDetails as JsonObject;
  };
  if (overrides.sequence !== undefined) event.Sequence = overrides.sequence;
  if (overrides.transactionId !== undefined) details().TransactionId = overrides.transactionId;
  if (overrides.legACallId !== undefined) {
    const cd = details();
    const parts = Array.isArray(cd.Participants) ? (cd.Participants as JsonObject[]) : [];
    const legA = parts.find((p) => String(p.ParticipantTag).toUpperCase() === 'LEG-A');
    const old = legA?.CallId;
    if (legA) legA.CallId = overrides.legACallId;
    if (isObject(event.ActionData)) {
      const ad = event.ActionData as JsonObject;
      if (ad.CallId !== undefined && ad.CallId === old) ad.CallId = overrides.legACallId;
      if (isObject(ad.Parameters) && (ad.Parameters as JsonObject).CallId === old) (ad.Parameters as JsonObject).CallId = overrides.legACallId;
    }
  }
  if (overrides.transactionAttributes !== undefined) {
    const cd = details();
    if (overrides.transactionAttributes === REMOVE) delete cd.TransactionAttributes;
    else cd.TransactionAttributes = merge(isObject(cd.TransactionAttributes) ? (cd.TransactionAttributes as JsonObject) : {}, overrides.transactionAttributes);
  }
  if (overrides.participants) {
    const cd = details();
    let parts = Array.isArray(cd.Participants) ? (cd.Participants as JsonObject[]) : [];
    for (const [tag, patch] of Object.entries(overrides.participants)) {
      if (patch === undefined) continue;
      const i = parts.findIndex((p) => String(p.ParticipantTag).toUpperCase() === tag);
      if (patch === REMOVE) {
        if (i >= 0) parts = parts.filter((_, j) => j !== i);
      } else if (i >= 0) parts[i] = merge(parts[i]!, patch);
      else parts.push(merge({ ParticipantTag: tag }, patch));
    }
    cd.Participants = parts;
  }
  if (overrides.actionData !== undefined) {
    if (overrides.actionData === REMOVE) delete event.ActionData;
    else event.ActionData = merge(isObject(event.ActionData) ? (event.ActionData as JsonObject) : {}, overrides.actionData);
  }
  if (overrides.event) event = merge(event, overrides.event);
  return event;
}

/** One example response of the action reference by name (see {@link allGuideResponses}), as a fresh copy. */
export function guideResponse(name: string): JsonObject {
  const info = find(allGuideResponses(), name, 'response');
  return JsonObjectSchema.parse(structuredClone(readJson(`${FIXTURES}actions/${info.file}`)));
}
