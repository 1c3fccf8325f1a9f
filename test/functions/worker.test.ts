import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createWorkerHandler } from '../../functions/worker';
import { dispatch } from '../../lib/campaigns/dispatch';
import { rerunCampaign, startCampaign } from '../../lib/campaigns/lifecycle';
import { createCampaign, getProgress, listJobs } from '../../lib/campaigns/repository';
import { CampaignSettings } from '../../lib/campaigns/schema';
import { beginImport, getImport } from '../../lib/contacts/import';
import { runContactWork } from '../../lib/contacts/work';
import type { DialRequest } from '../../lib/domain/dialing';
import { handleDialRequest } from '../../lib/dialer/dial';
import { createInstance } from '../../lib/instances/repository';
import { endCall } from '../support/calls';
import { testDeps } from '../support/deps';
import { keys } from '../../lib/store/keys';

const sqs = (bodies: unknown[]): SQSEvent => ({ Records: bodies.map((b, i) => ({ messageId: `m${i}`, body: JSON.stringify(b) })) }) as unknown as SQSEvent;

async function setup() {
  const t = testDeps();
  t.deps.config.callsPerSecond = 10;
  const now = t.clock.now();
  const { instanceId } = await createInstance(t.deps.store, { name: 'w', settings: { windows: { ranges: [{ start: '00:00', end: '23:59' }], weekdaysOnly: false, calleeLocalTime: false }, callerNumbers: [{ phoneNumber: '+14155550900', periodSeconds: 60 }] } }, now);
  const { campaignId } = await createCampaign(t.deps.store, instanceId, CampaignSettings.parse({ name: 'c', scenarioId: 's', scenarioVersion: 1, retry: { retries: 0 } }), now);
  return { ...t, instanceId, campaignId, worker: createWorkerHandler(t.deps) };
}

describe('worker', () => {
  it('imports an uploaded file in the background with progress, once even if redelivered', async () => {
    const { deps, instanceId, campaignId, worker } = await setup();
    const blobKey = `imports/${instanceId}/${campaignId}/x.csv`;
    await deps.blobs.data.put(blobKey, 'phone\n4155550101\n4155550102\nbad\n');
    const report = await beginImport(deps, instanceId, campaignId, 'csv', { blobKey, totalBytes: 32 });
    const message = { type: 'import', instanceId, campaignId, importId: report.importId, blobKey, format: 'csv' };
    expect(await worker(sqs([message, message]))).toEqual({ batchItemFailures: [] });
    expect(await getImport(deps.store, instanceId, campaignId, report.importId)).toMatchObject({ status: 'completed', accepted: 2, rejected: 1, bytesRead: 32 });
    expect((await getProgress(deps.store, instanceId, campaignId)).total).toBe(2);
  });

  it('fails an import whose upload is gone instead of retrying it, and frees the campaign from it', async () => {
    const { deps, instanceId, campaignId, worker } = await setup();
    const blobKey = `imports/${instanceId}/${campaignId}/gone.csv`;
    const report = await beginImport(deps, instanceId, campaignId, 'csv', { blobKey });
    const message = { type: 'import', instanceId, campaignId, importId: report.importId, blobKey, format: 'csv' };
    expect(await worker(sqs([message]))).toEqual({ batchItemFailures: [] });
    expect(await getImport(deps.store, instanceId, campaignId, report.importId)).toMatchObject({ status: 'failed', error: 'the uploaded file is no longer stored; upload it again' });
    // Its mark on the campaign is gone: nothing holds the campaign's completion.
    const campaign = await deps.store.get(keys.campaign(instanceId, campaignId));
    expect(Object.keys(campaign ?? {}).filter((k) => k.startsWith('imp#'))).toEqual([]);
  });

  it('continues an import past its time budget in a new work item, resuming after the last committed chunk', async () => {
    const { deps, instanceId, campaignId, queues } = await setup();
    const blobKey = `imports/${instanceId}/${campaignId}/big.csv`;
    await deps.blobs.data.put(blobKey, 'phone\n' + Array.from({ length: 1_200 }, (_, i) => `+1415${2_000_000 + i}`).join('\n'));
    const report = await beginImport(deps, instanceId, campaignId, 'csv', { blobKey });
    const work = { type: 'import' as const, instanceId, campaignId, importId: report.importId, blobKey, format: 'csv' as const };
    // No time at all: each run commits one chunk, then hands over.
    await runContactWork(deps, work, { budgetMs: 0 });
    expect(await getImport(deps.store, instanceId, campaignId, report.importId)).toMatchObject({ status: 'running', rowsRead: 500, cursor: 501 });
    expect(queues.work.bodies()).toEqual([work]);
    await runContactWork(deps, work, { budgetMs: 0 });
    await runContactWork(deps, work, { budgetMs: 0 });
    expect(await getImport(deps.store, instanceId, campaignId, report.importId)).toMatchObject({ status: 'completed', rowsRead: 1_200, accepted: 1_200, runs: 3 });
    expect(queues.work.sent).toHaveLength(2);
    expect((await getProgress(deps.store, instanceId, campaignId)).total).toBe(1_200);
  });

  it('re-runs the jobs of a campaign by outcome into a new draft', async () => {
    const { deps, instanceId, campaignId, worker, queues } = await setup();
    const blobKey = 'k.csv';
    await deps.blobs.data.put(blobKey, 'phone\n4155550101\n4155550102\n');
    const report = await beginImport(deps, instanceId, campaignId, 'csv', { blobKey });
    await worker(sqs([{ type: 'import', instanceId, campaignId, importId: report.importId, blobKey, format: 'csv' }]));
    await startCampaign(deps, instanceId, campaignId, { principal: 't' });
    await dispatch(deps, instanceId, { campaignId, run: 1 });
    const [a, b] = queues.dial.bodies<DialRequest>();
    for (const r of [a!, b!]) await handleDialRequest(deps, r);
    await endCall(deps, a!, { status: 'Succeeded', interacted: true });
    await endCall(deps, b!, { status: 'NoAnswer' });
    const { campaign, importId } = await rerunCampaign(deps, instanceId, campaignId, ['noInteraction']);
    await worker(sqs([queues.work.bodies().find((m) => m.type === 'rerun')]));
    expect(await getImport(deps.store, instanceId, campaign.campaignId, importId)).toMatchObject({ status: 'completed', accepted: 1 });
    const jobs = (await listJobs(deps.store, instanceId, campaign.campaignId)).items;
    expect(jobs.map((j) => j.contact.phone)).toEqual([b!.to]);
    expect(campaign).toMatchObject({ state: 'draft', sourceCampaignId: campaignId });
  });

  it('drops unknown work and passes registered kinds to their handler', async () => {
    const t = testDeps();
    const seen: unknown[] = [];
    const worker = createWorkerHandler(t.deps, { export: async (_d, m) => void seen.push(m) });
    expect(await worker(sqs([{ type: 'nope' }, { type: 'export', id: 1 }]))).toEqual({ batchItemFailures: [] });
    expect(seen).toEqual([{ type: 'export', id: 1 }]);
  });
});
