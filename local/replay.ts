/**
 * `npm run replay -- --events FILE [--template ID] [--language en|zh] [--dynalite]`: feeds SIP media
 * application invocation events, as captured from a deployment's logs or copied from the Amazon Chime SDK
 * developer guide, to the real SMA handler (functions/sma.ts) over a fresh local composition — one instance,
 * a running campaign on a built-in template, and for each call (each distinct `TransactionId`) a job with
 * what the dialer leaves before Chime calls the handler: the lease, the open call record and the call plan
 * in the call's arguments. Prints each response as one JSON line, validated against the action reference
 * (lib/telephony/action-reference.ts), then the call records to stderr. Exit code 0 when every response is
 * valid, 1 when one is not or the handler threw, 2 when the input cannot be read.
 *
 * Transaction attributes: captured events carry the production call's attributes (its ids, its session),
 * which mean nothing locally. The first event of each call gets the local call's arguments instead, and each
 * later event the attributes of the handler's last answer that Chime keeps (not those of NEW_OUTBOUND_CALL,
 * RINGING, ACTION_INTERRUPTED), as Chime does. Everything else in the event is replayed as captured.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createSmaHandler } from '../functions/sma';
import { createDocumentClient, DynamoDbStore, tableDefinition } from '../lib/adapters/aws/dynamodb-store';
import { MemoryStore } from '../lib/adapters/memory/store';
import { createCampaign, newJobItem } from '../lib/campaigns/repository';
import { CampaignSettings } from '../lib/campaigns/schema';
import { compose } from '../lib/composition';
import type { Deps, Services } from '../lib/core/deps';
import { expectOnly } from '../lib/core/errors';
import { silentLogger } from '../lib/core/log';
import { createInstance } from '../lib/instances/repository';
import type { BusEvent } from '../lib/ports/bus';
import { ManualClock, isoAt } from '../lib/ports/clock';
import type { OutgoingMessage } from '../lib/ports/queue';
import type { Store } from '../lib/ports/store';
import { getTemplate, TEMPLATES } from '../lib/scenarios/templates';
import { keys } from '../lib/store/keys';
import { RESPONSE_IGNORED_FOR, validateSmaResponse } from '../lib/telephony/action-reference';
import { callPointerItem, callRecordItem, getCallRecordOfJob, type CallRecord } from '../lib/telephony/call-records';
import { encodePlanArgument, loadCallPlan } from '../lib/telephony/plan';
import type { SmaResponse } from '../lib/telephony/sma-events';
import { ensureTable, startLocalDynamo } from './dynamo';
import { MemoryBlobs } from '../lib/adapters/memory/blobs';

/** An event file line that is not an SMA invocation event, and why. */
export interface SkippedLine {
  line: number;
  reason: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The invocation event inside a parsed log record: the record itself, or its `event` / `message` field (Lambda and CloudWatch shapes). */
function eventIn(value: unknown): Record<string, unknown> | undefined {
  if (!isObject(value)) return undefined;
  if (typeof value.InvocationEventType === 'string') return value;
  for (const field of ['event', 'message', 'detail']) {
    const inner = value[field];
    if (isObject(inner) && typeof inner.InvocationEventType === 'string') return inner;
    if (typeof inner === 'string' && inner.includes('InvocationEventType')) {
      const found = eventIn(parseFromBrace(inner));
      if (found) return found;
    }
  }
  return undefined;
}

/** Parses the JSON that starts at the first `{` of a line (log lines carry a timestamp and request id before it). */
function parseFromBrace(text: string): unknown {
  const i = text.indexOf('{');
  if (i < 0) return undefined;
  try {
    return JSON.parse(text.slice(i));
  } catch (error) {
    expectOnly(error, SyntaxError);
    return undefined;
  }
}

/**
 * Reads SMA invocation events from a file's text: a JSON array of events, one JSON event, or JSON lines
 * (each line an event, a log record holding one in `event`/`message`, or a log line whose JSON starts at
 * its first `{`). Lines that hold no event are reported, not fatal.
 */
export function parseEventLog(text: string): { events: Record<string, unknown>[]; skipped: SkippedLine[] } {
  const trimmed = text.trim();
  if (trimmed.startsWith('[') || (trimmed.startsWith('{') && !trimmed.includes('\n'))) {
    try {
      const whole = JSON.parse(trimmed) as unknown;
      const list = Array.isArray(whole) ? whole : [whole];
      const events: Record<string, unknown>[] = [];
      const skipped: SkippedLine[] = [];
      list.forEach((v, i) => {
        const e = eventIn(v);
        if (e) events.push(e);
        else skipped.push({ line: i + 1, reason: 'no InvocationEventType' });
      });
      return { events, skipped };
    } catch (error) {
      expectOnly(error, SyntaxError);
      // Not one JSON document: read it line by line.
    }
  }
  const events: Record<string, unknown>[] = [];
  const skipped: SkippedLine[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (!raw.trim()) return;
    const parsed = parseFromBrace(raw);
    if (parsed === undefined) {
      skipped.push({ line: i + 1, reason: 'no JSON object on the line' });
      return;
    }
    const e = eventIn(parsed);
    if (e) events.push(e);
    else skipped.push({ line: i + 1, reason: 'no InvocationEventType' });
  });
  return { events, skipped };
}

