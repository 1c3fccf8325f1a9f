import { describe, expect, it } from 'vitest';
import { matchesOutcome, startCampaign, updateCampaign } from '../../../lib/campaigns/lifecycle';
import { createCampaign, getCampaign } from '../../../lib/campaigns/repository';
import { CampaignSettings } from '../../../lib/campaigns/schema';
import { compose } from '../../../lib/composition';
import { createInstance } from '../../../lib/instances/repository';
import { keys } from '../../../lib/store/keys';
import { testDeps } from '../../support/deps';
import { afterFirstGet } from '../../support/store';

describe('updateCampaign', () => {
  it('keeps a PATCH committed between its read and its write (issue 9.2, found by the concurrency property)', async () => {
    const t = testDeps();
    const now = t.clock.now();
    const { instanceId } = await createInstance(t.deps.store, { name: 'i' }, now);
    const { campaignId } = await createCampaign(t.deps.store, instanceId, CampaignSettings.parse({ name: 'c', scenarioId: 's', scenarioVersion: 1 }), now);
    const key = keys.campaign(instanceId, campaignId);
    // The second PATCH reads the campaign, then the first one commits before the second writes.
    const store = afterFirstGet(t.deps.store, key, async () => {
      await updateCampaign(t.deps, instanceId, campaignId, { priority: 'urgent' });
    });
    await updateCampaign(compose({ ...t.deps, store }), instanceId, campaignId, { description: 'second' });
    expect(store.ran()).toBe(true);
    expect(await getCampaign(t.deps.store, instanceId, campaignId)).toMatchObject({ priority: 'urgent', description: 'second', version: 3 });
  });

  it('removes an optional field patched with null', async () => {
    const t = testDeps();
    const now = t.clock.now();
    const { instanceId } = await createInstance(t.deps.store, { name: 'i' }, now);
    const { campaignId } = await createCampaign(t.deps.store, instanceId, CampaignSettings.parse({ name: 'c', scenarioId: 's', scenarioVersion: 1, description: 'd', maxConcurrency: 3 }), now);
    const after = await updateCampaign(t.deps, instanceId, campaignId, { description: null });
    expect(after.description).toBeUndefined();
    expect((await getCampaign(t.deps.store, instanceId, campaignId)).description).toBeUndefined();
    expect(after.maxConcurrency).toBe(3);
  });

  it('refuses to start a campaign with no contacts (issue 9.3)', async () => {
    const t = testDeps();
    const now = t.clock.now();
    const { instanceId } = await createInstance(t.deps.store, { name: 'i' }, now);
    const { campaignId } = await createCampaign(t.deps.store, instanceId, CampaignSettings.parse({ name: 'c', scenarioId: 's', scenarioVersion: 1 }), now);
    await expect(startCampaign(t.deps, instanceId, campaignId, { principal: 't' })).rejects.toMatchObject({ status: 409 });
    expect((await getCampaign(t.deps.store, instanceId, campaignId)).state).toBe('draft');
  });
});

describe('matchesOutcome', () => {
  it('selects answered calls without an effective turn as "no interaction" (issue 9.14, C6)', () => {
    expect(matchesOutcome({ status: 'Succeeded', answered: true, interacted: false }, ['noInteraction'])).toBe(true);
    expect(matchesOutcome({ status: 'Failed', answered: true, interacted: false }, ['noInteraction'])).toBe(true);
    expect(matchesOutcome({ status: 'Succeeded', answered: true, interacted: true }, ['noInteraction'])).toBe(false);
    expect(matchesOutcome({ status: 'Cancelled', answered: false }, ['noInteraction'])).toBe(false);
  });
});
