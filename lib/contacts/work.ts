import { z } from 'zod';
import { matchesOutcome } from '../campaigns/lifecycle';
import { getCampaign, listJobs } from '../campaigns/repository';
import { RerunOutcome } from '../campaigns/schema';
import type { Services } from '../core/deps';
import { getInstanceSettings } from '../instances/repository';
import { getImport, runImport } from './import';
import { countingSource, fileRows } from './parse';

/** Background work items of contacts on the work queue: file imports and re-runs. */
export const ContactWork = z.discriminatedUnion('type', [
  z.object({ type: z.literal('import'), instanceId: z.string(), campaignId: z.string(), importId: z.string(), blobKey: z.string(), format: z.enum(['csv', 'xlsx']) }),
  z.object({ type: z.literal('rerun'), instanceId: z.string(), campaignId: z.string(), sourceCampaignId: z.string(), outcomes: z.array(RerunOutcome), importId: z.string() }),
]);
/** A contact work item. */
export type ContactWork = z.infer<typeof ContactWork>;

/** Runs one work item. */
export async function runContactWork(deps: Services, work: ContactWork): Promise<void> {
  const settings = await getInstanceSettings(deps.store, work.instanceId);
  const campaign = await getCampaign(deps.store, work.instanceId, work.campaignId);
  const report = await getImport(deps.store, work.instanceId, work.campaignId, work.importId);
  if (!report || report.status !== 'running') return; // Already done: a redelivered message.
  const options = { instanceId: work.instanceId, defaultRegion: settings.defaultRegion, requiredVariables: campaign.requiredVariables };
  if (work.type === 'import') {
    const stream = await deps.blobs.data.stream(work.blobKey);
    if (!stream) throw new Error(`upload ${work.blobKey} not found`);
    let bytes = 0;
    await runImport(deps, report, { kind: 'rows', rows: fileRows(work.format, countingSource(stream, (n) => (bytes += n))) }, { ...options, bytesRead: () => bytes });
    return;
  }
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
  await runImport(deps, report, { kind: 'contacts', contacts }, options);
}