/** One replayed event and the handler's answer. */
export interface ReplayLine {
  n: number;
  transactionId: string;
  event: string;
  action?: string;
  ms: number;
  valid: boolean;
  issues?: string[];
  error?: string;
  response?: SmaResponse;
}

/** Options of a replay. */
export interface ReplayOptions {
  /** Built-in scenario template the local campaign runs (default `satisfaction`). */
  template?: string;
  language?: 'en' | 'zh';
  /** The store (default: in memory). */
  store?: Store;
  /** Each answer as it comes (the CLI prints it). */
  onLine?: (line: ReplayLine) => void;
  /** Replaces the SMA handler built over the composition (tests of the replay itself). */
  handler?: (svc: Services) => (event: unknown) => Promise<SmaResponse>;
}

/** What a replay did: every answer, and the call record each call ended with. */
export interface ReplayResult {
  ok: boolean;
  lines: ReplayLine[];
  calls: { transactionId: string; callId: string; record?: CallRecord }[];
  /** Events the handler published (detail types, in order). */
  published: string[];
}


/** A queue that keeps what is sent (the tick queue's drain messages are applied after the replay). */
class KeptQueue {
  readonly sent: OutgoingMessage[] = [];
  async send(m: OutgoingMessage) {
    this.sent.push(m);
  }
  async sendBatch(ms: OutgoingMessage[]) {
    this.sent.push(...ms);
    return { failed: [] };
  }
}

const INSTANCE = 'replay';
const CAMPAIGN = 'cmp1';
const DEFAULT_CALLER = '+12065550100';
const DEFAULT_CALLEE = '+12065550123';

/** LEG-A of an event (the tag is compared case-insensitively: the guide prints `Leg-A` too). */
function legAOf(event: Record<string, unknown>): Record<string, unknown> | undefined {
  const parts = (isObject(event.CallDetails) && Array.isArray(event.CallDetails.Participants) ? event.CallDetails.Participants : []) as unknown[];
  return (parts.find((p) => isObject(p) && String(p.ParticipantTag).toUpperCase() === 'LEG-A') ?? parts[0]) as Record<string, unknown> | undefined;
}

