import type { Services } from '../core/deps';
import { newId } from '../core/ids';
import type { Item, Store } from '../ports/store';
import { isoAt } from '../ports/clock';
import { keys } from '../store/keys';
import { getCampaign, jobIdFor, newJobItem } from '../campaigns/repository';
import { markImportFinished, markImportRunning, NEW_JOB_COUNTERS } from '../campaigns/transitions';
import { effectId, type EffectInput } from '../outbox/effects';
import { COUNTER_SHARDS } from '../store/keys';
import { shardOf } from '../core/ids';
import type { Contact } from '../campaigns/schema';
import { columnMap, validateRow, type Rejection, type RejectionReason } from './normalize';
import { ContactFileError, type RawRow } from './parse';

/**
 * Contact import (SPEC C3, C4): rows in, jobs out, row-level rejections recorded.
 * Work is done in chunks: one batch read of the do-not-call list, one conditional put per accepted
 * row (the job item, which is also the claim on its number: one item write per row), one batch write
 * of rejections, one idempotent count and one progress commit, so memory stays flat whatever the
 * file size (only the set of numbers seen in the file grows, ~60 bytes per distinct number).
 * docs/imports.md has the design and its costs.
 */

/** Where the rows come from. */
export type ImportSource = 'csv' | 'xlsx' | 'manual' | 'api' | 'rerun';

/** State of an import, readable while it runs. */
export interface ImportReport {
  importId: string;
  campaignId: string;
  source: ImportSource;
  status: 'running' | 'completed' | 'failed';
  rowsRead: number;
  accepted: number;
  rejected: number;
  /** Rejections by reason. */
  byReason: Partial<Record<RejectionReason, number>>;
  bytesRead?: number;
  totalBytes?: number;
  /** The first rejections (all of them are listed by the rejections endpoint). */
  sample: Rejection[];
  startedAt: string;
  updatedAt: string;
  finishedAt?: string;
  error?: string;
  /** Last row committed (rows up to it are done; a re-run resumes after it). */
  cursor?: number;
  /** Runs started on this import (more than one: a redelivery or continuation). */
  runs?: number;
}

/** Rows per chunk. */
export const IMPORT_CHUNK = 500;
/**
 * Claims (conditional puts) in flight at once: enough to hide a DynamoDB round trip (~5 ms, so ~10,000
 * rows/s per worker), few enough that a chunk's requests do not all sit in memory together.
 */
const CLAIMS_IN_FLIGHT = 64;

/** Maps items with at most `limit` calls in flight; results in input order. */
async function inParallel<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
const SAMPLE = 20;

/** Either rows with a header row first (files) or ready contacts (API batches). */
export type ImportInput =
  | { kind: 'rows'; rows: AsyncIterable<RawRow> }
  | { kind: 'contacts'; contacts: AsyncIterable<{ row: number; contact: Partial<Contact> & { phone: string } }> };

/**
 * Creates the import record (status running) and marks the campaign as importing. Idempotent per
 * import id: an import that exists is returned as it is (a redelivered start never re-opens a finished
 * import on its campaign).
 */
export async function beginImport(
  deps: Services,
  instanceId: string,
  campaignId: string,
  source: ImportSource,
  extra: { importId?: string; totalBytes?: number; blobKey?: string } = {},
): Promise<ImportReport> {
  const now = deps.clock.now();
  const importId = extra.importId ?? newId('imp_', now);
  const before = extra.importId ? await getImport(deps.store, instanceId, campaignId, importId) : undefined;
  if (before) return before;
  // First on the campaign (one conditional write, refused when it takes no contacts): from here on it cannot complete before this import ends.
  await markImportRunning(deps, instanceId, campaignId, importId);
  const report: ImportReport = {
    importId,
    campaignId,
    source,
    status: 'running',
    rowsRead: 0,
    accepted: 0,
    rejected: 0,
    byReason: {},
    sample: [],
    startedAt: isoAt(now),
    updatedAt: isoAt(now),
    cursor: 0,
    ...(extra.totalBytes !== undefined ? { totalBytes: extra.totalBytes } : {}),
  };
  const put = await deps.store.put(
    { ...keys.contactImport(instanceId, campaignId, importId), type: 'import', ...report, ...(extra.blobKey ? { blobKey: extra.blobKey } : {}) },
    { notExists: 'pk' },
  );
  if (!put.ok) {
    const existing = await getImport(deps.store, instanceId, campaignId, importId);
    // Lost to a parallel start that has already finished: our mark must not outlive it.
    if (existing && existing.status !== 'running') await markImportFinished(deps, instanceId, campaignId, importId);
    if (existing) return existing;
  }
  return report;
}

