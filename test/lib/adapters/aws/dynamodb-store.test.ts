import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DeleteCommand, DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbStore, ExpressionBuilder, createDocumentClient, encodeCursor, fromAttributes, tableDefinition } from '../../../../lib/adapters/aws/dynamodb-store';
import { AdapterError, ValidationError } from '../../../../lib/core/errors';
import type { Item } from '../../../../lib/ports/store';
import { DUE_QUEUE_ATTRIBUTES } from '../../../../lib/store/indexes';

const ddb = mockClient(DynamoDBDocumentClient);
const TABLE = 'reachout';
let sleeps: number[];
const sleep = async (ms: number) => {
  sleeps.push(ms);
};
const store = (options: { maxAttempts?: number; concurrency?: number } = {}) =>
  new DynamoDbStore({ tableName: TABLE, client: ddb as unknown as DynamoDBDocumentClient, sleep, random: () => 0.5, ...options });

const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
const throttled = () => new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: { httpStatusCode: 400 } });
const items = (n: number, pk = 'P'): Item[] => Array.from({ length: n }, (_, i) => ({ pk, sk: String(i).padStart(4, '0'), v: i }));

beforeEach(() => {
  ddb.reset();
  sleeps = [];
});

describe('DynamoDbStore', () => {
  it('reads one item strongly consistently and maps a miss to undefined', async () => {
    ddb.on(GetItemCommand, { Key: { pk: { S: 'A' }, sk: { S: '1' } } }).resolves({ Item: { pk: { S: 'A' }, sk: { S: '1' }, x: { N: '1' } } });
    ddb.on(GetItemCommand, { Key: { pk: { S: 'A' }, sk: { S: '2' } } }).resolves({});
    expect(await store().get({ pk: 'A', sk: '1' })).toEqual({ pk: 'A', sk: '1', x: 1 });
    expect(await store().get({ pk: 'A', sk: '2' })).toBeUndefined();
    expect(ddb.commandCalls(GetItemCommand)[0]!.args[0].input).toEqual({ TableName: TABLE, Key: { pk: { S: 'A' }, sk: { S: '1' } }, ConsistentRead: true });
  });

  it('converts typed attributes of every type the way the document client does', () => {
    const bytes = new Uint8Array([1, 2]);
    expect(
      fromAttributes({
        s: { S: 'x' },
        n: { N: '-1.5' },
        big: { N: '12345678901234567890' },
        b: { B: bytes },
        t: { BOOL: true },
        z: { NULL: true },
        l: { L: [{ S: 'a' }, { N: '2' }] },
        m: { M: { inner: { SS: ['p', 'q'] } } },
        ns: { NS: ['1', '2'] },
        bs: { BS: [bytes] },
      }),
    ).toEqual({ s: 'x', n: -1.5, big: 12345678901234567890n, b: bytes, t: true, z: null, l: ['a', 2], m: { inner: new Set(['p', 'q']) }, ns: new Set([1, 2]), bs: new Set([bytes]) });
    expect(() => fromAttributes({ x: {} as never })).toThrow(AdapterError);
  });

  it('wraps an unexpected SDK error in an AdapterError that keeps the cause', async () => {
    const cause = new Error('socket hang up');
    ddb.on(GetItemCommand).rejects(cause);
    const error = await store().get({ pk: 'A', sk: '1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdapterError);
    expect((error as AdapterError).message).toContain('DynamoDB GetItem failed');
    expect((error as AdapterError).cause).toBe(cause);
  });

  it('maps a condition to a ConditionExpression with placeholders for every name and value', async () => {
    ddb.on(PutCommand).resolves({});
    const result = await store().put(
      { pk: 'A', sk: '1', status: 'running', skip: undefined },
      { and: [{ notExists: 'pk' }, { or: [{ eq: ['status', 'draft'] }, { lt: ['version', 3] }] }, { not: { in: ['status', ['a', 'b']] } }] },
    );
    expect(result).toEqual({ ok: true, item: { pk: 'A', sk: '1', status: 'running' } });
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Item: { pk: 'A', sk: '1', status: 'running', skip: undefined },
      ConditionExpression: '(attribute_not_exists(#n0)) AND ((#n1 = :v0) OR (#n2 < :v1)) AND (NOT (#n1 IN (:v2, :v3)))',
      ExpressionAttributeNames: { '#n0': 'pk', '#n1': 'status', '#n2': 'version' },
      ExpressionAttributeValues: { ':v0': 'draft', ':v1': 3, ':v2': 'a', ':v3': 'b' },
    });
  });

  it('returns condition-failed when DynamoDB refuses the condition', async () => {
    ddb.on(PutCommand).rejects(conditionFailed());
    ddb.on(UpdateCommand).rejects(conditionFailed());
    ddb.on(DeleteCommand).rejects(conditionFailed());
    const s = store();
    expect(await s.put({ pk: 'A', sk: '1' }, { notExists: 'pk' })).toEqual({ ok: false, reason: 'condition-failed' });
    expect(await s.update({ pk: 'A', sk: '1' }, { add: { n: 1 } }, { exists: 'pk' })).toEqual({ ok: false, reason: 'condition-failed' });
    expect(await s.delete({ pk: 'A', sk: '1' }, { eq: ['owner', 'me'] })).toEqual({ ok: false, reason: 'condition-failed' });
  });

  it('folds constant conditions and sends undefined comparisons as existence tests', () => {
    const b = new ExpressionBuilder();
    expect(b.condition({ and: [] })).toBeUndefined();
    expect(b.condition({ or: [{ and: [] }, { eq: ['x', 1] }] })).toBeUndefined();
    expect(b.attributes()).toEqual({});
    const f = new ExpressionBuilder();
    expect(f.condition({ and: [{ eq: ['x', 1] }, { in: ['y', []] }] })).toBe('attribute_exists(#n0) AND attribute_not_exists(#n0)');
    expect(f.attributes()).toEqual({ ExpressionAttributeNames: { '#n0': 'pk' } });
    const u = new ExpressionBuilder();
    expect(u.condition({ and: [{ eq: ['a', undefined] }, { ne: ['b', undefined] }] })).toBe('(attribute_not_exists(#n0)) AND (attribute_exists(#n1))');
    const many = new ExpressionBuilder();
    const expr = many.condition({ in: ['s', Array.from({ length: 150 }, (_, i) => i)] })!;
    expect(expr.split(' OR ')).toHaveLength(2);
    expect(Object.keys(many.attributes().ExpressionAttributeValues ?? {})).toHaveLength(150);
  });

  it('maps changes to SET, if_not_exists, ADD and REMOVE and returns the new item', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { pk: 'A', sk: '1', n: 2 } });
    const result = await store().update(
      { pk: 'A', sk: '1' },
      { set: { state: 'on', gone: undefined }, setIfAbsent: { createdAt: 't', skipped: undefined }, add: { n: 1, m: -1 }, remove: ['gsi1pk'] },
      { ne: ['state', 'stopped'] },
    );
    expect(result).toEqual({ ok: true, item: { pk: 'A', sk: '1', n: 2 } });
    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: 'A', sk: '1' },
      UpdateExpression: 'SET #n0 = :v0, #n2 = if_not_exists(#n2, :v1) ADD #n3 :v2, #n4 :v3 REMOVE #n1, #n5',
      ConditionExpression: '#n0 <> :v4',
      ReturnValues: 'ALL_NEW',
      ExpressionAttributeNames: { '#n0': 'state', '#n1': 'gone', '#n2': 'createdAt', '#n3': 'n', '#n4': 'm', '#n5': 'gsi1pk' },
      ExpressionAttributeValues: { ':v0': 'on', ':v1': 't', ':v2': 1, ':v3': -1, ':v4': 'stopped' },
    });
  });

  it('refuses an update that changes one attribute twice, before calling DynamoDB', async () => {
    await expect(store().update({ pk: 'A', sk: '1' }, { set: { x: 1 }, remove: ['x'] })).rejects.toBeInstanceOf(ValidationError);
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('maps a table query to KeyConditionExpression, order, limit, cursor and consistent read', async () => {
    const last = { pk: 'P', sk: 'K#3' };
    const typed = { pk: { S: 'P' }, sk: { S: 'K#3' } };
    ddb.on(QueryCommand).resolvesOnce({ Items: [typed], LastEvaluatedKey: typed }).resolves({ Items: [] });
    const page = await store().query({ pk: 'P', beginsWith: 'K#', reverse: true, limit: 1, consistent: true });
    expect(page).toEqual({ items: [{ pk: 'P', sk: 'K#3' }], cursor: encodeCursor(last) });
    expect(ddb.commandCalls(QueryCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      KeyConditionExpression: '#n0 = :v0 AND begins_with(#n1, :v1)',
      ExpressionAttributeNames: { '#n0': 'pk', '#n1': 'sk' },
      ExpressionAttributeValues: { ':v0': { S: 'P' }, ':v1': { S: 'K#' } },
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: true,
    });
    const next = await store().query({ pk: 'P', beginsWith: 'K#', reverse: true, limit: 1, cursor: page.cursor });
    expect(next).toEqual({ items: [] });
    expect(ddb.commandCalls(QueryCommand)[1]!.args[0].input.ExclusiveStartKey).toEqual(typed);
  });

  it("queries an index on its own key attributes, merges bounds, and never asks an index for a consistent read", async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    await store().query({ index: 'gsi2', pk: 'TEL#1', ge: 'a', le: 'm', between: ['b', 'z'], consistent: true });
    await store().query({ index: 'gsi3', pk: 'REF#1', le: 'x' });
    const [first, second] = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(first).toEqual({
      TableName: TABLE,
      IndexName: 'gsi2',
      KeyConditionExpression: '#n0 = :v0 AND #n1 BETWEEN :v1 AND :v2',
      ExpressionAttributeNames: { '#n0': 'gsi2pk', '#n1': 'gsi2sk' },
      ExpressionAttributeValues: { ':v0': { S: 'TEL#1' }, ':v1': { S: 'b' }, ':v2': { S: 'm' } },
      ScanIndexForward: true,
    });
    expect(second?.KeyConditionExpression).toBe('#n0 = :v0 AND #n1 <= :v1');
    expect(second?.ExpressionAttributeNames).toEqual({ '#n0': 'gsi3pk', '#n1': 'gsi3sk' });
  });

  it('refuses an unknown index, a forged cursor and a prefix combined with bounds', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    await expect(store().query({ index: 'gsi9', pk: 'x' })).rejects.toBeInstanceOf(ValidationError);
    await expect(store().query({ pk: 'x', cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(ValidationError);
    await expect(store().query({ pk: 'x', cursor: encodeCursor({ pk: 'x', sk: { nested: true } }) })).rejects.toBeInstanceOf(ValidationError);
    await expect(store().query({ pk: 'x', beginsWith: 'a', le: 'b' })).rejects.toBeInstanceOf(ValidationError);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('writes in chunks of 25 and keeps only the last of two writes to one key', async () => {
    ddb.on(BatchWriteCommand).resolves({});
    const list = items(60);
    await store().batchPut([...list, { ...list[0]!, v: 'last' }]);
    const calls = ddb.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems![TABLE]!);
    expect(calls.map((c) => c.length)).toEqual([25, 25, 10]);
    expect(calls[0]![0]).toEqual({ PutRequest: { Item: { pk: 'P', sk: '0000', v: 'last' } } });
  });

  it('retries unprocessed items with backoff until they are written', async () => {
    const list = items(3);
    ddb
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { [TABLE]: [{ PutRequest: { Item: list[1]! } }, { PutRequest: { Item: list[2]! } }] } })
      .resolvesOnce({ UnprocessedItems: { [TABLE]: [{ PutRequest: { Item: list[2]! } }] } })
      .resolves({ UnprocessedItems: {} });
    await store().batchPut(list);
    const sent = ddb.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems![TABLE]!.length);
    expect(sent).toEqual([3, 2, 1]);
    // Full jitter with random() = 0.5: half of 50 ms, then half of 100 ms.
    expect(sleeps).toEqual([25, 50]);
  });

  it('retries a throttled batch call as a whole', async () => {
    ddb.on(BatchWriteCommand).rejectsOnce(throttled()).resolves({});
    await store().batchDelete([{ pk: 'A', sk: '1' }]);
    expect(ddb.commandCalls(BatchWriteCommand)).toHaveLength(2);
    expect(ddb.commandCalls(BatchWriteCommand)[1]!.args[0].input.RequestItems![TABLE]).toEqual([{ DeleteRequest: { Key: { pk: 'A', sk: '1' } } }]);
  });

  it('throws an AdapterError with the count left when the retries run out', async () => {
    const list = items(30);
    ddb
      .on(BatchWriteCommand)
      .callsFake((input: { RequestItems: Record<string, { PutRequest: { Item: Item } }[]> }) => {
        const requests = input.RequestItems[TABLE]!;
        // The first chunk always leaves its first 2 items unprocessed; the second chunk never starts.
        return { UnprocessedItems: requests[0]!.PutRequest.Item.sk === '0000' ? { [TABLE]: requests.slice(0, 2) } : {} };
      });
    const error = await store({ maxAttempts: 3, concurrency: 1 }).batchPut(list).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdapterError);
    expect((error as AdapterError).message).toContain('7 of 30 entries left unprocessed after 3 attempts');
    expect((error as AdapterError).context.unprocessed).toBe(7);
    expect(ddb.commandCalls(BatchWriteCommand)).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it('does not retry a batch call the service rejects as invalid', async () => {
    const invalid = Object.assign(new Error('Provided list of item keys contains duplicates'), { name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    ddb.on(BatchWriteCommand).rejects(invalid);
    await expect(store().batchPut(items(2))).rejects.toThrow(/BatchWriteItem failed: ValidationException/);
    expect(ddb.commandCalls(BatchWriteCommand)).toHaveLength(1);
  });

  it('reads in chunks of 100 without duplicate keys and retries unprocessed keys', async () => {
    const list = items(150);
    type TypedKey = { pk: { S: string }; sk: { S: string } };
    ddb.on(BatchGetItemCommand).callsFake((input: { RequestItems: Record<string, { Keys: TypedKey[] }> }) => {
      const keys = input.RequestItems[TABLE]!.Keys;
      if (keys.length === 100) return { Responses: { [TABLE]: keys.slice(0, 90) }, UnprocessedKeys: { [TABLE]: { Keys: keys.slice(90) } } };
      return { Responses: { [TABLE]: keys.filter((k) => k.sk.S !== '0149') } };
    });
    const got = await store().batchGet([...list, list[0]!].map(({ pk, sk }) => ({ pk, sk })));
    expect(got).toHaveLength(149);
    expect(got).toContainEqual({ pk: 'P', sk: '0000' });
    const sizes = ddb.commandCalls(BatchGetItemCommand).map((c) => c.args[0].input.RequestItems![TABLE]!.Keys!.length);
    // Chunks run concurrently, so only the multiset of request sizes is fixed.
    expect(sizes.sort((a, b) => a - b)).toEqual([10, 50, 100]);
  });

  it('exports a table definition with the table key, the due queue projecting the job fields and three keys-only indexes', () => {
    expect(tableDefinition.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(tableDefinition.GlobalSecondaryIndexes?.map((g) => [g.IndexName, g.KeySchema?.map((k) => k.AttributeName), g.Projection?.ProjectionType])).toEqual([
      ['gsi1', ['gsi1pk', 'gsi1sk'], 'INCLUDE'],
      ['gsi2', ['gsi2pk', 'gsi2sk'], 'KEYS_ONLY'],
      ['gsi3', ['gsi3pk', 'gsi3sk'], 'KEYS_ONLY'],
      ['gsi4', ['gsi4pk', 'gsi4sk'], 'KEYS_ONLY'],
    ]);
    expect(tableDefinition.GlobalSecondaryIndexes?.[0]?.Projection?.NonKeyAttributes).toEqual([...DUE_QUEUE_ATTRIBUTES]);
    expect(tableDefinition.BillingMode).toBe('PAY_PER_REQUEST');
  });
});

describe('createDocumentClient', () => {
  it('drops the SDK logger middleware, which filters every response for a no-op logger', () => {
    const client = new DynamoDBClient({ region: 'local' });
    expect(client.middlewareStack.identify().some((m) => m.startsWith('loggerMiddleware'))).toBe(true);
    const doc = createDocumentClient(client);
    expect(doc.middlewareStack.identify().some((m) => m.startsWith('loggerMiddleware'))).toBe(false);
    expect(doc.middlewareStack.identify().some((m) => m.startsWith('serializerMiddleware'))).toBe(true);
  });
});
