import { EventEmitter } from 'node:events';
import { mkdir } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type DynamoDBClientConfig,
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

/**
 * dynalite 4.0 wraps LevelDB iterators in streams whose `destroy` closes the iterator through `iterator.return()`,
 * a method abstract-level 3's iterators do not have (they have `close()`): every Query and Scan left its iterator
 * open, registered with the database (and pinning its snapshot's buffers) for the life of the process — ~1 KB of
 * heap and ~4 KB of buffers per request, so a long-running local platform grew without bound and every major
 * garbage collection marked more. Giving the iterators that `return()` lets dynalite close them as it intends.
 * Patched once per abstract-level copy that dynalite's LevelDB back ends (memory-level, level) load.
 */
function closeIteratorsOnStreamEnd(): void {
  const fromDynalite = createRequire(require.resolve('dynalite'));
  for (const backend of ['memory-level', 'level']) {
    const fromBackend = createRequire(fromDynalite.resolve(backend));
    const { AbstractKeyIterator } = fromBackend('abstract-level') as { AbstractKeyIterator: { prototype: object } };
    // The common base of entry, key and value iterators (abstract-level's CommonIterator).
    const common = Object.getPrototypeOf(AbstractKeyIterator.prototype) as { close?: () => Promise<void>; return?: unknown };
    if (typeof common.close !== 'function' || common.return !== undefined) continue;
    Object.defineProperty(common, 'return', {
      configurable: true,
      writable: true,
      value(this: { close(): Promise<void> }) {
        return this.close();
      },
    });
  }
}

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
  /** Endpoint for DynamoDBClient({ endpoint }), for tools in other processes (the AWS CLI, a second platform). */
  endpoint: string;
  /**
   * Configuration of a DynamoDBClient in this process: the same dynalite, reached without a socket (see
   * {@link InProcessHandler}), which halves the CPU of a request and trims its latency.
   */
  clientConfig(): DynamoDBClientConfig;
  /** Stops serving and closes the database so another process (or a restart) can open the folder. */
  close(): Promise<void>;
}

/** Starts dynalite (DynamoDB's API on LevelDB) on 127.0.0.1, persistent when `dataDir` is given. */
export async function startLocalDynamo(options: LocalDynamoOptions = {}): Promise<LocalDynamo> {
  const host = options.host ?? '127.0.0.1';
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  closeIteratorsOnStreamEnd();
  // Tables become ACTIVE at once: nothing local is worth waiting for.
  const server = dynalite({
    ...(options.dataDir ? { path: options.dataDir } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  const port = await listen(server, options.port ?? 0, host);
  const endpoint = `http://${host}:${port}`;
  const handler = new InProcessHandler(server);
  let closing: Promise<void> | undefined;
  return {
    endpoint,
    clientConfig: () => ({ endpoint, region: 'local', credentials: LOCAL_CREDENTIALS, requestHandler: handler, httpAuthSchemes: LOCAL_AUTH_SCHEMES }),
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        server.close((error?: Error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets of clients that were not destroyed would hold the close (and the LevelDB lock) open.
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      })),
  };
}

/** Credentials dynalite accepts (it checks the signature's shape, not its value). */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * SigV4 as the in-process client needs it: dynalite checks that an `Authorization` header of SigV4's shape and a date
 * are there, never the signature, so the request carries a fixed one instead of being signed (hashing the body and
 * deriving the key cost about a third of a small request's CPU in the SDK). Clients reaching dynalite over HTTP (the
 * endpoint, other processes) still sign.
 */
const LOCAL_AUTH_SCHEMES: NonNullable<DynamoDBClientConfig['httpAuthSchemes']> = [
  {
    schemeId: 'aws.auth#sigv4',
    identityProvider: () => async () => ({ expiration: undefined, ...LOCAL_CREDENTIALS }),
    signer: {
      async sign(request) {
        const signed = request as { headers: Record<string, string> };
        signed.headers['authorization'] = 'AWS4-HMAC-SHA256 Credential=local/20000101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=local';
        signed.headers['x-amz-date'] = '20000101T000000Z';
        return request;
      },
    },
  },
];

type RequestHandler = Extract<NonNullable<DynamoDBClientConfig['requestHandler']>, { handle: unknown }>;
type SdkRequest = Parameters<RequestHandler['handle']>[0];
type SdkResponse = Awaited<ReturnType<RequestHandler['handle']>>['response'];

/**
 * An SDK request handler that hands each request to dynalite's own HTTP request listener in this process,
 * with a minimal request and response in place of a socket's.
 *
 * Why: a loopback HTTP round trip (socket writes, HTTP parsing on both sides, the agent's bookkeeping) cost
 * about as much CPU as dynalite's work itself; everything else — the JSON protocol, dynalite's validation
 * and LevelDB — is exactly what an HTTP request runs (signing is skipped too: {@link LOCAL_AUTH_SCHEMES}). dynalite's listener reads `headers`,
 * `method`, `url` and the `data`/`end` events of the request, and `statusCode`, `setHeader`, `end` (plus its
 * own `contentType` field) of the response: nothing more is provided.
 */
export class InProcessHandler {
  private readonly listener: (req: IncomingMessage, res: ServerResponse) => void;

  constructor(server: Server) {
    const [listener] = server.listeners('request');
    if (typeof listener !== 'function') throw new AdapterError('DynamoDB', 'InProcess', 'dynalite server has no request listener');
    this.listener = listener as (req: IncomingMessage, res: ServerResponse) => void;
  }

  handle(request: SdkRequest): Promise<{ response: SdkResponse }> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = String(value);
      const query = new URLSearchParams(request.query as Record<string, string> | undefined).toString();
      const req = Object.assign(new EventEmitter(), { headers, method: request.method, url: `${request.path || '/'}${query ? `?${query}` : ''}` });
      const responseHeaders: Record<string, string> = {};
      const res = {
        statusCode: 200,
        contentType: undefined as string | undefined,
        setHeader(name: string, value: unknown) {
          responseHeaders[name.toLowerCase()] = String(value);
        },
        end(body?: string) {
          resolve({ response: { statusCode: res.statusCode, headers: responseHeaders, body: body === undefined ? new Uint8Array(0) : Buffer.from(body, 'utf8') } });
        },
      };
      const body = toBuffer(request.body);
      try {
        this.listener(req as unknown as IncomingMessage, res as unknown as ServerResponse);
      } catch (error) {
        reject(new AdapterError('DynamoDB', 'InProcess', (error as Error).message, error));
        return;
      }
      // dynalite subscribes to the request's events synchronously; deliver them on the next tick, as a socket would.
      process.nextTick(() => {
        if (body.length > 0) req.emit('data', body);
        req.emit('end');
      });
    });
  }

  updateHttpClientConfig(): void {
    // Nothing to configure: there is no connection.
  }

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {
    // Nothing to release: the server's lifetime is LocalDynamo's.
  }
}

/** The SDK's JSON body (a string, or bytes in a Uint8Array subclass whose string methods warn) as a Buffer. */
function toBuffer(body: unknown): Buffer {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new AdapterError('DynamoDB', 'InProcess', `unsupported request body (${typeof body})`);
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
