/**
 * Results aggregates maintained as calls end (SPEC R2–R4, I3). `callContribution` turns one finished
 * call into numbers to add (pure, deterministic); `aggregateWrites` lists the store updates; the
 * caller's outbox applies each call's writes exactly once (`applyAggregateWrite`). Reads never scan
 * jobs or calls: they sum a bounded set of items (lib/results/read.ts).
 *
 * Job-level figures (numbers answered, succeeded, graded, by number status) follow the job's latest
 * call: each contribution removes what the job's previous call contributed (`ctx.job.previous`, the
 * `JobResultState` the caller stored on the job with the previous call) and adds the new state, on
 * the day of the call that set it. Maps with values nobody declared (free-text tags, contact variable
 * values, intents of external bots) are bounded: the first `cap` distinct names are counted exactly,
 * later ones go to an "other" bucket, so no item grows past DynamoDB's 400 KB whatever the campaign.
 */
import * as z from 'zod';
import { hasMarker, MARKERS, staleMarkerChanges, unmarked, type MarkedWrite } from '../outbox/outbox';
import { effectTime } from '../outbox/effects';
import { shardOf } from '../core/ids';
import { ReachoutError } from '../core/errors';
import { BUILTIN_INTENT_NAMES } from '../nlu/builtin-intent-names';
import type { Condition, ItemKey, Store } from '../ports/store';
import { IntentionGrade } from '../scenarios/reporting';
import type { ScenarioDefinition } from '../scenarios/schema';
import type { CallRecord, StoredTurn } from '../telephony/call-records';
import { classifyCall, NODE_STATS, scenarioView, type CallFacts, type ScenarioView } from './classify';
import { RESULT_COUNTER_SHARDS, resultKeys } from './keys';

/** Errors of the results module. */
export class ResultsError extends ReachoutError {
  override readonly name = 'ResultsError';
}

/** What the results remember about a job between its calls; stored on the job by the call-end writer. */
export const JobResultState = z.object({
  /** Day (instance zone) of the job's latest finished call. */
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  /** A person answered one of its calls. */
  answered: z.boolean(),
  /** One of its calls met the scenario's success definition. */
  success: z.boolean(),
  /** Grade of its latest answered call. */
  grade: IntentionGrade.optional(),
  /** Seed 001 number status (1–12) of its latest call with a verdict. */
  numberStatus: z.number().int().min(1).max(12).optional(),
});
/** Per-job results state. */
export type JobResultState = z.infer<typeof JobResultState>;

/** What a contribution needs beside the call and its transcript. */
export interface ResultsContext {
  /** The campaign's published scenario version (reporting rules, declared names); undefined = defaults. */
  scenario: ScenarioDefinition | undefined;
  /** The instance's IANA time zone: days and hours of the per-day aggregates. */
  timeZone: string;
  job: {
    /** The contact's variables (for the report's variable distribution). */
    variables?: Record<string, string>;
    /** The job's results state stored with its previous call; absent for its first call. */
    previous?: JobResultState;
  };
}

/** Additions to one aggregate item. */
export interface ItemDelta {
  /** `all` (campaign totals) or a day YYYY-MM-DD. */
  scope: string;
  /** Item name within the scope (`C` = counters, `T` = timeline, `H#…` = histograms). */
  item: string;
  add: Record<string, number>;
  /** Present for items whose names are not declared by the scenario: at most `cap` distinct names. */
  bounded?: { cap: number; overflow: Record<string, string> };
}

/** What one finished call adds to the aggregates. */
export interface AggregateDelta {
  items: ItemDelta[];
  /** The job's results state after this call: store it on the job, pass it back as `ctx.job.previous` next time. */
  job: JobResultState;
  /** Instance totals (I3): add `secondsTalked` to the instance statistics. */
  instance: { secondsTalked: number };
}

/** One store update: `add` to the item at `key`; bounded ones go through `applyAggregateWrite`. */
export interface AggregateWrite {
  key: ItemKey;
  add: Record<string, number>;
  bounded?: { cap: number; overflow: Record<string, string> };
}

/** Distinct undeclared names per bounded item. */
export const BOUNDED_CAP = 500;
/** Histogram items of declared tags and flow figures are spread over this many items each. */
export const HIST_SHARDS = 4;
/** Longest name or value kept in an aggregate (longer ones are cut). */
export const MAX_NAME = 100;

