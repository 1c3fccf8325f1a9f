/**
 * SMA handler latency per invocation event (T1: the SIP media application waits on every answer).
 * Calls run through the telephony simulator against the real handler, the real dialog engine and
 * finishCall, on the local store (dynalite, DynamoDB's API) and, for comparison, the in-memory store.
 * The simulator's own waits (ringing, speech) pass instantly; only handler time is measured.
 *
 * Run: `npx tsx bench/sma.ts` (writes bench/results/sma.json).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createSmaHandler } from '../functions/sma';
import { DynamoDbStore, tableDefinition } from '../lib/adapters/aws/dynamodb-store';
import { MemoryStore } from '../lib/adapters/memory/store';
import { createCampaign, newJobItem } from '../lib/campaigns/repository';
import { compose } from '../lib/composition';
import type { Deps } from '../lib/core/deps';
import { silentLogger } from '../lib/core/log';
import { createInstance } from '../lib/instances/repository';
import type { Blobs, BlobInfo } from '../lib/ports/blobs';
import type { Clock } from '../lib/ports/clock';
import type { Store } from '../lib/ports/store';
import { getTemplate } from '../lib/scenarios/templates';
import { keys } from '../lib/store/keys';
import type { SmaResponse } from '../lib/telephony/sma-events';
import { ensureTable, startLocalDynamo } from '../local/dynamo';
import { loadPeople } from '../local/telephony/people';
import { SimulatedTelephony } from '../local/telephony/simulator';

class InstantClock implements Clock {
  constructor(private t = Date.UTC(2026, 0, 5, 9, 0, 0)) {}
  now() {
    return this.t;
  }
  async sleep(ms: number) {
    this.t += Math.max(0, ms);
  }
}

class MapBlobs implements Blobs {
  private readonly objects = new Map<string, Uint8Array>();
  async put(key: string, body: Uint8Array | string | AsyncIterable<Uint8Array>) {
    if (typeof body === 'string') this.objects.set(key, Buffer.from(body));
    else if (body instanceof Uint8Array) this.objects.set(key, body);
  }
  async get(key: string) {
    return this.objects.get(key);
  }
  async stream() {
    return undefined;
  }
  async head(key: string): Promise<BlobInfo | undefined> {
    const o = this.objects.get(key);
    return o ? { key, size: o.length } : undefined;
  }
  async list(prefix: string) {
    return [...this.objects.entries()].filter(([k]) => k.startsWith(prefix)).map(([key, o]) => ({ key, size: o.length }));
  }
  async link(key: string) {
    return `local://${key}`;
  }
  async presignPut(key: string) {
    return { url: `local://${key}?op=put`, method: 'PUT' as const, headers: {}, expiresAt: new Date(0).toISOString() };
  }
}

const quantile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0);
const round = (n: number) => Math.round(n * 100) / 100;

// Numbers of people in local/people.json: mostly conversations, some unreachable, machines and announcements.
const MIX = ['+1206550', '+1206550', '+1206550', '+1206551', '+1206552', '+1206553', '+1206555', '+1206557', '+1206559', '+1206561', '+1206562', '+1206563'];

async function runOn(store: Store, calls: number) {
  const clock = new InstantClock();
  const noopQueue = { send: async () => {}, sendBatch: async () => ({ failed: [] }) };
  const deps: Deps = {
    store,
    queues: { dial: noopQueue, tick: noopQueue, work: noopQueue },
    bus: { publish: async () => ({ failed: [] }) },
    blobs: { data: new MapBlobs(), recordings: new MapBlobs() },
    telephony: { placeCall: async () => ({ ok: true, transactionId: 'x' }), updateCall: async () => ({ ok: true }) },
    workflows: { startCampaignLoop: async () => {} },
    clock,
    log: silentLogger,
    config: { eventSource: 'reachout', callsPerSecond: 1, region: 'local' },
  };
  await createInstance(store, { name: 'bench', instanceId: 'inst1' }, clock.now());
  await store.put({
    ...keys.scenarioVersion('inst1', 'scn1', 1),
    scenarioId: 'scn1',
    version: 1,
    definition: getTemplate('satisfaction')!.definition('en'),
    publishedAt: '2026-01-01T00:00:00.000Z',
  });
  const campaign = await createCampaign(store, 'inst1', { name: 'bench', scenarioId: 'scn1', scenarioVersion: 1 } as never, clock.now(), { campaignId: 'cmp1' });
  await store.put({ ...keys.campaign('inst1', 'cmp1'), type: 'campaign', ...campaign, state: 'running' });

  const sma = createSmaHandler(compose(deps));
  const samples = new Map<string, number[]>();
  const timed = async (event: unknown): Promise<SmaResponse> => {
    const t0 = performance.now();
    const r = await sma(event);
    const ms = performance.now() - t0;
    const type = (event as { InvocationEventType: string }).InvocationEventType;
    const list = samples.get(type) ?? [];
    list.push(ms);
    samples.set(type, list);
    return r;
  };
  const sim = new SimulatedTelephony({ clock, handler: timed, people: loadPeople(), recordings: deps.blobs.recordings, log: silentLogger });
  for (let i = 0; i < calls; i++) {
    const jobId = `job${i}`;
    const phone = `${MIX[i % MIX.length]}${String(1000 + i).slice(-4)}`;
    await store.put({ ...newJobItem('inst1', 'cmp1', jobId, { phone, name: 'Sam', variables: {} }, clock.now(), clock.now()), attempts: 1, dialState: 'inCall', status: 'Executing' });
    await sim.placeCall({
      fromPhoneNumber: '+12065559999',
      toPhoneNumber: phone,
      arguments: { instanceId: 'inst1', campaignId: 'cmp1', jobId, attempt: '1', callId: `call${i}`, leaseSlot: '0' },
    });
    await sim.idle();
  }
  const byEvent: Record<string, { count: number; p50: number; p99: number; max: number }> = {};
  const all: number[] = [];
  for (const [type, list] of samples) {
    const s = [...list].sort((a, b) => a - b);
    all.push(...s);
    byEvent[type] = { count: s.length, p50: round(quantile(s, 0.5)), p99: round(quantile(s, 0.99)), max: round(s[s.length - 1]!) };
  }
  all.sort((a, b) => a - b);
  return { calls, events: all.length, p50Ms: round(quantile(all, 0.5)), p99Ms: round(quantile(all, 0.99)), maxMs: round(all[all.length - 1] ?? 0), byEvent };
}

/** Measures the SMA handler's latency per event on the local store; writes bench/results/sma.json. */
export async function runSmaBench(options: { calls?: number } = {}): Promise<object> {
  const calls = options.calls ?? 120;
  const dynamo = await startLocalDynamo();
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  let local: object;
  try {
    await ensureTable(client, 'bench-sma', tableDefinition);
    const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } });
    local = await runOn(new DynamoDbStore({ tableName: 'bench-sma', client: doc }), calls);
  } finally {
    client.destroy();
    await dynamo.close();
  }
  const memory = await runOn(new MemoryStore(), calls);
  const result = {
    benchmark: 'sma-handler-latency',
    note: 'per invocation event, real handler + dialog engine + finishCall; simulator waits are instant',
    node: process.version,
    at: new Date().toISOString(),
    localStore: local,
    memoryStore: memory,
  };
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'sma.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  return result;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runSmaBench().then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
