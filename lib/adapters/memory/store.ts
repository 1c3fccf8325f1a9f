import type { Changes, Condition, Item, ItemKey, Page, Query, Store, WriteResult } from '../../ports/store';

const INDEXES = ['gsi1', 'gsi2', 'gsi3', 'gsi4'] as const;
/** Indexes that project only the keys (as the table definition declares them). */
const KEYS_ONLY = new Set<string>(['gsi4']);

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
const id = (k: ItemKey) => `${k.pk}\u0000${k.sk}`;

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

/**
 * An in-memory Store with DynamoDB's semantics for the subset the port exposes:
 * conditional writes, sparse global secondary indexes, ordered sort keys, paging.
 * For unit tests and throwaway runs; the local runtime uses dynalite through the DynamoDB adapter.
 */
export class MemoryStore implements Store {
  private readonly items = new Map<string, Item>();

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
    this.items.set(id(item), stored);
    return { ok: true, item: clone(stored) };
  }

  async update(key: ItemKey, changes: Changes, condition?: Condition): Promise<WriteResult> {
    const current = this.items.get(id(key));
    if (condition && !evaluateCondition(condition, current)) return { ok: false, reason: 'condition-failed' };
    const next = applyChanges(current ?? { pk: key.pk, sk: key.sk }, changes);
    this.items.set(id(key), next);
    return { ok: true, item: clone(next) };
  }

  async delete(key: ItemKey, condition?: Condition): Promise<WriteResult> {
    const current = this.items.get(id(key));
    if (condition && !evaluateCondition(condition, current)) return { ok: false, reason: 'condition-failed' };
    this.items.delete(id(key));
    return { ok: true };
  }

  async query(q: Query): Promise<Page> {
    const index = q.index as (typeof INDEXES)[number] | undefined;
    if (index && !INDEXES.includes(index)) throw new Error(`unknown index ${index}`);
    const pkName = index ? `${index}pk` : 'pk';
    const skName = index ? `${index}sk` : 'sk';
    let rows = [...this.items.values()].filter((i) => i[pkName] === q.pk && typeof i[skName] === 'string');
    rows = rows.filter((i) => {
      const sk = i[skName] as string;
      if (q.beginsWith !== undefined && !sk.startsWith(q.beginsWith)) return false;
      if (q.between && (sk < q.between[0] || sk > q.between[1])) return false;
      if (q.le !== undefined && sk > q.le) return false;
      if (q.ge !== undefined && sk < q.ge) return false;
      return true;
    });
    // Ties on an index sort key are broken by the table key, as DynamoDB does.
    rows.sort((a, b) => cmpStr(a[skName] as string, b[skName] as string) || cmpStr(id(a), id(b)));
    if (q.reverse) rows.reverse();
    let start = 0;
    if (q.cursor) {
      const after = JSON.parse(Buffer.from(q.cursor, 'base64url').toString('utf8')) as string;
      start = rows.findIndex((r) => id(r) === after) + 1;
    }
    const limit = q.limit ?? 1000;
    const page = rows.slice(start, start + limit);
    const more = start + limit < rows.length;
    const last = page[page.length - 1];
    const project = (r: Item): Item =>
      index && KEYS_ONLY.has(index) ? { pk: r.pk, sk: r.sk, [pkName]: r[pkName], [skName]: r[skName] } : clone(r);
    return {
      items: page.map(project),
      ...(more && last ? { cursor: Buffer.from(JSON.stringify(id(last))).toString('base64url') } : {}),
    };
  }

  async batchPut(items: Item[]): Promise<void> {
    for (const item of items) await this.put(item);
  }

  async batchDelete(keys: ItemKey[]): Promise<void> {
    for (const k of keys) this.items.delete(id(k));
  }

  /** Number of items stored; for tests. */
  size(): number {
    return this.items.size;
  }
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
