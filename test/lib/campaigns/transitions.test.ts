import { describe, expect, it } from 'vitest';
import { createSweepHandler } from '../../../functions/sweep';
import { dispatch } from '../../../lib/campaigns/dispatch';
import { cancelWaitingJob } from '../../../lib/campaigns/jobs';
import { startCampaign } from '../../../lib/campaigns/lifecycle';
import { createCampaign, getCampaign, getJob, listJobs, readCounters } from '../../../lib/campaigns/repository';
import { CampaignSettings } from '../../../lib/campaigns/schema';
import { recountCampaign, releaseAbandonedImports, STALLED_IMPORT_MS } from '../../../lib/campaigns/transitions';
import { beginImport, fromArray, getImport, runImport } from '../../../lib/contacts/import';
import { compose } from '../../../lib/composition';
import type { DialRequest } from '../../../lib/domain/dialing';
import { handleDialRequest } from '../../../lib/dialer/dial';
import { createInstance, getInstanceStats } from '../../../lib/instances/repository';
import type { Store } from '../../../lib/ports/store';
import { endCall } from '../../support/calls';
import { testDeps } from '../../support/deps';

const OPEN = { ranges: [{ start: '00:00', end: '23:59' }], weekdaysOnly: false, calleeLocalTime: false };

async function setup(phones: string[] = ['+14155550101', '+14155550102']) {
  const t = testDeps();
  t.deps.config.callsPerSecond = 100;
  const now = t.clock.now();
  const { instanceId } = await createInstance(t.deps.store, { name: 'i', settings: { maxConcurrency: 5, windows: OPEN, callerNumbers: [{ phoneNumber: '+14155550900', periodSeconds: 60 }] } }, now);
  const { campaignId } = await createCampaign(t.deps.store, instanceId, CampaignSettings.parse({ name: 'c', scenarioId: 's', scenarioVersion: 1, retry: { retries: 0 } }), now);
  if (phones.length) await importPhones(t.deps, instanceId, campaignId, phones);
  return { ...t, instanceId, campaignId };
}

async function importPhones(deps: ReturnType<typeof testDeps>['deps'], instanceId: string, campaignId: string, phones: string[]) {
  const report = await beginImport(deps, instanceId, campaignId, 'api');
  return runImport(deps, report, { kind: 'contacts', contacts: fromArray(phones.map((phone, i) => ({ row: i + 1, contact: { phone } }))) }, { instanceId, defaultRegion: 'US', requiredVariables: [] });
}

/** A process that dies after `alive` store calls: every later call throws, nothing after it happens. */
function dyingAfter(store: Store, alive: number): Store {
  let calls = 0;
  const gate = () => {
    if (++calls > alive) throw new Error('crash');
  };
  return {
    get: async (k) => (gate(), store.get(k)),
    batchGet: async (k) => (gate(), store.batchGet(k)),
    put: async (i, c) => (gate(), store.put(i, c)),
    update: async (k, ch, c) => (gate(), store.update(k, ch, c)),
    delete: async (k, c) => (gate(), store.delete(k, c)),
    query: async (q) => (gate(), store.query(q)),
    batchPut: async (i) => (gate(), store.batchPut(i)),
    batchDelete: async (k) => (gate(), store.batchDelete(k)),
  };
}

