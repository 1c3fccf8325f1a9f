/**
 * Campaign simulation benchmark (issue 14): a whole campaign of simulated people through the real
 * handlers on a discrete-event clock. Reports the makespan against its lower bound, line utilisation
 * while work is eligible, CPU per answered call, and the AWS requests per call priced per 1,000 calls.
 * `--chaos` runs the same campaign with injected faults and checks the invariants instead.
 *
 *   npx tsx bench/campaign-sim.ts [--contacts 10000|100000] [--chaos] [--seed 1] [--write-breakdown]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { scheduleReport } from '../local/sim/analysis';
import { DEFAULT_CHAOS } from '../local/sim/faults';
import { checkInvariants, redeliveredEvents } from '../local/sim/invariants';
import { REQUEST_LATENCY_MS } from '../local/sim/meter';
import { DEFAULT_SIMULATION, runSimulation, type SimulationResult } from '../local/sim/simulation';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Public on-demand prices, us-east-1, as published on the AWS pricing pages (read 2026-12-02; DynamoDB
 * after its November 2024 on-demand price cut). Free tiers are ignored: this is the marginal cost.
 */
export const PRICES_USD = {
  source: 'aws.amazon.com/<service>/pricing, us-east-1, read 2026-12-02',
  dynamodbPerMillionWriteUnits: 0.625,
  dynamodbPerMillionReadUnits: 0.125,
  sqsPerMillionRequests: 0.4,
  eventBridgePerMillionCustomEvents: 1.0,
  stepFunctionsPerThousandTransitions: 0.025,
  lambdaPerMillionRequests: 0.2,
  /** Arm64 (every function is ARM_64, infra/constructs/reachout-function.ts). */
  lambdaArmPerGbSecond: 0.0000133334,
  s3PerThousandPuts: 0.005,
  s3PerThousandGets: 0.0004,
  cloudWatchLogsPerGbIngested: 0.5,
  xrayPerMillionTracesRecorded: 5.0,
  // Shown apart (telephony and speech): Chime SDK PSTN audio and the speech services. The Chime figures
  // are the list prices as we read them (SIP media application minutes plus US outbound PSTN minutes);
  // check them against the pricing page for the destination country before quoting.
  chimeSmaPerMinute: 0.002,
  chimePstnOutboundUsPerMinute: 0.004,
  pollyNeuralPerMillionCharacters: 16.0,
  lexStreamingSpeechPer15sInterval: 0.0065,
} as const;

/**
 * Memory of each function as the CDK app sets it (ReachoutFunction's default is 512 MB):
 * api 1024 (infra/constructs/api.ts), sma 1024 (infra/constructs/telephony.ts), worker 2048
 * (infra/constructs/dialing.ts); dialer, tick, dispatch, sweep and recordings 512.
 */
export const FUNCTION_MEMORY_MB: Record<string, number> = { api: 1024, sma: 1024, worker: 2048, dialer: 512, tick: 512, dispatch: 512, sweep: 512, recordings: 512 };
/** Memory at which Lambda gives a function one full vCPU; below it, CPU-bound work slows in proportion. */
const FULL_VCPU_MB = 1769;
/** Step Functions transitions per dispatch round: DispatchStep, Done?, WaitNextDispatch (infra/constructs/dialing.ts). */
const TRANSITIONS_PER_ROUND = 3;
/** Lambda's SQS event source mapping keeps five long-polling connections per queue, 20 s waits. */
const ESM_POLLERS = 5;

const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;

/** The meter's write breakdown per call placed, the 40 costliest changes first. */
function writesByChange(r: SimulationResult, attempts: number) {
  const per = (x: number, d = 2) => round(x / Math.max(1, attempts), d);
  return [...r.meter.writesByChange.entries()]
    .sort((a, b) => b[1].wru - a[1].wru)
    .slice(0, 40)
    .map(([change, c]) => ({ change, writesPerCall: per(c.writes), wruPerCall: per(c.wru), meanBytesBefore: Math.round(c.bytesBefore / c.writes), meanBytesAfter: Math.round(c.bytesAfter / c.writes) }));
}

