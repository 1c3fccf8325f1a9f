import type { Deps } from '../core/deps';
import { finishCall } from '../campaigns/call-outcome';
import { findCampaign, getJob } from '../campaigns/repository';
import { compileCached, initialState, isDialogOver, parseDialogState, startDialog, transition } from '../dialog/engine';
import { getScenarioVersion } from '../scenarios/repository';
import type { CallIds, CallPlan, DialogDriver, SmaServices } from './services';

/** Loads campaign, job and scenario voice into the plan of one call. */
export async function loadCallPlan(deps: Deps, ids: CallIds): Promise<CallPlan | undefined> {
  const [campaign, job] = await Promise.all([
    findCampaign(deps.store, ids.instanceId, ids.campaignId),
    getJob(deps.store, ids.instanceId, ids.campaignId, ids.jobId),
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
      voiceId: voice?.voice,
      speed: voice ? Math.round(voice.speed * 100) : undefined,
      volumeDb: voice?.volume,
    },
    recording: recording ?? true,
    delayMs: voice?.delayAfterAnswerMs ?? 0,
    variables,
    caller: job.from,
    callee: c.phone,
    referenceId: c.referenceId,
  };
}

/** Compiles a published version (cached per container) and binds it to the dialog engine. */
export async function loadDialogDriver(deps: Deps, instanceId: string, scenarioId: string, version: number): Promise<DialogDriver | undefined> {
  const v = await getScenarioVersion(deps.store, instanceId, scenarioId, version);
  if (!v) return undefined;
  const compiled = compileCached(`${instanceId}/${scenarioId}@${version}`, v.definition);
  return {
    start: (variables, at) => startDialog(compiled, { variables, at }),
    next: (state, event, variables) => transition(compiled, parseDialogState(state) ?? initialState(compiled), event, { variables }),
    isOver: (state) => {
      const s = parseDialogState(state);
      return s ? isDialogOver(s) : false;
    },
  };
}

/** The SMA handler's collaborators from the real campaign, scenario and dialog modules. */
export function realSmaServices(): SmaServices {
  return { loadPlan: loadCallPlan, loadDialog: loadDialogDriver, finishCall };
}
