import { beginImport } from '../contacts/import';
import type { Services } from '../core/deps';
import { ConflictError, ValidationError } from '../core/errors';
import { mergePatch, type MergePatch } from '../core/merge-patch';
import { fieldIssues } from '../core/errors';
import { getScenarioVersion } from '../scenarios/repository';
import { STALE_UPDATE, type Actor } from './campaign-machine';
import { cancelWaitingJobs } from './jobs';
import { createCampaign, getCampaign, readCounters } from './repository';
import { CampaignSettings, type Campaign, type RerunOutcome } from './schema';
import { applyCampaignEvent, commandCampaign, LOST_RACE } from './transitions';

export type { Actor } from './campaign-machine';

/**
 * Campaign commands of the API (SPEC C1, C2, C6): each is one event of the campaign machine
 * (lib/campaigns/campaign-machine.ts) applied with a conditional write; its effects (event, dispatch loop,
 * cancelling waiting jobs, audit) ride on the campaign item and are applied by the outbox.
 */

/** Time a stop request spends cancelling waiting jobs itself before leaving the rest to the worker. */
export const STOP_INLINE_BUDGET_MS = 3_000;

/** Publishes a draft: running now, or scheduled for a later start; starts its dispatch loop. */
export async function startCampaign(svc: Services, instanceId: string, campaignId: string, actor: Actor): Promise<Campaign> {
  const counters = await readCounters(svc.store, instanceId, campaignId);
  return commandCampaign(svc, instanceId, campaignId, { type: 'start', actor, hasContacts: counters.total > 0 });
}

/** Pauses: no new calls within seconds; calls in progress finish. */
export async function pauseCampaign(svc: Services, instanceId: string, campaignId: string, actor: Actor): Promise<Campaign> {
  return commandCampaign(svc, instanceId, campaignId, { type: 'pause', actor });
}

/** Resumes a paused campaign with a new dispatch loop (the old one ends itself: its run is stale). */
export async function resumeCampaign(svc: Services, instanceId: string, campaignId: string, actor: Actor): Promise<Campaign> {
  return commandCampaign(svc, instanceId, campaignId, { type: 'resume', actor });
}

/**
 * Stops: every job not yet dialled is cancelled. The stop is committed first (nothing is dialled after it);
 * small campaigns are cancelled within the request, and the worker (queued by the stop's own effect)
 * finishes what the budget leaves.
 */
export async function stopCampaign(svc: Services, instanceId: string, campaignId: string, actor: Actor): Promise<Campaign> {
  await commandCampaign(svc, instanceId, campaignId, { type: 'stop', actor });
  await cancelWaitingJobs(svc, instanceId, campaignId, 'Stopped', { budgetMs: STOP_INLINE_BUDGET_MS });
  return getCampaign(svc.store, instanceId, campaignId);
}

