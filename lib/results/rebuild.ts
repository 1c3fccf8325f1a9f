/**
 * Rebuilds a campaign's results aggregates from its call records (after a change of reporting rules,
 * or for campaigns that ran before the aggregates existed): deletes the campaign's aggregate items,
 * then walks its jobs and applies each finished call's contribution in attempt order, threading the
 * job's results state as the call-end writer does. Reads everything, so it belongs with exports in
 * the background, on a campaign that is not running (a live call ending meanwhile would be counted
 * from the records and again by its writer).
 */
import { getCampaign, listJobs } from '../campaigns/repository';
import type { Job } from '../campaigns/schema';
import { getInstanceSettings } from '../instances/repository';
import type { Store } from '../ports/store';
import { listCallsOfJob, listTurns, type CallRecord, type StoredTurn } from '../telephony/call-records';
import { aggregateWrites, applyAggregateWrites, callContribution, type JobResultState } from './aggregate';
import { resultKeys } from './keys';
import { scenarioDefinitionOf } from './source';

/** What a rebuild did. */
export interface RebuildSummary {
  jobs: number;
  calls: number;
  itemsDeleted: number;
  /** The results state of each dialled job after its last call (what the call-end writer stores on the job). */
  jobStates: Map<string, JobResultState>;
}

/** Deletes a campaign's aggregate items. */
export async function deleteAggregates(store: Store, instanceId: string, campaignId: string): Promise<number> {
  const pk = resultKeys.partition(instanceId, campaignId);
  let deleted = 0;
  for (;;) {
    const page = await store.query({ pk, limit: 500 });
    if (page.items.length === 0) return deleted;
    await store.batchDelete(page.items.map((i) => ({ pk: i.pk, sk: i.sk })));
    deleted += page.items.length;
  }
}

/** The finished calls of a job in attempt order, with their transcripts. */
export async function finishedCalls(store: Store, instanceId: string, job: Job): Promise<{ record: CallRecord; turns: StoredTurn[] }[]> {
  const calls = (await listCallsOfJob(store, instanceId, job.jobId))
    .filter((c) => c.campaignId === job.campaignId && c.status !== 'Executing')
    .sort((a, b) => a.attempt - b.attempt || a.dialledAt.localeCompare(b.dialledAt));
  return Promise.all(calls.map(async (record) => ({ record, turns: await listTurns(store, instanceId, record.callId) })));
}

/** Rebuilds the aggregates of a campaign from its call records. */
export async function rebuildCampaignResults(store: Store, instanceId: string, campaignId: string): Promise<RebuildSummary> {
  const campaign = await getCampaign(store, instanceId, campaignId);
  const scenario = await scenarioDefinitionOf(store, instanceId, campaign.scenarioId, campaign.scenarioVersion);
  const { timeZone } = await getInstanceSettings(store, instanceId);
  const itemsDeleted = await deleteAggregates(store, instanceId, campaignId);
  const summary: RebuildSummary = { jobs: 0, calls: 0, itemsDeleted, jobStates: new Map() };
  let cursor: string | undefined;
  do {
    const page = await listJobs(store, instanceId, campaignId, { limit: 200, cursor });
    for (const job of page.items) {
      summary.jobs += 1;
      let previous: JobResultState | undefined;
      for (const { record, turns } of await finishedCalls(store, instanceId, job)) {
        const delta = callContribution(record, turns, { scenario, timeZone, job: { variables: job.contact.variables, previous } });
        await applyAggregateWrites(store, aggregateWrites(instanceId, campaignId, record.callId, delta));
        previous = delta.job;
        summary.calls += 1;
      }
      if (previous) summary.jobStates.set(job.jobId, previous);
    }
    cursor = page.cursor;
  } while (cursor);
  return summary;
}