const BUILTINS: ReadonlySet<string> = new Set(BUILTIN_INTENT_NAMES);
const views = new WeakMap<object, ScenarioView>();
const DEFAULT_VIEW = scenarioView(undefined);

/** The reporting view of a definition, computed once per definition object. */
export function viewOf(definition: ScenarioDefinition | undefined): ScenarioView {
  if (!definition) return DEFAULT_VIEW;
  let v = views.get(definition);
  if (!v) views.set(definition, (v = scenarioView(definition)));
  return v;
}

/** Durations are summed in tenths of a second, as integers, so sums are exact in any store. */
const tenths = (seconds: number) => Math.round(seconds * 10);
const cut = (s: string) => (s.length > MAX_NAME ? s.slice(0, MAX_NAME) : s);

class DeltaBuilder {
  private readonly map = new Map<string, ItemDelta>();
  add(scope: string, item: string, name: string, n: number, bounded?: { overflow: string }): void {
    if (n === 0) return;
    const k = `${scope}\u0000${item}`;
    let d = this.map.get(k);
    if (!d) this.map.set(k, (d = { scope, item, add: {}, ...(bounded ? { bounded: { cap: BOUNDED_CAP, overflow: {} } } : {}) }));
    d.add[name] = (d.add[name] ?? 0) + n;
    if (bounded && d.bounded) d.bounded.overflow[name] = bounded.overflow;
  }
  items(): ItemDelta[] {
    const out: ItemDelta[] = [];
    for (const d of this.map.values()) {
      for (const [k, v] of Object.entries(d.add)) if (v === 0) delete d.add[k];
      if (Object.keys(d.add).length) out.push(d);
    }
    return out;
  }
}

/** Counter names of the fixed counters items (per-call `calls…`, per-job `jobs…`, grades `g:X`, number statuses `ns:N`, rounds `r:B`). */
export const CALL_COUNTERS = [
  'calls',
  'callsAnswered',
  'interacted',
  'silentHangup',
  'completed',
  'noMatchHangup',
  'timeoutHangup',
  'userHangup',
  'otherEnd',
  'transferred',
  'callsSucceeded',
  'talkTenths',
  'answeredTalkTenths',
  'ringTenths',
  'answeredTurns',
  'intentHits',
  'noMatchTurns',
] as const;

/** Figures a job contributes while its state is `state` (removed again when its next call changes it). */
function jobFigures(state: JobResultState): Record<string, number> {
  const f: Record<string, number> = { jobsDialled: 1 };
  if (state.answered) f.jobsAnswered = 1;
  if (state.success) f.jobsSucceeded = 1;
  if (state.grade) f[`g:${state.grade}`] = 1;
  if (state.numberStatus) f[`ns:${state.numberStatus}`] = 1;
  return f;
}

/** The job state after a call. */
export function nextJobState(previous: JobResultState | undefined, facts: CallFacts): JobResultState {
  const grade = facts.grade ?? previous?.grade;
  const numberStatus = facts.numberStatus ?? previous?.numberStatus;
  return {
    day: facts.day,
    answered: (previous?.answered ?? false) || facts.answered,
    success: (previous?.success ?? false) || facts.success,
    ...(grade ? { grade } : {}),
    ...(numberStatus ? { numberStatus } : {}),
  };
}

/**
 * What one finished call adds to its campaign's aggregates (pure and deterministic: the same call,
 * transcript and context always give the same delta). See the module comment for job-level figures.
 */
