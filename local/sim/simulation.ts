import { tmpdir } from 'node:os';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { createApiHandler } from '../../functions/api/handler';
import { apiRoutes } from '../../functions/api/routes';
import { MemoryStore } from '../../lib/adapters/memory/store';
import { campaignFromItem, jobFromItem } from '../../lib/campaigns/repository';
import type { Campaign, Job } from '../../lib/campaigns/schema';
import { compose } from '../../lib/composition';
import { DEFAULT_EVENT_SOURCE, type Deps } from '../../lib/core/deps';
import { createLogger } from '../../lib/core/log';
import { createApiKey, createInstance, getInstanceSettings } from '../../lib/instances/repository';
import type { InstanceSettings } from '../../lib/instances/schema';
import { PENDING_SHARDS } from '../../lib/outbox/outbox';
import type { BusEvent } from '../../lib/ports/bus';
import type { PlaceCallRequest, Telephony } from '../../lib/ports/telephony';
import type { Workflows } from '../../lib/ports/workflows';
import { JOB_SHARDS, keys } from '../../lib/store/keys';
import { CallRecord, listCallsOfJob } from '../../lib/telephony/call-records';
import type { SmaResponse } from '../../lib/telephony/sma-events';
import { LocalBus } from '../bus';
import { settle, VirtualClock } from '../clock';
import type { Instrument } from '../instrument';
import { LocalQueue } from '../queue';
import { PeopleBook, PeopleFile, loadPeople } from '../telephony/people';
import { wireBackground } from '../wiring';
import { Faults, type ChaosOptions, type FaultCounts } from './faults';
import { Meter } from './meter';
import { mulberry32 } from '../../lib/core/random';
import { MemoryBlobs } from '../../lib/adapters/memory/blobs';

/**
 * The campaign simulation: the whole platform in memory (the real handlers, composition, queues, bus
 * and telephony simulator, an in-memory store) on a discrete-event clock that jumps to the next timer
 * whenever nothing can run. A campaign of thousands of simulated people then takes simulated hours and
 * real seconds, and what it measures (makespan, line use) is the planner's and dialer's doing.
 */

/** Share of each kind of person among the contacts (names of local/people.json). */
export type PeopleMix = Record<string, number>;

/**
 * A plausible outbound reminder list: about half answer in person (some refuse, hang up midway, stay
 * silent or press keys), an eighth reach voicemail, a fifth never answer, the rest are busy or dead numbers.
 */
export const REALISTIC_MIX: PeopleMix = {
  cooperative: 23,
  refuses: 8,
  wrongPerson: 4,
  bargeIn: 4,
  pressesKeys: 3,
  silent: 3,
  hangsUpMidway: 6,
  voicemail: 12,
  noAnswer: 20,
  busy: 7,
  unavailable: 3,
  doesNotExist: 2,
  poweredOff: 3,
  emptyNumber: 2,
};

/** Area codes that give each person a block of a million numbers (NXX 2xx, valid for libphonenumber). */
const AREA_CODES = ['206', '425', '253', '360', '509', '415', '510', '650', '408', '707', '916', '212', '718', '646', '347', '917', '312'];

/** Options of a simulation run. */
export interface SimulationOptions {
  contacts: number;
  maxConcurrency: number;
  callsPerSecond: number;
  /** Instance calling windows (instance time zone UTC). */
  windows: { ranges: { start: string; end: string }[]; weekdaysOnly: boolean };
  retry: { retries: number; intervalSeconds: number; maxRingSeconds: number; intervalByStatus?: Record<string, number> };
  dailyCapPerCallee: number;
  mix: PeopleMix;
  /** Share of contacts on the do-not-call list, and on the campaign's suspend list, before the start. */
  doNotCallShare: number;
  suspendedShare: number;
  /** Scenario template. */
  template: string;
  /** Simulated start (epoch ms). */
  start: number;
  seed: number;
  /** Fault injection (the chaos soak); none when absent. */
  chaos?: ChaosOptions;
  /** Serialise handler invocations so each one's CPU time is its own (costs nothing in simulated time). */
  measureCpu: boolean;
  /** Count store writes by kind of item and the attributes they change (slower: compares every written item). */
  writeBreakdown?: boolean;
  /** Give up after this much simulated time. */
  maxSimulatedMs: number;
  /** Progress lines (simulated hourly). */
  progress?: (line: string) => void;
}

