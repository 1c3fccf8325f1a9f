/**
 * SMA handler latency and store round trips per invocation event (T1: the SIP media application waits on
 * every answer). Calls run through the telephony simulator against the real handler and the real dialog
 * engine, set up as the dialer leaves them (plan in the call's arguments, open call record, lease), on the
 * local store (dynalite, DynamoDB's API) and, for the handler's own CPU, the in-memory store. One dialog turn
 * in FAIL_EVERY fails once (ACTION_FAILED); the guide's example events are replayed for the event types the
 * simulated calls do not produce. The simulator's own waits pass instantly; only handler time is measured.
 *
 * Round trips: a Store wrapper (RoundTripStore) counts, per invocation, every store call and the sequential
 * steps among them — a call issued while no other store call of the same invocation is in flight starts a
 * step, one issued while others are in flight joins theirs. Sequential steps decide latency on DynamoDB
 * (~5 ms each); calls issued after the handler answered are counted apart (off the critical path).
 *
 * Run: `npx tsx bench/sma.ts [--calls N] [--out FILE]` (writes bench/results/sma.json).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createSmaHandler } from '../functions/sma';
import { createDocumentClient, DynamoDbStore, tableDefinition } from '../lib/adapters/aws/dynamodb-store';
import { MemoryStore } from '../lib/adapters/memory/store';
import { createCampaign, newJobItem } from '../lib/campaigns/repository';
import { compose } from '../lib/composition';
import type { Deps } from '../lib/core/deps';
import { silentLogger } from '../lib/core/log';
import { createInstance } from '../lib/instances/repository';
import { isoAt, type Clock } from '../lib/ports/clock';
import type { Store } from '../lib/ports/store';
import { getTemplate } from '../lib/scenarios/templates';
import { keys } from '../lib/store/keys';
import type { SmaResponse } from '../lib/telephony/sma-events';
import { callPointerItem, callRecordItem, type CallRecord } from '../lib/telephony/call-records';
import { encodePlanArgument, loadCallPlan } from '../lib/telephony/plan';
import { ensureTable, startLocalDynamo } from '../local/dynamo';
import { parseEventLog, replay } from '../local/replay';
import { loadPeople } from '../local/telephony/people';
import { SimulatedTelephony } from '../local/telephony/simulator';
import { MemoryBlobs } from '../lib/adapters/memory/blobs';
import { DelegatingStore } from '../lib/adapters/delegating-store';

class InstantClock implements Clock {
  constructor(private t = Date.UTC(2026, 0, 5, 9, 0, 0)) {}
  now() {
    return this.t;
  }
  async sleep(ms: number) {
    this.t += Math.max(0, ms);
  }
}


const quantile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0);
const round = (n: number) => Math.round(n * 100) / 100;

/** Store round trips of one invocation: every call, and the sequential steps among them. */
interface RoundTrips {
  calls: number;
  sequential: number;
  /** Store calls issued after the handler answered (off the critical path; none expected). */
  after: number;
}

/**
 * A Store that counts round trips per invocation. A call issued while no other store call of the same
 * invocation is in flight starts a new sequential step; a call issued while others are in flight joins
 * theirs (the handler awaits them together, e.g. Promise.all). Sequential steps are what decides latency
 * on DynamoDB (~5 ms each); the total number of calls is what decides cost. Invocations run one at a time
 * here (the simulator drives one call after the other), so one counter is enough.
 */
export class RoundTripStore extends DelegatingStore {
  private inFlight = 0;
  private current: RoundTrips | undefined;
  private last: RoundTrips | undefined;


  /** Starts counting one invocation. */
  begin(): void {
    this.current = { calls: 0, sequential: 0, after: 0 };
  }

  /** Stops attributing calls to the last invocation (the bench's own set-up follows). */
  detach(): void {
    this.last = undefined;
  }

  /** Stops counting (the handler answered); later calls count as off the critical path. */
  end(): RoundTrips {
    const r = this.current ?? { calls: 0, sequential: 0, after: 0 };
    this.last = r;
    this.current = undefined;
    return r;
  }

  protected override around<T>(op: () => Promise<T>): Promise<T> {
    if (this.current) {
      this.current.calls++;
      if (this.inFlight === 0) this.current.sequential++;
    } else if (this.last) this.last.after++;
    this.inFlight++;
    return op().finally(() => {
      this.inFlight--;
    });
  }

}