/** Throws a ValidationError naming the fields when `settings` is not a valid strategy. */
function validSettings(value: unknown, where = 'body'): CampaignSettings {
  const parsed = CampaignSettings.safeParse(value);
  if (!parsed.success) {
    const details = fieldIssues(parsed.error.issues).map((d) => ({ ...d, path: `${where}.${d.path}` }));
    throw new ValidationError(`invalid campaign: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
  }
  return parsed.data;
}

/** The scenario version must exist and be published in this instance. */
async function assertScenarioVersion(svc: Services, instanceId: string, scenarioId: string, version: number): Promise<void> {
  if (!(await getScenarioVersion(svc.store, instanceId, scenarioId, version))) {
    throw new ValidationError(`scenario ${scenarioId} has no published version ${version}`, [{ path: 'body.scenarioVersion', message: 'not a published version of the scenario' }]);
  }
}

/** The strategy fields of a campaign. */
export function pickSettings(c: Campaign): CampaignSettings {
  const names = Object.keys(CampaignSettings.shape) as (keyof CampaignSettings)[];
  return Object.fromEntries(names.filter((k) => c[k] !== undefined).map((k) => [k, c[k]])) as CampaignSettings;
}

/**
 * Changes the strategy of a draft, scheduled or paused campaign with JSON merge-patch semantics
 * (RFC 7386): what the patch does not mention stays as it is, nested objects merge, `null` removes an
 * optional field. The result is validated as a whole; a changed scenario version must be published.
 */
export async function updateCampaign(svc: Services, instanceId: string, campaignId: string, patch: MergePatch, actor: Actor = { principal: 'system' }): Promise<Campaign> {
  // The merge is written only onto the version it was computed from: a concurrent PATCH committed in between
  // is merged again, never overwritten with the stale read's values (a lost update).
  for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
    const current = await getCampaign(svc.store, instanceId, campaignId);
    const settings = validSettings(mergePatch(pickSettings(current), patch));
    if (settings.scenarioId !== current.scenarioId || settings.scenarioVersion !== current.scenarioVersion) {
      await assertScenarioVersion(svc, instanceId, settings.scenarioId, settings.scenarioVersion);
    }
    const r = await applyCampaignEvent(svc, instanceId, campaignId, { type: 'update', actor, settings, basedOn: current.version }, { retries: 0 });
    if (r.ok) return r.campaign;
    if (r.reason !== STALE_UPDATE && r.reason !== LOST_RACE) throw new ConflictError(r.reason, { campaignId, event: 'update' });
  }
  throw new ConflictError(LOST_RACE, { campaignId, event: 'update' });
}

/** How many times a PATCH merges again after the campaign changed under it. */
const UPDATE_ATTEMPTS = 8;

/** Copies a campaign's strategy into a new draft (no contacts). */
export async function copyCampaign(svc: Services, instanceId: string, campaignId: string, overrides: MergePatch = {}): Promise<Campaign> {
  const source = await getCampaign(svc.store, instanceId, campaignId);
  const settings = validSettings(mergePatch({ ...pickSettings(source), name: `${source.name} (copy)` }, overrides));
  if (settings.scenarioId !== source.scenarioId || settings.scenarioVersion !== source.scenarioVersion) {
    await assertScenarioVersion(svc, instanceId, settings.scenarioId, settings.scenarioVersion);
  }
  return createCampaign(svc.store, instanceId, settings, svc.clock.now(), { sourceCampaignId: campaignId });
}

/**
 * Re-run (C6): a new draft campaign with the jobs of an old one whose outcome is among `outcomes`.
 * The contacts are copied by the worker (the source may hold a million jobs).
 */
export async function rerunCampaign(
  svc: Services,
  instanceId: string,
  campaignId: string,
  outcomes: RerunOutcome[],
  overrides: MergePatch = {},
): Promise<{ campaign: Campaign; importId: string }> {
  const source = await getCampaign(svc.store, instanceId, campaignId);
  const campaign = await copyCampaign(svc, instanceId, campaignId, { name: `${source.name} (re-run)`, ...overrides });
  const report = await beginImport(svc, instanceId, campaign.campaignId, 'rerun');
  await svc.queues.work.send({
    body: JSON.stringify({ type: 'rerun', instanceId, campaignId: campaign.campaignId, sourceCampaignId: campaignId, outcomes, importId: report.importId }),
  });
  return { campaign: await getCampaign(svc.store, instanceId, campaign.campaignId), importId: report.importId };
}

/**
 * Whether a finished job matches a re-run outcome (C6). "No interaction": the job failed or ended
 * without a single effective turn, answered or not (a person who picked up and said nothing usable).
 */
export function matchesOutcome(job: { status: string; answered: boolean; interacted?: boolean; failureReason?: string }, outcomes: readonly RerunOutcome[]): boolean {
  return outcomes.some((o) => {
    if (o === 'succeeded') return job.status === 'Succeeded';
    if (o === 'cancelled') return job.status === 'Cancelled';
    if (o === 'failed') return job.status === 'Failed';
    return (job.status === 'Succeeded' || job.status === 'Failed') && !job.interacted;
  });
}
