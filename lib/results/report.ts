/**
 * The campaign report of seed 002 (SPEC R3): execution statistics, top-30 intents, hang-up nodes and
 * intents after a no-match, the funnel, tag and variable distributions, per-node flow statistics and
 * the timeline behind "answer rate over time". Built from the aggregates alone; docs/results.md
 * defines every figure.
 */
import * as z from 'zod';
import type { Store } from '../ports/store';
import { INTENTION_GRADES } from '../scenarios/reporting';
import { NODE_STATS, ROUNDS_BUCKETS } from './classify';
import { viewOf } from './aggregate';
import type { Histogram } from './read';
import { loadResultsSource, type DayRange, type ResultsSource } from './source';
import { GRADE_NAMES, Measures, measuresOf, percent } from './statistics';

/** Entries of each top list. */
export const TOP_N = 30;
/** Values listed per tag group or variable (the rest are summed into `other`). */
export const VALUES_PER_GROUP = 50;

const Rate = (numerator: string, denominator: string) => z.object({ [numerator]: z.number(), [denominator]: z.number(), rate: z.number() });
const Ranked = z.object({ name: z.string(), label: z.string(), count: z.number(), percent: z.number() });
const ValueCount = z.object({ value: z.string(), count: z.number(), percent: z.number() });
const Distribution = z.object({ name: z.string(), values: z.array(ValueCount), other: z.number(), total: z.number() });

/** The funnel (R3): every stage as a count of calls. */
export const Funnel = z.object({
  /** Calls placed (finished), retries included (外呼量). */
  dialled: z.number(),
  /** A person answered (接通量). */
  answered: z.number(),
  /** Not answered by a person: no answer, busy, invalid numbers, machines, line failures (未接通量). */
  notAnswered: z.number(),
  /** Answered, not completed, and the person never said or pressed anything (无响应挂断量). */
  silentHangup: z.number(),
  /** Answered and the person said or pressed something, completed or not (有效交互量). */
  effectiveInteraction: z.number(),
  /** The dialog reached a completion node, with or without a reaction (主流程完成量). */
  mainFlowCompleted: z.number(),
  /** userHangup + noMatchHangup + timeoutHangup (主流程挂断量). */
  mainFlowHangup: z.number(),
  /** The person hung up before completion, not right after a no-match (用户主动挂断量). */
  userHangup: z.number(),
  /** The call ended after a no-match, by the robot's policy or the person (拒识挂断量). */
  noMatchHangup: z.number(),
  /** The robot hung up after the person stayed silent (超时挂断量). */
  timeoutHangup: z.number(),
  /** Other ends of an effective interaction (a goodbye node without completion, a transfer, a fault). */
  otherEnd: z.number(),
});
/** The funnel. */
export type Funnel = z.infer<typeof Funnel>;

/** Response of `GET /campaigns/{id}/report`. */
export const ReportResponse = z.object({
  campaignId: z.string(),
  campaignName: z.string(),
  state: z.string(),
  scenario: z.object({ scenarioId: z.string(), version: z.number(), name: z.string().optional() }),
  range: z.object({ from: z.string(), to: z.string() }).nullable(),
  execution: z.object({
    jobCompletion: Rate('completed', 'total'),
    answerRate: Rate('answered', 'placed'),
    dialogCompletion: Rate('completed', 'answered'),
    transferRate: Rate('transferred', 'answered'),
  }),
  measures: Measures,
  progress: z.record(z.string(), z.number()),
  topIntents: z.array(Ranked.extend({ noMatch: z.boolean().optional() })),
  topHangupNodes: z.array(Ranked),
  topIntentsAfterNoMatch: z.array(Ranked),
  funnel: Funnel,
  intentions: z.array(z.object({ grade: z.string(), name: z.string(), total: z.number(), percent: z.number() })),
  rounds: z.record(z.string(), z.number()),
  tags: z.array(Distribution),
  variables: z.array(Distribution.extend({ source: z.enum(['contact', 'captured']) })),
  flow: z.array(
    z.object({
      nodeId: z.string(),
      name: z.string(),
      kind: z.string(),
      reached: z.number(),
      turns: z.number(),
      matched: z.number(),
      noMatch: z.number(),
      silence: z.number(),
      globalQuestion: z.number(),
      hangup: z.number(),
      userHangup: z.number(),
    }),
  ),
  averages: z.object({ talkSeconds: z.number(), ringSeconds: z.number(), turns: z.number() }),
  timeline: z.array(z.object({ at: z.string(), calls: z.number(), answered: z.number(), completed: z.number(), succeeded: z.number(), answerRate: z.number() })),
});
/** Report response. */
export type ReportResponse = z.infer<typeof ReportResponse>;

const round2 = (x: number) => Math.round(x * 100) / 100;

function ranked(h: Histogram, topN: number, label: (name: string) => string, extra: { name: string; label: string; count: number; noMatch?: boolean }[] = []) {
  const all = [...h.counts.entries()].filter(([, n]) => n > 0).map(([name, count]) => ({ name, label: label(name), count }));
  if (h.other > 0) all.push({ name: '~other', label: 'other', count: h.other });
  all.push(...extra.filter((e) => e.count > 0));
  const total = all.reduce((n, e) => n + e.count, 0);
  return all
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name))
    .slice(0, topN)
    .map((e) => ({ ...e, percent: percent(e.count, total) }));
}

