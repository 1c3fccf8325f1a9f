import { beginImport } from '../contacts/import';
import type { Deps } from '../core/deps';
import { ConflictError } from '../core/errors';
import type { CampaignState } from '../domain/statuses';
import { isoAt } from '../ports/clock';
import { audit, campaignEvent, publishEvents } from './events';
import { cancelWaitingJobs } from './jobs';
import { createCampaign, getCampaign, mutateCampaign, readCounters } from './repository';
import { CampaignSettings, type Campaign, type RerunOutcome } from './schema';

/**
 * Campaign state machine (SPEC C1): draft → scheduled → running ⇄ paused → completed | stopped.
 * Every transition is a conditional write on the campaign's version; the dispatch loop notices the
 * new state on its next round (seconds) and the dialer re-checks it before placing a call.
 */

/** Time a stop request spends cancelling waiting jobs itself before leaving the rest to the worker. */
export const STOP_INLINE_BUDGET_MS = 3_000;

const ALLOWED: Record<string, CampaignState[]> = {
  start: ['draft'],
  pause: ['scheduled', 'running'],
  resume: ['paused'],
  stop: ['draft', 'scheduled', 'running', 'paused'],
};

/** Who asked for a change (audit, E4). */
export interface Actor {
  principal: string;
}

async function transition(
  deps: Deps,
  instanceId: string,
  campaignId: string,
  action: keyof typeof ALLOWED,
  actor: Actor,
  next: (c: Campaign, now: number) => Partial<Campaign> & { state: CampaignState },
): Promise<Campaign> {
  const now = deps.clock.now();
  const { before, after } = await mutateCampaign(deps.store, instanceId, campaignId, now, (c) => {
    if (!ALLOWED[action]!.includes(c.state)) {
      throw new ConflictError(`cannot ${action} a ${c.state} campaign`, { campaignId, state: c.state, action });
    }
    return { ...c, ...next(c, now) };
  });
  await audit(deps, instanceId, { principal: actor.principal, action: `campaign.${action}`, target: campaignId, details: { from: before.state, to: after.state } });
  await publishEvents(deps, [
    campaignEvent(deps, 'CampaignStateChanged', [campaignId, after.version], { instanceId, campaignId, name: after.name, state: after.state, previousState: before.state }),
  ]);
  return after;
}

/** Publishes a draft: running now, or scheduled for a later start; starts its dispatch loop. */
export async function startCampaign(deps: Deps, instanceId: string, campaignId: string, actor: Actor): Promise<Campaign> {
  const current = await getCampaign(deps.store, instanceId, campaignId);
  const counters = await readCounters(deps.store, instanceId, campaignId);
  if (counters.total === 0 && current.importsRunning === 0) throw new ConflictError('the campaign has no contacts', { campaignId });
  const after = await transition(deps, instanceId, campaignId, 'start', actor, (c, now) => ({
    state: c.start.mode === 'now' ? 'running' : 'scheduled',
    run: c.run + 1,
    ...(c.start.mode === 'now' ? { startedAt: isoAt(now) } : {}),
  }));
  await deps.workflows.startCampaignLoop({ instanceId, campaignId, run: after.run });
  return after;
}

/** Pauses: no new calls; calls in progress finish. */
export async function pauseCampaign(deps: Deps, instanceId: string, campaignId: string, actor: Actor): Promise<Campaign> {
  return transition(deps, instanceId, campaignId, 'pause', actor, (c) => ({ state: 'paused', pausedFrom: c.state } as Partial<Campaign> & { state: CampaignState }));
}

/** Resumes a paused campaign with a new dispatch loop (the old one has ended or ends itself: its run is stale). */
export async function resumeCampaign(deps: Deps, instanceId: string, campaignId: string, actor: Actor): Promise<Campaign> {
  const after = await transition(deps, instanceId, campaignId, 'resume', actor, (c) => ({
    state: c.startedAt ? 'running' : 'scheduled',
    run: c.run + 1,
  }));
  await deps.workflows.startCampaignLoop({ instanceId, campaignId, run: after.run });
  await deps.queues.tick.send({ body: JSON.stringify({ type: 'tick', instanceId, campaignId, reason: 'stateChanged' }) });
  return after;
}

