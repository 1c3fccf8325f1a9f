import { ConflictError, NotFoundError, ReachoutError } from '../core/errors';
import { newId, shardOf, stableId } from '../core/ids';
import type { CampaignState, JobStatus } from '../domain/statuses';
import type { Item, ItemKey, Store } from '../ports/store';
import { isoAt } from '../ports/clock';
import { queryItems } from '../store/indexes';
import { COUNTER_SHARDS, JOB_SHARDS, keys } from '../store/keys';
import { runningImports } from './campaign-machine';
import { Campaign, CampaignSettings, Job, type Contact } from './schema';
import { decodeCursorState, encodeCursorState } from '../core/cursor';

/** Errors of the campaigns module. */
export class CampaignError extends ReachoutError {
  override readonly name = 'CampaignError';
}

/** Sort key of a job in its due-queue shard: due time first, so `le now` is a bounded range read. */
export function dueSortKey(dueAt: number, jobId: string): string {
  return `${String(Math.max(0, Math.floor(dueAt))).padStart(13, '0')}#${jobId}`;
}

/** Index attributes that put a job into its campaign's due queue (gsi1, sparse). */
export function dueIndex(instanceId: string, campaignId: string, jobId: string, dueAt: number): Record<string, unknown> {
  return { gsi1pk: keys.dueQueue(instanceId, campaignId, shardOf(jobId, JOB_SHARDS)), gsi1sk: dueSortKey(dueAt, jobId), dueAt };
}

/** A campaign from its item: running imports are counted from the item's `imp#<id>` attributes. */
export function campaignFromItem(item: Item): Campaign {
  const imports = runningImports(item).length;
  return Campaign.parse({ ...item, importsRunning: imports + Number(item.importsRunning ?? 0) });
}

/** Reads a campaign, or undefined when absent (or of another instance: keys are instance-scoped). */
export async function findCampaign(store: Store, instanceId: string, campaignId: string): Promise<Campaign | undefined> {
  const item = await store.get(keys.campaign(instanceId, campaignId));
  return item ? campaignFromItem(item) : undefined;
}

/** Reads a campaign; NotFoundError when absent. */
export async function getCampaign(store: Store, instanceId: string, campaignId: string): Promise<Campaign> {
  const c = await findCampaign(store, instanceId, campaignId);
  if (!c) throw new NotFoundError('campaign', campaignId);
  return c;
}

/** Creates a draft campaign. */
export async function createCampaign(
  store: Store,
  instanceId: string,
  settings: CampaignSettings,
  now: number,
  extra: { campaignId?: string; sourceCampaignId?: string } = {},
): Promise<Campaign> {
  const campaignId = extra.campaignId ?? newId('cmp_', now);
  const campaign: Campaign = {
    ...CampaignSettings.parse(settings),
    campaignId,
    instanceId,
    state: 'draft',
    run: 0,
    createdAt: isoAt(now),
    updatedAt: isoAt(now),
    importsRunning: 0,
    version: 1,
    ...(extra.sourceCampaignId ? { sourceCampaignId: extra.sourceCampaignId } : {}),
  };
  const written = await store.put({ ...keys.campaign(instanceId, campaignId), type: 'campaign', ...campaign }, { notExists: 'pk' });
  if (!written.ok) throw new ConflictError(`campaign ${campaignId} already exists`, { campaignId });
  return campaign;
}

/** Lists the instance's campaigns, newest first, one page at a time. */
export async function listCampaigns(
  store: Store,
  instanceId: string,
  options: { limit?: number; cursor?: string; state?: CampaignState } = {},
): Promise<{ items: Campaign[]; cursor?: string }> {
  const page = await store.query({ pk: keys.campaign(instanceId, 'x').pk, beginsWith: 'CMP#', reverse: true, limit: options.limit ?? 50, cursor: options.cursor });
  let items = page.items.map(campaignFromItem);
  if (options.state) items = items.filter((c) => c.state === options.state);
  return { items, cursor: page.cursor };
}

/**
 * The instance's live campaigns (scheduled, running, paused, stopping), optionally only some states.
 * Read through the sparse live index (gsi1 `I#<inst>#LIVE`), then the items themselves (strongly
 * consistent), so the cost follows the live campaigns, never the instance's history.
 */
