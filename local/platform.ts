import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { allRoutes, apiRoutes } from '../functions/api/routes';
import { createApiHandler } from '../functions/api/handler';
import { createDocumentClient, DynamoDbStore, tableDefinition } from '../lib/adapters/aws/dynamodb-store';
import { LibphonenumberGeo } from '../lib/adapters/geo/libphonenumber-geo';
import { compose } from '../lib/composition';
import { SWEEP_GRACE_MS } from '../lib/outbox/outbox';
import { DEFAULT_EVENT_SOURCE, type Deps, type Services } from '../lib/core/deps';
import { createLogger, type Logger } from '../lib/core/log';
import { loadCursorSecret } from '../lib/store/cursor-secret';
import { createApiKey, createInstance, listInstanceIds } from '../lib/instances/repository';
import type { Clock } from '../lib/ports/clock';
import type { Telephony } from '../lib/ports/telephony';
import type { SimulatedTelephony } from './telephony/simulator';
import type { Workflows } from '../lib/ports/workflows';
import { attachLocalAnalytics, type LocalAnalytics } from './analytics';
import { LocalBus } from './bus';
import { localEventRoutes } from './events';
import { webhookQueue, wireWebhookDelivery, type LocalWebhooks } from './webhooks';
import { FileBlobs } from './blobs';
import { FastClock } from './clock';
import { ensureTable, startLocalDynamo } from './dynamo';
import { startHttpServer } from './http';
import { LocalQueue } from './queue';
import { wireBackground, type Background } from './wiring';
import { DelegatingStore } from '../lib/adapters/delegating-store';

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
  /** Write the analytics datasets (Parquet under `analytics/` in the data blobs, as Firehose does deployed); default true. */
  analytics?: boolean;
  /** Deliver events to webhook subscriptions (bus rule → queue → delivery function, as deployed); default true. */
  webhooks?: boolean;
  /**
   * Geocode numbers for local presence and callee time zones (P8, P2) like the deployed planning
   * functions (`npm start` turns it on). Off by default: with it, each planning round takes a little
   * longer, which widened a pre-existing race of the in-process tests (a round claiming a job just as
   * its campaign stops leaves the job Executing after `idle()`).
   */
  geo?: boolean;
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
  /** The analytics writer, when on (`flush()` makes buffered rows queryable). */
  analytics: LocalAnalytics | undefined;
  /** The webhook delivery, when on. */
  webhooks: LocalWebhooks | undefined;
  /** Resolves when queues and bus have nothing in flight. */
  idle(): Promise<void>;
  /**
   * Whether store requests are in flight right now: the work of handlers, consumers and calls goes through
   * the store between its waits on the clock, so a platform that stays not busy for a few event-loop turns is
   * only waiting on the clock (what `driveClock` of local/clock.ts waits for before moving a SteppedClock).
   */
  busy(): boolean;
  close(): Promise<void>;
}

const TABLE = 'reachout';

/** The store, counting its requests in flight (see {@link Platform.busy}). */
class TrackedStore extends DelegatingStore {
  inFlight = 0;
  protected override around<T>(op: () => Promise<T>): Promise<T> {
    this.inFlight++;
    return op().finally(() => {
      this.inFlight--;
    });
  }
}

/** Starts the whole platform in this process: store, queues, bus, blobs, telephony simulator, consumers, HTTP API. */
export async function startLocalPlatform(options: PlatformOptions = {}): Promise<Platform> {
  const memory = options.memory === true;
  const dataDir = memory ? mkdtempSync(join(tmpdir(), 'reachout-')) : resolve(options.dataDir ?? '.reachout');
  mkdirSync(dataDir, { recursive: true });
  const log = options.log ?? createLogger({ service: 'local' }, 'warn');
  // One process plays every function: the geocoding data is read from the installed package, before the
  // clock starts (deserialising blocks the event loop, which a fast clock would turn into minutes).
  const geo = options.geo ? new LibphonenumberGeo({ log }) : undefined;
  await geo?.preload(['1', '86']);
  const clock = options.clock ?? new FastClock({ speed: options.speed ?? 1, start: options.start });

  const dynamo = await startLocalDynamo({ dataDir: memory ? undefined : join(dataDir, 'dynamo') });
  const client = new DynamoDBClient(dynamo.clientConfig());
  await ensureTable(client, TABLE, tableDefinition);
  const doc = createDocumentClient(client);
  const store = new TrackedStore(new DynamoDbStore({ tableName: TABLE, client: doc }));

  const queue = (name: string, visibilityTimeoutSeconds: number) => {
    const deadLetter = new LocalQueue({ name: `${name}-dlq`, clock });
    return new LocalQueue({ name, clock, visibilityTimeoutSeconds, maxReceiveCount: 5, deadLetter });
  };
  const queues = { dial: queue('dial', 60), tick: queue('tick', 60), work: queue('work', 900) };
  // Kept events survive a restart (GET /events, npm run events), as CloudWatch keeps the bus's archive deployed.
  const bus = new LocalBus({ name: 'reachout', clock, log, ...(memory ? {} : { logFile: join(dataDir, 'events.jsonl') }) });
  const webhookQueues = options.webhooks === false ? undefined : webhookQueue(clock, log);
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
    queues: { ...queues, ...(webhookQueues ? { webhooks: webhookQueues.queue } : {}) },
    bus,
    blobs,
    telephony: {
      placeCall: (r) => late.telephony!.placeCall(r),
      updateCall: (r) => late.telephony!.updateCall(r),
    },
    workflows: { startCampaignLoop: (i) => late.workflows!.startCampaignLoop(i) },
    ...(geo ? { geo } : {}),
    clock,
    log,
    config: { eventSource: DEFAULT_EVENT_SOURCE, callsPerSecond: options.callsPerSecond ?? 1, region: 'local' },
  };
  // The outbox's grace period covers the real time a drainer may take before the sweep takes its effects over.
  // Handlers do not run faster on a fast clock, so the grace is kept in real time: 60 s × speed on the clock.
  // (With the clock's 60 s, a drainer slowed by a loaded machine for one real second at ×60 raced the sweep.)
  const speed = clock instanceof FastClock ? clock.speed : 1;
  const svc = compose(deps, { graceMs: SWEEP_GRACE_MS * Math.max(1, speed) });
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

  const analytics = options.analytics === false ? undefined : attachLocalAnalytics(bus, blobs.data, clock, { log });
  const webhooks = webhookQueues
    ? wireWebhookDelivery({ store, clock, log, bus, eventSource: deps.config.eventSource, queue: webhookQueues.queue })
    : undefined;

  const { instanceId, apiKey } = await ensureDefaultInstance(deps, dataDir, memory);

  // Cursors are sealed with the secret kept in the table, as deployed, so a client's cursor survives a restart.
  const api = createApiHandler(svc, apiRoutes([...allRoutes, ...localEventRoutes(bus)]), { cursorSecret: await loadCursorSecret(store) });
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
    analytics,
    webhooks,
    idle: async () => {
      await background.idle();
      await webhooks?.idle();
    },
    busy: () => store.inFlight > 0,
    close: async () => {
      await background.close();
      await webhooks?.stop();
      await analytics?.close();
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