/** Marks an import failed before any row was read (e.g. an upload for a campaign that takes no contacts). */
export async function recordFailedImport(deps: Services, instanceId: string, campaignId: string, importId: string, source: ImportSource, error: string): Promise<void> {
  const at = isoAt(deps.clock.now());
  await deps.store.put(
    { ...keys.contactImport(instanceId, campaignId, importId), type: 'import', importId, campaignId, source, status: 'failed', rowsRead: 0, accepted: 0, rejected: 0, byReason: {}, sample: [], startedAt: at, updatedAt: at, finishedAt: at, error },
    { notExists: 'pk' },
  );
}

/** Reads an import's progress. */
export async function getImport(store: Store, instanceId: string, campaignId: string, importId: string): Promise<ImportReport | undefined> {
  const item = await store.get(keys.contactImport(instanceId, campaignId, importId));
  return item ? reportFromItem(item) : undefined;
}

/** Lists a campaign's imports, newest first (import ids start with their time). */
export async function listImports(store: Store, instanceId: string, campaignId: string, options: { limit?: number; cursor?: string } = {}) {
  const page = await store.query({ pk: keys.contactImport(instanceId, campaignId, 'x').pk, beginsWith: 'IMP#', reverse: true, limit: options.limit ?? 50, cursor: options.cursor });
  return { items: page.items.map(reportFromItem), cursor: page.cursor };
}

function reportFromItem(item: Item): ImportReport {
  const { pk: _pk, sk: _sk, type: _t, blobKey: _b, ...rest } = item;
  return rest as unknown as ImportReport;
}

/** Lists rejected rows of an import in row order. */
export async function listRejections(store: Store, instanceId: string, importId: string, options: { limit?: number; cursor?: string } = {}) {
  const page = await store.query({ pk: keys.importRejection(instanceId, importId, 0).pk, limit: options.limit ?? 100, cursor: options.cursor });
  return {
    items: page.items.map((i) => ({ row: Number(i.row), reason: i.reason as RejectionReason, ...(i.detail ? { detail: String(i.detail) } : {}), ...(i.phone ? { phone: String(i.phone) } : {}) })),
    cursor: page.cursor,
  };
}

/** Options of runImport. */
export interface RunImportOptions {
  instanceId: string;
  defaultRegion: string;
  requiredVariables: readonly string[];
  bytesRead?: () => number;
  /**
   * Milliseconds of wall time this run has left (a Lambda or API Gateway time limit is wall time, not
   * the platform clock, which may run fast locally). When it reaches 0 no new chunk starts: the import
   * stops after its last commit and is left `running`, to be continued by another run of the same
   * import id (the worker re-enqueues it).
   */
  timeLeft?: () => number;
}

/** Why a run ended without finishing the import (the report stays `running`). */
export type ImportPause = 'deadline' | 'superseded';

/**
 * Runs an import (the worker calls this for files; routes call it inline for small batches) and
 * returns its report.
 *
 * Idempotent per import id, whatever the concurrency or redelivery (C4):
 * - a number's job id is derived from campaign and number (`jobIdFor`) and written with a
 *   conditional put: the job item is the claim, so of two imports (or two runs of one import)
 *   offering one number exactly one creates its job; the job records `importId#row`, so a run that
 *   finds the job already there tells its own earlier write (accepted) from another row's or import's
 *   (duplicate);
 * - each chunk's accepted count is an idempotent count (effect id per import and first row);
 * - the chunk's progress and its last row (`cursor`) are committed in one conditional write (cursor
 *   unchanged since the chunk began), so a re-run skips committed rows and resumes at the first
 *   uncommitted chunk, recomputing it to the same result.
 *
 * File errors (corrupt, unreadable) fail the import; store errors are thrown with the import left
 * `running`, for a retry of the same import id to resume.
 */
