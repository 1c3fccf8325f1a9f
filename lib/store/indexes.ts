import type { Item, Page, Query, Store } from '../ports/store';

/**
 * The single table's global secondary indexes and what each projects (docs/data-model.md). One list,
 * read by the CDK table (infra/constructs/data.ts), the local table definition, the in-memory store and
 * the simulation's meter, so the deployed, local and metered tables cannot disagree.
 */

/** Names of the table's global secondary indexes; index `gsiN` is keyed by `gsiNpk` / `gsiNsk`. */
export const INDEX_NAMES = ['gsi1', 'gsi2', 'gsi3', 'gsi4'] as const;

/** One of the table's index names. */
export type IndexName = (typeof INDEX_NAMES)[number];

/**
 * Indexes projecting only their keys (the table's and their own). gsi1 (the due queue and the live
 * lists) projects every attribute: the planner reads whole jobs from it every round. The others are
 * lookups read rarely, while their items are written often: a job is updated about nine times per call
 * and a call record about ten, and an index projecting ALL is written again on every such update (the
 * campaign simulation, 10,000 contacts, measured 197 write units per call with gsi2 and gsi3 projecting ALL,
 * 121 keys only). Keys only, an index is written only when an item enters it, leaves it or its keys change, and
 * readers fetch the items by key ({@link queryItems}). gsi4 lists items with pending effects (the outbox).
 */
export const KEYS_ONLY_INDEXES: readonly IndexName[] = ['gsi2', 'gsi3', 'gsi4'];

/** Whether a query of this index (the table itself when undefined) returns only keys. */
export function projectsKeysOnly(index: string | undefined): boolean {
  return index !== undefined && (KEYS_ONLY_INDEXES as readonly string[]).includes(index);
}

const keyId = (i: { pk: unknown; sk: unknown }) => `${String(i.pk)}\u0000${String(i.sk)}`;

/**
 * Queries a partition and returns whole items in the query's order with the query's cursor: on a
 * keys-only index, the page's keys are read back from the table in one batch. An item deleted between
 * the two reads is left out (the page may then be shorter than its limit; the cursor still continues
 * after the last key read).
 */
export async function queryItems(store: Store, query: Query): Promise<Page> {
  const page = await store.query(query);
  if (!projectsKeysOnly(query.index) || page.items.length === 0) return page;
  const found = new Map((await store.batchGet(page.items.map((i) => ({ pk: i.pk, sk: i.sk })))).map((i) => [keyId(i), i]));
  const items: Item[] = [];
  for (const key of page.items) {
    const item = found.get(keyId(key));
    if (item) items.push(item);
  }
  return { items, ...(page.cursor ? { cursor: page.cursor } : {}) };
}
