/**
 * Reporting rules of a scenario (SPEC R2, R4): what counts as a success for this scenario (heard to
 * the end, all answers collected, a completion node, a tag value...) and how an answered call is
 * graded A–E (seed 001's `intention`). Rules are data on the scenario definition (`reporting`), so
 * each published version freezes the rules its calls are measured by. Evaluation lives in
 * lib/results/classify.ts; docs/results.md documents the format.
 */
import * as z from 'zod';
import type { FieldIssue } from '../core/errors';

const Name = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'use letters, digits, _ . : -');

const base = {
  /** Negates the condition. */
  not: z.boolean().optional(),
};

/**
 * One fact about a call. Conditions of a rule must all hold (`and`); `not` negates one.
 * - `completed`: the dialog reached a node that completes it (S8).
 * - `heardToEnd`: completed and the robot, not the person, ended the call (the closing prompt played out).
 * - `answered`: a person answered (not a machine or an announcement).
 * - `interacted`: the person said or pressed something at least once.
 * - `transferred`: the call was transferred.
 * - `tag`: the tag group was set (to one of `values` when given).
 * - `tagsSet`: every listed tag group was set ("all answers collected").
 * - `node`: the call reached one of the nodes.
 * - `intent`: one of the intents (or global question ids) was recognised during the call.
 * - `hangupBy`: who ended the call.
 * - `noMatchHangup`: the call ended after a no-match.
 * - `minTurns`: at least `n` transcript turns.
 */
export const ReportingCondition = z.discriminatedUnion('kind', [
  z.object({ ...base, kind: z.literal('completed') }),
  z.object({ ...base, kind: z.literal('heardToEnd') }),
  z.object({ ...base, kind: z.literal('answered') }),
  z.object({ ...base, kind: z.literal('interacted') }),
  z.object({ ...base, kind: z.literal('transferred') }),
  z.object({ ...base, kind: z.literal('tag'), group: Name, values: z.array(z.string().min(1).max(100)).max(100).optional() }),
  z.object({ ...base, kind: z.literal('tagsSet'), groups: z.array(Name).min(1).max(50) }),
  z.object({ ...base, kind: z.literal('node'), nodes: z.array(Name).min(1).max(100) }),
  z.object({ ...base, kind: z.literal('intent'), intents: z.array(Name).min(1).max(100) }),
  z.object({ ...base, kind: z.literal('hangupBy'), party: z.enum(['robot', 'person', 'system']) }),
  z.object({ ...base, kind: z.literal('noMatchHangup') }),
  z.object({ ...base, kind: z.literal('minTurns'), n: z.number().int().min(1).max(500) }),
]);
/** One condition of a reporting rule. */
export type ReportingCondition = z.infer<typeof ReportingCondition>;

/** Intention grades of seed 001: A clear intent, B possible intent, C clearly refused, D busy, E other. */
export const IntentionGrade = z.enum(['A', 'B', 'C', 'D', 'E']);
/** An intention grade. */
export type IntentionGrade = z.infer<typeof IntentionGrade>;

/** All grades, in seed 001's order (`intention_results` 1–5). */
export const INTENTION_GRADES: readonly IntentionGrade[] = ['A', 'B', 'C', 'D', 'E'];

/** A grading rule: the first rule whose conditions all hold gives the answered call its grade. */
export const IntentionRule = z.object({
  grade: IntentionGrade,
  when: z.array(ReportingCondition).min(1).max(20),
});
/** A grading rule. */
export type IntentionRule = z.infer<typeof IntentionRule>;

