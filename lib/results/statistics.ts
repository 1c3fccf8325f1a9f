/**
 * Campaign statistics in seed 001's shape (SPEC R2) — `data.answer_rate`, `data.intention`,
 * `data.number_status`, `data.rounds`, spelling kept (`callCompletetRate`) so a client written
 * against that API works unchanged — with a camel-cased twin (`statistics`) beside it that also
 * carries seed 000's measures (R4). Rates are percentages (0–100, two decimals) as in seed 001.
 */
import * as z from 'zod';
import type { Store } from '../ports/store';
import { INTENTION_GRADES, type IntentionGrade } from '../scenarios/reporting';
import { NUMBER_STATUSES, ROUNDS_BUCKETS } from './classify';
import { viewOf } from './aggregate';
import { loadResultsSource, type DayRange, type ResultsSource } from './source';

/** Seed 001's grade names, and ours in English. */
export const GRADE_NAMES: Record<IntentionGrade, { zh: string; en: string }> = {
  A: { zh: 'A级(有明确意向)', en: 'A (clear intent)' },
  B: { zh: 'B级(可能有意向)', en: 'B (possible intent)' },
  C: { zh: 'C级(明确拒绝)', en: 'C (clearly refused)' },
  D: { zh: 'D级(用户在忙)', en: 'D (busy)' },
  E: { zh: 'E级(其他)', en: 'E (other)' },
};

/** A percentage with two decimals; 0 when the denominator is 0. */
export const percent = (part: number, whole: number): number => (whole > 0 ? Math.round((10_000 * part) / whole) / 100 : 0);

const Rounds = z.object({ '1': z.number(), '2~5': z.number(), '6~10': z.number(), '11~20': z.number(), '>20': z.number() });

/** Seed 000 measures (R4). */
export const Measures = z.object({
  /** Contacts imported, duplicates removed (valid numbers, deduplicated). */
  validNumbers: z.number(),
  /** Finished calls, retries included. */
  callsPlaced: z.number(),
  /** Numbers dialled at least once. */
  numbersDialled: z.number(),
  /** Numbers a person answered. */
  numbersAnswered: z.number(),
  /** numbersAnswered / validNumbers, percent (seed 000 "电话接通率"). */
  answerRate: z.number(),
  /** Numbers with a call that met the scenario's success definition. */
  numbersSucceeded: z.number(),
  /** numbersSucceeded / validNumbers, percent (seed 000 "通知成功率", "排查成功率"). */
  successRate: z.number(),
  /** What success means for this scenario. */
  successDefinition: z.string(),
});
/** Seed 000 measures. */
export type Measures = z.infer<typeof Measures>;

/** Response of `GET /campaigns/{id}/statistics`. */
export const StatisticsResponse = z.object({
  code: z.literal(200),
  status: z.literal('success'),
  message: z.string(),
  data: z.object({
    answer_rate: z.object({ answered: z.number(), noAnswer: z.number(), callCompletetRate: z.number(), taskProgress: z.number() }),
    intention: z.array(z.object({ intention_results: z.number(), name: z.string(), total: z.number(), percent: z.number() })),
    number_status: z.array(z.object({ status: z.number(), status_str: z.string(), count: z.number() })),
    rounds: Rounds,
  }),
  statistics: z.object({
    campaignId: z.string(),
    /** The day range read (instance zone), or null for the whole campaign. */
    range: z.object({ from: z.string(), to: z.string() }).nullable(),
    answerRate: z.object({ answered: z.number(), noAnswer: z.number(), callCompleteRate: z.number(), taskProgress: z.number() }),
    intentions: z.array(z.object({ grade: z.string(), code: z.number(), name: z.string(), total: z.number(), percent: z.number() })),
    numberStatus: z.array(z.object({ status: z.number(), statusText: z.string(), count: z.number() })),
    rounds: Rounds,
    measures: Measures,
  }),
});
/** Statistics response. */
export type StatisticsResponse = z.infer<typeof StatisticsResponse>;

