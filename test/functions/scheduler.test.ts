import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createDispatchHandler, createTickHandler } from '../../functions/scheduler';
import { createSweepHandler } from '../../functions/sweep';
import { createCampaign, getCampaign, getJob, listJobs } from '../../lib/campaigns/repository';
import { CampaignSettings } from '../../lib/campaigns/schema';
import { startCampaign } from '../../lib/campaigns/lifecycle';
import { cancelWaitingJob } from '../../lib/campaigns/jobs';
import { ABANDONED_IMPORT_MS, markImportRunning } from '../../lib/campaigns/transitions';
import { COUNTER_SHARDS, keys } from '../../lib/store/keys';
import { beginImport, fromArray, runImport } from '../../lib/contacts/import';
import { createInstance } from '../../lib/instances/repository';
import { testDeps } from '../support/deps';
import { LEASE_TTL_MS } from '../../lib/campaigns/leases';
import { handleDialRequest } from '../../lib/dialer/dial';
import type { DialRequest } from '../../lib/domain/dialing';
import { isoAt } from '../../lib/ports/clock';
import { callRecordKey, listCallsOfJob } from '../../lib/telephony/call-records';
import { compose } from '../../lib/composition';
import { afterFirstGet } from '../support/store';
import { DelegatingStore } from '../../lib/adapters/delegating-store';
import type { Store } from '../../lib/ports/store';
import { maxOverlap } from '../../local/sim/invariants';

async function setup(start: unknown = { mode: 'now' }) {
  const t = testDeps();
  const now = t.clock.now();
  const { instanceId } = await createInstance(t.deps.store, { name: 's', settings: { windows: { ranges: [{ start: '00:00', end: '23:59' }], weekdaysOnly: false, calleeLocalTime: false }, callerNumbers: [{ phoneNumber: '+14155550900', periodSeconds: 60 }] } }, now);
  const { campaignId } = await createCampaign(t.deps.store, instanceId, CampaignSettings.parse({ name: 'c', scenarioId: 's', scenarioVersion: 1, start }), now);
  const report = await beginImport(t.deps, instanceId, campaignId, 'api');
  const contacts = ['+14155550101', '+14155550102', '+14155550103'].map((phone, i) => ({ row: i + 1, contact: { phone } }));
  await runImport(t.deps, report, { kind: 'contacts', contacts: fromArray(contacts) }, { instanceId, defaultRegion: 'US', requiredVariables: [] });
  return { ...t, instanceId, campaignId };
}

