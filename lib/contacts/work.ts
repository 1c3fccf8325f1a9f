import * as z from 'zod';
import { matchesOutcome } from '../campaigns/lifecycle';
import { getCampaign, listJobs } from '../campaigns/repository';
import { RerunOutcome } from '../campaigns/schema';
import type { Services } from '../core/deps';
import { ConflictError, expectOnly, NotFoundError } from '../core/errors';
import { getInstanceSettings } from '../instances/repository';
import { beginImport, finishImport, getImport, recordFailedImport, runImport, type ImportReport } from './import';
import { fileRows } from './parse';

/** Background work items of contacts on the work queue: file imports and re-runs. */
export const ContactWork = z.discriminatedUnion('type', [
  z.object({ type: z.literal('import'), instanceId: z.string(), campaignId: z.string(), importId: z.string(), blobKey: z.string(), format: z.enum(['csv', 'xlsx']) }),
  z.object({ type: z.literal('rerun'), instanceId: z.string(), campaignId: z.string(), sourceCampaignId: z.string(), outcomes: z.array(RerunOutcome), importId: z.string() }),
]);
/** A contact work item. */
export type ContactWork = z.infer<typeof ContactWork>;

/**
 * How long one worker run imports before it hands the rest to the next run (the work item is sent
 * again and resumes after the last committed chunk). Under the worker's 15-minute limit with room for
 * a slow last chunk; the queue's visibility timeout is longer than the function's.
 */
export const IMPORT_TIME_BUDGET_MS = 10 * 60_000;

/** Prefix of presigned uploads in the data bucket: `uploads/{instanceId}/{campaignId}/{importId}.{csv|xlsx}`. */
export const UPLOAD_PREFIX = 'uploads/';

/** The data-bucket key of a presigned contact upload. */
export function uploadKey(instanceId: string, campaignId: string, importId: string, format: 'csv' | 'xlsx'): string {
  return `${UPLOAD_PREFIX}${instanceId}/${campaignId}/${importId}.${format}`;
}

const UPLOAD_KEY = /^uploads\/([A-Za-z0-9_-]{1,100})\/([A-Za-z0-9_-]{1,100})\/(imp_[A-Za-z0-9]{1,60})\.(csv|xlsx)$/;

/**
 * The S3 "Object Created" event as EventBridge delivers it to the work queue (the rule on the data
 * bucket, prefix `uploads/`); the local blobs raise the same envelope (`uploadCreatedEvent`).
 */
export const UploadCreated = z.object({
  source: z.literal('aws.s3'),
  'detail-type': z.literal('Object Created'),
  time: z.string().optional(),
  detail: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({ key: z.string(), size: z.number().int().nonnegative().optional() }),
  }),
});
/** An object-created event of the data bucket. */
export type UploadCreated = z.infer<typeof UploadCreated>;

/** The envelope EventBridge puts on the queue for an object created in `bucket` (used by the local blobs). */
export function uploadCreatedEvent(bucket: string, key: string, size: number, time: string): UploadCreated & Record<string, unknown> {
  return { version: '0', source: 'aws.s3', 'detail-type': 'Object Created', time, detail: { bucket: { name: bucket }, object: { key, size } } };
}

/** Options of a worker run. */
export interface ContactWorkOptions {
  /** Milliseconds this run may import before continuing in a new work item. */
  budgetMs?: number;
}

/** Runs one work item. */
export async function runContactWork(deps: Services, work: ContactWork, options: ContactWorkOptions = {}): Promise<void> {
  const settings = await getInstanceSettings(deps.store, work.instanceId);
  const campaign = await getCampaign(deps.store, work.instanceId, work.campaignId);
  const report = await getImport(deps.store, work.instanceId, work.campaignId, work.importId);
  if (!report || report.status !== 'running') return; // Already done: a redelivered message.
  const started = performance.now();
  const budget = options.budgetMs ?? IMPORT_TIME_BUDGET_MS;
  const timeLeft = () => budget - (performance.now() - started);
  const runOptions = { instanceId: work.instanceId, defaultRegion: settings.defaultRegion, requiredVariables: campaign.requiredVariables, timeLeft };
  let result: ImportReport & { paused?: string };
  if (work.type === 'import') {
    const stream = await deps.blobs.data.stream(work.blobKey);
    if (!stream) {
      // Gone for good (deleted, or expired before a continuation ran): retrying cannot bring it back, and an import
      // left running would hold the campaign's import mark until the abandonment sweep. End it, saying why.
      deps.log.warn('contact upload missing', { instanceId: work.instanceId, campaignId: work.campaignId, importId: work.importId, blobKey: work.blobKey });
      await finishImport(deps, work.instanceId, report, 'the uploaded file is no longer stored; upload it again');
      return;
    }
    let bytes = 0;
    result = await runImport(deps, report, { kind: 'rows', rows: fileRows(work.format, stream, (n) => (bytes = n)) }, { ...runOptions, bytesRead: () => bytes });
  } else {
    const { instanceId, sourceCampaignId, outcomes } = work;
    const contacts = (async function* () {
      let cursor: string | undefined;
      let row = 0;
      do {
        const page = await listJobs(deps.store, instanceId, sourceCampaignId, { limit: 500, cursor });
        for (const job of page.items) {
          row++;
          if (matchesOutcome(job, outcomes)) yield { row, contact: job.contact };
        }
        cursor = page.cursor;
      } while (cursor);
    })();
    result = await runImport(deps, report, { kind: 'contacts', contacts }, runOptions);
  }
  // Out of time: the next run resumes after the last committed chunk.
  if (result.paused === 'deadline') await deps.queues.work.send({ body: JSON.stringify(work) });
}

/**
 * Starts the import of a presigned upload when its object lands (S3 event via EventBridge, or the
 * local blobs' notification): the key names instance, campaign and import. Idempotent per import id;
 * an upload for a campaign that is gone or takes no contacts is recorded as a failed import.
 */
export async function runUploadCreated(deps: Services, event: UploadCreated, options: ContactWorkOptions = {}): Promise<void> {
  const key = decodeKey(event.detail.object.key);
  const match = UPLOAD_KEY.exec(key);
  if (!match) {
    deps.log.warn('object created outside the upload layout ignored', { key });
    return;
  }
  const [, instanceId, campaignId, importId, format] = match as unknown as [string, string, string, string, 'csv' | 'xlsx'];
  try {
    await beginImport(deps, instanceId, campaignId, format, { importId, blobKey: key, ...(event.detail.object.size !== undefined ? { totalBytes: event.detail.object.size } : {}) });
  } catch (error) {
    if (error instanceof NotFoundError) {
      deps.log.warn('upload for a campaign that does not exist ignored', { instanceId, campaignId, importId });
      return;
    }
    if (error instanceof ConflictError) {
      await recordFailedImport(deps, instanceId, campaignId, importId, format, error.message);
      return;
    }
    throw error;
  }
  await runContactWork(deps, { type: 'import', instanceId, campaignId, importId, blobKey: key, format }, options);
}

function decodeKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch (error) {
    expectOnly(error, URIError); // not percent-encoded after all: the key as it came
    return key;
  }
}