/** Runs the events through the real SMA handler over a fresh local composition. */
export async function replay(events: readonly Record<string, unknown>[], options: ReplayOptions = {}): Promise<ReplayResult> {
  const templateId = options.template ?? 'satisfaction';
  const template = getTemplate(templateId);
  if (!template) throw new Error(`unknown template "${templateId}"; known: ${TEMPLATES.map((t) => t.id).join(', ')}`);
  const clock = new ManualClock();
  const store = options.store ?? new MemoryStore();
  const tick = new KeptQueue();
  const published: BusEvent[] = [];
  const deps: Deps = {
    store,
    queues: { dial: new KeptQueue(), tick, work: new KeptQueue() },
    bus: {
      publish: async (batch) => {
        published.push(...batch);
        return { failed: [] };
      },
    },
    blobs: { data: new MemoryBlobs(), recordings: new MemoryBlobs() },
    telephony: { placeCall: async () => ({ ok: true, transactionId: 'replay' }), updateCall: async () => ({ ok: true }) },
    workflows: { startCampaignLoop: async () => {} },
    clock,
    log: silentLogger,
    config: { eventSource: 'reachout', callsPerSecond: 1, region: 'local' },
  };
  const svc = compose(deps);
  const now = clock.now();
  await createInstance(store, { name: 'replay', instanceId: INSTANCE, settings: { maxConcurrency: 1000 } }, now);
  await store.put({ ...keys.scenarioVersion(INSTANCE, 'scn1', 1), scenarioId: 'scn1', version: 1, definition: template.definition(options.language ?? 'en'), publishedAt: isoAt(now) });
  await createCampaign(store, INSTANCE, CampaignSettings.parse({ name: 'replay', scenarioId: 'scn1', scenarioVersion: 1 }), now, { campaignId: CAMPAIGN });
  await store.update(keys.campaign(INSTANCE, CAMPAIGN), { set: { state: 'running', run: 1, startedAt: isoAt(now) }, add: { version: 1 } });
  const handle = options.handler ? options.handler(svc) : createSmaHandler(svc, { recordingsBucket: 'recordings' });

  const calls = new Map<string, { callId: string; jobId: string; attrs: Record<string, string> }>();
  /** What the dialer leaves before Chime invokes the handler for a new call (lib/dialer/dial.ts). */
  const openCall = async (transactionId: string, event: Record<string, unknown>) => {
    const n = calls.size + 1;
    const jobId = `job${n}`;
    const callId = `call${n}`;
    const slot = n - 1;
    const leg = legAOf(event);
    const callee = typeof leg?.To === 'string' && /^\+[1-9]\d{6,14}$/.test(leg.To) ? leg.To : DEFAULT_CALLEE;
    const caller = typeof leg?.From === 'string' && /^\+[1-9]\d{6,14}$/.test(leg.From) ? leg.From : DEFAULT_CALLER;
    const at = clock.now();
    await store.put({ ...newJobItem(INSTANCE, CAMPAIGN, jobId, { phone: callee, name: 'Sam', variables: {} }, at, at), attempts: 1, dialState: 'inCall', status: 'Executing', callId, leaseSlot: slot, from: caller });
    await store.put({ ...keys.leaseSlot(INSTANCE, slot), type: 'lease', slot, holder: callId, campaignId: CAMPAIGN, jobId, attempt: 1, expiresAt: at + 15 * 60_000, takenAt: at });
    const record: CallRecord = {
      callId, instanceId: INSTANCE, campaignId: CAMPAIGN, jobId, attempt: 1, caller, callee, dialledAt: isoAt(at),
      ringSeconds: 0, talkSeconds: 0, turns: 0, answered: false, completed: false, transferred: false, status: 'Executing',
      tags: {}, noMatchHangup: false, systemFailure: false, placed: true, interacted: false, captured: {},
    };
    await store.put(callRecordItem(record));
    await store.put(callPointerItem(record));
    const ids = { instanceId: INSTANCE, campaignId: CAMPAIGN, jobId, attempt: 1, callId, leaseSlot: slot };
    const plan = await loadCallPlan(svc, ids);
    const attrs = { instanceId: INSTANCE, campaignId: CAMPAIGN, jobId, attempt: '1', callId, leaseSlot: String(slot), ...(plan ? encodePlanArgument(plan) : {}) };
    const call = { callId, jobId, attrs };
    calls.set(transactionId, call);
    return call;
  };

  const lines: ReplayLine[] = [];
  for (const [i, original] of events.entries()) {
    const event = structuredClone(original);
    const details = isObject(event.CallDetails) ? event.CallDetails : (event.CallDetails = {});
    const transactionId = typeof details.TransactionId === 'string' ? details.TransactionId : 'replay';
    const call = calls.get(transactionId) ?? (await openCall(transactionId, event));
    details.TransactionAttributes = call.attrs;
    // A second passes between events (captured events carry no reliable invocation time).
    if (i > 0) clock.advance(1000);
    const type = String(event.InvocationEventType);
    const action = isObject(event.ActionData) && typeof event.ActionData.Type === 'string' ? event.ActionData.Type : undefined;
    const line: ReplayLine = { n: i + 1, transactionId, event: type, ...(action ? { action } : {}), ms: 0, valid: false };
    const t0 = performance.now();
    try {
      const response = await handle(event);
      line.ms = Math.round((performance.now() - t0) * 100) / 100;
      line.response = response;
      const valid = validateSmaResponse(response);
      line.valid = valid.ok;
      if (!valid.ok) line.issues = valid.issues;
      if (!(RESPONSE_IGNORED_FOR as readonly string[]).includes(type) && response?.TransactionAttributes) call.attrs = response.TransactionAttributes;
    } catch (error) {
      line.ms = Math.round((performance.now() - t0) * 100) / 100;
      line.error = error instanceof Error ? error.message : String(error);
    }
    lines.push(line);
    options.onLine?.(line);
  }

  // What the tick consumer does with the drain messages of final call records (the job's outcome, CallFinished).
  for (const m of tick.sent) {
    const body = JSON.parse(m.body) as { type?: string; pk?: string; sk?: string };
    if (body.type === 'drain' && body.pk && body.sk) await svc.outbox.drainClaimed({ pk: body.pk, sk: body.sk }).catch(() => undefined);
  }
  const records = [];
  for (const [transactionId, c] of calls) records.push({ transactionId, callId: c.callId, record: await getCallRecordOfJob(store, INSTANCE, c.jobId, c.callId) });
  return { ok: lines.every((l) => l.valid && !l.error), lines, calls: records, published: published.map((e) => e.detailType) };
}

