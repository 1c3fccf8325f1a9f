/**
 * Call history across campaigns (SPEC R5) and call detail (T4–T6). Every read names a partition:
 * a call id through its pointer, a job through its calls, a phone number or reference id through
 * the job indexes (gsi2, gsi3), otherwise the instance's history partition of each day (gsi3), newest
 * first. Filters on the remaining fields apply to what those reads return; job status comes from the
 * jobs of the page (one batchGet), so it is the job's current status.
 */
import * as z from 'zod';
import { listCampaigns } from '../campaigns/repository';
import { expectOnly, ValidationError } from '../core/errors';
import { CallStatus, JobStatus } from '../domain/statuses';
import type { Blobs } from '../ports/blobs';
import { isoAt } from '../ports/clock';
import type { Item, Store } from '../ports/store';
import { queryItems } from '../store/indexes';
import { keys } from '../store/keys';
import { CallRecord, getCallRecord, listCallsOfJob, listTurns, StoredTurn } from '../telephony/call-records';
import { RECORDING_LINK_SECONDS } from '../telephony/recordings';
import { scenarioDefinitionOf } from './source';

/** Longest time range a history search walks (one index partition per day). */
export const MAX_HISTORY_DAYS = 31;
/** Call records one request examines at most; past it the page ends early with a cursor. */
export const MAX_EXAMINED = 2000;
/** Jobs a phone number or reference id lookup follows at most. */
export const MAX_JOBS_PER_LOOKUP = 500;

/** Filters of the call history (R5). Times are ISO 8601; `from`/`to` bound the dial time. */
export interface HistoryFilter {
  from: string;
  to: string;
  phone?: string;
  referenceId?: string;
  campaignId?: string;
  /** Case-insensitive part of the campaign name. */
  campaignName?: string;
  jobId?: string;
  callId?: string;
  /** Current status of the call's job. */
  jobStatus?: JobStatus[];
  status?: CallStatus[];
  answered?: boolean;
  completed?: boolean;
  noMatchHangup?: boolean;
  minRingSeconds?: number;
  maxRingSeconds?: number;
  limit?: number;
  cursor?: string;
}

/** A history row: the call detail record with its job's current status and the contact's name. */
export const HistoryItem = CallRecord.extend({
  jobStatus: JobStatus.optional(),
  contactName: z.string().optional(),
});
/** A history row. */
export type HistoryItem = z.infer<typeof HistoryItem>;

/** A page of the history. `examined` counts the records read to fill it. */
export interface HistoryPage {
  items: HistoryItem[];
  cursor?: string;
  examined: number;
}

const strip = (item: Item): Record<string, unknown> => {
  const { pk: _pk, sk: _sk, gsi3pk: _g, gsi3sk: _s, kind: _k, ...rest } = item;
  return rest;
};

type Cursor = { m: 'walk'; d: string; b?: string } | { m: 'list'; o: number };