export async function liveCampaigns(store: Store, instanceId: string, states?: readonly CampaignState[]): Promise<Campaign[]> {
  // Only the table keys are taken from the index (every projection has them; gsi1 projects a job's fields, which a
  // campaign item merely happens to share).
  const found: ItemKey[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.query({ index: 'gsi1', pk: keys.liveCampaigns(instanceId), limit: 500, cursor });
    for (const item of page.items) found.push({ pk: String(item.pk), sk: String(item.sk) });
    cursor = page.cursor;
  } while (cursor);
  if (found.length === 0) return [];
  const items = await store.batchGet(found);
  return items
    .map(campaignFromItem)
    .filter((c) => !states || states.includes(c.state))
    .sort((a, b) => (a.campaignId < b.campaignId ? -1 : 1));
}

/** Counter names of a campaign (R1); each is summed over COUNTER_SHARDS items. */
export const COUNTERS = [
  'total',
  'dialled',
  'completed',
  'succeeded',
  'failed',
  'cancelled',
  'suspended',
  'answered',
  'notAnswered',
  'cancelledUndialled',
  'callsPlaced',
  'callsAnswered',
] as const;
/** A campaign counter name. */
export type CounterName = (typeof COUNTERS)[number];

/** Adds to a campaign's counters on the shard of `shardKey` (spreads hot writes over COUNTER_SHARDS items). */
export async function addCounters(
  store: Store,
  instanceId: string,
  campaignId: string,
  shardKey: string,
  delta: Partial<Record<CounterName, number>>,
): Promise<void> {
  const add: Record<string, number> = {};
  for (const [k, v] of Object.entries(delta)) if (v) add[k] = v;
  if (Object.keys(add).length === 0) return;
  await store.update(keys.campaignCounters(instanceId, campaignId, shardOf(shardKey, COUNTER_SHARDS)), { add, set: { type: 'counters' } });
}

/** Campaign progress (SPEC R1), read in O(1): COUNTER_SHARDS items whatever the campaign size. */
export interface Progress {
  total: number;
  completed: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  notAnswered: number;
  suspended: number;
  notStarted: number;
  inProgress: number;
  callsPlaced: number;
  callsAnswered: number;
  /** Answered calls / placed calls (0 when none placed). */
  answerRate: number;
  /** Jobs that got an answer / jobs dialled. */
  jobAnswerRate: number;
}

/** Reads the counters of a campaign. */
export async function readCounters(store: Store, instanceId: string, campaignId: string): Promise<Record<CounterName, number>> {
  const page = await store.query({ pk: keys.campaignCounters(instanceId, campaignId, 0).pk, limit: COUNTER_SHARDS * 2 });
  const sums = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<CounterName, number>;
  for (const item of page.items) for (const c of COUNTERS) sums[c] += Number(item[c] ?? 0);
  return sums;
}