const USAGE = 'usage: npm run replay -- --events FILE [--template ID] [--language en|zh] [--dynalite]';

/** The CLI: returns the exit code (0 all valid, 1 an invalid answer or a throw, 2 bad usage or input). */
export async function replayCli(
  argv: readonly string[],
  io: { out: (s: string) => void; err: (s: string) => void } = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) },
  overrides: Pick<ReplayOptions, 'handler'> = {},
): Promise<number> {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const file = arg('--events');
  if (!file) {
    io.err(`${USAGE}\n`);
    return 2;
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    io.err(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const { events, skipped } = parseEventLog(text);
  for (const s of skipped) io.err(`${file}:${s.line}: skipped (${s.reason})\n`);
  if (events.length === 0) {
    io.err(`${file}: no SMA invocation events\n`);
    return 2;
  }
  const language = arg('--language');
  if (language !== undefined && language !== 'en' && language !== 'zh') {
    io.err(`--language must be en or zh\n${USAGE}\n`);
    return 2;
  }
  const template = arg('--template');
  if (template !== undefined && !getTemplate(template)) {
    io.err(`unknown template "${template}"; known: ${TEMPLATES.map((t) => t.id).join(', ')}\n`);
    return 2;
  }
  let close = async () => {};
  let store: Store | undefined;
  if (argv.includes('--dynalite')) {
    const dynamo = await startLocalDynamo();
    const client = new DynamoDBClient(dynamo.clientConfig());
    await ensureTable(client, 'replay', tableDefinition);
    store = new DynamoDbStore({ tableName: 'replay', client: createDocumentClient(client) });
    close = async () => {
      client.destroy();
      await dynamo.close();
    };
  }
  try {
    const result = await replay(events, {
      ...overrides,
      template,
      language,
      store,
      onLine: (l) => {
        io.out(`${JSON.stringify(l)}\n`);
        if (!l.valid) io.err(`event ${l.n} (${l.event}${l.action ? ` ${l.action}` : ''}): ${l.error ? `handler threw: ${l.error}` : `invalid response: ${(l.issues ?? []).join('; ')}`}\n`);
      },
    });
    for (const c of result.calls) {
      const r = c.record;
      io.err(`call ${c.callId} (transaction ${c.transactionId}): ${r ? `${r.status}${r.endedAt ? '' : ' (not ended)'}${r.hangupParty ? `, hung up by ${r.hangupParty}` : ''}${r.hangupReason ? ` (${r.hangupReason})` : ''}${r.systemFailure ? ', system failure' : ''}` : 'no call record'}\n`);
    }
    const bad = result.lines.filter((l) => !l.valid).length;
    io.err(`${result.lines.length} events replayed, ${bad} invalid or failed answers\n`);
    return result.ok ? 0 : 1;
  } finally {
    await close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  replayCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(2);
    },
  );
}
