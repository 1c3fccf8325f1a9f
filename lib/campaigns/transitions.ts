import type { Services } from '../core/deps';
import { ConflictError, NotFoundError } from '../core/errors';
import type { Item } from '../ports/store';
import { COUNTER_SHARDS, JOB_SHARDS, keys } from '../store/keys';
import { shardOf } from '../core/ids';
import { effectId } from '../outbox/effects';
import { ACCEPTS_CONTACTS, runningImports, transitionCampaign, type CampaignEventInput } from './campaign-machine';
import { counterDelta, jobCounters, transitionJob, type JobCounters, type JobEventInput } from './job-machine';
import { campaignFromItem, COUNTERS, getJob, jobFromItem, readCounters, type CounterName } from './repository';
import type { Campaign, Job } from './schema';

/**
 * Where the pure machines meet the store: read the item, run the machine, write the result as one
 * conditional update carrying the effects (the outbox), drain them. A lost race is retried from a fresh
 * read when the caller allows it; a refusal is a value.
 */

/** Outcome of applying a job event. */
export type JobApplied = { ok: true; job: Job } | { ok: false; reason: string };

/**
 * Applies one event to a job. `job` may be given when just read (saves a read; a stale copy only costs a
 * lost race). `retries`: how many times to re-read and recompute after losing a race (0 for the planner,
 * whose plan is void once the job changed under it).
 */
export async function applyJobEvent(
  svc: Services,
  ids: { instanceId: string; campaignId: string; jobId: string },
  event: JobEventInput,
  options: { job?: Job; retries?: number } = {},
): Promise<JobApplied> {
  const key = keys.job(ids.instanceId, ids.campaignId, ids.jobId);
  let job = options.job;
  for (let attempt = 0; attempt <= (options.retries ?? 3); attempt++) {
    job ??= await getJob(svc.store, ids.instanceId, ids.campaignId, ids.jobId);
    if (!job) return { ok: false, reason: 'no such job' };
    const t = transitionJob(job, event, svc.clock.now());
    if (!t.ok) return t;
    const written = await svc.outbox.commit(key, t.changes, t.condition, t.effects);
    if (written.ok) return { ok: true, job: t.next };
    job = undefined;
  }
  return { ok: false, reason: 'the job kept changing' };
}

/** Why a campaign event was not applied: every attempt lost its conditional write to another writer. */
export const LOST_RACE = 'the campaign kept changing; try again';

/** Outcome of applying a campaign event. */
export type CampaignApplied = { ok: true; campaign: Campaign; before: Campaign } | { ok: false; reason: string; conflict: boolean };

/** Applies one event to a campaign, re-reading after a lost race (another writer bumped the version). */
export async function applyCampaignEvent(
  svc: Services,
  instanceId: string,
  campaignId: string,
  event: CampaignEventInput,
  options: { retries?: number } = {},
): Promise<CampaignApplied> {
  const key = keys.campaign(instanceId, campaignId);
  for (let attempt = 0; attempt <= (options.retries ?? 8); attempt++) {
    const item = await svc.store.get(key);
    if (!item) throw new NotFoundError('campaign', campaignId);
    const before = campaignFromItem(item);
    const t = transitionCampaign(before, event, svc.clock.now(), { eventSource: svc.config.eventSource }, { runningImports: runningImports(item).length });
    if (!t.ok) return t;
    const written = await svc.outbox.commit(key, t.changes, t.condition, t.effects);
    if (written.ok) return { ok: true, campaign: t.next, before };
  }
  return { ok: false, reason: LOST_RACE, conflict: true };
}

/** Like applyCampaignEvent, but a refusal in this state is a ConflictError (for API commands). */
export async function commandCampaign(svc: Services, instanceId: string, campaignId: string, event: CampaignEventInput): Promise<Campaign> {
  const r = await applyCampaignEvent(svc, instanceId, campaignId, event);
  if (!r.ok) throw new ConflictError(r.reason, { campaignId, event: event.type });
  return r.campaign;
}

/**
 * Marks an import as running on its campaign: one conditional update (never a read-modify-write, so
 * 50 parallel imports all get in), idempotent per import id, refused when the campaign takes no
 * contacts. Bumps the version so a completion computed before it cannot be written after it.
 */
export async function markImportRunning(svc: Services, instanceId: string, campaignId: string, importId: string): Promise<void> {
  const key = keys.campaign(instanceId, campaignId);
  const written = await svc.store.update(
    key,
    { set: { [`imp#${importId}`]: svc.clock.now() }, add: { version: 1 } },
    { and: [{ exists: 'pk' }, { in: ['state', [...ACCEPTS_CONTACTS]] }] },
  );
  if (written.ok) return;
  const item = await svc.store.get(key);
  if (!item) throw new NotFoundError('campaign', campaignId);
  throw new ConflictError(`contacts cannot be added to a ${String(item.state)} campaign`, { campaignId, state: item.state });
}

/** Marks an import finished (idempotent) and checks whether the campaign is now complete. */
export async function markImportFinished(svc: Services, instanceId: string, campaignId: string, importId: string): Promise<void> {
  const key = keys.campaign(instanceId, campaignId);
  const written = await svc.store.update(key, { remove: [`imp#${importId}`], add: { version: 1 } }, { and: [{ exists: 'pk' }, { exists: `imp#${importId}` }] });
  if (written.ok) await checkCompletion(svc, instanceId, campaignId);
}

