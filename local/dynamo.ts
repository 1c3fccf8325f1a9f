import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { AdapterError } from '../lib/core/errors';
import { listen } from './listen';

// dynalite is CommonJS without type declarations.
const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;

/** Options of the embedded DynamoDB. */
export interface LocalDynamoOptions {
  /** LevelDB folder; undefined keeps everything in memory. */
  dataDir?: string;
  /** Port (0 or undefined = any free port). */
  port?: number;
  host?: string;
}

/** A running embedded DynamoDB. */
export interface LocalDynamo {
  /** Endpoint for DynamoDBClient({ endpoint }). */
  endpoint: string;
  /** Stops serving and closes the database so another process (or a restart) can open the folder. */
  close(): Promise<void>;
}

/** Starts dynalite (DynamoDB's API on LevelDB) on 127.0.0.1, persistent when `dataDir` is given. */
export async function startLocalDynamo(options: LocalDynamoOptions = {}): Promise<LocalDynamo> {
  const host = options.host ?? '127.0.0.1';
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  // Tables become ACTIVE at once: nothing local is worth waiting for.
  const server = dynalite({
    ...(options.dataDir ? { path: options.dataDir } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  const port = await listen(server, options.port ?? 0, host);
  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://${host}:${port}`,
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        server.close((error?: Error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets of clients that were not destroyed would hold the close (and the LevelDB lock) open.
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      })),
  };
}

/** Options of ensureTable. */
export interface EnsureTableOptions {
  /** Pause between DescribeTable polls (injectable for tests). */
  sleep?: (ms: number) => Promise<void>;
  /** Polls before giving up. */
  attempts?: number;
}

/** Creates the table unless it exists, then waits until it and its indexes are ACTIVE. */
export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
  definition: Omit<CreateTableCommandInput, 'TableName'>,
  options: EnsureTableOptions = {},
): Promise<void> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  try {
    await client.send(new CreateTableCommand({ ...definition, TableName: tableName }));
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceInUseException') {
      throw new AdapterError('DynamoDB', 'CreateTable', (error as Error).message, error);
    }
  }
  const attempts = options.attempts ?? 300;
  for (let i = 0; i < attempts; i++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === undefined || g.IndexStatus === 'ACTIVE');
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) return;
    await sleep(100);
  }
  throw new AdapterError('DynamoDB', 'CreateTable', `table ${tableName} did not become ACTIVE`);
}
