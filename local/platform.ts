import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { apiRoutes } from '../functions/api/routes';
import { createApiHandler } from '../functions/api/handler';
import { DynamoDbStore, tableDefinition } from '../lib/adapters/aws/dynamodb-store';
import { compose } from '../lib/composition';
import { DEFAULT_EVENT_SOURCE, type Deps, type Services } from '../lib/core/deps';
import { createLogger, type Logger } from '../lib/core/log';
import { createApiKey, createInstance, listInstanceIds } from '../lib/instances/repository';
import type { Clock } from '../lib/ports/clock';
import type { Telephony } from '../lib/ports/telephony';
import type { SimulatedTelephony } from './telephony/simulator';
import type { Workflows } from '../lib/ports/workflows';
import { LocalBus } from './bus';
import { FileBlobs } from './blobs';
import { FastClock } from './clock';
import { ensureTable, startLocalDynamo } from './dynamo';
import { startHttpServer } from './http';
import { LocalQueue } from './queue';
import { wireBackground, type Background } from './wiring';

/** Options of the local platform. */
export interface PlatformOptions {
  /** Folder for the store, blobs and credentials (default `.reachout` in the working directory). */
  dataDir?: string;
  /** Throwaway run: nothing is written to disk that outlives the process. */
  memory?: boolean;
  /** Clock speed: 1 = real time, 60 = a minute per second. */
  speed?: number;
  /** Clock start (epoch ms); default now. */
  start?: number;
  /** HTTP port (0 = any free port). */
  port?: number;
  /** File of scripted people for the telephony simulator (default local/people.json). */
  peopleFile?: string;
  /** New calls per second allowed (the Chime quota; default 1). */
  callsPerSecond?: number;
  log?: Logger;
  /** Inject a clock (tests); overrides speed/start. */
  clock?: Clock;
}

/** A running local platform. */
export interface Platform {
  url: string;
  /** Admin API key of the default instance. */
  apiKey: string;
  instanceId: string;
  deps: Services;
  clock: Clock;
  dataDir: string;
  bus: LocalBus;
  queues: { dial: LocalQueue; tick: LocalQueue; work: LocalQueue };
  /** The telephony simulator (its `finished` calls show every event and action, for tests and the demo). */
  telephony: SimulatedTelephony;
  /** Resolves when queues and bus have nothing in flight. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const TABLE = 'reachout';

/** Starts the whole platform in this process: store, queues, bus, blobs, telephony simulator, consumers, HTTP API. */
export async function startLocalPlatform(options: PlatformOptions = {}): Promise<Platform> {
  const memory = options.memory === true;
  const dataDir = memory ? mkdtempSync(join(tmpdir(), 'reachout-')) : resolve(options.dataDir ?? '.reachout');
  mkdirSync(dataDir, { recursive: true });
  const log = options.log ?? createLogger({ service: 'local' }, 'warn');
  const clock = options.clock ?? new FastClock({ speed: options.speed ?? 1, start: options.start });

  const dynamo = await startLocalDynamo({ dataDir: memory ? undefined : join(dataDir, 'dynamo') });
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await ensureTable(client, TABLE, tableDefinition);
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } });
  const store = new DynamoDbStore({ tableName: TABLE, client: doc });

  const queue = (name: string, visibilityTimeoutSeconds: number) => {
    const deadLetter = new LocalQueue({ name: `${name}-dlq`, clock });
    return new LocalQueue({ name, clock, visibilityTimeoutSeconds, maxReceiveCount: 5, deadLetter });
  };
  const queues = { dial: queue('dial', 60), tick: queue('tick', 60), work: queue('work', 900) };
  const bus = new LocalBus({ name: 'reachout', clock, log });
  const secret = `local-${Math.random().toString(36).slice(2)}`;
  let baseUrl = 'http://127.0.0.1';
  const blobs = {
    data: new FileBlobs({ root: join(dataDir, 'blobs', 'data'), baseUrl: () => baseUrl, secret, prefix: 'data' }),
    recordings: new FileBlobs({ root: join(dataDir, 'blobs', 'recordings'), baseUrl: () => baseUrl, secret, prefix: 'recordings' }),
  };

  // Telephony and workflows are wired after deps exist: the simulator calls the SMA handler built from deps.
  const late: { telephony?: Telephony; workflows?: Workflows } = {};
  const deps: Deps = {
    store,
    queues,
    bus,
    blobs,
    telephony: {
      placeCall: (r) => late.telephony!.placeCall(r),
      updateCall: (r) => late.telephony!.updateCall(r),
    },
    workflows: { startCampaignLoop: (i) => late.workflows!.startCampaignLoop(i) },
    clock,
    log,
    config: { eventSource: DEFAULT_EVENT_SOURCE, callsPerSecond: options.callsPerSecond ?? 1, region: 'local' },
  };
  const svc = compose(deps);
  const background: Background = await wireBackground(svc, {
    queues,
    bus,
    peopleFile: options.peopleFile,
    dataDir,
    recordings: blobs.recordings,
    data: blobs.data,
  });
  late.telephony = background.telephony;
  late.workflows = background.workflows;

  const { instanceId, apiKey } = await ensureDefaultInstance(deps, dataDir, memory);

  const api = createApiHandler(svc, apiRoutes());
  const server = await startHttpServer({
    port: options.port ?? 0,
    routes: [{ prefix: '/', handler: api }],
    blobs: { secret, stores: blobs },
    log,
  });
  baseUrl = server.url;

  return {
    url: server.url,
    apiKey,
    instanceId,
    deps: svc,
    clock,
    dataDir,
    bus,
    queues,
    telephony: background.telephony,
    idle: async () => {
      await background.idle();
    },
    close: async () => {
      await background.close();
      await server.close();
      client.destroy();
      await dynamo.close();
      // A throwaway run leaves nothing behind.
      if (memory) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** On first start: the default instance and an admin API key, remembered in the data folder. */
async function ensureDefaultInstance(deps: Deps, dataDir: string, memory: boolean): Promise<{ instanceId: string; apiKey: string }> {
  const credentialsFile = join(dataDir, 'credentials.json');
  if (!memory && existsSync(credentialsFile)) {
    const saved = JSON.parse(readFileSync(credentialsFile, 'utf8')) as { instanceId: string; apiKey: string };
    const ids = await listInstanceIds(deps.store);
    if (ids.includes(saved.instanceId)) return saved;
  }
  const now = deps.clock.now();
  // A simulated caller number so campaigns can dial out of the box.
  const instance = await createInstance(
    deps.store,
    { name: 'Default instance', settings: { callerNumbers: [{ phoneNumber: '+12065550100', periodSeconds: 60, city: 'Seattle', area: 'WA' }] } },
    now,
  );
  const { apiKey } = await createApiKey(deps.store, instance.instanceId, now, { label: 'local admin', admin: true });
  const saved = { instanceId: instance.instanceId, apiKey };
  if (!memory) writeFileSync(credentialsFile, JSON.stringify(saved, null, 2), { mode: 0o600 });
  return saved;
}
