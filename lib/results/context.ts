/**
 * Building the context of a call's contribution at call end (for the call-end writer): the
 * campaign's scenario version (cached, versions are immutable), the instance's time zone, the
 * contact's variables and the job's previous results state as stored on the job item.
 */
import type { Store } from '../ports/store';
import { getInstanceSettings } from '../instances/repository';
import { JobResultState, nextJobState, viewOf, type ResultsContext } from './aggregate';
import { classifyCall } from './classify';
import type { IntentionGrade } from '../scenarios/reporting';
import type { CallRecord, StoredTurn } from '../telephony/call-records';
import { scenarioDefinitionOf } from './source';

/** Attribute of the job item that holds its `JobResultState` (written with the job's finish, in the same conditional write). */
export const JOB_RESULTS_ATTRIBUTE = 'results';

/** The job's stored results state, or undefined (first call, or an item written before results existed). */
export function jobResultStateOf(jobItem: Record<string, unknown> | undefined): JobResultState | undefined {
  const parsed = JobResultState.safeParse(jobItem?.[JOB_RESULTS_ATTRIBUTE]);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The context of a contribution. `timeZone` may be passed when the caller already read the instance
 * settings; otherwise they are read here.
 */
export async function loadResultsContext(
  store: Store,
  input: {
    instanceId: string;
    campaign: { scenarioId: string; scenarioVersion: number };
    job: { contact: { variables: Record<string, string> } } & Record<string, unknown>;
    timeZone?: string;
  },
): Promise<ResultsContext> {
  const [scenario, timeZone] = await Promise.all([
    scenarioDefinitionOf(store, input.instanceId, input.campaign.scenarioId, input.campaign.scenarioVersion),
    input.timeZone ?? getInstanceSettings(store, input.instanceId).then((s) => s.timeZone),
  ]);
  return { scenario, timeZone, job: { variables: input.job.contact.variables, previous: jobResultStateOf(input.job) } };
}

/**
 * The intention grades (R2) a finished call gives: the call's own, and its job's after it (the latest graded
 * call's). Pure given the context; applying the same call twice gives the same job grade, so the events
 * that carry them (CallFinished, JobComplete) agree with the aggregates whatever order the tasks ran in.
 */
export function gradesAfter(call: CallRecord, turns: readonly StoredTurn[], ctx: ResultsContext): { call?: IntentionGrade; job?: IntentionGrade } {
  const facts = classifyCall(call, turns, viewOf(ctx.scenario), ctx.timeZone);
  const job = nextJobState(ctx.job.previous, facts).grade;
  return { ...(facts.grade ? { call: facts.grade } : {}), ...(job ? { job } : {}) };
}