/** How an invocation is reported: its event type, and for action results the action's type. */
export function eventLabel(event: unknown): string {
  const e = event as { InvocationEventType?: string; ActionData?: { Type?: string; Parameters?: { ParticipantTag?: string } } };
  const type = e.InvocationEventType ?? '?';
  if (type === 'ACTION_SUCCESSFUL' || type === 'ACTION_FAILED') return `${type}:${e.ActionData?.Type ?? '?'}`;
  if (type === 'HANGUP') return `HANGUP:${e.ActionData?.Parameters?.ParticipantTag ?? 'LEG-A'}`;
  return type;
}

// Numbers of people in local/people.json: mostly conversations, some unreachable, machines and announcements.
const MIX = ['+1206550', '+1206550', '+1206550', '+1206551', '+1206552', '+1206553', '+1206555', '+1206557', '+1206559', '+1206561', '+1206562', '+1206563'];

/**
 * Chime failing an action now and then, as it does when Polly or Lex throttle: every `every`-th answer that
 * starts a dialog turn (a Speak, a bot conversation or a keypad prompt first in its list... any list of two or
 * more actions) is not run; the handler is asked again with ACTION_FAILED for its first action
 * (ActionExecutionThrottled), and the simulator runs that answer instead.
 */
function withFailures(handler: (event: unknown) => Promise<SmaResponse>, every: number): (event: unknown) => Promise<SmaResponse> {
  let n = 0;
  return async (input) => {
    const response = await handler(input);
    const actions = response.Actions ?? [];
    const first = actions[0];
    if (!first || actions.length < 2 || first.Type === 'Hangup' || ++n % every !== 0) return response;
    const event = input as { Sequence?: number; CallDetails: Record<string, unknown> };
    return handler({
      SchemaVersion: '1.0',
      Sequence: (event.Sequence ?? 0) + 1,
      InvocationEventType: 'ACTION_FAILED',
      ActionData: { Type: first.Type, Parameters: first.Parameters, ErrorType: 'ActionExecutionThrottled', ErrorMessage: 'Rate exceeded' },
      CallDetails: { ...event.CallDetails, TransactionAttributes: response.TransactionAttributes ?? event.CallDetails.TransactionAttributes },
    });
  };
}

/** Calls run before measuring (JIT, the scenario compiled once per container, the store's first writes). */
const WARMUP_CALLS = 10;

interface Sample {
  ms: number;
  /** Process CPU time (user + system) spent while the handler ran: handler, SDK and the in-process store. */
  cpuMs: number;
  trips: RoundTrips;
}

async function runOn(inner: Store, calls: number) {
  const clock = new InstantClock();
  const store = new RoundTripStore(inner);
  const noopQueue = { send: async () => {}, sendBatch: async () => ({ failed: [] }) };
  const deps: Deps = {
    store,
    queues: { dial: noopQueue, tick: noopQueue, work: noopQueue },
    bus: { publish: async () => ({ failed: [] }) },
    blobs: { data: new MemoryBlobs(), recordings: new MemoryBlobs() },
    telephony: { placeCall: async () => ({ ok: true, transactionId: 'x' }), updateCall: async () => ({ ok: true }) },
    workflows: { startCampaignLoop: async () => {} },
    clock,
    log: silentLogger,
    config: { eventSource: 'reachout', callsPerSecond: 1, region: 'local' },
  };
  await createInstance(store, { name: 'bench', instanceId: 'inst1', settings: { maxConcurrency: 1000 } }, clock.now());
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
  const samples = new Map<string, Sample[]>();
  let measuring = false;
  const timed = (event: unknown): Promise<SmaResponse> => measured(sma, store, event, measuring ? samples : undefined);
  const sim = new SimulatedTelephony({ clock, handler: withFailures(timed, FAIL_EVERY), people: loadPeople(), recordings: deps.blobs.recordings, log: silentLogger });
  for (let i = 0; i < WARMUP_CALLS + calls; i++) {
    measuring = i >= WARMUP_CALLS;
    store.detach();
    const jobId = `job${i}`;
    const callId = `call${i}`;
    const slot = i % 1000;
    const phone = `${MIX[i % MIX.length]}${String(1000 + i).slice(-4)}`;
    // What the dispatcher and the dialer leave behind before Chime calls the handler (lib/dialer/dial.ts):
    // the job in a call, the line's lease, the open call record, and the call plan in the call's arguments.
    const now = clock.now();
    await store.put({ ...newJobItem('inst1', 'cmp1', jobId, { phone, name: 'Sam', variables: {} }, now, now), attempts: 1, dialState: 'inCall', status: 'Executing', callId, leaseSlot: slot, from: CALLER });
    await store.put({ ...keys.leaseSlot('inst1', slot), type: 'lease', slot, holder: callId, campaignId: 'cmp1', jobId, attempt: 1, expiresAt: now + 15 * 60_000, takenAt: now });
    const record: CallRecord = {
      callId, instanceId: 'inst1', campaignId: 'cmp1', jobId, attempt: 1, caller: CALLER, callee: phone, dialledAt: isoAt(now),
      ringSeconds: 0, talkSeconds: 0, turns: 0, answered: false, completed: false, transferred: false, status: 'Executing',
      tags: {}, noMatchHangup: false, systemFailure: false, placed: true, interacted: false, captured: {},
    };
    await store.put(callRecordItem(record));
    await store.put(callPointerItem(record));
    const ids = { instanceId: 'inst1', campaignId: 'cmp1', jobId, attempt: 1, callId, leaseSlot: slot };
    const plan = await loadCallPlan(deps, ids);
    await sim.placeCall({
      fromPhoneNumber: CALLER,
      toPhoneNumber: phone,
      arguments: { instanceId: 'inst1', campaignId: 'cmp1', jobId, attempt: '1', callId, leaseSlot: String(slot), ...(plan ? encodePlanArgument(plan) : {}) },
    });
    await sim.idle();
  }
  return summarise(calls, samples);
}

