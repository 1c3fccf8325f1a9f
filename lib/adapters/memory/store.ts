import { itemKeyId, type Changes, type Condition, type Item, type ItemKey, type Page, type Query, type Store, type WriteResult } from '../../ports/store';
import { INDEX_NAMES as INDEXES, projectItem } from '../../store/indexes';

/** Evaluates a condition against an item the way DynamoDB does (absent item = no attributes). */
export function evaluateCondition(condition: Condition, item: Record<string, unknown> | undefined): boolean {
  const get = (name: string) => (item ? item[name] : undefined);
  const cmp = (name: string, v: number | string, f: (a: number | string, b: number | string) => boolean) => {
    const a = get(name);
    return (typeof a === 'number' || typeof a === 'string') && typeof a === typeof v && f(a, v);
  };
  if ('exists' in condition) return get(condition.exists) !== undefined;
  if ('notExists' in condition) return get(condition.notExists) === undefined;
  if ('eq' in condition) return deepEqual(get(condition.eq[0]), condition.eq[1]);
  if ('ne' in condition) return !deepEqual(get(condition.ne[0]), condition.ne[1]);
  if ('lt' in condition) return cmp(condition.lt[0], condition.lt[1], (a, b) => a < b);
  if ('le' in condition) return cmp(condition.le[0], condition.le[1], (a, b) => a <= b);
  if ('gt' in condition) return cmp(condition.gt[0], condition.gt[1], (a, b) => a > b);
  if ('ge' in condition) return cmp(condition.ge[0], condition.ge[1], (a, b) => a >= b);
  if ('in' in condition) return condition.in[1].some((v) => deepEqual(get(condition.in[0]), v));
  if ('contains' in condition) {
    const set = get(condition.contains[0]);
    return set instanceof Set && set.has(condition.contains[1]);
  }
  if ('and' in condition) return condition.and.every((c) => evaluateCondition(c, item));
  if ('or' in condition) return condition.or.some((c) => evaluateCondition(c, item));
  return !evaluateCondition(condition.not, item);
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const clone = <T>(v: T): T => structuredClone(v);
const id = itemKeyId;

/** Applies update changes to an item copy (DynamoDB SET/ADD/REMOVE/if_not_exists semantics). */
export function applyChanges(base: Item, changes: Changes): Item {
  const next: Item = clone(base);
  for (const [k, v] of Object.entries(changes.set ?? {})) {
    if (v === undefined) delete next[k];
    else next[k] = clone(v);
  }
  for (const [k, v] of Object.entries(changes.setIfAbsent ?? {})) {
    if (next[k] === undefined && v !== undefined) next[k] = clone(v);
  }
  for (const [k, v] of Object.entries(changes.add ?? {})) {
    const cur = next[k];
    next[k] = (typeof cur === 'number' ? cur : 0) + v;
  }
  for (const k of changes.remove ?? []) delete next[k];
  for (const [k, members] of Object.entries(changes.addToSet ?? {})) {
    const cur = next[k];
    next[k] = new Set([...(cur instanceof Set ? cur : []), ...members]);
  }
  for (const [k, members] of Object.entries(changes.deleteFromSet ?? {})) {
    const cur = next[k];
    if (!(cur instanceof Set)) continue;
    const left = new Set([...cur].filter((m) => !members.includes(m as string)));
    if (left.size === 0) delete next[k];
    else next[k] = left;
  }
  return next;
}

/** One partition of the table or an index: entries ordered by sort key, ties by table key (as DynamoDB does). */
interface Entry {
  sk: string;
  id: string;
}
const entryCmp = (a: Entry, b: Entry) => cmpStr(a.sk, b.sk) || cmpStr(a.id, b.id);

/** First position in `list` whose entry is not before `probe`. */
function lowerBound(list: Entry[], probe: (e: Entry) => boolean): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (probe(list[mid]!)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * An in-memory Store with DynamoDB's semantics for the subset the port exposes:
 * conditional writes, sparse global secondary indexes, ordered sort keys, paging.
 * For unit tests and throwaway runs (the campaign simulation holds 100,000 jobs in it, hence the
 * ordered partitions: a query costs its page, not the table); the local runtime uses dynalite
 * through the DynamoDB adapter.
 */
export class MemoryStore implements Store {
  private readonly items = new Map<string, Item>();
  private readonly partitions = new Map<string, Entry[]>();

  async get(key: ItemKey): Promise<Item | undefined> {
    const item = this.items.get(id(key));
    return item ? clone(item) : undefined;
  }

  async batchGet(keys: ItemKey[]): Promise<Item[]> {
    const out: Item[] = [];
    for (const k of keys) {
      const item = this.items.get(id(k));
      if (item) out.push(clone(item));
    }
    return out;
  }

  async put(item: Item, condition?: Condition): Promise<WriteResult> {
    const current = this.items.get(id(item));
    if (condition && !evaluateCondition(condition, current)) return { ok: false, reason: 'condition-failed' };
    const stored = clone(item);
    for (const [k, v] of Object.entries(stored)) if (v === undefined) delete stored[k];
    this.write(id(item), current, stored);
    return { ok: true, item: clone(stored) };
  }

  async update(key: ItemKey, changes: Changes, condition?: Condition): Promise<WriteResult> {
    const current = this.items.get(id(key));
    if (condition && !evaluateCondition(condition, current)) return { ok: false, reason: 'condition-failed' };
    const next = applyChanges(current ?? { pk: key.pk, sk: key.sk }, changes);
    this.write(id(key), current, next);
    return { ok: true, item: clone(next) };
  }

  async delete(key: ItemKey, condition?: Condition): Promise<WriteResult> {
    const current = this.items.get(id(key));
    if (condition && !evaluateCondition(condition, current)) return { ok: false, reason: 'condition-failed' };
    this.write(id(key), current, undefined);
    return { ok: true };
  }

  async query(q: Query): Promise<Page> {
    const index = q.index as (typeof INDEXES)[number] | undefined;
    if (index && !INDEXES.includes(index)) throw new Error(`unknown index ${index}`);
    const pkName = index ? `${index}pk` : 'pk';
    const skName = index ? `${index}sk` : 'sk';
    const list = this.partitions.get(`${index ?? ''}\u0000${q.pk}`) ?? [];
    // The key condition as a range of the ordered partition.
    let lo = 0;
    let hi = list.length;
    const atLeast = (v: string) => (lo = Math.max(lo, lowerBound(list, (e) => e.sk < v)));
    const atMost = (v: string) => (hi = Math.min(hi, lowerBound(list, (e) => e.sk <= v)));
    if (q.beginsWith !== undefined) {
      const prefix = q.beginsWith;
      atLeast(prefix);
      hi = Math.min(hi, lowerBound(list, (e) => e.sk < prefix || e.sk.startsWith(prefix)));
    }
    if (q.between) {
      atLeast(q.between[0]);
      atMost(q.between[1]);
    }
    if (q.ge !== undefined) atLeast(q.ge);
    if (q.le !== undefined) atMost(q.le);
    if (q.cursor) {
      const after = JSON.parse(Buffer.from(q.cursor, 'base64url').toString('utf8')) as Entry;
      // Exclusive start key: the page continues past the last item returned, wherever that item is now.
      if (q.reverse) hi = Math.min(hi, lowerBound(list, (e) => entryCmp(e, after) < 0));
      else lo = Math.max(lo, lowerBound(list, (e) => entryCmp(e, after) <= 0));
    }
    const limit = q.limit ?? 1000;
    const count = Math.max(0, Math.min(limit, hi - lo));
    const picked = q.reverse ? list.slice(hi - count, hi).reverse() : list.slice(lo, lo + count);
    const more = hi - lo > limit;
    const last = picked[picked.length - 1];
    // What the index holds of the item (lib/store/indexes.ts): keys only, some attributes, or all.
    const project = (r: Item): Item => clone(index ? projectItem(index, r) : r);
    return {
      items: picked.map((e) => project(this.items.get(e.id)!)),
      ...(more && last ? { cursor: Buffer.from(JSON.stringify({ sk: last.sk, id: last.id })).toString('base64url') } : {}),
    };
  }

  async batchPut(items: Item[]): Promise<void> {
    for (const item of items) await this.put(item);
  }

  async batchDelete(keys: ItemKey[]): Promise<void> {
    for (const k of keys) this.write(id(k), this.items.get(id(k)), undefined);
  }

  /** The stored item itself, not a copy, uncounted (the simulation's meter sizes writes with it); never mutate it. */
  peek(key: ItemKey): Readonly<Item> | undefined {
    return this.items.get(id(key));
  }

  /** Number of items stored; for tests. */
  size(): number {
    return this.items.size;
  }

  /** Replaces an item and keeps the ordered partitions of the table and the indexes in step. */
  private write(key: string, before: Item | undefined, after: Item | undefined): void {
    if (before) for (const [partition, sk] of memberships(before)) this.unlink(partition, { sk, id: key });
    if (after) {
      this.items.set(key, after);
      for (const [partition, sk] of memberships(after)) this.link(partition, { sk, id: key });
    } else this.items.delete(key);
  }

  private link(partition: string, entry: Entry): void {
    let list = this.partitions.get(partition);
    if (!list) this.partitions.set(partition, (list = []));
    list.splice(lowerBound(list, (e) => entryCmp(e, entry) < 0), 0, entry);
  }

  private unlink(partition: string, entry: Entry): void {
    const list = this.partitions.get(partition);
    if (!list) return;
    const at = lowerBound(list, (e) => entryCmp(e, entry) < 0);
    if (list[at] && entryCmp(list[at]!, entry) === 0) list.splice(at, 1);
    if (list.length === 0) this.partitions.delete(partition);
  }
}

/** The partitions (table and indexes) an item appears in, with its sort key in each; an index is sparse. */
function memberships(item: Item): [string, string][] {
  const out: [string, string][] = [[`\u0000${item.pk}`, item.sk]];
  for (const index of INDEXES) {
    const pk = item[`${index}pk`];
    const sk = item[`${index}sk`];
    if (typeof pk === 'string' && typeof sk === 'string') out.push([`${index}\u0000${pk}`, sk]);
  }
  return out;
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
