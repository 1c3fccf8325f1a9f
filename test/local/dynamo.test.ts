import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { afterEach, describe, it, expect, vi } from 'vitest';
import { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { ensureTable, startLocalDynamo, type LocalDynamo } from '../../local/dynamo';

const definition: Omit<CreateTableCommandInput, 'TableName'> = {
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
    { AttributeName: 'gsi1pk', AttributeType: 'S' },
    { AttributeName: 'gsi1sk', AttributeType: 'S' },
  ],
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: 'gsi1',
      KeySchema: [
        { AttributeName: 'gsi1pk', KeyType: 'HASH' },
        { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
  ],
  BillingMode: 'PAY_PER_REQUEST',
};

const clientFor = (endpoint: string) =>
  new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function start(dataDir?: string): Promise<{ dynamo: LocalDynamo; client: DynamoDBClient }> {
  const dynamo = await startLocalDynamo({ dataDir });
  const client = clientFor(dynamo.endpoint);
  cleanup.push(async () => {
    client.destroy();
    await dynamo.close();
  });
  return { dynamo, client };
}

describe('startLocalDynamo', () => {
  it('keeps items and indexes across a restart on the same folder', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dynamo-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));

    const first = await start(dataDir);
    await ensureTable(first.client, 'reachout', definition);
    await first.client.send(
      new PutItemCommand({
        TableName: 'reachout',
        Item: { pk: { S: 'I#i1' }, sk: { S: 'CAMPAIGN#c1' }, gsi1pk: { S: 'DUE' }, gsi1sk: { S: '2026' }, name: { S: 'Spring' } },
      }),
    );
    first.client.destroy();
    await first.dynamo.close();

    const second = await start(dataDir);
    // The table exists already: ensureTable must accept that.
    await ensureTable(second.client, 'reachout', definition);
    const got = await second.client.send(new GetItemCommand({ TableName: 'reachout', Key: { pk: { S: 'I#i1' }, sk: { S: 'CAMPAIGN#c1' } } }));
    expect(got.Item?.name).toEqual({ S: 'Spring' });
    const due = await second.client.send(
      new QueryCommand({
        TableName: 'reachout',
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': { S: 'DUE' } },
      }),
    );
    expect(due.Items).toHaveLength(1);
  });

  it('starts empty in memory when no folder is given', async () => {
    const { client } = await start();
    await ensureTable(client, 'table-a', definition);
    const got = await client.send(new GetItemCommand({ TableName: 'table-a', Key: { pk: { S: 'a' }, sk: { S: 'b' } } }));
    expect(got.Item).toBeUndefined();
  });

  it('closes the LevelDB iterator of every query once dynalite has read it', async () => {
    const { client } = await start();
    await ensureTable(client, 'reachout', definition);
    for (const sk of ['a', 'b', 'c']) await client.send(new PutItemCommand({ TableName: 'reachout', Item: { pk: { S: 'P' }, sk: { S: sk } } }));
    // The base class of abstract-level's iterators, as dynalite's in-memory LevelDB loads it.
    const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
    const { AbstractKeyIterator } = createRequire(fromDynalite.resolve('memory-level'))('abstract-level') as { AbstractKeyIterator: { prototype: object } };
    const common = Object.getPrototypeOf(AbstractKeyIterator.prototype) as { close(): Promise<void> };
    const close = vi.spyOn(common, 'close');
    try {
      const query = (limit?: number) =>
        client.send(new QueryCommand({ TableName: 'reachout', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'P' } }, Limit: limit }));
      expect((await query()).Items).toHaveLength(3);
      expect((await query(1)).Items).toHaveLength(1);
      await new Promise((resolve) => setImmediate(resolve));
      // Without a close, each iterator stayed registered with the database for the life of the process.
      expect(close).toHaveBeenCalledTimes(2);
    } finally {
      close.mockRestore();
    }
  });

  it('reports a CreateTable failure other than an existing table', async () => {
    const { client } = await start();
    await expect(ensureTable(client, 'table-b', { ...definition, KeySchema: [] })).rejects.toMatchObject({ code: 'AdapterError' });
  });
});