function distribution(name: string, h: Histogram, declared: readonly string[] = []) {
  const counts = new Map(h.counts);
  for (const v of declared) if (!counts.has(v)) counts.set(v, 0);
  const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const shown = sorted.slice(0, Math.max(VALUES_PER_GROUP, declared.length));
  const other = h.other + sorted.slice(shown.length).reduce((n, [, c]) => n + c, 0);
  const total = sorted.reduce((n, [, c]) => n + c, 0) + h.other;
  return { name, values: shown.map(([value, count]) => ({ value, count, percent: percent(count, total) })), other, total };
}

/** The report of a source (pure); top lists keep `topN` entries (30 as in seed 002). */
export function reportOf(source: ResultsSource, topN = TOP_N): ReportResponse {
  const { aggregates: a, progress, campaign, definition } = source;
  const c = (k: string) => a.c[k] ?? 0;
  const view = viewOf(definition);
  const nodeLabel = (id: string) => (id === '~' ? 'other nodes' : view.nodeNames.get(id) ?? (id === '' ? '(unknown)' : id));
  const calls = c('calls');
  const answered = c('callsAnswered');
  const funnel: Funnel = {
    dialled: calls,
    answered,
    notAnswered: calls - answered,
    silentHangup: c('silentHangup'),
    effectiveInteraction: c('interacted'),
    mainFlowCompleted: c('completed'),
    mainFlowHangup: c('userHangup') + c('noMatchHangup') + c('timeoutHangup'),
    userHangup: c('userHangup'),
    noMatchHangup: c('noMatchHangup'),
    timeoutHangup: c('timeoutHangup'),
    otherEnd: c('otherEnd'),
  };
  const gradeTotal = INTENTION_GRADES.reduce((n, g) => n + c(`g:${g}`), 0);
  const nodes = definition?.nodes ?? [];
  const flow = [
    ...nodes.map((n) => ({ nodeId: n.id, name: n.name ?? n.id, kind: n.kind })),
    ...(a.flow.has('~') ? [{ nodeId: '~', name: 'other nodes', kind: 'other' }] : []),
  ].map((n) => {
    const f = a.flow.get(n.nodeId);
    return { ...n, ...(Object.fromEntries(NODE_STATS.map((s) => [s, f?.[s] ?? 0])) as Record<(typeof NODE_STATS)[number], number>) };
  });
  const tagGroups = definition?.tagGroups ?? [];
  const declaredGroups = new Map(tagGroups.map((g) => [g.name, g.values]));
  const tags: ReturnType<typeof distribution>[] = [];
  const captured: (ReturnType<typeof distribution> & { source: 'contact' | 'captured' })[] = [];
  for (const g of tagGroups) {
    const h = a.tags.get(g.name) ?? { counts: new Map(), other: 0 };
    if (g.values.length) tags.push(distribution(g.name, h, g.values));
    else captured.push({ ...distribution(g.name, h), source: 'captured' });
  }
  for (const [group, h] of a.tags) {
    if (!declaredGroups.has(group)) tags.push(distribution(group, h));
  }
  const variables = [
    ...view.rules.variables.map((name) => ({ ...distribution(name, a.variables.get(name) ?? { counts: new Map(), other: 0 }), source: 'contact' as const })),
    ...captured,
  ];
  return {
    campaignId: campaign.campaignId,
    campaignName: campaign.name,
    state: campaign.state,
    scenario: { scenarioId: campaign.scenarioId, version: campaign.scenarioVersion, ...(definition ? { name: definition.name } : {}) },
    range: source.range ?? null,
    execution: {
      jobCompletion: { completed: progress.completed, total: progress.total, rate: percent(progress.completed, progress.total) },
      answerRate: { answered, placed: calls, rate: percent(answered, calls) },
      dialogCompletion: { completed: c('completed'), answered, rate: percent(c('completed'), answered) },
      transferRate: { transferred: c('transferred'), answered, rate: percent(c('transferred'), answered) },
    },
    measures: measuresOf(source),
    progress: { ...progress },
    topIntents: ranked(a.intents, topN, (n) => n, [{ name: '~noMatch', label: 'no match', count: c('noMatchTurns'), noMatch: true }]),
    topHangupNodes: ranked(a.hangupNodes, topN, nodeLabel),
    topIntentsAfterNoMatch: ranked(a.afterNoMatch, topN, (n) => n),
    funnel,
    intentions: INTENTION_GRADES.map((g) => ({
      grade: g,
      name: view.rules.gradeNames[g] ?? (view.language === 'zh' ? GRADE_NAMES[g].zh : GRADE_NAMES[g].en),
      total: c(`g:${g}`),
      percent: percent(c(`g:${g}`), gradeTotal),
    })),
    rounds: Object.fromEntries(ROUNDS_BUCKETS.map((b) => [b, c(`r:${b}`)])),
    tags,
    variables,
    flow,
    averages: {
      talkSeconds: answered ? round2(c('answeredTalkTenths') / 10 / answered) : 0,
      ringSeconds: calls ? round2(c('ringTenths') / 10 / calls) : 0,
      turns: answered ? round2(c('answeredTurns') / answered) : 0,
    },
    timeline: a.timeline.map((p) => ({ ...p, answerRate: percent(p.answered, p.calls) })),
  };
}

/** Reads a campaign's report, for the whole campaign or a day range. */
export async function readReport(store: Store, instanceId: string, campaignId: string, range?: DayRange): Promise<ReportResponse> {
  return reportOf(await loadResultsSource(store, instanceId, campaignId, range));
}