/** Seed 000 measures from a results source. */
export function measuresOf(source: ResultsSource): Measures {
  const c = source.aggregates.c;
  const valid = source.progress.total;
  const answered = c.jobsAnswered ?? 0;
  const succeeded = c.jobsSucceeded ?? 0;
  return {
    validNumbers: valid,
    callsPlaced: c.calls ?? 0,
    numbersDialled: c.jobsDialled ?? 0,
    numbersAnswered: answered,
    answerRate: percent(answered, valid),
    numbersSucceeded: succeeded,
    successRate: percent(succeeded, valid),
    successDefinition: viewOf(source.definition).rules.successLabel,
  };
}

/**
 * The statistics of a source (pure). Numbers (jobs) are counted by their latest call; `number_status`
 * 0 holds the campaign's numbers without a call verdict yet (never dialled, or only cancelled calls),
 * so the statuses of the whole campaign add up to its valid numbers.
 */
export function statisticsOf(source: ResultsSource): StatisticsResponse {
  const c = source.aggregates.c;
  const view = viewOf(source.definition);
  const answered = c.jobsAnswered ?? 0;
  const noAnswer = Math.max(0, (c.jobsDialled ?? 0) - answered);
  const progress = source.progress;
  const taskProgress = percent(progress.completed, progress.total);
  const callCompleteRate = percent(answered, answered + noAnswer);
  const gradeTotal = INTENTION_GRADES.reduce((n, g) => n + (c[`g:${g}`] ?? 0), 0);
  const intentions = INTENTION_GRADES.map((grade, i) => {
    const total = c[`g:${grade}`] ?? 0;
    const custom = view.rules.gradeNames[grade];
    return { grade, code: i + 1, zh: custom ?? GRADE_NAMES[grade].zh, en: custom ?? GRADE_NAMES[grade].en, total, percent: percent(total, gradeTotal) };
  });
  const withVerdict = NUMBER_STATUSES.reduce((n, s) => n + (s.status === 0 ? 0 : (c[`ns:${s.status}`] ?? 0)), 0);
  const statuses = NUMBER_STATUSES.map((s) => ({
    status: s.status,
    zh: s.zh,
    en: s.en,
    count: s.status === 0 ? (source.range ? progress.notStarted : Math.max(0, progress.total - withVerdict)) : (c[`ns:${s.status}`] ?? 0),
  }));
  const rounds = Object.fromEntries(ROUNDS_BUCKETS.map((b) => [b, c[`r:${b}`] ?? 0])) as z.infer<typeof Rounds>;
  return {
    code: 200,
    status: 'success',
    message: '获取外呼任务数据统计成功',
    data: {
      answer_rate: { answered, noAnswer, callCompletetRate: callCompleteRate, taskProgress },
      intention: intentions.map((g) => ({ intention_results: g.code, name: g.zh, total: g.total, percent: g.percent })),
      number_status: statuses.map((s) => ({ status: s.status, status_str: s.zh, count: s.count })),
      rounds,
    },
    statistics: {
      campaignId: source.campaign.campaignId,
      range: source.range ?? null,
      answerRate: { answered, noAnswer, callCompleteRate, taskProgress },
      intentions: intentions.map((g) => ({ grade: g.grade, code: g.code, name: view.language === 'zh' ? g.zh : g.en, total: g.total, percent: g.percent })),
      numberStatus: statuses.map((s) => ({ status: s.status, statusText: s.en, count: s.count })),
      rounds: { ...rounds },
      measures: measuresOf(source),
    },
  };
}

/** Reads a campaign's statistics, for the whole campaign or a day range (counters only: a few small items). */
export async function readStatistics(store: Store, instanceId: string, campaignId: string, range?: DayRange): Promise<StatisticsResponse> {
  return statisticsOf(await loadResultsSource(store, instanceId, campaignId, range, 'counters'));
}