export function callContribution(call: CallRecord, turns: readonly StoredTurn[], ctx: ResultsContext): AggregateDelta {
  const view = viewOf(ctx.scenario);
  const facts = classifyCall(call, turns, view, ctx.timeZone);
  const b = new DeltaBuilder();
  const scopes = ['all', facts.day];
  const hh = String(facts.hour).padStart(2, '0');

  const counters: Record<string, number> = {
    calls: 1,
    callsAnswered: facts.answered ? 1 : 0,
    interacted: facts.interacted ? 1 : 0,
    completed: facts.completed ? 1 : 0,
    transferred: facts.transferred ? 1 : 0,
    callsSucceeded: facts.success ? 1 : 0,
    talkTenths: tenths(facts.talkSeconds),
    answeredTalkTenths: facts.answered ? tenths(facts.talkSeconds) : 0,
    ringTenths: tenths(facts.ringSeconds),
    answeredTurns: facts.answered ? facts.turns : 0,
    intentHits: facts.intents.length,
    noMatchTurns: facts.noMatchTurns,
  };
  if (facts.stage && facts.stage !== 'completed') counters[facts.stage] = 1;
  if (facts.rounds) counters[`r:${facts.rounds}`] = 1;
  if (facts.grade) counters[`cg:${facts.grade}`] = 1;

  const declaredIntent = (name: string) => view.intents.has(name) || BUILTINS.has(name);
  for (const scope of scopes) {
    for (const [k, v] of Object.entries(counters)) b.add(scope, 'C', k, v);
    for (const name of facts.intents) {
      if (declaredIntent(name)) b.add(scope, 'H#i', `i:${name}`, 1);
      else b.add(scope, 'H#fx', `i:${cut(name)}`, 1, { overflow: 'i~' });
    }
    for (const name of facts.afterNoMatch) {
      if (declaredIntent(name)) b.add(scope, 'H#a', `a:${name}`, 1);
      else b.add(scope, 'H#fx', `a:${cut(name)}`, 1, { overflow: 'a~' });
    }
    if (facts.userHangupNode !== undefined) {
      const node = facts.userHangupNode;
      if (view.nodeNames.has(node)) b.add(scope, 'H#n', `n:${node}`, 1);
      else b.add(scope, 'H#fx', `n:${cut(node)}`, 1, { overflow: 'n~' });
    }
    for (const [nodeId, n] of facts.nodes) {
      const id = view.nodeNames.has(nodeId) ? nodeId : '~';
      const item = `H#f#${shardOf(id, HIST_SHARDS)}`;
      b.add(scope, item, `f:${id}|reached`, 1);
      for (const stat of NODE_STATS) if (stat !== 'reached') b.add(scope, item, `f:${id}|${stat}`, n[stat]);
    }
    for (const [group, value] of facts.tags) {
      if (view.tagValues.get(group)?.has(value)) b.add(scope, `H#t#${shardOf(group, HIST_SHARDS)}`, `t:${group}=${value}`, 1);
      else b.add(scope, 'H#ft', `t:${cut(group)}=${cut(value)}`, 1, { overflow: `t~${cut(group)}` });
    }
  }
  b.add(facts.day, 'C', `h${hh}:calls`, 1);
  b.add(facts.day, 'C', `h${hh}:answered`, facts.answered ? 1 : 0);
  b.add(facts.day, 'C', `h${hh}:completed`, facts.completed ? 1 : 0);
  b.add(facts.day, 'C', `h${hh}:succeeded`, facts.success ? 1 : 0);
  b.add('all', 'T', `d:${facts.day}:calls`, 1);
  b.add('all', 'T', `d:${facts.day}:answered`, facts.answered ? 1 : 0);
  b.add('all', 'T', `d:${facts.day}:completed`, facts.completed ? 1 : 0);
  b.add('all', 'T', `d:${facts.day}:succeeded`, facts.success ? 1 : 0);

  // Job-level figures move with the job's latest call: out of the previous state, into the new one.
  const previous = ctx.job.previous;
  const next = nextJobState(previous, facts);
  const variables = view.rules.variables.map((name) => [name, cut(ctx.job.variables?.[name] ?? '')] as const);
  const moveJob = (state: JobResultState, sign: 1 | -1) => {
    for (const scope of ['all', state.day]) {
      for (const [k, v] of Object.entries(jobFigures(state))) b.add(scope, 'C', k, sign * v);
      for (const [name, value] of variables) b.add(scope, 'H#fv', `v:${name}=${value}`, sign, { overflow: `v~${name}` });
    }
  };
  if (previous) moveJob(previous, -1);
  moveJob(next, 1);

  return { items: b.items(), job: next, instance: { secondsTalked: facts.talkSeconds } };
}

/** The store updates of a contribution; the counters item is the call's shard, so hot campaigns spread their writes. */
export function aggregateWrites(instanceId: string, campaignId: string, callId: string, delta: AggregateDelta): AggregateWrite[] {
  const shard = shardOf(callId, RESULT_COUNTER_SHARDS);
  return delta.items.map((d) => ({
    key: resultKeys.item(instanceId, campaignId, d.scope, d.item === 'C' ? `C#${shard}` : d.item),
    add: { ...d.add },
    ...(d.bounded ? { bounded: { cap: d.bounded.cap, overflow: { ...d.bounded.overflow } } } : {}),
  }));
}