describe('scheduler', () => {
  it('dispatch task dials the campaign’s share and asks to be called again', async () => {
    const { deps, instanceId, campaignId, queues } = await setup();
    await startCampaign(deps, instanceId, campaignId, { principal: 't' });
    const out = await createDispatchHandler(deps)({ instanceId, campaignId, run: 1 });
    expect(out).toMatchObject({ instanceId, campaignId, run: 1, done: false });
    expect(out.waitSeconds).toBeGreaterThanOrEqual(1);
    expect(queues.dial.sent).toHaveLength(2); // call-rate budget: 1 call/s × 2 s horizon
  });

  it('keeps a campaign scheduled until its start time, then runs it', async () => {
    const t = testDeps();
    const at = new Date(t.clock.now() + 3_600_000).toISOString();
    const { deps, instanceId, campaignId, clock, queues } = await setup({ mode: 'at', at });
    await startCampaign(deps, instanceId, campaignId, { principal: 't' });
    const dispatchTask = createDispatchHandler(deps);
    const early = await dispatchTask({ instanceId, campaignId, run: 1 });
    expect(early).toMatchObject({ done: false, waitSeconds: 60 });
    expect((await getCampaign(deps.store, instanceId, campaignId)).state).toBe('scheduled');
    clock.advance(3_600_000);
    await dispatchTask({ instanceId, campaignId, run: 1 });
    expect((await getCampaign(deps.store, instanceId, campaignId)).state).toBe('running');
    expect(queues.dial.sent.length).toBeGreaterThan(0);
  });

  it('tick handler plans once per instance for a batch of ticks', async () => {
    const { deps, instanceId, campaignId, queues } = await setup();
    await startCampaign(deps, instanceId, campaignId, { principal: 't' });
    const body = JSON.stringify({ type: 'tick', instanceId, reason: 'callEnded' });
    const event = { Records: [{ messageId: 'a', body }, { messageId: 'b', body }] } as unknown as SQSEvent;
    expect(await createTickHandler(deps)(event)).toEqual({ batchItemFailures: [] });
    expect(queues.dial.sent).toHaveLength(2);
  });

  it('sweep completes a campaign an import left marked running when its process died (issue 9.3, found by the concurrency property)', async () => {
    const { deps, instanceId, campaignId, clock } = await setup();
    await startCampaign(deps, instanceId, campaignId, { principal: 't' });
    // One import died after marking the campaign, before writing its record; another after saving its finished report.
    await markImportRunning(deps, instanceId, campaignId, 'imp_dead');
    const finished = await beginImport(deps, instanceId, campaignId, 'api');
    await deps.store.update(keys.contactImport(instanceId, campaignId, finished.importId), { set: { status: 'completed' } });
    for (const job of (await listJobs(deps.store, instanceId, campaignId)).items) await cancelWaitingJob(deps, instanceId, campaignId, job.jobId, 'Stopped');
    const sweep = createSweepHandler(deps);
    await sweep();
    expect(await getCampaign(deps.store, instanceId, campaignId)).toMatchObject({ state: 'running', importsRunning: 1 });
    clock.advance(ABANDONED_IMPORT_MS + 1);
    await sweep();
    expect(await getCampaign(deps.store, instanceId, campaignId)).toMatchObject({ state: 'completed', importsRunning: 0 });
  });

  it('sweep removes the outbox markers of what it counted before it returns, since its next run comes past their deadline', async () => {
    const { deps, instanceId, campaignId, clock } = await setup();
    await startCampaign(deps, instanceId, campaignId, { principal: 't' });
    // A cancellation whose counted effects were left pending (a crash): the sweep applies them after the grace.
    const job = (await listJobs(deps.store, instanceId, campaignId)).items[0]!;
    const svc = compose({ ...deps, store: deps.store });
    // Counter writes fail in the cancelling process, so its inline drain leaves the counts pending on the job.
    class NoCounts extends DelegatingStore {
      override update(...a: Parameters<Store['update']>) {
        return String(a[0].pk).endsWith('#CNT') ? Promise.reject(new Error('throttled')) : super.update(...a);
      }
    }
    const failing = compose({ ...deps, store: new NoCounts(deps.store) });
    await cancelWaitingJob(failing, instanceId, campaignId, job.jobId, 'Stopped');
    expect(await getJob(deps.store, instanceId, campaignId, job.jobId)).toMatchObject({ status: 'Cancelled' });
    const counters = async () => (await Promise.all(Array.from({ length: COUNTER_SHARDS }, (_, s) => deps.store.get(keys.campaignCounters(instanceId, campaignId, s))))).filter((c) => c !== undefined);
    const markers = async () => (await counters()).flatMap((c) => [c.fxDone, c.fxDone2].flatMap((m) => (m instanceof Set ? [...(m as Set<string>)] : [])));
    const sum = async (field: string) => (await counters()).reduce((n, c) => n + Number(c[field] ?? 0), 0);
    // The import's own marker stays with the process that counted it; only the sweep's matter here.
    const before = await markers();
    const cancelledBefore = await sum('cancelled');
    clock.advance(120_000);
    await createSweepHandler(svc)();
    expect(await sum('cancelled')).toBe(cancelledBefore + 1);
    expect(await markers()).toEqual(before);
  });

  it('sweep ticks instances with live campaigns only', async () => {
    const { deps, instanceId, campaignId, queues } = await setup();
    expect(await createSweepHandler(deps)()).toEqual({ instances: 0, drained: 0 });
    await startCampaign(deps, instanceId, campaignId, { principal: 't' });
    expect(await createSweepHandler(deps)()).toMatchObject({ instances: 1 });
    expect(queues.tick.bodies().at(-1)).toEqual({ type: 'tick', instanceId, reason: 'schedule' });
  });

  it('sweep ends an attempt whose hang-up was lost at its lease expiry, however many jobs are due before it (issue 14)', async () => {
    const t = testDeps();
    const { deps, clock, queues } = t;
    // Rate slots to spare: the dialer's wait for one would sleep on the manual clock.
    deps.config.callsPerSecond = 10;
    const now = clock.now();
    const { instanceId } = await createInstance(deps.store, { name: 's', settings: { maxConcurrency: 2, windows: { ranges: [{ start: '00:00', end: '23:59' }], weekdaysOnly: false, calleeLocalTime: false }, callerNumbers: [{ phoneNumber: '+14155550900', periodSeconds: 60 }] } }, now);
    const { campaignId } = await createCampaign(deps.store, instanceId, CampaignSettings.parse({ name: 'c', scenarioId: 's', scenarioVersion: 1 }), now);
    const report = await beginImport(deps, instanceId, campaignId, 'api');
    // A long due queue: 300 fresh jobs, ~19 per shard, while a round with full lines reads 3 per shard.
    const contacts = Array.from({ length: 300 }, (_, i) => ({ row: i + 1, contact: { phone: `+1415555${String(1000 + i).padStart(4, '0')}` } }));
    await runImport(deps, report, { kind: 'contacts', contacts: fromArray(contacts) }, { instanceId, defaultRegion: 'US', requiredVariables: [] });
    await startCampaign(deps, instanceId, campaignId, { principal: 't' });
    const loop = createDispatchHandler(deps);
    const sweep = createSweepHandler(deps);
    const dialRequests = () => queues.dial.bodies<DialRequest>().filter((b) => b.type === 'dial');
    let handled = 0;
    const dialQueued = async () => {
      for (const requests = dialRequests(); handled < requests.length; handled++) await handleDialRequest(deps, requests[handled]!);
    };

    await loop({ instanceId, campaignId, run: 1 });
    await dialQueued();
    const lost = dialRequests();
    expect(lost).toHaveLength(2);
    const dialledAt = clock.now();
    // Both calls are placed and their hang-ups never come. The loop and the sweep keep running every minute.
    for (let minute = 1; minute <= 16; minute++) {
      clock.advance(60_000);
      await sweep();
      await loop({ instanceId, campaignId, run: 1 });
      await dialQueued();
    }
    // By one lease period and one sweep interval after the dial, both attempts ended as lost, at the lease expiry.
    for (const r of lost) {
      const [record] = await listCallsOfJob(deps.store, instanceId, r.jobId);
      expect(record).toMatchObject({ callId: r.callId, status: 'Failed', hangupReason: 'lost', systemFailure: true, endedAt: isoAt(dialledAt + LEASE_TTL_MS) });
      const job = (await listJobs(deps.store, instanceId, campaignId, { limit: 500 })).items.find((j) => j.jobId === r.jobId);
      expect(job).toMatchObject({ status: 'Scheduling', systemAttempts: 1 });
    }
    // The lines went to new calls once the leases expired, and the records say so: never more than 2 at once.
    const jobs = (await listJobs(deps.store, instanceId, campaignId, { limit: 500 })).items.filter((j) => j.attempts > 0);
    const records = (await Promise.all(jobs.map((j) => listCallsOfJob(deps.store, instanceId, j.jobId)))).flat();
    expect(records.length).toBeGreaterThan(2);
    const intervals = records.map((c) => [Date.parse(c.dialledAt), c.endedAt ? Date.parse(c.endedAt) : clock.now()] as [number, number]);
    expect(maxOverlap(intervals).max).toBeLessThanOrEqual(2);
  });

  /**
   * Two contacts, one line. The first attempt's dial request is delayed past its lease; the line goes to the other
   * contact's call. Returns the delayed request, its job's key, and the sweep's own services over `store`.
   */
  async function lateDelivery() {
    const t = testDeps();
    t.deps.config.callsPerSecond = 10;
    const now = t.clock.now();
    const { instanceId } = await createInstance(t.deps.store, { name: 's', settings: { maxConcurrency: 1, windows: { ranges: [{ start: '00:00', end: '23:59' }], weekdaysOnly: false, calleeLocalTime: false }, callerNumbers: [{ phoneNumber: '+14155550900', periodSeconds: 60 }] } }, now);
    const { campaignId } = await createCampaign(t.deps.store, instanceId, CampaignSettings.parse({ name: 'c', scenarioId: 's', scenarioVersion: 1 }), now);
    const report = await beginImport(t.deps, instanceId, campaignId, 'api');
    const contacts = ['+14155550101', '+14155550102'].map((phone, i) => ({ row: i + 1, contact: { phone } }));
    await runImport(t.deps, report, { kind: 'contacts', contacts: fromArray(contacts) }, { instanceId, defaultRegion: 'US', requiredVariables: [] });
    await startCampaign(t.deps, instanceId, campaignId, { principal: 't' });
    const loop = createDispatchHandler(t.deps);
    await loop({ instanceId, campaignId, run: 1 });
    const [late] = t.queues.dial.bodies<DialRequest>().filter((b) => b.type === 'dial');
    t.clock.advance(LEASE_TTL_MS + 60_000);
    await loop({ instanceId, campaignId, run: 1 });
    const other = t.queues.dial.bodies<DialRequest>().find((b) => b.type === 'dial' && b.jobId !== late!.jobId);
    expect(other?.leaseSlot).toBe(late!.leaseSlot);
    return { ...t, instanceId, campaignId, late: late!, jobKey: keys.job(instanceId, campaignId, late!.jobId), recordKey: callRecordKey({ instanceId, jobId: late!.jobId, callId: late!.callId }) };
  }

  it('sweep leaves alone an attempt that a late dial delivery gave back after the sweep read it (two records for one attempt)', async () => {
    const t = await lateDelivery();
    // The sweep reads the overdue attempt and its record (none); meanwhile the late delivery finds its line taken
    // and gives the attempt back (the job waits again, the attempt number is claimed again under a new call id).
    const store = afterFirstGet(t.deps.store, t.recordKey, async () => {
      expect(await handleDialRequest(t.deps, t.late)).toBe('cancelled');
    });
    await createSweepHandler(compose({ ...t.deps, store }))();
    expect(store.ran()).toBe(true);
    // The sweep's stale read writes nothing: no "lost" record for the abandoned call id, the job as the unclaim left it.
    expect(await listCallsOfJob(t.deps.store, t.instanceId, t.late.jobId)).toEqual([]);
    expect(await getJob(t.deps.store, t.instanceId, t.campaignId, t.late.jobId)).toMatchObject({ status: 'Scheduling', dialState: 'idle', attempts: 0, finishedAttempt: 0, systemAttempts: 0 });
    expect(t.events.filter((e) => e.detailType === 'CallFinished')).toEqual([]);
  });

  it('late dial delivery leaves alone an attempt the sweep ended as lost after the delivery read it', async () => {
    const t = await lateDelivery();
    // The other order: the delivery reads the job (queued); meanwhile the sweep ends the attempt as lost.
    const store = afterFirstGet(t.deps.store, t.jobKey, async () => {
      await createSweepHandler(t.deps)();
    });
    expect(await handleDialRequest(compose({ ...t.deps, store }), t.late)).toBe('cancelled');
    expect(store.ran()).toBe(true);
    expect(await listCallsOfJob(t.deps.store, t.instanceId, t.late.jobId)).toMatchObject([{ callId: t.late.callId, attempt: 1, status: 'Failed', hangupReason: 'lost', placed: false }]);
    expect(await getJob(t.deps.store, t.instanceId, t.campaignId, t.late.jobId)).toMatchObject({ status: 'Scheduling', dialState: 'idle', attempts: 1, finishedAttempt: 1, systemAttempts: 1 });
  });

  it('runs a recurring plan only on its days and windows, and ends it with TimeUp after its last day', async () => {
    // ManualClock starts Monday 2026-01-05 09:00 UTC.
    const plan = { mode: 'recurring', fromDate: '2026-01-05', toDate: '2026-01-06', daysOfWeek: [2], ranges: [{ start: '10:00', end: '11:00' }] };
    const { deps, instanceId, campaignId, clock, queues } = await setup(plan);
    await startCampaign(deps, instanceId, campaignId, { principal: 't' });
    const task = createDispatchHandler(deps);
    await task({ instanceId, campaignId, run: 1 });
    expect(queues.dial.sent).toHaveLength(0); // Monday is not a plan day
    clock.set(Date.UTC(2026, 0, 6, 10, 30)); // Tuesday inside the window
    await task({ instanceId, campaignId, run: 1 });
    expect(queues.dial.sent.length).toBeGreaterThan(0);
    const dialled = queues.dial.sent.length;
    clock.set(Date.UTC(2026, 0, 7, 0, 1)); // after the plan
    await task({ instanceId, campaignId, run: 1 });
    expect(queues.dial.sent).toHaveLength(dialled);
    const waiting = (await listJobs(deps.store, instanceId, campaignId)).items.filter((j) => j.attempts === 0);
    expect(waiting.every((j) => j.status === 'Cancelled' && j.failureReason === 'TimeUp')).toBe(true);
  });
});
