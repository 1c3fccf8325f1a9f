import { describe, expect, it } from 'vitest';
import { dispatch } from '../../../lib/campaigns/dispatch';
import { pauseCampaign, startCampaign } from '../../../lib/campaigns/lifecycle';
import { createCampaign, getJob } from '../../../lib/campaigns/repository';
import { CampaignSettings } from '../../../lib/campaigns/schema';
import { applyJobEvent } from '../../../lib/campaigns/transitions';
import { beginImport, fromArray, runImport } from '../../../lib/contacts/import';
import { compose } from '../../../lib/composition';
import type { DialRequest } from '../../../lib/domain/dialing';
import { handleDialRequest } from '../../../lib/dialer/dial';
import { createInstance } from '../../../lib/instances/repository';
import { keys } from '../../../lib/store/keys';
import { testDeps } from '../../support/deps';
import { afterFirstGet } from '../../support/store';

describe('handleDialRequest', () => {
  it('never gives back an attempt that another delivery of its request is dialling (over-commit found by the concurrency property)', async () => {
    const t = testDeps();
    t.deps.config.callsPerSecond = 100;
    const now = t.clock.now();
    const { instanceId } = await createInstance(
      t.deps.store,
      { name: 'i', settings: { maxConcurrency: 1, windows: { ranges: [{ start: '00:00', end: '23:59' }], weekdaysOnly: false, calleeLocalTime: false }, callerNumbers: [{ phoneNumber: '+14155550900', periodSeconds: 60 }] } },
      now,
    );
    const { campaignId } = await createCampaign(t.deps.store, instanceId, CampaignSettings.parse({ name: 'c', scenarioId: 's', scenarioVersion: 1 }), now);
    const report = await beginImport(t.deps, instanceId, campaignId, 'api');
    await runImport(t.deps, report, { kind: 'contacts', contacts: fromArray([{ row: 1, contact: { phone: '+14155550101' } }]) }, { instanceId, defaultRegion: 'US', requiredVariables: [] });
    await startCampaign(t.deps, instanceId, campaignId, { principal: 't' });
    await dispatch(t.deps, instanceId, { campaignId });
    const [request] = t.queues.dial.bodies<DialRequest>();
    const jobKey = keys.job(instanceId, campaignId, request!.jobId);

    // Delivery B reads the job (queued); meanwhile delivery A moves it to dialing (it will place the call) and
    // the campaign is paused; B then finds the campaign paused.
    const store = afterFirstGet(t.deps.store, jobKey, async () => {
      expect((await applyJobEvent(t.deps, request!, { type: 'dialing', attempt: request!.attempt, callId: request!.callId })).ok).toBe(true);
      await pauseCampaign(t.deps, instanceId, campaignId, { principal: 't' });
    });
    await handleDialRequest(compose({ ...t.deps, store }), request!);
    expect(store.ran()).toBe(true);
    // A still dials this attempt: the job and its line stay its own (a call placed now holds a line).
    expect(await getJob(t.deps.store, instanceId, campaignId, request!.jobId)).toMatchObject({ status: 'Executing', dialState: 'dialing', callId: request!.callId });
    expect(await t.deps.store.get(keys.leaseSlot(instanceId, request!.leaseSlot))).toMatchObject({ holder: request!.callId });
  });
});