const CALLER = '+12065559999';
/** Replays of the guide's events (the first, cold, is not counted). */
const GUIDE_ROUNDS = 20;
/** One dialog turn in this many fails once (withFailures). */
const FAIL_EVERY = 7;

/**
 * What one store request costs on this store and machine right now, for scale: a handler answer can be no
 * faster than its sequential round trips times this. Gets and conditional updates of one item, one at a time.
 */
async function storeBaseline(store: Store, n = 300) {
  const key = { pk: 'BENCH#baseline', sk: 'ITEM' };
  await store.put({ ...key, n: 0 });
  const time = async (op: () => Promise<unknown>) => {
    const ms: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await op();
      ms.push(performance.now() - t0);
    }
    ms.sort((a, b) => a - b);
    return { count: n, p50: round(quantile(ms, 0.5)), p99: round(quantile(ms, 0.99)) };
  };
  return { get: await time(() => store.get(key)), update: await time(() => store.update(key, { add: { n: 1 } }, { exists: 'pk' })) };
}

/** The guide's example events (two calls), replayed: the event types the simulated calls do not produce. */
const GUIDE_EVENTS = fileURLToPath(new URL('../test/fixtures/chime/replay/guide-calls.jsonl', import.meta.url));

/** Replays the guide's events `rounds` times, each on a fresh store from `freshStore`, through the real handler. */
async function runGuideReplay(freshStore: (round: number) => Promise<Store>, rounds: number) {
  const { events } = parseEventLog(readFileSync(GUIDE_EVENTS, 'utf8'));
  const samples = new Map<string, Sample[]>();
  for (let round = 0; round < rounds; round++) {
    const store = new RoundTripStore(await freshStore(round));
    const result = await replay(events, {
      store,
      handler: (svc) => {
        const sma = createSmaHandler(svc, { recordingsBucket: 'recordings' });
        return async (event) => {
          const r = await measured(sma, store, event, round > 0 ? samples : undefined);
          // The replay sets up the next call with the same store: not the handler's.
          store.detach();
          return r;
        };
      },
    });
    if (!result.ok) throw new Error(`guide replay: invalid answer ${JSON.stringify(result.lines.find((l) => !l.valid))}`);
  }
  return { rounds: rounds - 1, ...summarise(0, samples) };
}

/** Per event label: latency quantiles and store round trips (max over the samples: the worst path taken). */
function summarise(calls: number, samples: Map<string, Sample[]>) {
  const byEvent: Record<string, { count: number; p50: number; p99: number; max: number; cpuP50: number; cpuP99: number; storeCalls: number; sequentialRoundTrips: number; sequentialRoundTripsP50: number; afterAnswer: number }> = {};
  const all: number[] = [];
  const allCpu: number[] = [];
  for (const [label, list] of [...samples].sort(([a], [b]) => a.localeCompare(b))) {
    const s = list.map((x) => x.ms).sort((a, b) => a - b);
    const cpu = list.map((x) => x.cpuMs).sort((a, b) => a - b);
    all.push(...s);
    allCpu.push(...cpu);
    const seq = list.map((x) => x.trips.sequential).sort((a, b) => a - b);
    byEvent[label] = {
      count: s.length,
      p50: round(quantile(s, 0.5)),
      p99: round(quantile(s, 0.99)),
      max: round(s[s.length - 1]!),
      cpuP50: round(quantile(cpu, 0.5)),
      cpuP99: round(quantile(cpu, 0.99)),
      storeCalls: Math.max(...list.map((x) => x.trips.calls)),
      sequentialRoundTrips: seq[seq.length - 1]!,
      sequentialRoundTripsP50: quantile(seq, 0.5),
      afterAnswer: Math.max(...list.map((x) => x.trips.after)),
    };
  }
  all.sort((a, b) => a - b);
  allCpu.sort((a, b) => a - b);
  return {
    calls, events: all.length, p50Ms: round(quantile(all, 0.5)), p99Ms: round(quantile(all, 0.99)), maxMs: round(all[all.length - 1] ?? 0),
    cpuP50Ms: round(quantile(allCpu, 0.5)), cpuP99Ms: round(quantile(allCpu, 0.99)), byEvent,
  };
}

