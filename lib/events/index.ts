/** The event contract (SPEC E1): schemas, builders, validation and JSON Schemas of Reachout's events. */
export * from './schemas';
export { buildEvent, eventIdOf, EVENT_ID_PARTS, EventContractError, MAX_DETAIL_BYTES, contactsOf, extrasOf, taskOf, type BuildEventOptions } from './build';
export { assertValidEvent, checkEvent, type EventCheck, type EventEnvelopeLike } from './validate';
export { detailJsonSchema, eventJsonSchema, eventJsonSchemas, JSON_SCHEMA_DRAFT_4 } from './json-schema';
