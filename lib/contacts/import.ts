import type { Services } from '../core/deps';
import { newId } from '../core/ids';
import type { Item, Store } from '../ports/store';
import { isoAt } from '../ports/clock';
import { keys } from '../store/keys';
import { getCampaign, newJobItem } from '../campaigns/repository';
import { markImportFinished, markImportRunning, NEW_JOB_COUNTERS } from '../campaigns/transitions';
import { effectId } from '../outbox/effects';
import { COUNTER_SHARDS } from '../store/keys';
import { shardOf } from '../core/ids';
import type { Contact } from '../campaigns/schema';
import { ConflictError } from '../core/errors';
import { columnMap, validateRow, type Rejection, type RejectionReason } from './normalize';
import type { RawRow } from './parse';

/**
 * Contact import (SPEC C3, C4): rows in, jobs out, row-level rejections recorded.
 * Work is done in chunks: one batch read for duplicates and the do-not-call list, one batch write
 * for jobs and dedup markers, one progress update, so memory stays flat whatever the file size
 * (only the set of numbers seen in the file grows, ~60 bytes per distinct number).
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
}

/** Rows per chunk. */
export const IMPORT_CHUNK = 500;
const SAMPLE = 20;
const WRITE_GROUP = 100;

/** Either rows with a header row first (files) or ready contacts (API batches). */
export type ImportInput =
  | { kind: 'rows'; rows: AsyncIterable<RawRow> }
  | { kind: 'contacts'; contacts: AsyncIterable<{ row: number; contact: Partial<Contact> & { phone: string } }> };

/** Creates the import record (status running) and marks the campaign as importing. */
export async function beginImport(
  deps: Services,
  instanceId: string,
  campaignId: string,
  source: ImportSource,
  extra: { importId?: string; totalBytes?: number; blobKey?: string } = {},
): Promise<ImportReport> {
  const now = deps.clock.now();
  const importId = extra.importId ?? newId('imp_', now);
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
    ...(extra.totalBytes !== undefined ? { totalBytes: extra.totalBytes } : {}),
  };
  const put = await deps.store.put(
    { ...keys.contactImport(instanceId, campaignId, importId), type: 'import', ...report, ...(extra.blobKey ? { blobKey: extra.blobKey } : {}) },
    { notExists: 'pk' },
  );
  if (!put.ok) {
    const existing = await getImport(deps.store, instanceId, campaignId, importId);
    if (existing) return existing;
  }
  return report;
}

