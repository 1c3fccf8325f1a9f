/**
 * The kinds of entity a node can capture, apart from the extractors: the scenario schema needs the
 * names, and importing lib/nlu/entities for them put chrono-node and nzh in every function's bundle.
 */

/** Kinds of entity a node can capture. `text` is the answer itself. */
export const ENTITY_KINDS = ['date', 'time', 'datetime', 'number', 'amount', 'text'] as const;
/** A kind of entity. */
export type EntityKind = (typeof ENTITY_KINDS)[number];