/** The `reporting` section of a scenario definition. */
export const ReportingRules = z.object({
  /** What a success is for this scenario (R4): all conditions hold. Default: the dialog completed. */
  success: z.array(ReportingCondition).min(1).max(20).optional(),
  /** Short description of the success definition shown in reports, e.g. "heard to the end". */
  successLabel: z.string().min(1).max(100).optional(),
  /** Grading rules for answered calls, first match wins; answered calls no rule matches get `defaultGrade`. */
  intention: z.array(IntentionRule).max(50).optional(),
  /** Grade of answered calls no rule matches (default E). */
  defaultGrade: IntentionGrade.optional(),
  /** Display names of the grades, overriding seed 001's. */
  gradeNames: z.partialRecord(IntentionGrade, z.string().min(1).max(50)).optional(),
  /** Contact variables whose value distribution over dialled contacts the report shows (R3 "variable distribution"). */
  variables: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).max(20).optional(),
});
/** The reporting rules of a scenario as written. */
export type ReportingRules = z.infer<typeof ReportingRules>;

/** Intents that read as a clear refusal in the default grading. */
export const DEFAULT_REFUSAL_INTENTS: readonly string[] = ['not_interested', 'stop_calling', 'complaint'];
/** Intents that read as "busy, call later" in the default grading. */
export const DEFAULT_BUSY_INTENTS: readonly string[] = ['busy'];

/** Rules with every default applied. */
export interface ResolvedReporting {
  success: ReportingCondition[];
  successLabel: string;
  intention: IntentionRule[];
  defaultGrade: IntentionGrade;
  gradeNames: Partial<Record<IntentionGrade, string>>;
  variables: string[];
}

/**
 * The rules a scenario is measured by, defaults applied: success = the dialog completed; grades
 * A = success, C = a refusal intent, D = a busy intent, B = the person interacted, E = anything else.
 */
export function resolveReporting(rules: ReportingRules | undefined): ResolvedReporting {
  const success = rules?.success ?? [{ kind: 'completed' as const }];
  return {
    success,
    successLabel: rules?.successLabel ?? (rules?.success ? 'scenario success rule' : 'dialog completed'),
    intention: rules?.intention ?? [
      { grade: 'A', when: success },
      { grade: 'C', when: [{ kind: 'intent', intents: [...DEFAULT_REFUSAL_INTENTS] }] },
      { grade: 'D', when: [{ kind: 'intent', intents: [...DEFAULT_BUSY_INTENTS] }] },
      { grade: 'B', when: [{ kind: 'interacted' }] },
    ],
    defaultGrade: rules?.defaultGrade ?? 'E',
    gradeNames: rules?.gradeNames ?? {},
    variables: rules?.variables ?? [],
  };
}

/** What a reporting rule may refer to: the scenario's tag groups, nodes and intents. */
export interface ReportingVocabulary {
  tagGroups: ReadonlySet<string>;
  nodes: ReadonlySet<string>;
  intents: ReadonlySet<string>;
}

/**
 * Problems with the reporting rules of a definition (unknown tag groups, nodes or intents), as field
 * issues for validation on publish. Intents are checked only against the given set (scenario,
 * built-in and global question names).
 */
export function reportingIssues(rules: ReportingRules | undefined, vocabulary: ReportingVocabulary): FieldIssue[] {
  if (!rules) return [];
  const issues: FieldIssue[] = [];
  const check = (conditions: readonly ReportingCondition[], path: string) =>
    conditions.forEach((c, i) => {
      const at = `${path}.${i}`;
      if (c.kind === 'tag' && !vocabulary.tagGroups.has(c.group)) issues.push({ path: `${at}.group`, message: `unknown tag group ${c.group}` });
      if (c.kind === 'tagsSet') for (const g of c.groups) if (!vocabulary.tagGroups.has(g)) issues.push({ path: `${at}.groups`, message: `unknown tag group ${g}` });
      if (c.kind === 'node') for (const n of c.nodes) if (!vocabulary.nodes.has(n)) issues.push({ path: `${at}.nodes`, message: `unknown node ${n}` });
      if (c.kind === 'intent') for (const n of c.intents) if (!vocabulary.intents.has(n)) issues.push({ path: `${at}.intents`, message: `unknown intent ${n}` });
    });
  if (rules.success) check(rules.success, 'reporting.success');
  rules.intention?.forEach((r, i) => check(r.when, `reporting.intention.${i}.when`));
  return issues;
}