/** Runs the handler on one event and, when `samples` is given, records its wall and CPU time and store round trips under the event's label. */
async function measured(sma: (event: unknown) => Promise<SmaResponse>, store: RoundTripStore, event: unknown, samples: Map<string, Sample[]> | undefined): Promise<SmaResponse> {
  store.begin();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await sma(event);
  const ms = performance.now() - t0;
  const cpuMs = cpuSince(c0);
  const trips = store.end();
  if (samples) {
    const label = eventLabel(event);
    const list = samples.get(label) ?? [];
    list.push({ ms, cpuMs, trips });
    samples.set(label, list);
  }
  return r;
}

/**
 * CPU milliseconds (user + system, every thread of the process) since `start`. On a shared machine wall-clock
 * latency also measures the wait for a core; CPU time is the work itself, which a quiet machine's latency
 * approaches (the store runs in this process, so its work is included, as its round trip would be).
 */
function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** Measures the SMA handler's latency and store round trips per event on the local store; writes bench/results/sma.json. */
export async function runSmaBench(options: { calls?: number; out?: string } = {}): Promise<object> {
  const calls = options.calls ?? 120;
  const loadBefore = loadavg();
  const dynamo = await startLocalDynamo();
  const client = new DynamoDBClient(dynamo.clientConfig());
  let local: object;
  let guide: object;
  let baseline: object;
  try {
    await ensureTable(client, 'bench-sma', tableDefinition);
    const doc = createDocumentClient(client);
    const dynamoStore = new DynamoDbStore({ tableName: 'bench-sma', client: doc });
    local = await runOn(dynamoStore, calls);
    baseline = await storeBaseline(dynamoStore);
    guide = await runGuideReplay(async (round) => {
      await ensureTable(client, `bench-sma-guide-${round}`, tableDefinition);
      return new DynamoDbStore({ tableName: `bench-sma-guide-${round}`, client: doc });
    }, GUIDE_ROUNDS + 1);
  } finally {
    client.destroy();
    await dynamo.close();
  }
  const memory = await runOn(new MemoryStore(), calls);
  const result = {
    benchmark: 'sma-handler-latency',
    note:
      'per invocation event (ACTION_SUCCESSFUL/ACTION_FAILED by action type, HANGUP by leg): real handler + dialog engine, calls set up as the dialer leaves them (plan in the arguments, open call record, lease); simulator waits are instant; the first ' +
      `${WARMUP_CALLS} calls warm up and are not counted. sequentialRoundTrips = the most store steps one invocation of that label awaited one after the other ` +
      '(a store call issued while no other store call of the invocation is in flight starts a step); cpuP50/cpuP99 = process CPU time while the handler ran (handler, SDK and the in-process store; not the wait for a core); storeCalls = the most store calls; afterAnswer = store calls issued after the handler answered. ' +
      `One answer in ${FAIL_EVERY} that starts a dialog turn fails once (ActionExecutionThrottled on its first action) to measure ACTION_FAILED. ` +
      'localStoreRequest: one bare get / conditional update on the same store, for scale. guideEventsLocalStore: the guide example events of test/fixtures/chime/replay/guide-calls.jsonl replayed (local/replay.ts), each round on a fresh table, first round not counted (cold).',
    node: process.version,
    at: new Date().toISOString(),
    cpus: cpus().length,
    loadavgBefore: loadBefore.map(round),
    loadavgAfter: loadavg().map(round),
    localStoreRequest: baseline,
    localStore: local,
    memoryStore: memory,
    guideEventsLocalStore: guide,
  };
  const out = options.out ?? join(dirname(fileURLToPath(import.meta.url)), 'results', 'sma.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  return result;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (name: string) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };
  runSmaBench({ calls: arg('--calls') ? Number(arg('--calls')) : undefined, out: arg('--out') }).then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