/** Reads an import's progress. */
export async function getImport(store: Store, instanceId: string, campaignId: string, importId: string): Promise<ImportReport | undefined> {
  const item = await store.get(keys.contactImport(instanceId, campaignId, importId));
  if (!item) return undefined;
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

/**
 * Runs an import to the end (the worker calls this for files; routes call it inline for small batches).
 * Returns the final report. Failures mark the import failed and are rethrown.
 */
export async function runImport(
  deps: Services,
  report: ImportReport,
  input: ImportInput,
  options: { instanceId: string; defaultRegion: string; requiredVariables: readonly string[]; bytesRead?: () => number },
): Promise<ImportReport> {
  const { store } = deps;
  const { instanceId } = options;
  const { campaignId, importId } = report;
  const seen = new Set<string>();
  const state = { ...report };
  let chunk: { row: number; contact?: Contact; rejection?: Rejection }[] = [];

  const flush = async () => {
    if (chunk.length === 0) return;
    const now = deps.clock.now();
    const candidates = chunk.filter((c) => c.contact);
    const phones = [...new Set(candidates.map((c) => c.contact!.phone))];
    const [inCampaign, dnc] = await Promise.all([
      store.batchGet(phones.map((p) => keys.campaignNumber(instanceId, campaignId, p))),
      store.batchGet(phones.map((p) => keys.doNotCall(instanceId, p))),
    ]);
    const existing = new Set(inCampaign.map((i) => i.sk));
    const blocked = new Set(dnc.map((i) => i.sk));
    const writes: Item[] = [];
    const rejections: Rejection[] = [];
    for (const c of chunk) {
      if (c.rejection) {
        rejections.push(c.rejection);
        continue;
      }
      const contact = c.contact!;
      let reason: RejectionReason | undefined;
      if (seen.has(contact.phone)) reason = 'DuplicateInFile';
      else if (existing.has(contact.phone)) reason = 'DuplicateInCampaign';
      else if (blocked.has(contact.phone)) reason = 'DoNotCall';
      if (reason) {
        rejections.push({ row: c.row, reason, phone: contact.phone });
        continue;
      }
      seen.add(contact.phone);
      const jobId = newId('job_', now);
      writes.push(newJobItem(instanceId, campaignId, jobId, contact, now, now));
      writes.push({ ...keys.campaignNumber(instanceId, campaignId, contact.phone), type: 'campaignNumber', jobId });
    }
    for (const r of rejections) {
      writes.push({ ...keys.importRejection(instanceId, importId, r.row), type: 'rejection', ...r });
      state.byReason[r.reason] = (state.byReason[r.reason] ?? 0) + 1;
      if (state.sample.length < SAMPLE) state.sample.push(r);
    }
    // Parallel batches: the adapter writes 25 items per request, and a chunk is ~1,000 items.
    const groups: Item[][] = [];
    for (let i = 0; i < writes.length; i += WRITE_GROUP) groups.push(writes.slice(i, i + WRITE_GROUP));
    await Promise.all(groups.map((g) => store.batchPut(g)));
    const accepted = chunk.length - rejections.length;
    if (accepted > 0) {
      // Exactly once per chunk (an idempotent count): a redelivered import cannot double the totals.
      const first = chunk[0]!.row;
      await deps.outbox.count({
        type: 'count',
        order: 0,
        id: effectId(Date.parse(report.startedAt), 'import', importId, first),
        key: keys.campaignCounters(instanceId, campaignId, shardOf(`${importId}#${first}`, COUNTER_SHARDS)),
        add: { total: accepted * (NEW_JOB_COUNTERS.total ?? 1) },
        set: { type: 'counters' },
      });
    }
    state.rowsRead += chunk.length;
    state.accepted += accepted;
    state.rejected += rejections.length;
    state.updatedAt = isoAt(now);
    if (options.bytesRead) state.bytesRead = options.bytesRead();
    chunk = [];
    await saveReport(store, instanceId, state);
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
        const v = validateRow(raw.cells, columns, options);
        chunk.push(v.ok ? { row: raw.row, contact: v.contact } : { row: raw.row, rejection: { row: raw.row, reason: v.reason, ...(v.detail ? { detail: v.detail } : {}), ...(v.phone ? { phone: v.phone } : {}) } });
        if (chunk.length >= IMPORT_CHUNK) await flush();
      }
    } else {
      for await (const { row, contact } of input.contacts) {
        const variables = contact.variables ?? {};
        const names = Object.keys(variables);
        const cells = [contact.phone, contact.name ?? '', contact.honorific ?? '', contact.referenceId ?? '', ...names.map((n) => variables[n] ?? '')];
        const columns = { fields: { phone: 0, name: 1, honorific: 2, referenceId: 3 }, variables: names.map((name, i) => ({ name, index: 4 + i })) };
        const v = validateRow(cells, columns, options);
        chunk.push(v.ok ? { row, contact: v.contact } : { row, rejection: { row, reason: v.reason, ...(v.detail ? { detail: v.detail } : {}), ...(v.phone ? { phone: v.phone } : {}) } });
        if (chunk.length >= IMPORT_CHUNK) await flush();
      }
    }
    await flush();
    state.status = 'completed';
  } catch (error) {
    state.status = 'failed';
    state.error = error instanceof Error ? error.message : String(error);
  }
  state.finishedAt = isoAt(deps.clock.now());
  state.updatedAt = state.finishedAt;
  await saveReport(store, instanceId, state);
  await markImportFinished(deps, instanceId, campaignId, importId);
  const campaign = await getCampaign(store, instanceId, campaignId);
  if (campaign.state === 'running' && state.accepted > 0) {
    await deps.queues.tick.send({ body: JSON.stringify({ type: 'tick', instanceId, campaignId, reason: 'import' }) });
  }
  if (state.status === 'failed') deps.log.warn('contact import failed', { instanceId, campaignId, importId, error: state.error });
  return state;
}

async function saveReport(store: Store, instanceId: string, report: ImportReport): Promise<void> {
  await store.update(keys.contactImport(instanceId, report.campaignId, report.importId), {
    set: { ...report, type: 'import' },
  });
}

/** An async iterable over an array (API batches and manual entry reuse the streaming importer). */
export async function* fromArray<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}
