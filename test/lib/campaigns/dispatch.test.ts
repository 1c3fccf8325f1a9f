import { describe, expect, it } from 'vitest';
import { dispatch } from '../../../lib/campaigns/dispatch';
import { pauseCampaign, startCampaign, updateCampaign } from '../../../lib/campaigns/lifecycle';
import { createCampaign, getCampaign, listJobs } from '../../../lib/campaigns/repository';
import { CampaignSettings } from '../../../lib/campaigns/schema';
import { CampaignWork, runCampaignWork } from '../../../lib/campaigns/work';
import { beginImport, fromArray, runImport } from '../../../lib/contacts/import';
import { createInstance } from '../../../lib/instances/repository';
import { testDeps } from '../../support/deps';

async function setup(settings: Record<string, unknown>, campaign: Record<string, unknown> = {}) {
  const t = testDeps();
  const now = t.clock.now(); // 09:00 UTC
  const { instanceId } = await createInstance(t.deps.store, { name: 'i', settings: { windows: { ranges: [{ start: '00:00', end: '23:59' }], weekdaysOnly: false, calleeLocalTime: false }, ...settings } }, now);
  const { campaignId } = await createCampaign(t.deps.store, instanceId, CampaignSettings.parse({ name: 'c', scenarioId: 's', scenarioVersion: 1, ...campaign }), now);
  const report = await beginImport(t.deps, instanceId, campaignId, 'api');
  await runImport(t.deps, report, { kind: 'contacts', contacts: fromArray([{ row: 1, contact: { phone: '+14155550101' } }]) }, { instanceId, defaultRegion: 'US', requiredVariables: [] });
  await startCampaign(t.deps, instanceId, campaignId, { principal: 't' });
  return { ...t, instanceId, campaignId };
}

describe('dispatch', () => {
  it('says on the campaign why it dials nothing (issue 9.13)', async () => {
    const noCaller = await setup({ callerNumbers: [] });
    await dispatch(noCaller.deps, noCaller.instanceId, { campaignId: noCaller.campaignId });
    expect((await getCampaign(noCaller.deps.store, noCaller.instanceId, noCaller.campaignId)).dialling).toMatchObject({ reason: 'noCallerNumber' });

    const closed = await setup({ callerNumbers: [{ phoneNumber: '+14155550900', periodSeconds: 60 }] }, { windows: { ranges: [{ start: '18:00', end: '20:00' }] } });
    await dispatch(closed.deps, closed.instanceId, { campaignId: closed.campaignId });
    expect((await getCampaign(closed.deps.store, closed.instanceId, closed.campaignId)).dialling).toMatchObject({ reason: 'outsideWindows', until: '2026-01-05T18:00:00.000Z' });
  });

  it('re-plans jobs deferred for windows when the windows widen (issue 9.13)', async () => {
    const { deps, instanceId, campaignId, queues, clock } = await setup({ callerNumbers: [{ phoneNumber: '+14155550900', periodSeconds: 60 }] }, { windows: { ranges: [{ start: '18:00', end: '20:00' }] } });
    await dispatch(deps, instanceId, { campaignId });
    const [deferred] = (await listJobs(deps.store, instanceId, campaignId)).items;
    expect(deferred).toMatchObject({ deferReason: 'outsideWindows', dueAt: Date.parse('2026-01-05T18:00:00Z') });
    await pauseCampaign(deps, instanceId, campaignId, { principal: 't' });
    await updateCampaign(deps, instanceId, campaignId, { windows: { ranges: [{ start: '08:00', end: '20:00' }] } });
    const replan = queues.work.bodies().find((b) => b.type === 'replan');
    expect(replan).toMatchObject({ campaignId });
    await runCampaignWork(deps, CampaignWork.parse(replan));
    const [pulled] = (await listJobs(deps.store, instanceId, campaignId)).items;
    expect(pulled).toMatchObject({ dueAt: clock.now() });
    expect(pulled!.deferReason).toBeUndefined();
  });
});