function encode(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decode(cursor: string | undefined): Cursor | undefined {
  if (!cursor) return undefined;
  try {
    const c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Cursor;
    if (c.m === 'walk' && typeof c.d === 'string') return c;
    if (c.m === 'list' && Number.isInteger(c.o) && c.o >= 0) return c;
  } catch (error) {
    expectOnly(error, SyntaxError);
    // fall through to the error below
  }
  throw new ValidationError('invalid cursor', [{ path: 'cursor', message: 'not a cursor of this search' }]);
}

/** UTC days from `to` back to `from` (the history index is partitioned by UTC day). */
function daysNewestFirst(from: string, to: string): string[] {
  const out: string[] = [];
  const start = Date.parse(`${from.slice(0, 10)}T00:00:00Z`);
  for (let d = Date.parse(`${to.slice(0, 10)}T00:00:00Z`); d >= start && out.length <= MAX_HISTORY_DAYS + 1; d -= 86_400_000) out.push(isoAt(d).slice(0, 10));
  return out;
}

/** The record filters that do not need the job. */
function matcher(f: HistoryFilter, campaigns: Set<string> | undefined) {
  return (r: CallRecord) =>
    r.dialledAt >= f.from &&
    r.dialledAt <= f.to &&
    (!f.phone || r.callee === f.phone) &&
    (!f.referenceId || r.referenceId === f.referenceId) &&
    (!f.campaignId || r.campaignId === f.campaignId) &&
    (!campaigns || campaigns.has(r.campaignId)) &&
    (!f.jobId || r.jobId === f.jobId) &&
    (!f.callId || r.callId === f.callId) &&
    (!f.status?.length || f.status.includes(r.status)) &&
    (f.answered === undefined || r.answered === f.answered) &&
    (f.completed === undefined || r.completed === f.completed) &&
    (f.noMatchHangup === undefined || r.noMatchHangup === f.noMatchHangup) &&
    (f.minRingSeconds === undefined || r.ringSeconds >= f.minRingSeconds) &&
    (f.maxRingSeconds === undefined || r.ringSeconds <= f.maxRingSeconds);
}

/** Adds each call's job status and contact name (one batchGet per 100 calls); drops calls whose job status does not match. */
async function withJobs(store: Store, instanceId: string, calls: CallRecord[], jobStatus: JobStatus[] | undefined): Promise<HistoryItem[]> {
  const wanted = new Map<string, { campaignId: string; jobId: string }>();
  for (const c of calls) wanted.set(`${c.campaignId}\u0000${c.jobId}`, { campaignId: c.campaignId, jobId: c.jobId });
  const jobs = new Map<string, Item>();
  const list = [...wanted.values()];
  for (let i = 0; i < list.length; i += 100) {
    const got = await store.batchGet(list.slice(i, i + 100).map((j) => keys.job(instanceId, j.campaignId, j.jobId)));
    for (const item of got) jobs.set(`${String(item.campaignId)}\u0000${String(item.jobId)}`, item);
  }
  const out: HistoryItem[] = [];
  for (const c of calls) {
    const job = jobs.get(`${c.campaignId}\u0000${c.jobId}`);
    const status = JobStatus.safeParse(job?.status);
    if (jobStatus?.length && (!status.success || !jobStatus.includes(status.data))) continue;
    const contact = job?.contact as { name?: unknown } | undefined;
    out.push({
      ...c,
      ...(status.success ? { jobStatus: status.data } : {}),
      ...(typeof contact?.name === 'string' ? { contactName: contact.name } : {}),
    });
  }
  return out;
}

async function campaignsNamed(store: Store, instanceId: string, part: string): Promise<Set<string>> {
  const needle = part.toLowerCase();
  const ids = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await listCampaigns(store, instanceId, { limit: 200, cursor });
    for (const c of page.items) if (c.name.toLowerCase().includes(needle)) ids.add(c.campaignId);
    cursor = page.cursor;
  } while (cursor);
  return ids;
}

/**
 * The jobs of a phone number or reference id, from the index keys alone (the indexes project keys only):
 * a job's table sort key is `JOB#<jobId>` and its index sort key `<campaignId>#<jobId>`.
 */
async function jobsOfIndex(store: Store, index: 'gsi2' | 'gsi3', pk: string): Promise<{ campaignId: string; jobId: string }[]> {
  const out: { campaignId: string; jobId: string }[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.query({ index, pk, limit: 200, cursor });
    for (const i of page.items) {
      const sk = String(i.sk);
      const indexSk = String(i[`${index}sk`]);
      if (!sk.startsWith('JOB#')) continue;
      const jobId = sk.slice('JOB#'.length);
      if (indexSk.endsWith(`#${jobId}`)) out.push({ campaignId: indexSk.slice(0, -(jobId.length + 1)), jobId });
    }
    cursor = page.cursor;
  } while (cursor && out.length < MAX_JOBS_PER_LOOKUP);
  return out;
}