const MAX_BOUNDED_ATTEMPTS = 12;

/**
 * Applies one aggregate write. Plain writes are one `ADD`. A bounded write first tries to add to names
 * that already exist; otherwise it reads the item, admits new names while the item has fewer than
 * `cap`, sends the rest to their overflow names (and removals of names never admitted to theirs), and
 * writes conditionally on what it read, retrying when another writer got there first. Not idempotent
 * by itself: the caller applies each call's writes once.
 */
export async function applyAggregateWrite(store: Store, write: AggregateWrite, options: { marker?: string; marking?: (key: ItemKey, id: string) => MarkedWrite } = {}): Promise<void> {
  const names = Object.keys(write.add);
  if (names.length === 0) return;
  // With a marker, the write is applied exactly once: the marker joins the outbox's marker sets in the same
  // conditional write (see lib/outbox/outbox.ts), and a retry finds it there. With the outbox's `marking`, the
  // write also removes markers of earlier calls the outbox may release (instead of a write of their own).
  const marker = options.marker;
  const marking = (): MarkedWrite | undefined =>
    marker ? (options.marking?.(write.key, marker) ?? { changes: { addToSet: { [MARKERS]: [marker] } }, condition: unmarked(marker), settle: () => undefined }) : undefined;
  const already = async () => {
    if (!marker) return false;
    return hasMarker(await store.get(write.key), marker);
  };
  if (!write.bounded) {
    const m = marking();
    const r = await store.update(write.key, { add: write.add, set: { type: 'results' }, ...m?.changes }, m?.condition);
    const present = !r.ok && (await already());
    m?.settle(r.ok ? 'written' : present ? 'present' : 'failed');
    if (!r.ok && !present) throw new ResultsError('AggregateWrite', `aggregate ${write.key.sk} not written`, 503, { key: write.key });
    // Markers a drainer past its deadline kept (see Outbox.drain) are collected here once stale.
    const stale = r.ok && marker ? staleMarkerChanges(r.item, effectTime(marker) ?? 0) : undefined;
    if (stale) await store.update(write.key, { deleteFromSet: stale }, { exists: 'pk' });
    return;
  }
  const { cap, overflow } = write.bounded;
  const first = marking();
  const fast = await store.update(write.key, { add: write.add, ...first?.changes }, { and: [...names.map((n): Condition => ({ exists: n })), ...(first ? [first.condition] : [])] });
  if (fast.ok) return first?.settle('written');
  if (await already()) return first?.settle('present');
  first?.settle('failed');
  for (let attempt = 0; attempt < MAX_BOUNDED_ATTEMPTS; attempt++) {
    const item = await store.get(write.key);
    if (marker && hasMarker(item, marker)) return marking()?.settle('present');
    const distinct = Number(item?.distinct ?? 0);
    const add: Record<string, number> = {};
    const conditions: Condition[] = [item?.distinct === undefined ? { notExists: 'distinct' } : { eq: ['distinct', distinct] }];
    let admitted = 0;
    for (const name of names) {
      const n = write.add[name]!;
      const present = item !== undefined && item[name] !== undefined;
      if (present) {
        add[name] = (add[name] ?? 0) + n;
        conditions.push({ exists: name });
      } else if (n > 0 && distinct + admitted < cap) {
        add[name] = (add[name] ?? 0) + n;
        admitted += 1;
        conditions.push({ notExists: name });
      } else {
        const other = overflow[name] ?? '~other';
        add[other] = (add[other] ?? 0) + n;
      }
    }
    if (admitted) add.distinct = admitted;
    const m = marking();
    const written = await store.update(write.key, { add, set: { type: 'results' }, ...m?.changes }, { and: [...conditions, ...(m ? [m.condition] : [])] });
    m?.settle(written.ok ? 'written' : 'failed');
    if (written.ok) return;
  }
  throw new ResultsError('AggregateContention', `bounded aggregate ${write.key.sk} kept changing; try again`, 503, { key: write.key });
}

/** Applies all writes of one contribution, in order. */
export async function applyAggregateWrites(store: Store, writes: readonly AggregateWrite[]): Promise<void> {
  for (const w of writes) await applyAggregateWrite(store, w);
}