describe('InProcessHandler (LocalDynamo.clientConfig)', () => {
  const put = (n: number) =>
    new PutItemCommand({
      TableName: 'shared',
      Item: { pk: { S: 'P' }, sk: { S: `S#${String(n).padStart(3, '0')}` }, gsi1pk: { S: 'G' }, gsi1sk: { S: String(n) }, text: { S: `文字 ${n} ✓` } },
    });

  it('reads and writes the same tables as a client over HTTP, unicode and index pages included', async () => {
    const { dynamo, client: overHttp } = await start();
    const inProcess = new DynamoDBClient(dynamo.clientConfig());
    cleanup.push(async () => inProcess.destroy());
    await ensureTable(inProcess, 'shared', definition);
    for (let n = 0; n < 5; n++) await (n % 2 ? overHttp : inProcess).send(put(n));

    const got = await inProcess.send(new GetItemCommand({ TableName: 'shared', Key: { pk: { S: 'P' }, sk: { S: 'S#003' } } }));
    expect(got.Item?.text).toEqual({ S: '文字 3 ✓' });
    const page = await inProcess.send(
      new QueryCommand({ TableName: 'shared', IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :g', ExpressionAttributeValues: { ':g': { S: 'G' } }, Limit: 2 }),
    );
    expect(page.Items?.map((i) => i.sk?.S)).toEqual(['S#000', 'S#001']);
    expect(page.LastEvaluatedKey).toBeDefined();
    const viaHttp = await overHttp.send(new GetItemCommand({ TableName: 'shared', Key: { pk: { S: 'P' }, sk: { S: 'S#000' } } }));
    expect(viaHttp.Item?.text).toEqual({ S: '文字 0 ✓' });
  });

  it('sends requests with a fixed SigV4-shaped authorization instead of signing them, which dynalite accepts', async () => {
    const { dynamo } = await start();
    const inProcess = new DynamoDBClient(dynamo.clientConfig());
    cleanup.push(async () => inProcess.destroy());
    const sent: string[] = [];
    inProcess.middlewareStack.add(
      (next) => async (args) => {
        sent.push(String((args.request as { headers: Record<string, string> }).headers.authorization));
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low' },
    );
    await ensureTable(inProcess, 'shared', definition);
    await inProcess.send(put(1));
    expect((await inProcess.send(new GetItemCommand({ TableName: 'shared', Key: { pk: { S: 'P' }, sk: { S: 'S#001' } } }))).Item?.text).toEqual({ S: '文字 1 ✓' });
    expect(sent.length).toBeGreaterThan(0);
    for (const authorization of sent) expect(authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=local\/.*Signature=local$/);
  });

  it('surfaces dynalite errors as the SDK exceptions an HTTP client gets', async () => {
    const { dynamo } = await start();
    const inProcess = new DynamoDBClient(dynamo.clientConfig());
    cleanup.push(async () => inProcess.destroy());
    await ensureTable(inProcess, 'shared', definition);
    await inProcess.send(put(1));
    const conditional = new UpdateItemCommand({
      TableName: 'shared',
      Key: { pk: { S: 'P' }, sk: { S: 'S#001' } },
      UpdateExpression: 'SET #t = :t',
      ConditionExpression: 'attribute_not_exists(pk)',
      ExpressionAttributeNames: { '#t': 'text' },
      ExpressionAttributeValues: { ':t': { S: 'x' } },
    });
    await expect(inProcess.send(conditional)).rejects.toMatchObject({ name: 'ConditionalCheckFailedException', $metadata: { httpStatusCode: 400 } });
    await expect(inProcess.send(new GetItemCommand({ TableName: 'missing-table', Key: { pk: { S: 'a' }, sk: { S: 'b' } } }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});