/** Defaults of the benchmark scenario. */
export const DEFAULT_SIMULATION: SimulationOptions = {
  contacts: 10_000,
  maxConcurrency: 50,
  callsPerSecond: 5,
  windows: { ranges: [{ start: '09:00', end: '10:30' }, { start: '11:00', end: '18:00' }], weekdaysOnly: true },
  retry: { retries: 2, intervalSeconds: 600, maxRingSeconds: 30, intervalByStatus: { Busy: 120 } },
  dailyCapPerCallee: 3,
  mix: REALISTIC_MIX,
  doNotCallShare: 0.01,
  suspendedShare: 0.005,
  template: 'payment-reminder',
  start: Date.UTC(2026, 0, 5, 9, 0, 0),
  seed: 1,
  measureCpu: true,
  maxSimulatedMs: 14 * 86_400_000,
};

/** A call the telephony accepted, as the network saw it. */
export interface PlacedCall {
  at: number;
  to: string;
  from: string;
  transactionId: string;
  jobId: string;
  attempt: number;
  callId: string;
  /** When the network ended the call (its HANGUP, delivered or dropped). */
  endedAt?: number;
}

/** Everything a run leaves for the analysis and the invariant checker. */
export interface SimulationResult {
  options: SimulationOptions;
  instanceId: string;
  campaignId: string;
  settings: InstanceSettings;
  campaign: Campaign;
  /** When the campaign was started and when its last call ended (simulated epoch ms). */
  startedAt: number;
  finishedAt: number;
  /** The campaign reached `completed` within the simulated time allowed. */
  completed: boolean;
  jobs: Job[];
  calls: CallRecord[];
  placed: PlacedCall[];
  /** Events that reached the bus (detail type, job, call). */
  events: { id: string; detailType: string; jobId?: string; callId?: string; at: number }[];
  doNotCall: Set<string>;
  suspended: Set<string>;
  personOf: (phone: string) => string;
  meter: Meter;
  faults?: FaultCounts;
  lostHangups: number;
  wallMs: number;
  /** Process CPU over the run (user + system, ms), simulator and in-memory adapters included. */
  processCpuMs: number;
  /** Clock advances (distinct simulated instants with work). */
  advances: number;
  store: MemoryStore;
}


/** The people book of the simulation: the scripted people of local/people.json, each behind its own area code. */
export function simulationPeople(mix: PeopleMix): { book: PeopleBook; prefixOf: Map<string, string> } {
  const base = loadPeople().file;
  const names = Object.keys(mix).filter((n) => (mix[n] ?? 0) > 0);
  if (names.length > AREA_CODES.length) throw new Error(`at most ${AREA_CODES.length} kinds of people`);
  const prefixOf = new Map(names.map((n, i) => [n, `+1${AREA_CODES[i]}2`]));
  for (const n of names) if (!base.people[n]) throw new Error(`unknown person ${n} in the mix`);
  const file: PeopleFile = { people: base.people, numbers: names.map((n) => ({ prefix: prefixOf.get(n)!, person: n })), default: base.default };
  return { book: new PeopleBook(file), prefixOf };
}

