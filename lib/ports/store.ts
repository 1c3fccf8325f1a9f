/**
 * The store port: a single DynamoDB-style table (see docs/data-model.md).
 * Domain repositories hold the logic; adapters only map these calls to SDK commands.
 * Conditional writes report a conflict as a value, never as an exception, because
 * losing a race (a lease taken, a message already handled) is an expected outcome.
 */

/** Primary key of an item in the single table. */
export interface ItemKey {
  pk: string;
  sk: string;
}

/** One string per table key (pk and sk joined by a NUL, which neither contains): a Map or Set key for items. */
export const itemKeyId = (key: { pk: unknown; sk: unknown }): string => `${String(key.pk)}\u0000${String(key.sk)}`;

/** Any item stored in the single table. */
export type Item = ItemKey & Record<string, unknown>;

/** Conditions as data, mapped to ConditionExpression by the adapter. */
export type Condition =
  | { exists: string }
  | { notExists: string }
  | { eq: [string, unknown] }
  | { ne: [string, unknown] }
  | { lt: [string, number | string] }
  | { le: [string, number | string] }
  | { gt: [string, number | string] }
  | { ge: [string, number | string] }
  | { in: [string, unknown[]] }
  /** A string-set attribute has this member (false when the attribute is absent). */
  | { contains: [string, string] }
  | { and: Condition[] }
  | { or: Condition[] }
  | { not: Condition };

/** Changes applied by an update. */
export interface Changes {
  /** Attributes to set (undefined values are removed). */
  set?: Record<string, unknown>;
  /** Attributes to set only when absent (if_not_exists). */
  setIfAbsent?: Record<string, unknown>;
  /** Numeric attributes to increment (negative to decrement); created at 0 when absent. */
  add?: Record<string, number>;
  /** Attributes to remove (e.g. a sparse index key when a job leaves the due queue). */
  remove?: string[];
  /** String-set attributes to add members to (DynamoDB `ADD`; the set is created when absent). */
  addToSet?: Record<string, string[]>;
  /** String-set members to delete (DynamoDB `DELETE`; the attribute disappears when its last member goes). */
  deleteFromSet?: Record<string, string[]>;
}

/** Outcome of a conditional write. */
export type WriteResult = { ok: true; item?: Item } | { ok: false; reason: 'condition-failed' };

/** A key-bounded query; never a scan. */
export interface Query {
  /** Index name (`gsi1`, `gsi2`, `gsi3`, keys-only `gsi4`); the table itself when absent. */
  index?: string;
  /** Partition key value (of the table or the index). */
  pk: string;
  /** Sort key starts with this value. */
  beginsWith?: string;
  /** Sort key between these values, inclusive. */
  between?: [string, string];
  /** Sort key at most this value. */
  le?: string;
  /** Sort key at least this value. */
  ge?: string;
  /** Highest sort keys first. */
  reverse?: boolean;
  /** Page size. */
  limit?: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
  /** Strongly consistent read (table only). */
  consistent?: boolean;
}

/** One page of query results. */
export interface Page<T = Item> {
  items: T[];
  /** Present when more items may follow. */
  cursor?: string;
}

/** The single-table store. */
export interface Store {
  /** Reads one item, strongly consistent. */
  get(key: ItemKey): Promise<Item | undefined>;
  /** Reads many items (any order, strongly consistent); missing ones are left out. */
  batchGet(keys: ItemKey[]): Promise<Item[]>;
  /** Writes a whole item, optionally only when the condition holds. */
  put(item: Item, condition?: Condition): Promise<WriteResult>;
  /** Applies changes to one item (creating it), optionally only when the condition holds; returns the new item. */
  update(key: ItemKey, changes: Changes, condition?: Condition): Promise<WriteResult>;
  /** Deletes one item, optionally only when the condition holds. */
  delete(key: ItemKey, condition?: Condition): Promise<WriteResult>;
  /** Queries one partition of the table or an index. */
  query(query: Query): Promise<Page>;
  /** Writes many items unconditionally; retries unprocessed items until all are written or the retries run out. */
  batchPut(items: Item[]): Promise<void>;
  /** Deletes many items unconditionally, with the same retries. */
  batchDelete(keys: ItemKey[]): Promise<void>;
}
