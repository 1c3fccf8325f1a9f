import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../../lib/adapters/memory/store';
import type { Item, Query } from '../../../../lib/ports/store';

/** The reference: filter and sort every item, as DynamoDB's key condition and ordering define a query. */
function reference(items: Map<string, Item>, q: Query): Item[] {
  const pkName = q.index ? `${q.index}pk` : 'pk';
  const skName = q.index ? `${q.index}sk` : 'sk';
  const rows = [...items.values()].filter((i) => {
    const sk = i[skName];
    if (i[pkName] !== q.pk || typeof sk !== 'string') return false;
    if (q.beginsWith !== undefined && !sk.startsWith(q.beginsWith)) return false;
    if (q.between && (sk < q.between[0] || sk > q.between[1])) return false;
    if (q.le !== undefined && sk > q.le) return false;
    if (q.ge !== undefined && sk < q.ge) return false;
    return true;
  });
  const id = (i: Item) => `${i.pk}\u0000${i.sk}`;
  rows.sort((a, b) => ((a[skName] as string) < (b[skName] as string) ? -1 : (a[skName] as string) > (b[skName] as string) ? 1 : id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0));
  return q.reverse ? rows.reverse() : rows;
}

const sk = fc.stringMatching(/^[ab]{0,3}$/);
const op = fc.oneof(
  fc.record({ kind: fc.constant('put' as const), pk: fc.constantFrom('P1', 'P2'), sk, g: fc.option(fc.tuple(fc.constantFrom('G1', 'G2'), sk), { nil: undefined }) }),
  fc.record({ kind: fc.constant('delete' as const), pk: fc.constantFrom('P1', 'P2'), sk }),
);
const query = fc.record({
  index: fc.constantFrom(undefined, 'gsi1'),
  pk: fc.constantFrom('P1', 'P2', 'G1', 'G2'),
  beginsWith: fc.option(fc.stringMatching(/^[ab]{0,2}$/), { nil: undefined }),
  ge: fc.option(sk, { nil: undefined }),
  le: fc.option(sk, { nil: undefined }),
  reverse: fc.boolean(),
  limit: fc.integer({ min: 1, max: 4 }),
});

describe('MemoryStore', () => {
  it('pages a query exactly as filtering and sorting every item would, in both directions, through writes and deletes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), query, async (ops, q) => {
        const store = new MemoryStore();
        const items = new Map<string, Item>();
        for (const o of ops) {
          const key = `${o.pk}\u0000${o.sk}`;
          if (o.kind === 'delete') {
            await store.delete({ pk: o.pk, sk: o.sk });
            items.delete(key);
          } else {
            const item: Item = { pk: o.pk, sk: o.sk, ...(o.g ? { gsi1pk: o.g[0], gsi1sk: o.g[1] } : {}) };
            await store.put(item);
            items.set(key, item);
          }
        }
        const got: Item[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.query({ ...q, cursor });
          got.push(...page.items);
          cursor = page.cursor;
          pages++;
        } while (cursor && pages < 100);
        expect(got.map((i) => `${i.pk}/${i.sk}`)).toEqual(reference(items, q).map((i) => `${i.pk}/${i.sk}`));
      }),
      { numRuns: 300 },
    );
  });
});