/** Contacts following the mix, spread evenly (largest remainder), in a seeded shuffled order. */
export function simulationContacts(count: number, mix: PeopleMix, prefixOf: Map<string, string>, random: () => number) {
  const total = Object.values(mix).reduce((a, b) => a + b, 0);
  const kinds: string[] = [];
  const names = [...prefixOf.keys()];
  const quotas = names.map((n) => (count * (mix[n] ?? 0)) / total);
  const counts = quotas.map(Math.floor);
  let left = count - counts.reduce((a, b) => a + b, 0);
  const order = quotas.map((q, i) => [q - Math.floor(q), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) if (left-- > 0) counts[i]!++;
  names.forEach((n, i) => {
    for (let k = 0; k < counts[i]!; k++) kinds.push(n);
  });
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  const serial = new Map<string, number>();
  return kinds.map((kind, i) => {
    const n = serial.get(kind) ?? 0;
    serial.set(kind, n + 1);
    return {
      phone: `${prefixOf.get(kind)}${String(n).padStart(6, '0')}`,
      name: `Contact ${i + 1}`,
      referenceId: `sim-${i + 1}`,
      variables: { organization: 'City Bank', amount: `${20 + (i % 80)} dollars`, dueDate: 'March 1st' },
    };
  });
}

/** Runs one simulated campaign to completion (or the simulated time limit). */
export async function runSimulation(partial: Partial<SimulationOptions> = {}): Promise<SimulationResult> {
  const o: SimulationOptions = { ...DEFAULT_SIMULATION, ...partial };
  const wallStart = performance.now();
  const cpuStart = process.cpuUsage();
  const clock = new VirtualClock(o.start);
  const meter = new Meter({ serialise: o.measureCpu, writeBreakdown: o.writeBreakdown });
  const faults = o.chaos ? new Faults(o.chaos, o.seed * 7919 + 17) : undefined;
  const log = createLogger({ service: 'sim' }, 'info', (line) => {
    meter.logBytes += Buffer.byteLength(line) + 1;
  });

  const base = new MemoryStore();
  const metered = meter.meterStore(base);
  const store = faults ? faults.store(metered) : metered;
  const localQueue = (name: string, visibilityTimeoutSeconds: number) => {
    const deadLetter = new LocalQueue({ name: `${name}-dlq`, clock });
    return new LocalQueue({ name, clock, visibilityTimeoutSeconds, maxReceiveCount: 5, deadLetter });
  };
  const localQueues = { dial: localQueue('dial', 60), tick: localQueue('tick', 60), work: localQueue('work', 900) };
  const queuePort = (q: LocalQueue) => (faults ? faults.queue(meter.meterQueue(q)) : meter.meterQueue(q));
  const localBus = new LocalBus({ name: 'reachout', clock, log, historyLimit: 10 });
  const events: SimulationResult['events'] = [];
  const recorded = {
    publish: async (batch: BusEvent[]) => {
      const result = await localBus.publish(batch);
      const failed = new Set(result.failed.map((f) => f.event.id));
      for (const e of batch) {
        if (failed.has(e.id)) continue;
        const d = e.detail as { jobId?: string; callId?: string };
        events.push({ id: e.id, detailType: e.detailType, jobId: d.jobId, callId: d.callId, at: clock.now() });
      }
      return result;
    },
  };
  const meteredBus = meter.meterBus(recorded);
  // Only the size of a recording matters to the simulation: large objects keep their size, not their bytes.
  const recordings = new MemoryBlobs({ keepBytesUpTo: 1024 });
  const data = new MemoryBlobs({ keepBytesUpTo: 1024 });

  const placed: PlacedCall[] = [];
  const byTransaction = new Map<string, PlacedCall>();
  const late: { telephony?: Telephony; workflows?: Workflows } = {};
  const network: Telephony = {
    placeCall: async (r: PlaceCallRequest) => {
      const result = await late.telephony!.placeCall(r);
      if (result.ok) {
        const a = r.arguments;
        const call: PlacedCall = { at: clock.now(), to: r.toPhoneNumber, from: r.fromPhoneNumber, transactionId: result.transactionId, jobId: a.jobId!, attempt: Number(a.attempt), callId: a.callId! };
        placed.push(call);
        byTransaction.set(result.transactionId, call);
      }
      return result;
    },
    updateCall: (r) => late.telephony!.updateCall(r),
  };
  const meteredTelephony = meter.meterTelephony(network);
  const deps: Deps = {
    store,
    queues: { dial: queuePort(localQueues.dial), tick: queuePort(localQueues.tick), work: queuePort(localQueues.work) },
    bus: faults ? faults.bus(meteredBus) : meteredBus,
    blobs: { data: meter.meterBlobs(data), recordings: meter.meterBlobs(recordings) },
    telephony: faults ? faults.telephony(meteredTelephony) : meteredTelephony,
    workflows: { startCampaignLoop: (i) => late.workflows!.startCampaignLoop(i) },
    clock,
    log,
    config: { eventSource: DEFAULT_EVENT_SOURCE, callsPerSecond: o.callsPerSecond, region: 'local' },
  };
  const svc = compose(deps);

  const metering = meter.instrument();
  const faulty = faults?.instrument();
  // The network's view of each call's end: its HANGUP event, whether the platform hears it or not.
  const networkEnd: Instrument = (fn, handler) =>
    fn !== 'sma'
      ? handler
      : async (...args) => {
          const event = args[0] as { InvocationEventType?: string; CallDetails?: { TransactionId?: string } };
          if (event?.InvocationEventType === 'HANGUP') {
            const call = byTransaction.get(String(event.CallDetails?.TransactionId));
            if (call && call.endedAt === undefined) call.endedAt = clock.now();
          }
          return handler(...args);
        };
  const instrument: Instrument = (fn, handler) => networkEnd(fn, metering(fn, faulty ? faulty(fn, handler) : handler));

  const { book, prefixOf } = simulationPeople(o.mix);
  const background = await wireBackground(svc, { queues: localQueues, bus: localBus, people: book, dataDir: tmpdir(), recordings, instrument });
  late.telephony = background.telephony;
  late.workflows = background.workflows;

  const activity = () => meter.activity + clock.sleeps + placed.length;
  let advances = 0;
  /** Runs the clock until `done` (checked when idle) or the time limit; each idle moment jumps to the next timer. */
  const drive = async (done: () => boolean | Promise<boolean>, limit: number) => {
    for (;;) {
      await settle(activity);
      if (await done()) return true;
      if (clock.now() >= limit) return false;
      if (!clock.advance(limit)) return false;
      advances++;
    }
  };
  /** Awaits work that needs the clock to move (an API call whose handler sleeps, closing loops). */
  const withClock = async <T>(p: Promise<T>): Promise<T> => {
    let settled = false;
    const wrapped = p.finally(() => (settled = true));
    await drive(() => settled, Number.POSITIVE_INFINITY);
    return wrapped;
  };

  // The instance, its settings, the scenario and the campaign, through the API as a user would.
  const now0 = clock.now();
  const instance = await createInstance(svc.store, { name: 'Simulation', settings: {} }, now0);
  const { apiKey } = await createApiKey(svc.store, instance.instanceId, now0, { label: 'sim', admin: true });
  const apiHandler = instrument('api', createApiHandler(svc, apiRoutes()));
  const api = async (method: string, path: string, body?: unknown): Promise<any> => {
    const event = {
      version: '2.0',
      routeKey: '$default',
      rawPath: path,
      rawQueryString: '',
      headers: { 'x-api-key': apiKey, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      requestContext: { accountId: '000000000000', apiId: 'sim', domainName: 'localhost', domainPrefix: 'localhost', http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'sim' }, requestId: 'sim', routeKey: '$default', stage: '$default', time: '', timeEpoch: clock.now() },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyEventV2;
    const res = await withClock(apiHandler(event, { awsRequestId: 'sim' } as Context));
    const text = typeof res === 'object' && res && 'body' in res ? String(res.body ?? '') : '';
    const status = typeof res === 'object' && res && 'statusCode' in res ? Number(res.statusCode) : 200;
    if (status >= 400) throw new Error(`${method} ${path} → ${status}: ${text.slice(0, 400)}`);
    return text ? JSON.parse(text) : undefined;
  };

  const caller = '+12065559999';
  await api('PATCH', '/instance', {
    settings: {
      maxConcurrency: o.maxConcurrency,
      windows: { ranges: o.windows.ranges, weekdaysOnly: o.windows.weekdaysOnly, calleeLocalTime: false },
      callerNumbers: [{ phoneNumber: caller }],
      dailyCapPerCallee: o.dailyCapPerCallee,
      timeZone: 'UTC',
    },
  });
  const scenario = await api('POST', `/templates/${o.template}/instantiate`, { language: 'en', name: 'Simulated reminder' });
  const published = await api('POST', `/scenarios/${scenario.scenarioId}/publish`, {});
  const campaign = await api('POST', '/campaigns', {
    name: 'Simulated campaign',
    scenarioId: scenario.scenarioId,
    scenarioVersion: published.version.version,
    retry: { retries: o.retry.retries, intervalSeconds: o.retry.intervalSeconds, maxRingSeconds: o.retry.maxRingSeconds, intervalByStatus: o.retry.intervalByStatus ?? {} },
    callerNumbers: [caller],
  });
  const campaignId: string = campaign.campaignId;
  const random = mulberry32((o.seed * 2654435761) >>> 0);
  const contacts = simulationContacts(o.contacts, o.mix, prefixOf, random);
  const doNotCall = new Set(contacts.filter(() => random() < o.doNotCallShare).map((c) => c.phone));
  const suspended = new Set(contacts.filter((c) => !doNotCall.has(c.phone) && random() < o.suspendedShare).map((c) => c.phone));
  const chunk = <T>(xs: T[], n: number) => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));
  for (const part of chunk(contacts, 2000)) {
    const imported = await api('POST', `/campaigns/${campaignId}/contacts`, { contacts: part });
    if ((imported.rejections ?? []).length) throw new Error(`simulation contacts rejected: ${JSON.stringify(imported.rejections.slice(0, 3))}`);
  }
  // Listed after the import (an import refuses listed numbers): the planner and the dialer must skip them.
  for (const numbers of chunk([...doNotCall], 1000)) await api('POST', '/lists/do-not-call', { numbers, note: 'simulation' });
  for (const numbers of chunk([...suspended], 1000)) await api('POST', `/campaigns/${campaignId}/suspended`, { numbers });
  await api('POST', `/campaigns/${campaignId}/start`, {});
  const startedAt = clock.now();
  if (faults) faults.enabled = true;
  const instanceId = instance.instanceId;

  const campaignState = async () => campaignFromItem((await base.get(keys.campaign(instanceId, campaignId)))!);
  let nextReport = startedAt + 3_600_000;
  let lastCheck = 0;
  const completed = await drive(async () => {
    const t = clock.now();
    if (o.progress && t >= nextReport) {
      nextReport += 3_600_000;
      o.progress(`  sim ${new Date(t).toISOString().slice(5, 16)} | calls ${placed.length} | in flight ${background.telephony.active} | wall ${((performance.now() - wallStart) / 1000).toFixed(0)} s`);
    }
    // The campaign item is read at most every simulated 10 s (reads are cheap, but not free at 10^5 advances).
    if (t - lastCheck < 10_000) return false;
    lastCheck = t;
    return (await campaignState()).state === 'completed';
  }, startedAt + o.maxSimulatedMs);

  // Trailing work (events, recordings, aggregates) until the queues, bus and calls are quiet and no effect is
  // left pending on an item (a drainer that stopped at its deadline leaves them to the sweep), then shut down.
  const noPendingEffects = async () => {
    for (let shard = 0; shard < PENDING_SHARDS; shard++) {
      if ((await base.query({ index: 'gsi4', pk: `I#${instanceId}#FX#${shard}`, limit: 1 })).items.length > 0) return false;
    }
    return true;
  };
  const quiet = async () =>
    background.telephony.active === 0 &&
    [localQueues.dial, localQueues.tick, localQueues.work].every((q) => {
      const s = q.stats();
      return s.visible + s.inFlight + s.delayed === 0;
    }) &&
    (await noPendingEffects());
  await drive(quiet, clock.now() + 3_600_000);
  await withClock(background.close());

  const jobs: Job[] = [];
  for (let shard = 0; shard < JOB_SHARDS; shard++) {
    let cursor: string | undefined;
    do {
      const page = await base.query({ pk: keys.jobPartition(instanceId, campaignId, shard), beginsWith: 'JOB#', limit: 1000, cursor });
      jobs.push(...page.items.map(jobFromItem));
      cursor = page.cursor;
    } while (cursor);
  }
  const calls: CallRecord[] = [];
  for (const job of jobs) calls.push(...(await listCallsOfJob(base, instanceId, job.jobId)));
  const finishedAt = Math.max(startedAt, ...calls.map((c) => (c.endedAt ? Date.parse(c.endedAt) : 0)));
  const cpu = process.cpuUsage(cpuStart);
  return {
    options: o,
    instanceId,
    campaignId,
    settings: await getInstanceSettings(base, instanceId),
    campaign: await campaignState(),
    startedAt,
    finishedAt,
    completed,
    jobs,
    calls,
    placed,
    events,
    doNotCall,
    suspended,
    personOf: (phone) => book.nameFor(phone),
    meter,
    faults: faults?.injected,
    lostHangups: faults?.lostHangups.size ?? 0,
    wallMs: performance.now() - wallStart,
    processCpuMs: (cpu.user + cpu.system) / 1000,
    advances,
    store: base,
  };
}

/** The response type of the SMA handler, re-exported for the analysis. */
export type { SmaResponse };
