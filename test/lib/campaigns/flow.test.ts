import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { dispatch, reconcileLostAttempts } from '../../../lib/campaigns/dispatch';
import { LEASE_TTL_MS } from '../../../lib/campaigns/leases';
import { isoAt } from '../../../lib/ports/clock';
import { pauseCampaign, resumeCampaign, startCampaign, stopCampaign } from '../../../lib/campaigns/lifecycle';
import { createCampaign, getJob, getProgress, listJobs, progressOf } from '../../../lib/campaigns/repository';
import { recountCampaign } from '../../../lib/campaigns/transitions';
import { CampaignSettings } from '../../../lib/campaigns/schema';
import { beginImport, runImport } from '../../../lib/contacts/import';
import { csvRows } from '../../../lib/contacts/parse';
import { handleDialRequest } from '../../../lib/dialer/dial';
import type { DialRequest } from '../../../lib/domain/dialing';
import { createInstance } from '../../../lib/instances/repository';
import { addToList } from '../../../lib/lists';
import { endCall } from '../../support/calls';
import { testDeps } from '../../support/deps';
import { getCallRecord } from '../../../lib/telephony/call-records';

const CSV = [
  'phone,name,referenceId,amount',
  '(415) 555-0101,Ann,R1,10',
  '4155550102,Bob,R2,20',
  'not-a-number,Bad,R3,30',
  '415-555-0101,Dup,R4,40',
  '+1 212 555 0104,Cy,R5,',
  '+1 212 555 0105,Di,R6,50',
  '+1 212 555 0106,Ed,R7,60',
].join('\n');

async function setup(maxConcurrency = 2) {
  const t = testDeps();
  t.deps.config.callsPerSecond = 10;
  const instance = await createInstance(
    t.deps.store,
    {
      name: 'test',
      settings: { maxConcurrency, windows: { ranges: [{ start: '00:00', end: '23:59' }], weekdaysOnly: false, calleeLocalTime: false }, callerNumbers: [{ phoneNumber: '+14155550900', periodSeconds: 60 }] },
    },
    t.clock.now(),
  );
  const campaign = await createCampaign(
    t.deps.store,
    instance.instanceId,
    CampaignSettings.parse({ name: 'c', scenarioId: 's', scenarioVersion: 1, requiredVariables: ['amount'], retry: { retries: 1, intervalSeconds: 600 } }),
    t.clock.now(),
  );
  const report = await beginImport(t.deps, instance.instanceId, campaign.campaignId, 'csv');
  const final = await runImport(t.deps, report, { kind: 'rows', rows: csvRows(Readable.from(Buffer.from(CSV))) }, { instanceId: instance.instanceId, defaultRegion: 'US', requiredVariables: ['amount'] });
  return { ...t, instanceId: instance.instanceId, campaignId: campaign.campaignId, report: final };
}


