import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../lib/adapters/memory/store';
import type { Store } from '../../../lib/ports/store';
import { INDEX_NAMES, projectsKeysOnly, queryItems } from '../../../lib/store/indexes';

/** A store that counts batch reads, to see when whole items are fetched. */
function counting(inner: MemoryStore): Store & { batchGets: number } {
  const wrapped = Object.create(inner) as MemoryStore & { batchGets: number };
  wrapped.batchGets = 0;
  wrapped.batchGet = async (keys) => {
    wrapped.batchGets++;
    return inner.batchGet(keys);
  };
  return wrapped;
}

describe('projectsKeysOnly', () => {
  it('keeps whole items in the due queue only, keys in the lookups and the outbox index', () => {
    expect(INDEX_NAMES.filter((i) => !projectsKeysOnly(i))).toEqual(['gsi1']);
    expect(projectsKeysOnly(undefined)).toBe(false);
  });
});

describe('queryItems', () => {
  it('returns whole items of a keys-only index in index order, with the cursor of the index page', async () => {
    const inner = new MemoryStore();
    for (const [i, name] of ['Ann', 'Bob', 'Cy'].entries()) {
      await inner.put({ pk: `J#${i}`, sk: `JOB#${i}`, gsi2pk: 'TEL#1', gsi2sk: `c#${2 - i}`, name });
    }
    const store = counting(inner);
    const first = await queryItems(store, { index: 'gsi2', pk: 'TEL#1', limit: 2 });
    expect(first.items.map((i) => i.name)).toEqual(['Cy', 'Bob']);
    expect(store.batchGets).toBe(1);
    const rest = await queryItems(store, { index: 'gsi2', pk: 'TEL#1', limit: 2, cursor: first.cursor });
    expect(rest.items.map((i) => i.name)).toEqual(['Ann']);
    expect(rest.cursor).toBeUndefined();
  });

  it('leaves out an item deleted between the index read and the item read', async () => {
    const inner = new MemoryStore();
    await inner.put({ pk: 'J#1', sk: 'JOB#1', gsi3pk: 'REF#r', gsi3sk: 'a', name: 'Ann' });
    await inner.put({ pk: 'J#2', sk: 'JOB#2', gsi3pk: 'REF#r', gsi3sk: 'b', name: 'Bob' });
    const store = Object.create(inner) as MemoryStore;
    store.batchGet = async (keys) => {
      await inner.delete({ pk: 'J#1', sk: 'JOB#1' });
      return inner.batchGet(keys);
    };
    expect((await queryItems(store, { index: 'gsi3', pk: 'REF#r' })).items.map((i) => i.name)).toEqual(['Bob']);
  });

  it('reads nothing more from an index that projects whole items', async () => {
    const store = counting(new MemoryStore());
    await store.put({ pk: 'J#1', sk: 'JOB#1', gsi1pk: 'DUE#1', gsi1sk: '1', name: 'Ann' });
    expect((await queryItems(store, { index: 'gsi1', pk: 'DUE#1' })).items.map((i) => i.name)).toEqual(['Ann']);
    expect(store.batchGets).toBe(0);
  });
});
