import { describe, expect, it } from 'vitest';
import { pauseCampaign, stopCampaign } from '../../../lib/campaigns/lifecycle';
import { getJob } from '../../../lib/campaigns/repository';
import { dispatch } from '../../../lib/campaigns/dispatch';
import { applyJobEvent } from '../../../lib/campaigns/transitions';
import { compose } from '../../../lib/composition';
import type { DialRequest } from '../../../lib/domain/dialing';
import { handleDialRequest } from '../../../lib/dialer/dial';
import { addToList } from '../../../lib/lists';
import { keys } from '../../../lib/store/keys';
import { listCallsOfJob } from '../../../lib/telephony/call-records';
import { queuedDial } from '../../support/dialing';
import { afterFirstGet } from '../../support/store';

type Queued = Awaited<ReturnType<typeof queuedDial>>;

describe('handleDialRequest', () => {
  it('never gives back an attempt that another delivery of its request is dialling (over-commit found by the concurrency property)', async () => {
    const t = await queuedDial();
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
    const t = await queuedDial();
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
    const t = await queuedDial();
    await stopCampaign(t.deps, t.instanceId, t.campaignId, { principal: 't' });
    expect(await handleDialRequest(t.deps, t.request)).toBe('cancelled');
    expect(t.calls).toHaveLength(0);
    const records = await listCallsOfJob(t.deps.store, t.instanceId, t.request.jobId);
    expect(records).toMatchObject([{ callId: t.request.callId, status: 'Cancelled', placed: false, hangupReason: 'stopped' }]);
    expect(await getJob(t.deps.store, t.instanceId, t.campaignId, t.request.jobId)).toMatchObject({ status: 'Cancelled', dialState: 'idle', finishedAttempt: 1 });
    expect(await t.deps.store.get(keys.leaseSlot(t.instanceId, t.request.leaseSlot))).toBeUndefined();
  });

  it('hands a request without the callee zones back to the planner, which dials it again with them, when callee-local windows are on', async () => {
    // Requests queued before `calleeZones` existed: the dialer does not work out zones itself (the planner is the
    // one place that does), so it must neither dial blind nor lose the attempt.
    const t = await queuedDial({ calleeLocalTime: true });
    expect(t.request.calleeZones).toEqual(['America/Los_Angeles']);
    const { calleeZones: _, ...old } = t.request;
    expect(await handleDialRequest(t.deps, old)).toBe('cancelled');
    expect(t.calls).toHaveLength(0);
    expect(await getJob(t.deps.store, t.instanceId, t.campaignId, t.request.jobId)).toMatchObject({ status: 'Scheduling', dialState: 'idle', attempts: 0, dueAt: t.clock.now() });
    expect(await t.deps.store.get(keys.leaseSlot(t.instanceId, t.request.leaseSlot))).toBeUndefined();

    await dispatch(t.deps, t.instanceId, { campaignId: t.campaignId });
    const again = t.queues.dial.bodies<DialRequest>().at(-1)!;
    expect(again).toMatchObject({ jobId: t.request.jobId, attempt: 1, calleeZones: ['America/Los_Angeles'] });
    expect(again.callId).not.toBe(t.request.callId);
    expect(await handleDialRequest(t.deps, again)).toBe('placed');
    expect(t.calls).toHaveLength(1);
  });
});
