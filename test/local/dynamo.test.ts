import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it, expect } from 'vitest';
import { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
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

  it('reports a CreateTable failure other than an existing table', async () => {
    const { client } = await start();
    await expect(ensureTable(client, 'table-b', { ...definition, KeySchema: [] })).rejects.toMatchObject({ code: 'AdapterError' });
  });
});