/** An import marker with no import record this long after it was set was left by a process that died before writing it. */
export const ABANDONED_IMPORT_MS = 15 * 60_000;

/**
 * A running import with no progress this long is abandoned (marked failed, its marker released): longer than a
 * worker run (10 min) plus every redelivery of its work message (15 min visibility × 5 receives), so a file
 * import the queue would still resume is never taken for dead.
 */
export const STALLED_IMPORT_MS = 90 * 60_000;

/**
 * Releases import markers (`imp#<id>`) no import will ever remove: the import's record is finished (its
 * process died between saving the report and removing the marker, and a redelivered message skips a
 * finished import), or it is missing long after the marker was set (the process died in between; the
 * client's retry is another import). Without this a crash in an import kept its campaign running forever.
 * The sweep calls it; returns how many markers it released.
 */
export async function releaseAbandonedImports(svc: Services, instanceId: string, campaignId: string): Promise<number> {
  const key = keys.campaign(instanceId, campaignId);
  const item = await svc.store.get(key);
  if (!item) return 0;
  const now = svc.clock.now();
  let released = 0;
  for (const importId of runningImports(item)) {
    const importKey = keys.contactImport(instanceId, campaignId, importId);
    const report = await svc.store.get(importKey);
    let abandoned = report ? report.status !== 'running' : now - Number(item[`imp#${importId}`] ?? 0) > ABANDONED_IMPORT_MS;
    if (report?.status === 'running' && now - Date.parse(String(report.updatedAt)) > STALLED_IMPORT_MS) {
      // No progress for longer than any redelivery could take: the process running it died for good (an API
      // import has no message to redeliver it). Its jobs past the committed cursor were written but never
      // counted (the count commits with the cursor): count them once, then mark it failed, on the condition
      // that it still made no progress.
      const uncounted = await ownedJobsPast(svc, instanceId, campaignId, importId, Number(report.cursor ?? 0));
      if (uncounted > 0) {
        await svc.outbox.count({
          type: 'count',
          order: 0,
          id: effectId(Date.parse(String(report.startedAt)) || now, 'import', importId, 'abandoned'),
          key: keys.campaignCounters(instanceId, campaignId, shardOf(`${importId}#abandoned`, COUNTER_SHARDS)),
          add: { total: uncounted * (NEW_JOB_COUNTERS.total ?? 1) },
          set: { type: 'counters' },
        });
      }
      const at = new Date(now).toISOString();
      const failed = await svc.store.update(
        importKey,
        { set: { status: 'failed', error: `abandoned: no progress since ${String(report.updatedAt)}`, finishedAt: at, updatedAt: at } },
        { and: [{ eq: ['status', 'running'] }, { eq: ['updatedAt', report.updatedAt] }] },
      );
      abandoned = failed.ok;
    }
    if (!abandoned) continue;
    const written = await svc.store.update(key, { remove: [`imp#${importId}`], add: { version: 1 } }, { and: [{ exists: 'pk' }, { exists: `imp#${importId}` }] });
    if (written.ok) released++;
  }
  return released;
}

/** Jobs an import wrote past its committed cursor (their `importOwner` is `<importId>#<row>`): a scan, only for abandoned imports. */
async function ownedJobsPast(svc: Pick<Services, 'store'>, instanceId: string, campaignId: string, importId: string, cursor: number): Promise<number> {
  let n = 0;
  for (let shard = 0; shard < JOB_SHARDS; shard++) {
    let page: string | undefined;
    do {
      const result = await svc.store.query({ pk: keys.jobPartition(instanceId, campaignId, shard), beginsWith: 'JOB#', limit: 500, cursor: page });
      for (const item of result.items) {
        const owner = String(item.importOwner ?? '');
        if (owner.startsWith(`${importId}#`) && Number(owner.slice(importId.length + 1)) > cursor) n++;
      }
      page = result.cursor;
    } while (page);
  }
  return n;
}

/**
 * Completes a running campaign (or finishes a stopped one) when every job is terminal and no import runs.
 * Safe to call any time, from anywhere: the campaign machine decides, the version check arbitrates.
 */
export async function checkCompletion(svc: Services, instanceId: string, campaignId: string): Promise<boolean> {
  const counters = await readCounters(svc.store, instanceId, campaignId);
  const r = await applyCampaignEvent(svc, instanceId, campaignId, { type: 'complete', counters }, { retries: 3 });
  return r.ok;
}

/**
 * Recounts a campaign's counters from its jobs (the sum of `jobCounters`), without writing anything:
 * the reference the incremental counters must always equal.
 */
export async function recountCampaign(svc: Pick<Services, 'store'>, instanceId: string, campaignId: string): Promise<Record<CounterName, number>> {
  const sums = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<CounterName, number>;
  for (let shard = 0; shard < JOB_SHARDS; shard++) {
    let cursor: string | undefined;
    do {
      const page = await svc.store.query({ pk: keys.jobPartition(instanceId, campaignId, shard), beginsWith: 'JOB#', limit: 500, cursor });
      for (const item of page.items) {
        const f = jobCounters(jobFromItem(item as Item));
        for (const c of COUNTERS) sums[c] += f[c as keyof JobCounters];
      }
      cursor = page.cursor;
    } while (cursor);
  }
  return sums;
}

/** The counter delta of creating a job (what an import adds per accepted row). */
export const NEW_JOB_COUNTERS = counterDelta(undefined, {
  status: 'Scheduling',
  attempts: 0,
  answered: false,
  placedCalls: 0,
  answeredCalls: 0,
} as Job);
