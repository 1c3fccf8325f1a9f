import * as z from 'zod';
import { findCampaign, getJob } from '../campaigns/repository';
import type { Campaign, Job } from '../campaigns/schema';
import type { Deps } from '../core/deps';
import { getInstanceSettings } from '../instances/repository';
import { getScenarioVersion } from '../scenarios/repository';
import { expectOnly } from '../core/errors';

/**
 * The call plan: what a call needs from its campaign, job, scenario and instance, loaded once by the
 * dialer and carried in the call's arguments (so answering a call needs no store read), or loaded by the
 * SMA handler when it did not fit. One zod schema: it crosses processes.
 */

/** Ids every call carries in its arguments and transaction attributes (T1). */
export const CallIds = z.object({
  instanceId: z.string().min(1),
  campaignId: z.string().min(1),
  jobId: z.string().min(1),
  attempt: z.number().int().positive(),
  callId: z.string().min(1),
  leaseSlot: z.number().int().nonnegative().optional(),
});
/** Ids of a call. */
export type CallIds = z.infer<typeof CallIds>;

/** Voice of a call (S11): Polly voice, engine, and prosody for speed and volume. */
export const CallVoice = z.object({
  language: z.enum(['en', 'zh']),
  voiceId: z.string().optional(),
  engine: z.enum(['neural', 'standard']).optional(),
  /** Speaking rate in percent of normal (100 = normal). */
  speed: z.number().optional(),
  /** Volume change in dB. */
  volumeDb: z.number().optional(),
});

/** What a call needs; loaded once per call. */
export const CallPlan = z.object({
  scenarioId: z.string(),
  scenarioVersion: z.number().int().positive(),
  voice: CallVoice,
  /** Record both tracks (T5). */
  recording: z.boolean(),
  /** Delay before the first prompt after answer, ms (S11: the scenario's, else the instance's). */
  delayMs: z.number().int().min(0),
  /** Variables prompts use (contact name, honorific, custom fields). */
  variables: z.record(z.string(), z.string()),
  caller: z.string().optional(),
  callee: z.string().optional(),
  referenceId: z.string().optional(),
  plannedAt: z.string().optional(),
  transferTimeoutSeconds: z.number().int().positive().optional(),
  /** IANA zone of the callee's local time, for dates the person says ("on Friday"). */
  timeZone: z.string().optional(),
  /**
   * Listen briefly for the callee's first words before the first prompt, so answering machines and
   * carrier announcements are recognised even when the scenario starts by talking (P9). Default true.
   */
  listenForGreeting: z.boolean().optional(),
});
/** A call plan. */
export type CallPlan = z.infer<typeof CallPlan>;

/**
 * The plan as arguments of the call (`p0`, `p1`, `p2`: the guide allows 1,024 characters per value and 10
 * transaction attributes, 6 of which are the ids), or nothing when the plan is too large to travel with
 * it (the SMA handler then loads it).
 */
export function encodePlanArgument(plan: CallPlan): Record<string, string> {
  const json = JSON.stringify(plan);
  const out: Record<string, string> = {};
  const n = Math.ceil(json.length / 1000);
  if (n > 3) return out;
  for (let i = 0; i < n; i++) out[`p${i}`] = json.slice(i * 1000, (i + 1) * 1000);
  return out;
}

/** Reads the `plan` argument back; undefined when absent or not a valid plan. */
export function decodePlanArgument(value: string | undefined): CallPlan | undefined {
  if (!value) return undefined;
  try {
    const parsed = CallPlan.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  } catch (error) {
    expectOnly(error, SyntaxError);
    // A truncated or foreign value: the handler loads the plan instead.
    return undefined;
  }
}

/** Loads campaign, job, scenario voice and instance settings into the plan of one call. */
export async function loadCallPlan(deps: Pick<Deps, 'store'>, ids: CallIds, loaded: { campaign?: Campaign; job?: Job } = {}): Promise<CallPlan | undefined> {
  const [campaign, job, settings] = await Promise.all([
    loaded.campaign ?? findCampaign(deps.store, ids.instanceId, ids.campaignId),
    loaded.job ?? getJob(deps.store, ids.instanceId, ids.campaignId, ids.jobId),
    getInstanceSettings(deps.store, ids.instanceId),
  ]);
  if (!campaign || !job) return undefined;
  const version = await getScenarioVersion(deps.store, ids.instanceId, campaign.scenarioId, campaign.scenarioVersion);
  const voice = version?.definition.voice;
  const c = job.contact;
  const variables: Record<string, string> = { ...c.variables, phone: c.phone };
  if (c.name) variables.name = c.name;
  if (c.honorific) variables.honorific = c.honorific;
  if (c.referenceId) variables.referenceId = c.referenceId;
  const recording = (campaign as { recording?: boolean }).recording;
  return {
    scenarioId: campaign.scenarioId,
    scenarioVersion: campaign.scenarioVersion,
    voice: {
      language: voice?.language ?? 'en',
      ...(voice?.voice ? { voiceId: voice.voice } : {}),
      ...(voice ? { speed: Math.round(voice.speed * 100), volumeDb: voice.volume } : {}),
    },
    recording: recording ?? true,
    // S11: the scenario's delay when it sets one, else the instance's default.
    delayMs: voice?.delayAfterAnswerMs ?? settings.delayBeforeFirstPromptMs,
    variables,
    ...(job.from ? { caller: job.from } : {}),
    callee: c.phone,
    ...(c.referenceId ? { referenceId: c.referenceId } : {}),
    ...(job.plannedAt ? { plannedAt: job.plannedAt } : {}),
    timeZone: settings.timeZone,
  };
}