describe('campaign flow', () => {
  it('imports rows with a row-level report, deduplicated and validated', async () => {
    const { report } = await setup();
    expect(report).toMatchObject({ status: 'completed', rowsRead: 7, accepted: 4, rejected: 3 });
    expect(report.sample).toEqual([
      { row: 4, reason: 'InvalidNumber', detail: 'not a valid phone number', phone: 'not-a-number' },
      { row: 5, reason: 'DuplicateInFile', phone: '+14155550101' },
      { row: 6, reason: 'MissingVariable', detail: 'missing amount', phone: '+1 212 555 0104' },
    ]);
  });

  it('dials within concurrency, once per attempt, applies outcomes and retries, and stop cancels the rest', async () => {
    const { deps, queues, calls, events, workflowStarts, instanceId, campaignId, clock } = await setup(2);
    const actor = { principal: 'test' };
    const started = await startCampaign(deps, instanceId, campaignId, actor);
    expect(started.state).toBe('running');
    expect(workflowStarts).toEqual([{ instanceId, campaignId, run: 1 }]);

    const round = await dispatch(deps, instanceId, { campaignId, run: 1 });
    expect(round).toMatchObject({ done: false, dialled: 2 });
    const requests = queues.dial.bodies<DialRequest>().filter((b) => b.type === 'dial');
    expect(requests).toHaveLength(2);
    for (const r of requests) expect(await handleDialRequest(deps, r)).toBe('placed');
    // A duplicated message never places a second call.
    expect(await handleDialRequest(deps, requests[0]!)).toBe('duplicate');
    expect(calls).toHaveLength(2);
    // Each placed call gets a ring-timeout check, delayed by the maximum ring time (P5).
    const ringChecks = queues.dial.sent.filter((m) => JSON.parse(m.body).type === 'ringTimeout');
    expect(ringChecks.map((m) => m.delaySeconds)).toEqual([45, 45]);
    // Concurrency is full: nothing more is dialled.
    expect((await dispatch(deps, instanceId, { campaignId, run: 1 })).dialled).toBe(0);

    expect((await endCall(deps, requests[0]!, { status: 'Succeeded', completed: true, turns: 2, talkSeconds: 30 })).ok).toBe(true);
    expect((await endCall(deps, requests[0]!, { status: 'Succeeded' })).ok).toBe(false); // a duplicate end is refused
    await endCall(deps, requests[1]!, { status: 'NoAnswer', answered: false });
    const retried = await getJob(deps.store, instanceId, campaignId, requests[1]!.jobId);
    expect(retried).toMatchObject({ status: 'Scheduling', tries: 1, lastCallStatus: 'NoAnswer' });
    expect(retried!.dueAt).toBe(clock.now() + 600_000);
    expect(events.filter((e) => e.detailType === 'JobComplete')).toHaveLength(1);
    expect(queues.tick.bodies().some((b) => b.reason === 'callEnded')).toBe(true);

    await pauseCampaign(deps, instanceId, campaignId, actor);
    expect((await dispatch(deps, instanceId, { campaignId, run: 1 })).done).toBe(true);
    const resumed = await resumeCampaign(deps, instanceId, campaignId, actor);
    expect(resumed.run).toBe(2);
    expect((await dispatch(deps, instanceId, { campaignId, run: 1 })).done).toBe(true); // stale loop ends itself
    // Both lines are free again (the retry waits 10 minutes): two new jobs are dialled.
    const r2 = await dispatch(deps, instanceId, { campaignId, run: 2 });
    expect(r2.dialled).toBe(2);

    await stopCampaign(deps, instanceId, campaignId, actor);
    // The stop carries the cancellation as a durable effect (the worker finishes what a request cannot),
    // and a small campaign is cancelled within the request already.
    expect(queues.work.bodies().find((b) => b.type === 'cancelJobs')).toMatchObject({ campaignId, fromShard: 0 });
    // The queued requests are not placed after the stop: their attempts get cancelled call records.
    for (const r of queues.dial.bodies<DialRequest>().filter((b) => b.type === 'dial').slice(2)) expect(await handleDialRequest(deps, r)).toBe('cancelled');
    const jobs = (await listJobs(deps.store, instanceId, campaignId, { limit: 100 })).items;
    expect(jobs.map((j) => j.status).sort()).toEqual(['Cancelled', 'Cancelled', 'Cancelled', 'Succeeded']);
    const progress = await getProgress(deps.store, instanceId, campaignId);
    expect(progress).toMatchObject({ total: 4, completed: 4, succeeded: 1, cancelled: 3, callsPlaced: 2, callsAnswered: 1 });
    expect(calls).toHaveLength(2);
    // Every job's counters equal a recount from the jobs themselves.
    expect(await getProgress(deps.store, instanceId, campaignId)).toMatchObject(progressOf(await recountCampaign(deps, instanceId, campaignId)));
  });

  it('never dials a do-not-call number and fails its job', async () => {
    const { deps, queues, instanceId, campaignId } = await setup(10);
    await addToList(deps, instanceId, 'doNotCall', ['+14155550102'], { defaultRegion: 'US' });
    await startCampaign(deps, instanceId, campaignId, { principal: 't' });
    await dispatch(deps, instanceId, { campaignId, run: 1 });
    const dialled = queues.dial.bodies<DialRequest>().filter((b) => b.type === 'dial').map((r) => r.to);
    expect(dialled).not.toContain('+14155550102');
    const jobs = (await listJobs(deps.store, instanceId, campaignId)).items;
    expect(jobs.find((j) => j.contact.phone === '+14155550102')).toMatchObject({ status: 'Failed', failureReason: 'ContactBlockList' });
  });

  it('reclaims the line of a call whose outcome never came', async () => {
    const { deps, queues, instanceId, campaignId, clock } = await setup(1);
    await startCampaign(deps, instanceId, campaignId, { principal: 't' });
    await dispatch(deps, instanceId, { campaignId, run: 1 });
    const [first] = queues.dial.bodies<DialRequest>().filter((b) => b.type === 'dial');
    const dialledAt = clock.now();
    await handleDialRequest(deps, first!);
    // Its hang-up never comes and nothing renews its lease: once the lease is over, the attempt is lost
    // (found by the sweep's read of the attempts out), and its record ends at the lease expiry.
    clock.advance(16 * 60_000);
    expect(await reconcileLostAttempts(deps, instanceId, campaignId)).toBe(1);
    const round = await dispatch(deps, instanceId, { campaignId, run: 1 });
    expect(round.dialled).toBe(1);
    expect(await getJob(deps.store, instanceId, campaignId, first!.jobId)).toMatchObject({ status: 'Scheduling', systemAttempts: 1, tries: 0 });
    expect(await getCallRecord(deps.store, instanceId, first!.callId)).toMatchObject({ status: 'Failed', hangupReason: 'lost', systemFailure: true, endedAt: isoAt(dialledAt + LEASE_TTL_MS) });
  });
});