/** AWS requests and dollars of a run, per 1,000 calls placed. */
export function costReport(r: SimulationResult, attempts: number, makespanSeconds: number) {
  const m = r.meter;
  const per1000 = (x: number) => (attempts ? (x * 1000) / attempts : 0);
  const P = PRICES_USD;

  const kinds = [...m.store.entries()].sort((a, b) => b[1].wru + b[1].rru - (a[1].wru + a[1].rru));
  const wru = kinds.reduce((n, [, k]) => n + k.wru, 0);
  const rru = kinds.reduce((n, [, k]) => n + k.rru, 0);
  const reads = kinds.reduce((n, [, k]) => n + k.reads, 0);
  const writes = kinds.reduce((n, [, k]) => n + k.writes, 0);

  const functions = [...m.functions.entries()].map(([fn, u]) => {
    const memory = FUNCTION_MEMORY_MB[fn] ?? 512;
    const ourMs = Math.max(0, u.handlerMs - u.adapterMs);
    // Billed time: our CPU slowed to the function's vCPU share, plus each AWS request's latency as if sequential.
    const billedMs = ourMs * Math.max(1, FULL_VCPU_MB / memory) + u.awsLatencyMs + u.invocations;
    return { fn, memory, invocations: u.invocations, ourCpuMsPerInvocation: round(ourMs / Math.max(1, u.invocations), 2), awsRequestsPerInvocation: round(u.awsRequests / Math.max(1, u.invocations), 1), gbSeconds: (memory / 1024) * (billedMs / 1000), errors: u.errors };
  });
  const invocations = functions.reduce((n, f) => n + f.invocations, 0);
  const gbSeconds = functions.reduce((n, f) => n + f.gbSeconds, 0);
  const dispatchRounds = m.functions.get('dispatch')?.invocations ?? 0;
  const transitions = dispatchRounds * TRANSITIONS_PER_ROUND;
  const idlePolls = 4 * ESM_POLLERS * (makespanSeconds / 20);
  const sqsRequests = m.sqs.sendRequests + m.sqs.receiveRequests + m.sqs.deleteRequests + idlePolls;
  const traces = Math.min(invocations, makespanSeconds + 0.05 * invocations);

  const dollars = {
    dynamodbWrites: (wru / 1e6) * P.dynamodbPerMillionWriteUnits,
    dynamodbReads: (rru / 1e6) * P.dynamodbPerMillionReadUnits,
    lambdaRequests: (invocations / 1e6) * P.lambdaPerMillionRequests,
    lambdaDuration: gbSeconds * P.lambdaArmPerGbSecond,
    sqs: (sqsRequests / 1e6) * P.sqsPerMillionRequests,
    eventBridge: (m.eventbridge.entries / 1e6) * P.eventBridgePerMillionCustomEvents,
    stepFunctions: (transitions / 1000) * P.stepFunctionsPerThousandTransitions,
    s3: (m.s3.puts / 1000) * P.s3PerThousandPuts + ((m.s3.gets + m.s3.other) / 1000) * P.s3PerThousandGets,
    cloudWatchLogs: (m.logBytes / 1024 ** 3) * P.cloudWatchLogsPerGbIngested,
    xray: (traces / 1e6) * P.xrayPerMillionTracesRecorded,
  };
  const total = Object.values(dollars).reduce((a, b) => a + b, 0);
  const callMinutes = r.calls.filter((c) => c.placed && c.endedAt).reduce((n, c) => n + (Date.parse(c.endedAt!) - Date.parse(c.dialledAt)) / 60_000, 0);
  const apart = {
    chimeSma: callMinutes * P.chimeSmaPerMinute,
    chimePstn: callMinutes * P.chimePstnOutboundUsPerMinute,
    polly: (m.speech.pollyCharacters / 1e6) * P.pollyNeuralPerMillionCharacters,
    lex: m.speech.lexTurns * P.lexStreamingSpeechPer15sInterval,
  };
  return {
    prices: P,
    requestLatencyAssumedMs: REQUEST_LATENCY_MS,
    per1000Calls: {
      usd: Object.fromEntries(Object.entries(dollars).map(([k, v]) => [k, round(per1000(v), 5)])),
      totalUsd: round(per1000(total), 4),
      apartUsd: Object.fromEntries(Object.entries(apart).map(([k, v]) => [k, round(per1000(v), 3)])),
      apartTotalUsd: round(per1000(Object.values(apart).reduce((a, b) => a + b, 0)), 3),
    },
    perCall: {
      dynamodbRequests: round((reads + writes) / Math.max(1, attempts), 1),
      dynamodbReads: round(reads / Math.max(1, attempts), 1),
      dynamodbWrites: round(writes / Math.max(1, attempts), 1),
      readUnits: round(rru / Math.max(1, attempts), 1),
      writeUnits: round(wru / Math.max(1, attempts), 1),
      sqsRequests: round(sqsRequests / Math.max(1, attempts), 2),
      eventBridgeEntries: round(m.eventbridge.entries / Math.max(1, attempts), 2),
      stepFunctionsTransitions: round(transitions / Math.max(1, attempts), 2),
      lambdaInvocations: round(invocations / Math.max(1, attempts), 2),
      lambdaGbSeconds: round(gbSeconds / Math.max(1, attempts), 4),
      logBytes: Math.round(m.logBytes / Math.max(1, attempts)),
      callMinutes: round(callMinutes / Math.max(1, attempts), 3),
      pollyCharacters: Math.round(m.speech.pollyCharacters / Math.max(1, attempts)),
      lexTurns: round(m.speech.lexTurns / Math.max(1, attempts), 2),
    },
    dynamodbByKind: kinds.slice(0, 25).map(([kind, k]) => ({ kind, reads: k.reads, writes: k.writes, conditionFailed: k.conditionFailed, itemsRead: k.itemsRead, rru: round(k.rru, 1), wru: k.wru })),
    eventsByType: Object.fromEntries(m.eventbridge.byType),
    functions: functions.map((f) => ({ ...f, gbSeconds: round(f.gbSeconds, 2) })),
  };
}