export async function runImport(deps: Services, report: ImportReport, input: ImportInput, options: RunImportOptions): Promise<ImportReport & { paused?: ImportPause }> {
  const { store } = deps;
  const { instanceId } = options;
  const { campaignId, importId } = report;
  // Resume from what the store holds, never from a caller's stale copy; count this run.
  const started = await store.update(keys.contactImport(instanceId, campaignId, importId), { add: { runs: 1 } }, { exists: 'pk' });
  const stored = started.ok && started.item ? reportFromItem(started.item) : report;
  if (stored.status !== 'running') return stored;
  const state: ImportReport = { ...stored, byReason: { ...stored.byReason }, sample: [...stored.sample] };
  const resumeAfter = state.cursor ?? 0;
  const resumed = resumeAfter > 0 || (state.runs ?? 0) > 1;
  let checkFirstChunk = resumed;
  const seen = new Set<string>();
  let chunk: { row: number; contact?: Contact; rejection?: Rejection }[] = [];
  let paused: ImportPause | undefined;

  const flush = async (): Promise<void> => {
    if (chunk.length === 0) return;
    const now = deps.clock.now();
    const rejections: Rejection[] = [];
    const candidates: { row: number; contact: Contact; jobId: string }[] = [];
    for (const c of chunk) {
      if (c.rejection) rejections.push(c.rejection);
      else if (seen.has(c.contact!.phone)) rejections.push({ row: c.row, reason: 'DuplicateInFile', phone: c.contact!.phone });
      else {
        seen.add(c.contact!.phone);
        candidates.push({ row: c.row, contact: c.contact!, jobId: jobIdFor(instanceId, campaignId, c.contact!.phone) });
      }
    }
    const owner = (row: number) => `${importId}#${row}`;
    const jobKey = (jobId: string) => keys.job(instanceId, campaignId, jobId);
    let accepted = 0;
    const decide = (c: (typeof candidates)[number], existing: Record<string, unknown>) => {
      if (existing.importOwner === owner(c.row)) accepted++; // our own write of an earlier run
      else rejections.push({ row: c.row, reason: String(existing.importOwner ?? '').startsWith(`${importId}#`) ? 'DuplicateInFile' : 'DuplicateInCampaign', phone: c.contact.phone });
    };
    let open = candidates;
    if (checkFirstChunk) {
      // The first chunk after a crash may be partly written: jobs already ours count whatever lists changed since.
      const found = new Map((await store.batchGet(open.map((c) => jobKey(c.jobId)))).map((i) => [i.sk, i]));
      open = open.filter((c) => {
        const existing = found.get(`JOB#${c.jobId}`);
        if (existing) decide(c, existing);
        return !existing;
      });
      checkFirstChunk = false;
    }
    const dnc = open.length ? new Set((await store.batchGet(open.map((c) => keys.doNotCall(instanceId, c.contact.phone)))).map((i) => i.sk)) : new Set<string>();
    const claims: typeof candidates = [];
    for (const c of open) {
      if (dnc.has(c.contact.phone)) rejections.push({ row: c.row, reason: 'DoNotCall', phone: c.contact.phone });
      else claims.push(c);
    }
    // One conditional put per number: the job item is the claim (no transactions needed, none used).
    const results = await inParallel(claims, CLAIMS_IN_FLIGHT, (c) =>
      store.put({ ...newJobItem(instanceId, campaignId, c.jobId, c.contact, now, now), importOwner: owner(c.row) }, { notExists: 'pk' }),
    );
    const lost = claims.filter((_, i) => !results[i]!.ok);
    accepted += claims.length - lost.length;
    if (lost.length > 0) {
      const found = new Map((await store.batchGet(lost.map((c) => jobKey(c.jobId)))).map((i) => [i.sk, i]));
      for (const c of lost) decide(c, found.get(`JOB#${c.jobId}`) ?? {});
    }
    rejections.sort((a, b) => a.row - b.row);
    if (rejections.length > 0) {
      await store.batchPut(rejections.map((r) => ({ ...keys.importRejection(instanceId, importId, r.row), type: 'rejection', ...r })));
    }
    const first = chunk[0]!.row;
    // The chunk's count is an effect of the progress write (the import item is its own outbox): counted once
    // with the committed cursor, or not at all. Jobs written by a run that died before this write lie past the
    // cursor, owned by this import: a re-run counts them as its own, an abandoned import's release counts them.
    const counts: EffectInput[] = accepted > 0
      ? [{
          type: 'count',
          order: 0,
          id: effectId(Date.parse(state.startedAt), 'import', importId, first),
          key: keys.campaignCounters(instanceId, campaignId, shardOf(`${importId}#${first}`, COUNTER_SHARDS)),
          add: { total: accepted * (NEW_JOB_COUNTERS.total ?? 1) },
          set: { type: 'counters' },
        }]
      : [];
    const next: ImportReport = {
      ...state,
      byReason: { ...state.byReason },
      sample: [...state.sample],
      rowsRead: state.rowsRead + chunk.length,
      accepted: state.accepted + accepted,
      rejected: state.rejected + rejections.length,
      cursor: chunk[chunk.length - 1]!.row,
      updatedAt: isoAt(now),
      ...(options.bytesRead ? { bytesRead: options.bytesRead() } : {}),
    };
    for (const r of rejections) {
      next.byReason[r.reason] = (next.byReason[r.reason] ?? 0) + 1;
      if (next.sample.length < SAMPLE) next.sample.push(r);
    }
    chunk = [];
    const committed = await deps.outbox.commit(
      keys.contactImport(instanceId, campaignId, importId),
      { set: reportAttributes(next) },
      { and: [{ eq: ['status', 'running'] }, state.cursor ? { eq: ['cursor', state.cursor] } : { or: [{ notExists: 'cursor' }, { eq: ['cursor', 0] }] }] },
      counts,
    );
    if (!committed.ok) {
      paused = 'superseded'; // another run of this import committed this chunk first: it carries on
      return;
    }
    Object.assign(state, next);
    if (options.timeLeft && options.timeLeft() <= 0) paused = 'deadline';
  };

  const push = async (row: number, v: ReturnType<typeof validateRow>) => {
    if (row <= resumeAfter) return; // committed by an earlier run
    chunk.push(v.ok ? { row, contact: v.contact } : { row, rejection: { row, reason: v.reason, ...(v.detail ? { detail: v.detail } : {}), ...(v.phone ? { phone: v.phone } : {}) } });
    if (chunk.length >= IMPORT_CHUNK) await flush();
  };

  try {
    if (input.kind === 'rows') {
      let columns: ReturnType<typeof columnMap> | undefined;
      for await (const raw of input.rows) {
        if (!columns) {
          columns = columnMap(raw.cells);
          if (columns.fields.phone === undefined) {
            // No recognisable header: a single-column list of numbers, first row included.
            columns = { fields: { phone: 0 }, variables: [] };
          } else continue;
        }
        if (raw.row <= resumeAfter) continue;
        await push(raw.row, validateRow(raw.cells, columns, options));
        if (paused) break;
      }
    } else {
      for await (const { row, contact } of input.contacts) {
        if (row <= resumeAfter) continue;
        const variables = contact.variables ?? {};
        const names = Object.keys(variables);
        const cells = [contact.phone, contact.name ?? '', contact.honorific ?? '', contact.referenceId ?? '', ...names.map((n) => variables[n] ?? '')];
        const columns = { fields: { phone: 0, name: 1, honorific: 2, referenceId: 3 }, variables: names.map((name, i) => ({ name, index: 4 + i })) };
        await push(row, validateRow(cells, columns, options));
        if (paused) break;
      }
    }
    if (!paused) {
      await flush();
      // Every row is committed: out of time or not, the import is done (unless another run committed the last chunk).
      if (paused === 'deadline') paused = undefined;
    }
  } catch (error) {
    if (!(error instanceof ContactFileError)) throw error; // the import stays running: a retry resumes it
    return finishImport(deps, instanceId, state, error.message);
  }
  if (paused) {
    const now = (await getImport(store, instanceId, campaignId, importId)) ?? state;
    return { ...now, paused };
  }
  return finishImport(deps, instanceId, state);
}

