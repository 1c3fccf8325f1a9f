/**
 * JSON Schemas of the events, generated from the zod schemas (so they cannot drift), in the
 * JSON Schema draft 4 dialect the EventBridge schema registry accepts (`JSONSchemaDraft4`).
 */
import * as z from 'zod';
import { EVENT_SCHEMAS, EVENT_TYPES, type EventType } from './schemas';

type Json = Record<string, unknown>;

/** `$schema` of every generated document. */
export const JSON_SCHEMA_DRAFT_4 = 'http://json-schema.org/draft-04/schema#';

/**
 * Consumers must ignore unknown fields (adding an optional field is not a breaking change), so the
 * published schemas allow additional properties; `examples` is not a draft 4 keyword.
 */
function relax(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(relax);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) {
    if (key === 'additionalProperties' && value === false) continue;
    if (key === 'examples') continue;
    out[key] = relax(value);
  }
  return out;
}

/** The JSON Schema (draft 4) of one detail type's `detail`. */
export function detailJsonSchema(type: EventType): Json {
  const generated = z.toJSONSchema(EVENT_SCHEMAS[type], { target: 'draft-04', io: 'output', unrepresentable: 'any' }) as Json;
  return relax(generated) as Json;
}

/**
 * The JSON Schema (draft 4) of a whole event as EventBridge delivers it to a target (the envelope
 * with `detail-type`, `source` and the detail): what the schema registry holds and code bindings
 * are generated from.
 */
export function eventJsonSchema(type: EventType, source: string): Json {
  const { $schema: _ignored, title, description, ...detail } = detailJsonSchema(type);
  return {
    $schema: JSON_SCHEMA_DRAFT_4,
    title: String(title ?? type),
    description: `Reachout ${type} event (EventBridge envelope). ${String(description ?? '')}`.trim(),
    type: 'object',
    properties: {
      version: { type: 'string' },
      id: { type: 'string', description: 'EventBridge id of this delivery; deduplicate on detail.eventId instead' },
      'detail-type': { type: 'string', enum: [type] },
      source: { type: 'string', enum: [source] },
      account: { type: 'string' },
      time: { type: 'string', format: 'date-time' },
      region: { type: 'string' },
      resources: { type: 'array', items: { type: 'string' } },
      detail,
    },
    required: ['detail-type', 'source', 'detail'],
  };
}

/** Every event's JSON Schema, by detail type. */
export function eventJsonSchemas(source: string): Record<EventType, Json> {
  return Object.fromEntries(EVENT_TYPES.map((t) => [t, eventJsonSchema(t, source)])) as Record<EventType, Json>;
}