/** Runs the simulation (or the chaos soak) and returns its report. */
export async function runCampaignSimBench(options: { contacts?: number; chaos?: boolean; seed?: number; writeBreakdown?: boolean; progress?: (l: string) => void } = {}) {
  const contacts = options.contacts ?? 10_000;
  const load = { before: loadavg().map((x) => round(x, 2)) };
  const r = await runSimulation({
    contacts,
    seed: options.seed ?? 1,
    ...(options.chaos ? { chaos: DEFAULT_CHAOS, measureCpu: false } : {}),
    writeBreakdown: options.writeBreakdown,
    progress: options.progress,
  });
  const schedule = scheduleReport(r);
  const violations = await checkInvariants(r);
  const byInvariant: Record<string, number> = {};
  for (const v of violations) byInvariant[v.invariant] = (byInvariant[v.invariant] ?? 0) + 1;
  const handlers = [...r.meter.functions.values()];
  const ourMs = handlers.reduce((n, u) => n + Math.max(0, u.handlerMs - u.adapterMs), 0);
  const report = {
    at: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    load: { ...load, after: loadavg().map((x) => round(x, 2)) },
    scenario: {
      contacts,
      maxConcurrency: DEFAULT_SIMULATION.maxConcurrency,
      callsPerSecond: DEFAULT_SIMULATION.callsPerSecond,
      windows: DEFAULT_SIMULATION.windows,
      retry: DEFAULT_SIMULATION.retry,
      dailyCapPerCallee: DEFAULT_SIMULATION.dailyCapPerCallee,
      mix: DEFAULT_SIMULATION.mix,
      doNotCallShare: DEFAULT_SIMULATION.doNotCallShare,
      suspendedShare: DEFAULT_SIMULATION.suspendedShare,
      chaos: options.chaos ? DEFAULT_CHAOS : undefined,
      seed: options.seed ?? 1,
    },
    completed: r.completed,
    campaignState: r.campaign.state,
    schedule: { ...schedule, ratio: round(schedule.ratio), utilisation: round(schedule.utilisation) },
    goals: {
      makespanRatio: { goal: 1.03, measured: round(schedule.ratio), met: schedule.ratio <= 1.03 },
      utilisation: { goal: 0.97, measured: round(schedule.utilisation), met: schedule.utilisation >= 0.97 },
    },
    cpu: {
      wallSeconds: round(r.wallMs / 1000, 1),
      processCpuSeconds: round(r.processCpuMs / 1000, 1),
      simulatedSecondsPerWallSecond: round(schedule.makespanSeconds / (r.wallMs / 1000), 1),
      clockAdvances: r.advances,
      /** Whole process (simulator, in-memory store and queues, module loading included) per answered call: an upper bound. */
      processMsPerAnsweredCall: round(r.processCpuMs / Math.max(1, schedule.answered), 1),
      /** Inside handler invocations, minus the time in the in-memory adapters: our code (serialised, so each invocation's own). */
      ourCodeMsPerAnsweredCall: options.chaos ? undefined : round(ourMs / Math.max(1, schedule.answered), 1),
      ourCodeMsPerCall: options.chaos ? undefined : round(ourMs / Math.max(1, schedule.attempts), 1),
    },
    cost: costReport(r, schedule.attempts, schedule.makespanSeconds),
    /** With --write-breakdown: store writes by kind of item and what they change, per call placed, most units first. */
    writesByChange: options.writeBreakdown ? writesByChange(r, schedule.attempts) : undefined,
    chaos: options.chaos ? { injected: r.faults, lostHangups: r.lostHangups, redeliveredEvents: redeliveredEvents(r) } : undefined,
    invariants: { violations: violations.length, byInvariant, examples: violations.slice(0, 20) },
  };
  return report;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { contacts: { type: 'string', default: '10000' }, chaos: { type: 'boolean', default: false }, seed: { type: 'string', default: '1' }, 'write-breakdown': { type: 'boolean', default: false } },
  });
  const contacts = Number(values.contacts);
  const writeBreakdown = values['write-breakdown'];
  const report = await runCampaignSimBench({ contacts, chaos: values.chaos, seed: Number(values.seed), writeBreakdown, progress: (l) => process.stderr.write(l + '\n') });
  // The breakdown slows the run (its CPU figures are not comparable): its own file.
  const name = `campaign-sim${values.chaos ? '-chaos' : ''}-${contacts}${writeBreakdown ? '-writes' : ''}.json`;
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', name), JSON.stringify(report, null, 2) + '\n');
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`campaign-sim failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
