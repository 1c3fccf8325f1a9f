import { itemKeyId, type Item, type Page, type Query, type Store } from '../ports/store';

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
 * Attributes gsi1 projects besides the keys (INCLUDE): exactly the fields of a job (`Job` in
 * lib/campaigns/schema.ts; test/lib/store/indexes.test.ts fails when the two differ), so a job read from the due
 * queue or the attempts out parses to the same `Job` as the table item. Why not ALL: a job carries its pending
 * effects (`fx#<id>`, the outbox) on the item, 1–2 KB between a transition and their clear; projecting ALL wrote
 * them to gsi1 too, and every clear (about three per call) wrote the index again at the item's full size
 * (bench/README.md, issue 14). With INCLUDE, writes that change only unprojected attributes (effects, their
 * clears, outbox bookkeeping, `results`) do not touch gsi1. Adding a field to `Job` means adding it here, which
 * changes the deployed index: it must be rebuilt (docs/deploy.md, "Upgrade"). The other items in gsi1 (live
 * campaigns, webhook delivery logs, principal grants) are read back by key where more than these attributes are
 * needed ({@link queryItems}).
 */
export const DUE_QUEUE_ATTRIBUTES = [
  'jobId',
  'campaignId',
  'instanceId',
  'contact',
  'status',
  'failureReason',
  'dialState',
  'attempts',
  'tries',
  'finishedAttempt',
  'systemAttempts',
  'dueAt',
  'deferReason',
  'callId',
  'leaseSlot',
  'from',
  'calleeDay',
  'plannedAt',
  'transactionId',
  'placedCalls',
  'answeredCalls',
  'lastCallStatus',
  'lastCallId',
  'answered',
  'interacted',
  'tags',
  'captured',
  'createdAt',
  'updatedAt',
  'completedAt',
  'version',
] as const;

/** What an index holds of each item: every attribute, only the keys, or the keys and some attributes. */
export type Projection = { type: 'ALL' } | { type: 'KEYS_ONLY' } | { type: 'INCLUDE'; attributes: readonly string[] };

/**
 * Each index's projection. gsi1 (the due queue, the attempts out, the live lists) projects the job's fields: the
 * planner reads whole jobs from it every round ({@link DUE_QUEUE_ATTRIBUTES}). gsi2–gsi4 are lookups read rarely,
 * while their items are written often: a job is updated about nine times per call and a call record about ten,
 * and an index projecting ALL is written again on every such update (the campaign simulation, 10,000 contacts,
 * measured 197 write units per call with gsi2 and gsi3 projecting ALL, 121 keys only). Keys only, an index is
 * written only when an item enters, leaves or moves in it, and readers fetch the items by key
 * ({@link queryItems}). gsi4 lists items with pending effects (the outbox).
 */
export const INDEX_PROJECTIONS: Readonly<Record<IndexName, Projection>> = {
  gsi1: { type: 'INCLUDE', attributes: DUE_QUEUE_ATTRIBUTES },
  gsi2: { type: 'KEYS_ONLY' },
  gsi3: { type: 'KEYS_ONLY' },
  gsi4: { type: 'KEYS_ONLY' },
};

/** Indexes projecting only their keys (the table's and their own). */
export const KEYS_ONLY_INDEXES: readonly IndexName[] = INDEX_NAMES.filter((i) => INDEX_PROJECTIONS[i].type === 'KEYS_ONLY');

/** The projection of an index; undefined for the table itself (or a name that is not an index). */
export function indexProjection(index: string | undefined): Projection | undefined {
  return index !== undefined && (INDEX_NAMES as readonly string[]).includes(index) ? INDEX_PROJECTIONS[index as IndexName] : undefined;
}

/** Whether a query of this index (the table itself when undefined) returns only keys. */
export function projectsKeysOnly(index: string | undefined): boolean {
  return indexProjection(index)?.type === 'KEYS_ONLY';
}

/** Whether a query of this index (the table itself when undefined) returns whole items. */
export function projectsWholeItems(index: string | undefined): boolean {
  const p = indexProjection(index);
  return index === undefined || p?.type === 'ALL';
}

/**
 * An item as `index` holds it: the table's and the index's keys plus the projected attributes (the whole item
 * for ALL). Used by the in-memory store (what a query returns) and the simulation's meter (what an index write
 * costs and whether a write touches the index at all).
 */
export function projectItem(index: IndexName, item: Item): Item {
  const p = INDEX_PROJECTIONS[index];
  if (p.type === 'ALL') return item;
  const out: Item = { pk: item.pk, sk: item.sk };
  for (const name of [`${index}pk`, `${index}sk`, ...(p.type === 'INCLUDE' ? p.attributes : [])]) {
    if (item[name] !== undefined) out[name] = item[name];
  }
  return out;
}


/**
 * Queries a partition and returns whole items in the query's order with the query's cursor: on an index that
 * does not project every attribute (keys only, or gsi1's job fields), the page's keys are read back from the
 * table in one batch. An item deleted between
 * the two reads is left out (the page may then be shorter than its limit; the cursor still continues
 * after the last key read).
 */
export async function queryItems(store: Store, query: Query): Promise<Page> {
  const page = await store.query(query);
  if (projectsWholeItems(query.index) || page.items.length === 0) return page;
  const found = new Map((await store.batchGet(page.items.map((i) => ({ pk: i.pk, sk: i.sk })))).map((i) => [itemKeyId(i), i]));
  const items: Item[] = [];
  for (const key of page.items) {
    const item = found.get(itemKeyId(key));
    if (item) items.push(item);
  }
  return { items, ...(page.cursor ? { cursor: page.cursor } : {}) };
}
