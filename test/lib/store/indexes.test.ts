import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../lib/adapters/memory/store';
import type { Store } from '../../../lib/ports/store';
import { Job } from '../../../lib/campaigns/schema';
import { DUE_QUEUE_ATTRIBUTES, INDEX_NAMES, INDEX_PROJECTIONS, projectItem, projectsKeysOnly, queryItems } from '../../../lib/store/indexes';

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
  it('keeps the job fields in the due queue only, keys in the lookups and the outbox index', () => {
    expect(INDEX_NAMES.filter((i) => !projectsKeysOnly(i))).toEqual(['gsi1']);
    expect(INDEX_PROJECTIONS.gsi1.type).toBe('INCLUDE');
    expect(projectsKeysOnly(undefined)).toBe(false);
  });
});

describe('DUE_QUEUE_ATTRIBUTES', () => {
  // A field added to Job but not projected would be missing from every job the planner reads: this fails first
  // (and adding it changes the deployed index, which must then be rebuilt: docs/deploy.md).
  it('is exactly the fields of a job', () => {
    expect([...DUE_QUEUE_ATTRIBUTES].sort()).toEqual(Object.keys(Job.shape).sort());
  });

  it('gives a job read from the due queue equal to the table item, without its pending effects', async () => {
    const job = Job.parse({
      jobId: 'j1', campaignId: 'c1', instanceId: 'i1', contact: { phone: '+15550100', name: 'Ann', variables: { due: '12' } },
      status: 'Scheduling', dialState: 'idle', attempts: 1, tries: 1, dueAt: 5, deferReason: 'retry', tags: { a: 'b' }, captured: { when: 'x' },
      createdAt: '2026-01-05T09:00:00Z', updatedAt: '2026-01-05T09:00:00Z', version: 3,
    });
    const store = new MemoryStore();
    await store.put({ pk: 'J#1', sk: 'JOB#1', type: 'job', ...job, gsi1pk: 'DUE#1', gsi1sk: '5#j1', gsi2pk: 'TEL#1', gsi2sk: 'x', 'fx#a': { id: 'a', type: 'send' }, fxv: 1, results: { x: 1 } });
    const [item] = (await store.query({ index: 'gsi1', pk: 'DUE#1' })).items;
    expect(Job.parse(item)).toEqual(job);
    expect(Object.keys(item!).filter((k) => k.startsWith('fx') || k === 'results' || k === 'gsi2pk')).toEqual([]);
    expect(projectItem('gsi4', { pk: 'a', sk: 'b', gsi4pk: 'p', gsi4sk: 's', v: 1 })).toEqual({ pk: 'a', sk: 'b', gsi4pk: 'p', gsi4sk: 's' });
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

  it('reads whole items back from an index that projects some attributes, and nothing more from the table', async () => {
    const store = counting(new MemoryStore());
    await store.put({ pk: 'W#1', sk: 'LOG#1', gsi1pk: 'WH#1#LOG', gsi1sk: '1', status: 'delivered', url: 'https://example.com' });
    expect((await queryItems(store, { index: 'gsi1', pk: 'WH#1#LOG' })).items.map((i) => i.url)).toEqual(['https://example.com']);
    expect(store.batchGets).toBe(1);
    expect((await queryItems(store, { pk: 'W#1' })).items.map((i) => i.url)).toEqual(['https://example.com']);
    expect(store.batchGets).toBe(1);
  });
});