/** Stops: every job not yet dialled is cancelled (in the background for large campaigns). */
export async function stopCampaign(deps: Deps, instanceId: string, campaignId: string, actor: Actor): Promise<Campaign> {
  const after = await transition(deps, instanceId, campaignId, 'stop', actor, (_c, now) => ({ state: 'stopped', stoppedAt: isoAt(now) } as Partial<Campaign> & { state: CampaignState }));
  // Small campaigns are cancelled within the request; the worker finishes what the budget leaves.
  const pass = await cancelWaitingJobs(deps, instanceId, campaignId, 'Stopped', { budgetMs: STOP_INLINE_BUDGET_MS });
  if (pass.nextShard !== undefined) {
    await deps.queues.work.send({ body: JSON.stringify({ type: 'cancelJobs', instanceId, campaignId, reason: 'Stopped', fromShard: pass.nextShard }) });
  }
  return getCampaign(deps.store, instanceId, after.campaignId);
}

/** Changes a campaign's strategy while it is not running (draft, scheduled, paused). */
export async function updateCampaign(deps: Deps, instanceId: string, campaignId: string, patch: Partial<CampaignSettings>): Promise<Campaign> {
  const { after } = await mutateCampaign(deps.store, instanceId, campaignId, deps.clock.now(), (c) => {
    if (!['draft', 'scheduled', 'paused'].includes(c.state)) throw new ConflictError(`a ${c.state} campaign cannot be changed; pause it first`, { campaignId });
    const settings = CampaignSettings.parse({ ...pickSettings(c), ...patch });
    return { ...c, ...settings };
  });
  return after;
}

function pickSettings(c: Campaign): CampaignSettings {
  const keys = Object.keys(CampaignSettings.shape) as (keyof CampaignSettings)[];
  return Object.fromEntries(keys.filter((k) => c[k] !== undefined).map((k) => [k, c[k]])) as CampaignSettings;
}

/** Copies a campaign's strategy into a new draft (no contacts). */
export async function copyCampaign(deps: Deps, instanceId: string, campaignId: string, overrides: Partial<CampaignSettings> = {}): Promise<Campaign> {
  const source = await getCampaign(deps.store, instanceId, campaignId);
  const settings = CampaignSettings.parse({ ...pickSettings(source), name: `${source.name} (copy)`, ...overrides });
  return createCampaign(deps.store, instanceId, settings, deps.clock.now(), { sourceCampaignId: campaignId });
}

/**
 * Re-run (C6): a new draft campaign with the jobs of an old one whose outcome is among `outcomes`.
 * The contacts are copied by the worker (the source may hold a million jobs).
 */
export async function rerunCampaign(
  deps: Deps,
  instanceId: string,
  campaignId: string,
  outcomes: RerunOutcome[],
  overrides: Partial<CampaignSettings> = {},
): Promise<{ campaign: Campaign; importId: string }> {
  const source = await getCampaign(deps.store, instanceId, campaignId);
  const campaign = await copyCampaign(deps, instanceId, campaignId, { name: `${source.name} (re-run)`, ...overrides });
  const report = await beginImport(deps, instanceId, campaign.campaignId, 'rerun');
  await deps.queues.work.send({
    body: JSON.stringify({ type: 'rerun', instanceId, campaignId: campaign.campaignId, sourceCampaignId: campaignId, outcomes, importId: report.importId }),
  });
  return { campaign: await getCampaign(deps.store, instanceId, campaign.campaignId), importId: report.importId };
}

/** Whether a finished job matches a re-run outcome. */
export function matchesOutcome(job: { status: string; answered: boolean; failureReason?: string }, outcomes: readonly RerunOutcome[]): boolean {
  return outcomes.some((o) => {
    if (o === 'succeeded') return job.status === 'Succeeded';
    if (o === 'cancelled') return job.status === 'Cancelled';
    if (o === 'failed') return job.status === 'Failed';
    return job.status === 'Failed' && !job.answered;
  });
}
