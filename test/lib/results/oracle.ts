/**
 * A from-scratch recomputation of the results aggregates from call records (the test oracle): no
 * increments, no job transitions, no items — each figure straight from its definition in
 * docs/results.md, using only the per-call classification.
 */
import { classifyCall, NODE_STATS, type CallFacts } from '../../../lib/results/classify';
import { viewOf } from '../../../lib/results/aggregate';
import type { Aggregates } from '../../../lib/results/read';
import type { ScenarioDefinition } from '../../../lib/scenarios/schema';
import type { CallRecord, StoredTurn } from '../../../lib/telephony/call-records';

/** A job with its calls in order. */
export interface OracleJob {
  jobId: string;
  variables: Record<string, string>;
  calls: { record: CallRecord; turns: StoredTurn[] }[];
}

/** Aggregates as plain, comparable data (zeros dropped, maps as sorted objects). */
export interface Comparable {
  c: Record<string, number>;
  intents: { counts: Record<string, number>; other: number };
  afterNoMatch: { counts: Record<string, number>; other: number };
  hangupNodes: { counts: Record<string, number>; other: number };
  flow: Record<string, Record<string, number>>;
  tags: Record<string, { counts: Record<string, number>; other: number }>;
  variables: Record<string, { counts: Record<string, number>; other: number }>;
  timeline: { at: string; calls: number; answered: number; completed: number; succeeded: number }[];
}

const sorted = (m: Map<string, number> | Record<string, number>) =>
  Object.fromEntries(
    [...(m instanceof Map ? m.entries() : Object.entries(m))].filter(([, v]) => v !== 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );

/** Normalises read aggregates for comparison. */
export function comparable(a: Aggregates): Comparable {
  const h = (x: { counts: Map<string, number>; other: number }) => ({ counts: sorted(x.counts), other: x.other });
  const groups = (m: Map<string, { counts: Map<string, number>; other: number }>) =>
    Object.fromEntries(
      [...m.entries()]
        .map(([k, v]) => [k, h(v)] as const)
        .filter(([, v]) => Object.keys(v.counts).length || v.other)
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    );
  return {
    c: sorted(a.c),
    intents: h(a.intents),
    afterNoMatch: h(a.afterNoMatch),
    hangupNodes: h(a.hangupNodes),
    flow: Object.fromEntries(
      [...a.flow.entries()]
        .map(([k, v]) => [k, sorted(v)] as const)
        .filter(([, v]) => Object.keys(v).length)
        .sort(([x], [y]) => (x < y ? -1 : 1)),
    ),
    tags: groups(a.tags),
    variables: groups(a.variables),
    timeline: a.timeline.filter((p) => p.calls || p.answered || p.completed || p.succeeded).map((p) => ({ ...p })),
  };
}

const tenths = (s: number) => Math.round(s * 10);

/**
 * Recomputes the aggregates of the given jobs: the campaign totals, or a day range where per-call
 * figures count calls dialled in it and per-job figures count jobs whose latest call was.
 */
export function recompute(jobs: OracleJob[], definition: ScenarioDefinition | undefined, timeZone: string, range?: { from: string; to: string }): Comparable {
  const view = viewOf(definition);
  const inRange = (day: string) => !range || (day >= range.from && day <= range.to);
  const c = new Map<string, number>();
  const add = (k: string, n = 1) => c.set(k, (c.get(k) ?? 0) + n);
  const intents = new Map<string, number>();
  const after = new Map<string, number>();
  const nodes = new Map<string, number>();
  const flow = new Map<string, Map<string, number>>();
  const tags = new Map<string, Map<string, number>>();
  const variables = new Map<string, Map<string, number>>();
  const timeline = new Map<string, { at: string; calls: number; answered: number; completed: number; succeeded: number }>();
  const bump = (m: Map<string, number>, k: string, n = 1) => m.set(k, (m.get(k) ?? 0) + n);
  const sub = (m: Map<string, Map<string, number>>, k: string) => {
    let x = m.get(k);
    if (!x) m.set(k, (x = new Map()));
    return x;
  };
  for (const job of jobs) {
    const facts: CallFacts[] = job.calls.map((x) => classifyCall(x.record, x.turns, view, timeZone));
    for (const f of facts) {
      if (!inRange(f.day)) continue;
      add('calls');
      if (f.answered) add('callsAnswered');
      if (f.interacted) add('interacted');
      if (f.completed) add('completed');
      if (f.transferred) add('transferred');
      if (f.success) add('callsSucceeded');
      add('talkTenths', tenths(f.talkSeconds));
      if (f.answered) add('answeredTalkTenths', tenths(f.talkSeconds));
      add('ringTenths', tenths(f.ringSeconds));
      if (f.answered) add('answeredTurns', f.turns);
      add('intentHits', f.intents.length);
      add('noMatchTurns', f.noMatchTurns);
      if (f.stage && f.stage !== 'completed') add(f.stage);
      if (f.rounds) add(`r:${f.rounds}`);
      if (f.grade) add(`cg:${f.grade}`);
      for (const i of f.intents) bump(intents, i);
      for (const i of f.afterNoMatch) bump(after, i);
      if (f.userHangupNode !== undefined) bump(nodes, f.userHangupNode);
      for (const [id, n] of f.nodes) {
        const key = view.nodeNames.has(id) ? id : '~';
        const m = sub(flow, key);
        bump(m, 'reached');
        for (const s of NODE_STATS) if (s !== 'reached') bump(m, s, n[s]);
      }
      for (const [g, v] of f.tags) bump(sub(tags, g), v);
      const at = range ? `${f.day}T${String(f.hour).padStart(2, '0')}` : f.day;
      let p = timeline.get(at);
      if (!p) timeline.set(at, (p = { at, calls: 0, answered: 0, completed: 0, succeeded: 0 }));
      p.calls += 1;
      if (f.answered) p.answered += 1;
      if (f.completed) p.completed += 1;
      if (f.success) p.succeeded += 1;
    }
    // The job as its calls left it, counted on its latest call's day.
    const last = facts[facts.length - 1]!;
    if (!inRange(last.day)) continue;
    add('jobsDialled');
    if (facts.some((f) => f.answered)) add('jobsAnswered');
    if (facts.some((f) => f.success)) add('jobsSucceeded');
    const grade = [...facts].reverse().find((f) => f.grade)?.grade;
    if (grade) add(`g:${grade}`);
    const ns = [...facts].reverse().find((f) => f.numberStatus)?.numberStatus;
    if (ns) add(`ns:${ns}`);
    for (const name of view.rules.variables) bump(sub(variables, name), job.variables[name] ?? '');
  }
  const groups = (m: Map<string, Map<string, number>>) =>
    Object.fromEntries(
      [...m.entries()]
        .map(([k, v]) => [k, { counts: sorted(v), other: 0 }] as const)
        .filter(([, v]) => Object.keys(v.counts).length)
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    );
  return {
    c: sorted(c),
    intents: { counts: sorted(intents), other: 0 },
    afterNoMatch: { counts: sorted(after), other: 0 },
    hangupNodes: { counts: sorted(nodes), other: 0 },
    flow: Object.fromEntries(
      [...flow.entries()]
        .map(([k, v]) => [k, sorted(v)] as const)
        .filter(([, v]) => Object.keys(v).length)
        .sort(([x], [y]) => (x < y ? -1 : 1)),
    ),
    tags: groups(tags),
    variables: groups(variables),
    timeline: [...timeline.values()].sort((x, y) => x.at.localeCompare(y.at)),
  };
}