/** Progress from counters. */
export function progressOf(c: Record<CounterName, number>): Progress {
  const notStarted = Math.max(0, c.total - c.dialled - c.cancelledUndialled);
  return {
    total: c.total,
    completed: c.completed,
    succeeded: c.succeeded,
    failed: c.failed,
    cancelled: c.cancelled,
    notAnswered: c.notAnswered,
    suspended: c.suspended,
    notStarted,
    inProgress: Math.max(0, c.total - c.completed - notStarted),
    callsPlaced: c.callsPlaced,
    callsAnswered: c.callsAnswered,
    answerRate: c.callsPlaced > 0 ? round(c.callsAnswered / c.callsPlaced) : 0,
    jobAnswerRate: c.dialled > 0 ? round(c.answered / c.dialled) : 0,
  };
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

/** Reads a campaign's progress. */
export async function getProgress(store: Store, instanceId: string, campaignId: string): Promise<Progress> {
  return progressOf(await readCounters(store, instanceId, campaignId));
}

/**
 * The job id of a phone number in a campaign, derived from both (C4: one number is one job per campaign).
 * Deterministic so the job item itself is the claim on the number: every importer, parallel or
 * redelivered, writes the same key, and a conditional put lets exactly one of them create it.
 */
export function jobIdFor(instanceId: string, campaignId: string, e164: string): string {
  return `job_${stableId('job', instanceId, campaignId, e164)}`;
}

/** The item of a new job waiting in the due queue. */
export function newJobItem(instanceId: string, campaignId: string, jobId: string, contact: Contact, dueAt: number, now: number): Item {
  const job: Job = {
    jobId,
    campaignId,
    instanceId,
    contact,
    status: 'Scheduling',
    dialState: 'idle',
    attempts: 0,
    tries: 0,
    finishedAttempt: 0,
    systemAttempts: 0,
    placedCalls: 0,
    answeredCalls: 0,
    answered: false,
    interacted: false,
    tags: {},
    captured: {},
    createdAt: isoAt(now),
    updatedAt: isoAt(now),
    version: 0,
  };
  return {
    ...keys.job(instanceId, campaignId, jobId),
    type: 'job',
    ...job,
    ...dueIndex(instanceId, campaignId, jobId, dueAt),
    gsi2pk: keys.byPhone(instanceId, contact.phone),
    gsi2sk: `${campaignId}#${jobId}`,
    ...(contact.referenceId ? { gsi3pk: keys.byReference(instanceId, contact.referenceId), gsi3sk: `${campaignId}#${jobId}` } : {}),
  };
}

/** A job from its item (outbox and index attributes are not part of the job). */
export function jobFromItem(item: Item): Job {
  return Job.parse(item);
}

/** Reads a job, or undefined. */
export async function getJob(store: Store, instanceId: string, campaignId: string, jobId: string) {
  const item = await store.get(keys.job(instanceId, campaignId, jobId));
  return item ? jobFromItem(item) : undefined;
}

/** Lists a campaign's jobs shard by shard; the cursor names the shard and the position within it. */
export async function listJobs(
  store: Store,
  instanceId: string,
  campaignId: string,
  options: { limit?: number; cursor?: string; status?: JobStatus } = {},
): Promise<{ items: Job[]; cursor?: string }> {
  const limit = options.limit ?? 50;
  let [shard, inner] = decodeCursor(options.cursor);
  const items: Job[] = [];
  while (shard < JOB_SHARDS && items.length < limit) {
    const page = await store.query({ pk: keys.jobPartition(instanceId, campaignId, shard), beginsWith: 'JOB#', limit: limit - items.length, cursor: inner });
    for (const item of page.items) {
      const job = jobFromItem(item);
      if (!options.status || job.status === options.status) items.push(job);
    }
    if (page.cursor) inner = page.cursor;
    else {
      shard++;
      inner = undefined;
    }
  }
  return { items, ...(shard < JOB_SHARDS ? { cursor: encodeCursor(shard, inner) } : {}) };
}

function encodeCursor(shard: number, inner?: string): string {
  return encodeCursorState([shard, inner ?? null]);
}

const isJobsCursor = (v: unknown): v is [number, string | null] =>
  Array.isArray(v) && v.length === 2 && Number.isInteger(v[0]) && v[0] >= 0 && v[0] < JOB_SHARDS && (v[1] === null || typeof v[1] === 'string');

function decodeCursor(cursor?: string): [number, string | undefined] {
  if (!cursor) return [0, undefined];
  const [shard, inner] = decodeCursorState(cursor, isJobsCursor);
  return [shard, inner ?? undefined];
}

/** Jobs with a phone number across campaigns (C7), via gsi2 (keys only: the jobs are then read by key). */
export async function jobsByPhone(store: Store, instanceId: string, e164: string, limit = 100) {
  const page = await queryItems(store, { index: 'gsi2', pk: keys.byPhone(instanceId, e164), limit });
  return page.items.filter((i) => i.type === 'job').map(jobFromItem);
}

/** Jobs with an external reference id (C7), via gsi3 (keys only: the jobs are then read by key). */
export async function jobsByReference(store: Store, instanceId: string, referenceId: string, limit = 100) {
  const page = await queryItems(store, { index: 'gsi3', pk: keys.byReference(instanceId, referenceId), limit });
  return page.items.filter((i) => i.type === 'job').map(jobFromItem);
}
