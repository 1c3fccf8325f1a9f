import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoDbStore, createDocumentClient, createTableInput, tableDefinition } from '../../../../lib/adapters/aws/dynamodb-store';
import { ensureTable } from '../../../../local/dynamo';
import fc from 'fast-check';
import { MemoryStore } from '../../../../lib/adapters/memory/store';
import type { Condition, Item } from '../../../../lib/ports/store';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: { createTableMs: number }) => Server;

const TABLE = 'reachout-test';
const noSleep = async () => {};

let server: Server;
let client: DynamoDBClient;
let store: DynamoDbStore;

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await client.send(new CreateTableCommand(createTableInput(TABLE)));
  await ensureTable(client, TABLE, tableDefinition, { sleep: noSleep });
  store = new DynamoDbStore({ tableName: TABLE, client: createDocumentClient(client), sleep: noSleep });
});

afterAll(async () => {
  client?.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

describe('DynamoDbStore on dynalite', () => {
  it('resolves the middleware of a read command once and serves concurrent reads of different items with it', async () => {
    const reader = new DynamoDbStore({ tableName: TABLE, client: createDocumentClient(client), sleep: noSleep });
    await reader.batchPut([1, 2, 3].map((i) => ({ pk: 'CACHE', sk: `K${i}`, n: i })));
    const resolve = vi.spyOn(GetItemCommand.prototype, 'resolveMiddleware');
    try {
      const got = await Promise.all([1, 2, 3, 4].map((i) => reader.get({ pk: 'CACHE', sk: `K${i}` })));
      expect(got.map((item) => item?.n)).toEqual([1, 2, 3, undefined]);
      expect(resolve).toHaveBeenCalledTimes(1);
    } finally {
      resolve.mockRestore();
    }
  });

  it('creates the table idempotently when ensureTable runs twice', async () => {
    await expect(ensureTable(client, TABLE, tableDefinition, { sleep: noSleep })).resolves.toBeUndefined();
  });

  it('reads back what put wrote, without undefined attributes', async () => {
    const item: Item = { pk: 'I#a#CMP', sk: 'CMP#1', name: 'Spring', count: 3, nested: { a: 1, gone: undefined }, gone: undefined };
    expect(await store.put(item)).toEqual({ ok: true, item: { pk: 'I#a#CMP', sk: 'CMP#1', name: 'Spring', count: 3, nested: { a: 1, gone: undefined } } });
    expect(await store.get({ pk: 'I#a#CMP', sk: 'CMP#1' })).toEqual({ pk: 'I#a#CMP', sk: 'CMP#1', name: 'Spring', count: 3, nested: { a: 1 } });
    expect(await store.get({ pk: 'I#a#CMP', sk: 'CMP#missing' })).toBeUndefined();
  });

  it('reports condition-failed when a conditional put loses', async () => {
    const key = { pk: 'I#a#LEASE', sk: 'SLOT#00001' };
    expect(await store.put({ ...key, holder: 'x' }, { notExists: 'pk' })).toMatchObject({ ok: true });
    expect(await store.put({ ...key, holder: 'y' }, { notExists: 'pk' })).toEqual({ ok: false, reason: 'condition-failed' });
    expect(await store.put({ ...key, holder: 'y' }, { and: [{ eq: ['holder', 'x'] }, { in: ['holder', ['x', 'z']] }] })).toMatchObject({ ok: true });
    expect((await store.get(key))?.holder).toBe('y');
  });

  it('evaluates ne, comparisons, or and not the way the memory store does', async () => {
    const key = { pk: 'I#a#COND', sk: 'X' };
    await store.put({ ...key, status: 'running', n: 5 });
    // `<>` on an absent attribute holds in DynamoDB, as in the memory store.
    expect(await store.put({ ...key, status: 'running', n: 5 }, { ne: ['absent', 'v'] })).toMatchObject({ ok: true });
    expect(await store.put({ ...key, status: 'running', n: 5 }, { lt: ['n', 5] })).toEqual({ ok: false, reason: 'condition-failed' });
    expect(await store.put({ ...key, status: 'running', n: 5 }, { ge: ['n', 5] })).toMatchObject({ ok: true });
    expect(await store.put({ ...key, status: 'running', n: 5 }, { or: [{ eq: ['status', 'stopped'] }, { not: { exists: 'absent' } }] })).toMatchObject({ ok: true });
    expect(await store.put({ ...key, status: 'running', n: 5 }, { in: ['status', []] })).toEqual({ ok: false, reason: 'condition-failed' });
    expect(await store.put({ ...key, status: 'running', n: 5 }, { and: [] })).toMatchObject({ ok: true });
    expect(await store.put({ ...key, status: 'running', n: 5 }, { eq: ['absent', undefined] })).toMatchObject({ ok: true });
  });

  it('applies set, setIfAbsent, add and remove in one update and returns the new item', async () => {
    const key = { pk: 'I#a#CMP#1#CNT', sk: 'SHARD#00' };
    const first = await store.update(key, { add: { dialled: 1 }, setIfAbsent: { createdAt: 't1' }, set: { state: 'running' } });
    expect(first).toEqual({ ok: true, item: { ...key, dialled: 1, createdAt: 't1', state: 'running' } });
    const second = await store.update(key, { add: { dialled: 2 }, setIfAbsent: { createdAt: 't2' }, set: { state: undefined }, remove: [] });
    expect(second).toEqual({ ok: true, item: { ...key, dialled: 3, createdAt: 't1' } });
    expect(await store.update(key, { add: { dialled: 1 } }, { lt: ['dialled', 3] })).toEqual({ ok: false, reason: 'condition-failed' });
    expect(await store.update(key, { remove: ['createdAt'] }, { exists: 'createdAt' })).toEqual({ ok: true, item: { ...key, dialled: 3 } });
  });

  it('creates an item with only its key when an update has no changes', async () => {
    const key = { pk: 'I#a#EMPTY', sk: '1' };
    expect(await store.update(key, {})).toEqual({ ok: true, item: key });
    expect(await store.update(key, { set: { nested: { a: 1, b: undefined } } }, { notExists: 'nested' })).toEqual({ ok: true, item: { ...key, nested: { a: 1 } } });
  });

  it('deletes conditionally', async () => {
    const key = { pk: 'I#a#DEL', sk: '1' };
    await store.put({ ...key, v: 1 });
    expect(await store.delete(key, { eq: ['v', 2] })).toEqual({ ok: false, reason: 'condition-failed' });
    expect(await store.delete(key, { eq: ['v', 1] })).toEqual({ ok: true });
    expect(await store.get(key)).toBeUndefined();
  });

  it('pages through a partition with a cursor, in both directions, with sort-key bounds', async () => {
    const pk = 'I#a#PAGE';
    await store.batchPut(Array.from({ length: 7 }, (_, i) => ({ pk, sk: `K#${i}`, i })));
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.query({ pk, limit: 3, cursor, consistent: true });
      seen.push(...page.items.map((x) => x.i as number));
      cursor = page.cursor;
    } while (cursor);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect((await store.query({ pk, reverse: true, limit: 2 })).items.map((x) => x.i)).toEqual([6, 5]);
    expect((await store.query({ pk, between: ['K#2', 'K#4'] })).items.map((x) => x.i)).toEqual([2, 3, 4]);
    expect((await store.query({ pk, ge: 'K#5' })).items.map((x) => x.i)).toEqual([5, 6]);
    expect((await store.query({ pk, le: 'K#1' })).items.map((x) => x.i)).toEqual([0, 1]);
    expect((await store.query({ pk, beginsWith: 'K#3' })).items.map((x) => x.i)).toEqual([3]);
  });

  it('queries a sparse index by its own key attributes', async () => {
    await store.batchPut([
      { pk: 'J#1', sk: 'JOB#1', gsi1pk: 'DUE#c', gsi1sk: '2026-01-05T09:00:02Z', status: 'Scheduling', 'fx#1': { type: 'send' } },
      { pk: 'J#2', sk: 'JOB#2', gsi1pk: 'DUE#c', gsi1sk: '2026-01-05T09:00:01Z' },
      { pk: 'J#3', sk: 'JOB#3' },
      { pk: 'J#4', sk: 'JOB#4', gsi2pk: 'TEL#+1555', gsi2sk: 'JOB#4', gsi3pk: 'REF#r', gsi3sk: 'x', name: 'Ann' },
    ]);
    const due = await store.query({ index: 'gsi1', pk: 'DUE#c', le: '2026-01-05T09:00:05Z' });
    expect(due.items.map((x) => x.sk)).toEqual(['JOB#2', 'JOB#1']);
    // gsi1 projects the job's fields, not its pending effects.
    expect(due.items[1]).toEqual({ pk: 'J#1', sk: 'JOB#1', gsi1pk: 'DUE#c', gsi1sk: '2026-01-05T09:00:02Z', status: 'Scheduling' });
    expect((await store.query({ index: 'gsi2', pk: 'TEL#+1555' })).items.map((x) => x.sk)).toEqual(['JOB#4']);
    expect((await store.query({ index: 'gsi3', pk: 'REF#r', beginsWith: 'x' })).items.map((x) => x.sk)).toEqual(['JOB#4']);
    // gsi2 and gsi3 project keys only: the item's other attributes are read from the table.
    expect((await store.query({ index: 'gsi2', pk: 'TEL#+1555' })).items[0]).toEqual({ pk: 'J#4', sk: 'JOB#4', gsi2pk: 'TEL#+1555', gsi2sk: 'JOB#4' });
    // Leaving the due queue removes the sparse key.
    await store.update({ pk: 'J#1', sk: 'JOB#1' }, { remove: ['gsi1pk', 'gsi1sk'] });
    expect((await store.query({ index: 'gsi1', pk: 'DUE#c' })).items.map((x) => x.sk)).toEqual(['JOB#2']);
  });

  it('writes and deletes more than one batch of items, and reads them back in batches', async () => {
    const items = Array.from({ length: 260 }, (_, i) => ({ pk: 'I#a#BULK', sk: String(i).padStart(4, '0'), v: i }));
    await store.batchPut([...items, { ...items[0]!, v: -1 }]);
    const got = await store.batchGet([...items.map(({ pk, sk }) => ({ pk, sk })), { pk: 'I#a#BULK', sk: 'missing' }]);
    expect(got).toHaveLength(260);
    expect(got.find((x) => x.sk === '0000')?.v).toBe(-1);
    await store.batchDelete(items.slice(0, 200).map(({ pk, sk }) => ({ pk, sk })));
    expect((await store.query({ pk: 'I#a#BULK' })).items).toHaveLength(60);
  });

  it('agrees with the memory store on every condition (differential property)', async () => {
    const names = fc.constantFrom('a', 'b', 'c');
    const scalar = fc.oneof(fc.constantFrom('x', 'y', ''), fc.integer({ min: -2, max: 2 }), fc.constant(null), fc.boolean());
    const ordered = fc.oneof(fc.constantFrom('x', 'y'), fc.integer({ min: -2, max: 2 }));
    const leaf: fc.Arbitrary<Condition> = fc.oneof(
      names.map((n) => ({ exists: n })),
      names.map((n) => ({ notExists: n })),
      fc.tuple(names, fc.option(scalar, { nil: undefined })).map(([n, v]) => ({ eq: [n, v] as [string, unknown] })),
      fc.tuple(names, fc.option(scalar, { nil: undefined })).map(([n, v]) => ({ ne: [n, v] as [string, unknown] })),
      fc.tuple(names, ordered).map(([n, v]) => ({ lt: [n, v] as [string, number | string] })),
      fc.tuple(names, ordered).map(([n, v]) => ({ ge: [n, v] as [string, number | string] })),
      fc.tuple(names, fc.array(scalar, { maxLength: 3 })).map(([n, v]) => ({ in: [n, v] as [string, unknown[]] })),
    );
    const condition = fc.letrec<{ c: Condition }>((tie) => ({
      c: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.array(tie('c'), { maxLength: 3 }).map((and) => ({ and })),
        fc.array(tie('c'), { maxLength: 3 }).map((or) => ({ or })),
        tie('c').map((not) => ({ not })),
      ),
    })).c;
    const existing = fc.option(fc.record({ a: scalar, b: scalar }, { requiredKeys: [] }), { nil: undefined });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(existing, condition, async (current, c) => {
        const key = { pk: 'I#a#PROP', sk: String(run++) };
        const memory = new MemoryStore();
        if (current) {
          await memory.put({ ...key, ...current });
          await store.put({ ...key, ...current });
        }
        const expected = await memory.put({ ...key, done: 1 }, c);
        const actual = await store.put({ ...key, done: 1 }, c);
        expect({ condition: c, ok: actual.ok }).toEqual({ condition: c, ok: expected.ok });
      }),
      { numRuns: 150 },
    );
  });
});