describe('campaign transitions', () => {
  it('counts and completes after a crash between the call-end write and its effects: the sweep applies them (issue 9.5)', async () => {
    const { deps, instanceId, campaignId, queues, clock } = await setup(['+14155550101']);
    await startCampaign(deps, instanceId, campaignId, { principal: 't' });
    await dispatch(deps, instanceId, { campaignId });
    const [request] = queues.dial.bodies<DialRequest>();
    expect(await handleDialRequest(deps, request!)).toBe('placed');
    // The record is read, written final, then the process dies before any effect is applied.
    const dying = compose({ ...deps, store: dyingAfter(deps.store, 2) });
    await endCall(dying, request!, { status: 'Succeeded', completed: true, talkSeconds: 90 }).catch(() => undefined);
    expect(await getJob(deps.store, instanceId, campaignId, request!.jobId)).toMatchObject({ status: 'Executing' });
    // A duplicated outcome delivery is refused (the record is final) and applies nothing itself.
    expect((await endCall(deps, request!, { status: 'Succeeded' })).ok).toBe(false);

    clock.advance(61_000);
    await createSweepHandler(deps)();
    expect(await getJob(deps.store, instanceId, campaignId, request!.jobId)).toMatchObject({ status: 'Succeeded' });
    expect(await readCounters(deps.store, instanceId, campaignId)).toEqual(await recountCampaign(deps, instanceId, campaignId));
    expect(await getCampaign(deps.store, instanceId, campaignId)).toMatchObject({ state: 'completed' });
    // I3: minutes talked are written with the outcome (issue 9.14).
    expect(await getInstanceStats(deps.store, instanceId)).toMatchObject({ callsPlaced: 1, minutesTalked: 1.5 });
  });

  it('counts a cancelled job whose process died after the job write (issue 9.5, cancelWaitingJob)', async () => {
    const { deps, instanceId, campaignId, clock } = await setup(['+14155550101']);
    await startCampaign(deps, instanceId, campaignId, { principal: 't' });
    const [job] = (await listJobs(deps.store, instanceId, campaignId)).items;
    const dying = compose({ ...deps, store: dyingAfter(deps.store, 2) }); // read the job, write it, die
    await cancelWaitingJob(dying, instanceId, campaignId, job!.jobId, 'Stopped').catch(() => undefined);
    expect((await getJob(deps.store, instanceId, campaignId, job!.jobId))?.status).toBe('Cancelled');
    clock.advance(61_000);
    await createSweepHandler(deps)();
    expect(await readCounters(deps.store, instanceId, campaignId)).toMatchObject({ total: 1, completed: 1, cancelled: 1 });
    expect(await readCounters(deps.store, instanceId, campaignId)).toEqual(await recountCampaign(deps, instanceId, campaignId));
    expect((await getCampaign(deps.store, instanceId, campaignId)).state).toBe('completed');
  });

  it('lets 50 parallel imports in, releases a dead one, and completes after the last (issue 9.3)', async () => {
    const { deps, instanceId, campaignId, clock } = await setup([]);
    const reports = await Promise.all(Array.from({ length: 50 }, (_, i) => importPhones(deps, instanceId, campaignId, [`+1415555${String(1000 + i)}`])));
    expect(reports.every((r) => r.status === 'completed' && r.accepted === 1)).toBe(true);
    const failing = await beginImport(deps, instanceId, campaignId, 'api');
    const broken = (async function* () {
      yield { row: 1, contact: { phone: '+14155552000' } };
      throw new Error('the upload was cut');
    })();
    // Its process dies: the import stays running (a redelivered message would resume it) and holds the campaign open...
    await expect(runImport(deps, failing, { kind: 'contacts', contacts: broken }, { instanceId, defaultRegion: 'US', requiredVariables: [] })).rejects.toThrow('the upload was cut');
    expect(await getCampaign(deps.store, instanceId, campaignId)).toMatchObject({ importsRunning: 1 });
    // ...until the sweep finds it without progress for longer than any redelivery could take.
    clock.advance(STALLED_IMPORT_MS + 1);
    expect(await releaseAbandonedImports(deps, instanceId, campaignId)).toBe(1);
    expect((await getImport(deps.store, instanceId, campaignId, failing.importId))?.status).toBe('failed');
    expect(await getCampaign(deps.store, instanceId, campaignId)).toMatchObject({ importsRunning: 0 });
    expect((await readCounters(deps.store, instanceId, campaignId)).total).toBe((await listJobs(deps.store, instanceId, campaignId, { limit: 100 })).items.length);
    await startCampaign(deps, instanceId, campaignId, { principal: 't' });
    for (const job of (await listJobs(deps.store, instanceId, campaignId, { limit: 100 })).items) await cancelWaitingJob(deps, instanceId, campaignId, job.jobId, 'Stopped');
    expect((await getCampaign(deps.store, instanceId, campaignId)).state).toBe('completed');
  });
});