/** Searches the call history newest first (R5). */
export async function searchHistory(store: Store, instanceId: string, filter: HistoryFilter): Promise<HistoryPage> {
  const limit = Math.max(1, Math.min(200, filter.limit ?? 50));
  if (filter.from > filter.to) throw new ValidationError('from must not be after to', [{ path: 'from', message: 'after to' }]);
  const campaigns = filter.campaignName ? await campaignsNamed(store, instanceId, filter.campaignName) : undefined;
  const match = matcher(filter, campaigns);
  const cursor = decode(filter.cursor);

  // Targeted lookups: the candidate calls are few, so they are gathered, sorted and paged by offset.
  let candidates: CallRecord[] | undefined;
  if (filter.callId) {
    const one = await getCallRecord(store, instanceId, filter.callId);
    candidates = one ? [one] : [];
  } else if (filter.jobId) {
    candidates = await listCallsOfJob(store, instanceId, filter.jobId);
  } else if (filter.phone || filter.referenceId) {
    const jobs = filter.phone
      ? await jobsOfIndex(store, 'gsi2', keys.byPhone(instanceId, filter.phone))
      : await jobsOfIndex(store, 'gsi3', keys.byReference(instanceId, filter.referenceId!));
    candidates = [];
    for (const j of jobs) if (!filter.campaignId || j.campaignId === filter.campaignId) candidates.push(...(await listCallsOfJob(store, instanceId, j.jobId)));
  }
  if (candidates) {
    if (cursor && cursor.m !== 'list') throw new ValidationError('invalid cursor', [{ path: 'cursor', message: 'not a cursor of this search' }]);
    const offset = cursor?.m === 'list' ? cursor.o : 0;
    const matching = candidates.filter(match).sort((a, b) => b.dialledAt.localeCompare(a.dialledAt) || b.callId.localeCompare(a.callId));
    const enriched = await withJobs(store, instanceId, matching, filter.jobStatus);
    const items = enriched.slice(offset, offset + limit);
    return { items, examined: candidates.length, ...(offset + limit < enriched.length ? { cursor: encode({ m: 'list', o: offset + limit }) } : {}) };
  }

  const days = daysNewestFirst(filter.from, filter.to);
  // A range of MAX_HISTORY_DAYS × 24 h touches one more calendar day.
  if (days.length > MAX_HISTORY_DAYS + 1) {
    throw new ValidationError(`the time range may span at most ${MAX_HISTORY_DAYS} days`, [{ path: 'from', message: 'range too long' }]);
  }
  if (cursor && cursor.m !== 'walk') throw new ValidationError('invalid cursor', [{ path: 'cursor', message: 'not a cursor of this search' }]);
  let dayIndex = cursor ? days.indexOf(cursor.d) : 0;
  if (dayIndex < 0) throw new ValidationError('the cursor does not belong to this time range', [{ path: 'cursor', message: 'outside the range' }]);
  let before = cursor?.b;
  const items: HistoryItem[] = [];
  let examined = 0;
  while (dayIndex < days.length && items.length < limit && examined < MAX_EXAMINED) {
    const upper = before ?? `${filter.to}\uffff`;
    // Keys only in the index: the records are read back by key, the page's keys in one batch.
    const page = await queryItems(store, {
      index: 'gsi3',
      pk: keys.callHistoryDay(instanceId, days[dayIndex]!),
      between: [filter.from, upper],
      reverse: true,
      limit: Math.min(200, limit * 2),
    });
    const batch: CallRecord[] = [];
    let last: string | undefined;
    for (const it of page.items) {
      const sk = String(it.gsi3sk);
      if (sk === before) continue;
      examined += 1;
      last = sk;
      const r = CallRecord.safeParse(strip(it));
      if (r.success && match(r.data)) batch.push(r.data);
      // Stop at the page size, remembering exactly where, so no record is skipped or repeated.
      if (items.length + batch.length >= limit) break;
    }
    items.push(...(await withJobs(store, instanceId, batch, filter.jobStatus)));
    const dayDone = last === undefined || (!page.cursor && String(page.items[page.items.length - 1]?.gsi3sk) === last);
    if (dayDone) {
      dayIndex += 1;
      before = undefined;
    } else before = last;
  }
  return {
    items,
    examined,
    ...(dayIndex < days.length ? { cursor: encode({ m: 'walk', d: days[dayIndex]!, ...(before ? { b: before } : {}) }) } : {}),
  };
}

