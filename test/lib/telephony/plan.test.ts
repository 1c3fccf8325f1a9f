import { describe, expect, it } from 'vitest';
import { createCampaign, newJobItem } from '../../../lib/campaigns/repository';
import { CampaignSettings } from '../../../lib/campaigns/schema';
import { createInstance } from '../../../lib/instances/repository';
import { loadCallPlan } from '../../../lib/telephony/plan';
import { testDeps } from '../../support/deps';

describe('loadCallPlan', () => {
  it("takes the instance's delay before the first prompt when the scenario sets none (issue 9.14, S11)", async () => {
    const t = testDeps();
    const now = t.clock.now();
    const { instanceId } = await createInstance(t.deps.store, { name: 'i', settings: { delayBeforeFirstPromptMs: 1234 } }, now);
    const { campaignId } = await createCampaign(t.deps.store, instanceId, CampaignSettings.parse({ name: 'c', scenarioId: 's', scenarioVersion: 1 }), now);
    await t.deps.store.put(newJobItem(instanceId, campaignId, 'job1', { phone: '+14155550101', variables: {} }, now, now));
    const plan = await loadCallPlan(t.deps, { instanceId, campaignId, jobId: 'job1', attempt: 1, callId: 'call1', leaseSlot: 0 });
    expect(plan?.delayMs).toBe(1234);
  });
});