/**
 * Ends an import: completed, or failed with `error`; clears its mark on the campaign and nudges the
 * dispatcher. Idempotent: an import already ended is returned as it is.
 */
export async function finishImport(deps: Services, instanceId: string, report: ImportReport, error?: string): Promise<ImportReport> {
  const { store } = deps;
  const { campaignId, importId } = report;
  const finishedAt = isoAt(deps.clock.now());
  const final: ImportReport = { ...report, status: error === undefined ? 'completed' : 'failed', finishedAt, updatedAt: finishedAt, ...(error !== undefined ? { error } : {}) };
  const written = await store.update(keys.contactImport(instanceId, campaignId, importId), { set: reportAttributes(final) }, { eq: ['status', 'running'] });
  const result = written.ok ? final : ((await getImport(store, instanceId, campaignId, importId)) ?? final);
  await markImportFinished(deps, instanceId, campaignId, importId);
  if (!written.ok) return result;
  const campaign = await getCampaign(store, instanceId, campaignId);
  if (campaign.state === 'running' && final.accepted > 0) {
    await deps.queues.tick.send({ body: JSON.stringify({ type: 'tick', instanceId, campaignId, reason: 'import' }) });
  }
  if (final.status === 'failed') deps.log.warn('contact import failed', { instanceId, campaignId, importId, error: final.error });
  return final;
}

const reportAttributes = (report: ImportReport): Record<string, unknown> => {
  const { runs: _runs, ...rest } = report;
  return { ...rest, type: 'import' };
};

/** An async iterable over an array (API batches and manual entry reuse the streaming importer). */
export async function* fromArray<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}