/** Call detail (T4–T6): the record, its job and campaign, transcript, hang-up party and node, and a recording link. */
export const CallDetail = z.object({
  call: CallRecord,
  job: z
    .object({
      jobId: z.string(),
      status: z.string(),
      failureReason: z.string().optional(),
      attempts: z.number(),
      contact: z.object({ phone: z.string(), name: z.string().optional(), referenceId: z.string().optional() }),
    })
    .nullable(),
  campaign: z.object({ campaignId: z.string(), name: z.string() }).nullable(),
  transcript: z.array(StoredTurn.extend({ nodeName: z.string().optional() })),
  tags: z.record(z.string(), z.string()),
  hangup: z.object({ party: z.string().optional(), nodeId: z.string().optional(), nodeName: z.string().optional(), reason: z.string().optional() }),
  recording: z.object({ url: z.string(), expiresAt: z.string() }).nullable(),
});
/** Call detail. */
export type CallDetail = z.infer<typeof CallDetail>;

/** Reads the detail of a call, or undefined when the instance has no such call. */
export async function callDetail(
  store: Store,
  recordings: Blobs,
  instanceId: string,
  callId: string,
  now: number,
): Promise<CallDetail | undefined> {
  const call = await getCallRecord(store, instanceId, callId);
  if (!call) return undefined;
  const [jobItem, campaignItem, turns] = await Promise.all([
    store.get(keys.job(instanceId, call.campaignId, call.jobId)),
    store.get(keys.campaign(instanceId, call.campaignId)),
    listTurns(store, instanceId, callId),
  ]);
  const scenarioId = call.scenarioId ?? (typeof campaignItem?.scenarioId === 'string' ? campaignItem.scenarioId : undefined);
  const version = call.scenarioVersion ?? (typeof campaignItem?.scenarioVersion === 'number' ? campaignItem.scenarioVersion : undefined);
  const definition = scenarioId && version ? await scenarioDefinitionOf(store, instanceId, scenarioId, version) : undefined;
  const names = new Map((definition?.nodes ?? []).map((n) => [n.id, n.name ?? n.id]));
  let recording: CallDetail['recording'] = null;
  if (call.recordingKey && (await recordings.head(call.recordingKey))) {
    recording = { url: await recordings.link(call.recordingKey, RECORDING_LINK_SECONDS), expiresAt: isoAt(now + RECORDING_LINK_SECONDS * 1000) };
  }
  const contact = jobItem?.contact as { phone?: unknown; name?: unknown; referenceId?: unknown } | undefined;
  return {
    call,
    job: jobItem
      ? {
          jobId: call.jobId,
          status: String(jobItem.status),
          ...(typeof jobItem.failureReason === 'string' ? { failureReason: jobItem.failureReason } : {}),
          attempts: Number(jobItem.attempts ?? 0),
          contact: {
            phone: String(contact?.phone ?? call.callee ?? ''),
            ...(typeof contact?.name === 'string' ? { name: contact.name } : {}),
            ...(typeof contact?.referenceId === 'string' ? { referenceId: contact.referenceId } : {}),
          },
        }
      : null,
    campaign: campaignItem ? { campaignId: call.campaignId, name: String(campaignItem.name ?? '') } : null,
    transcript: turns.map((t) => ({ ...t, ...(t.nodeId && names.has(t.nodeId) ? { nodeName: names.get(t.nodeId)! } : {}) })),
    tags: call.tags,
    hangup: {
      ...(call.hangupParty ? { party: call.hangupParty } : {}),
      ...(call.hangupNode ? { nodeId: call.hangupNode, nodeName: names.get(call.hangupNode) ?? call.hangupNode } : {}),
      ...(call.hangupReason ? { reason: call.hangupReason } : {}),
    },
    recording,
  };
}
