import { describe, expect, it } from 'vitest';
import { dispatch } from '../../../lib/campaigns/dispatch';
import { pauseCampaign, startCampaign, stopCampaign } from '../../../lib/campaigns/lifecycle';
import { createCampaign, getJob } from '../../../lib/campaigns/repository';
import { CampaignSettings } from '../../../lib/campaigns/schema';
import { applyJobEvent } from '../../../lib/campaigns/transitions';
import { beginImport, fromArray, runImport } from '../../../lib/contacts/import';
import { compose } from '../../../lib/composition';
import type { DialRequest } from '../../../lib/domain/dialing';
import { handleDialRequest } from '../../../lib/dialer/dial';
import { createInstance } from '../../../lib/instances/repository';
import { addToList } from '../../../lib/lists';
import { keys } from '../../../lib/store/keys';
import { listCallsOfJob } from '../../../lib/telephony/call-records';
import { testDeps } from '../../support/deps';
import { afterFirstGet } from '../../support/store';

/** One contact planned (one line, callee-local time off) and its dial request queued, as the dispatcher leaves it. */
async function queued() {
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
  return { ...t, instanceId, campaignId, request: request!, jobKey: keys.job(instanceId, campaignId, request!.jobId) };
}
type Queued = Awaited<ReturnType<typeof queued>>;

describe('handleDialRequest', () => {
  it('never gives back an attempt that another delivery of its request is dialling (over-commit found by the concurrency property)', async () => {
    const t = await queued();
    const { instanceId, campaignId, jobKey } = t;
    const request = t.request;

    // Delivery B reads the job (queued); meanwhile delivery A moves it to dialing (it will place the call) and
    // the campaign is paused; B then finds the campaign paused.
    const store = afterFirstGet(t.deps.store, jobKey, async () => {
      expect((await applyJobEvent(t.deps, request, { type: 'dialing', attempt: request.attempt, callId: request.callId })).ok).toBe(true);
      await pauseCampaign(t.deps, instanceId, campaignId, { principal: 't' });
    });
    await handleDialRequest(compose({ ...t.deps, store }), request);
    expect(store.ran()).toBe(true);
    // A still dials this attempt: the job and its line stay its own (a call placed now holds a line).
    expect(await getJob(t.deps.store, instanceId, campaignId, request.jobId)).toMatchObject({ status: 'Executing', dialState: 'dialing', callId: request.callId });
    expect(await t.deps.store.get(keys.leaseSlot(instanceId, request.leaseSlot))).toMatchObject({ holder: request.callId });
  });

  // SQS delivers a request at least once: two deliveries A and B of one request both read the job while it is
  // `queued`. A places the call; in between, an operator stops the campaign or puts the number on the do-not-call
  // list, and B, with its stale read, refuses the attempt.
  it.each([
    ['the campaign was stopped', (t: Queued) => stopCampaign(t.deps, t.instanceId, t.campaignId, { principal: 't' })],
    ['the number was put on the do-not-call list', (t: Queued) => addToList(t.deps, t.instanceId, 'doNotCall', [t.request.to], { defaultRegion: 'US' })],
  ])('never closes the record of the call another delivery placed when it finds %s after reading the job queued', async (_, change) => {
    const t = await queued();
    const { instanceId, campaignId, request, jobKey } = t;
    const store = afterFirstGet(t.deps.store, jobKey, async () => {
      expect(await handleDialRequest(t.deps, request)).toBe('placed');
      await change(t);
    });
    const result = await handleDialRequest(compose({ ...t.deps, store }), request);
    expect(store.ran()).toBe(true);
    // A's call is up: its record stays open and placed, the attempt and its line stay its own (no early
    // Cancelled/ContactBlockList outcome, no line released under a live call).
    const records = await listCallsOfJob(t.deps.store, instanceId, request.jobId);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ callId: request.callId, placed: true, status: 'Executing' });
    expect(records[0]!.endedAt).toBeUndefined();
    expect(await getJob(t.deps.store, instanceId, campaignId, request.jobId)).toMatchObject({ status: 'Executing', dialState: 'inCall', callId: request.callId, attempts: 1 });
    expect(await t.deps.store.get(keys.leaseSlot(instanceId, request.leaseSlot))).toMatchObject({ holder: request.callId });
    expect(t.events.filter((e) => e.detailType === 'CallFinished')).toEqual([]);
    // B lost the race: a duplicate that wrote nothing.
    expect(result).toBe('duplicate');
  });

  it('refuses an attempt it read queued, closing its record as the refusal, when the campaign was stopped', async () => {
    const t = await queued();
    await stopCampaign(t.deps, t.instanceId, t.campaignId, { principal: 't' });
    expect(await handleDialRequest(t.deps, t.request)).toBe('cancelled');
    expect(t.calls).toHaveLength(0);
    const records = await listCallsOfJob(t.deps.store, t.instanceId, t.request.jobId);
    expect(records).toMatchObject([{ callId: t.request.callId, status: 'Cancelled', placed: false, hangupReason: 'stopped' }]);
    expect(await getJob(t.deps.store, t.instanceId, t.campaignId, t.request.jobId)).toMatchObject({ status: 'Cancelled', dialState: 'idle', finishedAttempt: 1 });
    expect(await t.deps.store.get(keys.leaseSlot(t.instanceId, t.request.leaseSlot))).toBeUndefined();
  });
});
