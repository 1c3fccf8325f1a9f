import type { SQSEvent } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { createApiHandler } from '../../../functions/api/handler';
import { apiRoutes } from '../../../functions/api/routes';
import { createDispatchHandler, createTickHandler } from '../../../functions/scheduler';
import { createSweepHandler } from '../../../functions/sweep';
import { createCampaign, getCampaign, listJobs, readCounters } from '../../../lib/campaigns/repository';
import { CampaignSettings, type Job } from '../../../lib/campaigns/schema';
import { isTerminal } from '../../../lib/campaigns/job-machine';
import { startCampaign } from '../../../lib/campaigns/lifecycle';
import { recountCampaign } from '../../../lib/campaigns/transitions';
import { beginImport } from '../../../lib/contacts/import';
import { runContactWork } from '../../../lib/contacts/work';
import { compose } from '../../../lib/composition';
import type { Deps, Services } from '../../../lib/core/deps';
import { mergePatch } from '../../../lib/core/merge-patch';
import type { DialRequest } from '../../../lib/domain/dialing';
import { handleDialRequest } from '../../../lib/dialer/dial';
import { createApiKey, createInstance, getInstance } from '../../../lib/instances/repository';
import type { Queue } from '../../../lib/ports/queue';
import type { Store } from '../../../lib/ports/store';
import type { PlaceCallRequest } from '../../../lib/ports/telephony';
import { keys } from '../../../lib/store/keys';
import { callRecordKey } from '../../../lib/telephony/call-records';
import { endCall } from '../../support/calls';
import { testDeps } from '../../support/deps';
import { apiEvent, invoke } from '../../support/http';

/**
 * Issue 9, "Done when" 1: random interleavings of PATCHes (campaign and instance, partial bodies, through the
 * API handler), parallel and redelivered contact imports (API batches and worker messages), dispatch rounds
 * (the Step Functions task and the tick consumer), dial requests (duplicated deliveries) and call outcomes
 * (duplicated deliveries), with crashes injected between store calls, then a crash-free settling phase
 * (crashed worker messages redelivered, crashed API requests retried by their client, the sweep, calls
 * ended, leases expired), and these checks:
 *  - one job per number per campaign;
 *  - the campaign's counters equal a recount of its jobs;
 *  - a campaign whose jobs are all terminal is completed (and settling terminates every job);
 *  - no setting lost: every field a PATCH set keeps its last written value, the others are unchanged;
 *  - calls in flight never exceed the maximum, and every live call holds its own lease.
 *
 * Every store call of an operation is a scheduling point of fast-check's scheduler, so the interleavings
 * are the scheduler's (seeded, replayable), not the event loop's. Ids are made deterministic for the same
 * reason. A crash makes the operation's store (and its queues, bus, telephony) throw from a chosen call on:
 * the process is gone, nothing it would have done next happens.
 */

// Deterministic ids: a replayed seed must produce the same jobs, shards and calls.
let idCounter = 0;
vi.mock('../../../lib/core/ids', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../lib/core/ids')>();
  return {
    ...original,
    newId: (prefix = '', nowMs = Date.now()) => `${prefix}${String(nowMs).padStart(13, '0')}${String(++idCounter).padStart(8, '0')}`,
  };
});

/**
 * Overlapping numbers across parallel imports, the same worker message delivered concurrently (issue 9.4: one
 * number is one job, whatever the concurrency or redelivery; an import resumes from its last committed chunk).
 * On by default; REACHOUT_CONCURRENT_IMPORTS=0 leaves them out when bisecting another finding.
 */
const CONCURRENT_IMPORTS = process.env.REACHOUT_CONCURRENT_IMPORTS !== '0';
/**
 * Crashes inside imports (API batches and worker messages; worker messages are redelivered while settling).
 * What they found, both fixed: an import that died between its job writes and its count left the counters
 * short (the count now commits with the cursor; a stalled import's release counts the jobs past it), and an
 * API import that died stayed `running`, so its campaign never completed (the sweep fails it after
 * STALLED_IMPORT_MS without progress). REACHOUT_IMPORT_CRASHES=0 leaves them out.
 */
const IMPORT_CRASHES = process.env.REACHOUT_IMPORT_CRASHES !== '0';
const RUNS = Number(process.env.REACHOUT_CONCURRENCY_RUNS ?? 50);
const SEED = Number(process.env.REACHOUT_CONCURRENCY_SEED ?? 9009);

const INSTANCE = 'in_cc';
const CALLER = '+14155550900';
/** Numbers imports draw from (overlapping when CONCURRENT_IMPORTS). */
const POOL = Array.from({ length: 8 }, (_, i) => `+1415555${String(1100 + i)}`);
const WORKER_FILES = 2;
const ALWAYS_OPEN = [{ start: '00:00', end: '23:59' }];

class Crash extends Error {
  constructor() {
    super('injected crash');
  }
}

type CampaignPatch = Record<string, unknown>;
type InstancePatch = { name?: string; settings?: Record<string, unknown> };

type Op =
  /** `draft`: the second campaign, a draft (editable at any time); else the running one (editable while paused). */
  | { kind: 'patchCampaign'; body: CampaignPatch; draft: boolean; also?: CampaignPatch }
  | { kind: 'patchInstance'; body: InstancePatch }
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'apiImport'; numbers: number[] }
  | { kind: 'workerImport'; file: number }
  | { kind: 'dispatch' }
  | { kind: 'tick' }
  | { kind: 'dial'; pick: number }
  | { kind: 'endCall'; pick: number; status: 'Succeeded' | 'NoAnswer' | 'Busy' }
  | { kind: 'sweep' };

type Step = { op: Op; crashAt?: number; delay?: number };

const campaignPatch: fc.Arbitrary<CampaignPatch> = fc.record(
  {
    description: fc.constantFrom('a', 'b', 'c'),
    priority: fc.constantFrom('urgent', 'normal'),
    guaranteedConcurrency: fc.integer({ min: 0, max: 2 }),
    maxConcurrency: fc.integer({ min: 1, max: 3 }),
    localPresence: fc.boolean(),
    // Nested: a merge patch of the retry policy keeps the fields it does not mention (retries stays 0).
    retry: fc.oneof(fc.record({ maxRingSeconds: fc.integer({ min: 20, max: 60 }) }), fc.record({ intervalSeconds: fc.constantFrom(60, 600) })),
  },
  { requiredKeys: [] },
);

const instancePatch: fc.Arbitrary<InstancePatch> = fc.oneof(
  fc.record({ name: fc.constantFrom('x', 'y') }),
  fc.record({
    settings: fc.record(
      {
        maxConcurrency: fc.integer({ min: 1, max: 3 }),
        // Always open, so windows never decide whether settling can finish; what matters is that a PATCH of
        // windows keeps the caller numbers (issue 9.2).
        windows: fc.constant({ ranges: ALWAYS_OPEN }),
        delayBeforeFirstPromptMs: fc.integer({ min: 0, max: 1000 }),
        noRedialEmptyNumbers: fc.boolean(),
      },
      { requiredKeys: [] },
    ),
  }),
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record(
      // `also`: a second PATCH sent at the same time (two tabs, a double submit).
      { kind: fc.constant('patchCampaign' as const), body: campaignPatch, draft: fc.boolean(), also: campaignPatch },
      { requiredKeys: ['kind', 'body', 'draft'] },
    ),
    weight: 8,
  },
  { arbitrary: fc.record({ kind: fc.constant('patchInstance' as const), body: instancePatch }), weight: 3 },
  { arbitrary: fc.constant({ kind: 'pause' as const }), weight: 2 },
  { arbitrary: fc.constant({ kind: 'resume' as const }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('apiImport' as const), numbers: fc.uniqueArray(fc.nat(POOL.length - 1), { minLength: 1, maxLength: 3 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('workerImport' as const), file: fc.nat(WORKER_FILES - 1) }), weight: 2 },
  { arbitrary: fc.constant({ kind: 'dispatch' as const }), weight: 4 },
  { arbitrary: fc.constant({ kind: 'tick' as const }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('dial' as const), pick: fc.nat(5) }), weight: 6 },
  { arbitrary: fc.record({ kind: fc.constant('endCall' as const), pick: fc.nat(5), status: fc.constantFrom('Succeeded' as const, 'NoAnswer' as const, 'Busy' as const) }), weight: 5 },
  { arbitrary: fc.constant({ kind: 'sweep' as const }), weight: 1 },
);

const stepArb: fc.Arbitrary<Step> = fc.record(
  // One operation in four dies, at one of its first 30 store calls.
  {
    op: opArb,
    crashAt: fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: fc.integer({ min: 1, max: 30 }), weight: 1 }),
    // Scheduling points before the operation starts: long operations (a dispatch round makes ~30 store calls)
    // then finish before short ones (a dial) start, as often as the other way round.
    delay: fc.nat(40),
  },
  { requiredKeys: ['op'] },
);

/** A store whose every call is a point where the scheduler picks who goes next, and which dies at `crashAt`. */
function scheduledStore(inner: Store, s: fc.Scheduler, label: string, crashAt: number | undefined, state: { calls: number; dead: boolean }): Store {
  const gate = async (method: string) => {
    await s.schedule(Promise.resolve(), `${label}:${method}`);
    state.calls++;
    if (state.dead || (crashAt !== undefined && state.calls >= crashAt)) {
      state.dead = true;
      throw new Crash();
    }
  };
  return {
    get: async (k) => (await gate('get'), inner.get(k)),
    batchGet: async (k) => (await gate('batchGet'), inner.batchGet(k)),
    put: async (i, c) => (await gate('put'), inner.put(i, c)),
    update: async (k, ch, c) => (await gate('update'), inner.update(k, ch, c)),
    delete: async (k, c) => (await gate('delete'), inner.delete(k, c)),
    query: async (q) => (await gate('query'), inner.query(q)),
    batchPut: async (i) => (await gate('batchPut'), inner.batchPut(i)),
    batchDelete: async (k) => (await gate('batchDelete'), inner.batchDelete(k)),
  };
}

/** A queue of a dead process sends nothing. */
function mortalQueue(inner: Queue, state: { dead: boolean }): Queue {
  return {
    send: async (m) => {
      if (state.dead) throw new Crash();
      return inner.send(m);
    },
    sendBatch: async (m) => {
      if (state.dead) throw new Crash();
      return inner.sendBatch(m);
    },
  };
}

const sqs = (bodies: unknown[]): SQSEvent => ({ Records: bodies.map((b, i) => ({ messageId: `m${i}`, body: JSON.stringify(b) })) }) as unknown as SQSEvent;

async function world() {
  idCounter = 0;
  const t = testDeps();
  t.deps.config.callsPerSecond = 1000;
  const base = t.deps;
  const now = t.clock.now();
  await createInstance(
    base.store,
    {
      name: 'cc',
      instanceId: INSTANCE,
      settings: { maxConcurrency: 2, dailyCapPerCallee: 5, windows: { ranges: ALWAYS_OPEN, weekdaysOnly: false, calleeLocalTime: false }, callerNumbers: [{ phoneNumber: CALLER, periodSeconds: 60 }] },
    },
    now,
  );
  const { apiKey } = await createApiKey(base.store, INSTANCE, now);
  const campaign = await createCampaign(base.store, INSTANCE, CampaignSettings.parse({ name: 'c', scenarioId: 's', scenarioVersion: 1, retry: { retries: 0 } }), now);
  const campaignId = campaign.campaignId;

  // Worker imports: uploaded and begun (the API did that); their messages are delivered by the steps.
  const workerMessages = [];
  for (let f = 0; f < WORKER_FILES; f++) {
    const numbers = CONCURRENT_IMPORTS ? POOL.slice(f * 2, f * 2 + 4) : [`+1415555${2000 + f * 10}`, `+1415555${2001 + f * 10}`];
    const blobKey = `imports/${INSTANCE}/${campaignId}/f${f}.csv`;
    await base.blobs.data.put(blobKey, `phone\n${numbers.join('\n')}\n`);
    const report = await beginImport(base, INSTANCE, campaignId, 'csv', { blobKey });
    workerMessages.push({ type: 'import' as const, instanceId: INSTANCE, campaignId, importId: report.importId, blobKey, format: 'csv' as const });
  }
  // First contacts so the campaign can start; it runs from the beginning.
  const first = await createApiHandler(base, apiRoutes())(apiEvent('POST', `/campaigns/${campaignId}/contacts`, { body: { numbers: '+14155553000 +14155553001 +14155553002 +14155553003' }, headers: { 'x-api-key': apiKey } }), {} as never);
  expect(first.statusCode).toBe(200);
  await startCampaign(base, INSTANCE, campaignId, { principal: 'test' });
  // A draft beside it: PATCHes of a draft always apply, so they race each other (and imports) often.
  const draft = await createCampaign(base.store, INSTANCE, CampaignSettings.parse({ name: 'd', scenarioId: 's', scenarioVersion: 1, priority: 'urgent' }), now);
  return {
    ...t, base, apiKey, campaignId, draftId: draft.campaignId,
    initialCampaign: await getCampaign(base.store, INSTANCE, campaignId), initialDraft: await getCampaign(base.store, INSTANCE, draft.campaignId), initialInstance: await getInstance(base.store, INSTANCE), workerMessages };
}

type World = Awaited<ReturnType<typeof world>>;

/** Calls the telephony accepted, with their lease, in order. */
interface Placed {
  callId: string;
  jobId: string;
  campaignId: string;
  leaseSlot: number;
}

describe('campaign state under concurrency', () => {
  it('keeps one job per number, counters equal to a recount, completion, every setting and the line maximum under random interleavings and crashes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 4, maxLength: 20 }), fc.scheduler(), async (steps, s) => {
        const w = await world();
        const { base, campaignId } = w;
        const placed: Placed[] = [];
        const violations: string[] = [];
        const maxEver = () => Math.max(w.initialInstance.settings.maxConcurrency, ...steps.flatMap((st) => (st.op.kind === 'patchInstance' && typeof st.op.body.settings?.maxConcurrency === 'number' ? [st.op.body.settings.maxConcurrency] : [])));

        /** Live calls: accepted by the telephony, their record not final yet. */
        const liveCalls = async () => {
          const out: Placed[] = [];
          for (const p of placed) {
            const record = await base.store.get(callRecordKey({ instanceId: INSTANCE, jobId: p.jobId, callId: p.callId }));
            if (!record?.endedAt) out.push(p);
          }
          return out;
        };
        /** P3: no more live calls than the maximum, each holding its own lease slot. */
        const checkLines = async (where: string) => {
          const live = await liveCalls();
          if (live.length > maxEver()) violations.push(`${where}: ${live.length} calls in flight, maximum ${maxEver()}`);
          for (const p of live) {
            const lease = await base.store.get(keys.leaseSlot(INSTANCE, p.leaseSlot));
            if (lease?.holder !== p.callId) violations.push(`${where}: live call ${p.callId} does not hold its lease slot ${p.leaseSlot} (holder ${String(lease?.holder)})`);
          }
        };
        const telephony: Deps['telephony'] = {
          async placeCall(request: PlaceCallRequest) {
            const a = request.arguments as Record<string, string>;
            placed.push({ callId: a.callId!, jobId: a.jobId!, campaignId: a.campaignId!, leaseSlot: Number(a.leaseSlot) });
            await checkLines(`placing ${a.callId}`);
            return { ok: true, transactionId: `tx-${a.callId}` };
          },
          async updateCall() {
            return { ok: true };
          },
        };

        /** One process: the services an operation runs with, its store scheduled and mortal. */
        const processFor = (label: string, crashAt?: number): Services => {
          const state = { calls: 0, dead: false };
          const deps: Deps = {
            ...base,
            store: scheduledStore(base.store, s, label, crashAt, state),
            queues: { dial: mortalQueue(base.queues.dial, state), tick: mortalQueue(base.queues.tick, state), work: mortalQueue(base.queues.work, state) },
            bus: { publish: async (batch) => (state.dead ? Promise.reject(new Crash()) : base.bus.publish(batch)) },
            telephony: { placeCall: async (r) => (state.dead ? Promise.reject(new Crash()) : telephony.placeCall(r)), updateCall: telephony.updateCall },
          };
          return compose(deps);
        };
        /** The crash-free process of the settling phase. */
        const calm = compose({ ...base, telephony });

        const api = (svc: Services, method: string, path: string, body?: unknown) =>
          invoke(createApiHandler(svc, apiRoutes()), apiEvent(method, path, { body, headers: { 'x-api-key': w.apiKey } }));
        const dialRequests = () => w.queues.dial.bodies<DialRequest>().filter((b) => b.type === 'dial');

        const campaignPatches: { version: number; body: CampaignPatch }[] = [];
        const draftPatches: { version: number; body: CampaignPatch }[] = [];
        const instancePatches: { version: number; body: InstancePatch }[] = [];
        const unanswered: [Step, number][] = [];

        const run = async (svc: Services, step: Step, index: number, gated = true): Promise<void> => {
          const { op } = step;
          // Operations start when the scheduler says (a dial request or a call to end is picked from what exists then).
          if (gated) for (let d = 0; d <= (step.delay ?? 0); d++) await s.schedule(Promise.resolve(), `${index}:${op.kind}:start`);
          switch (op.kind) {
            case 'patchCampaign': {
              const patch = async (body: CampaignPatch) => {
                const r = await api(svc, 'PATCH', `/campaigns/${op.draft ? w.draftId : campaignId}`, body);
                if (r.status === 200) (op.draft ? draftPatches : campaignPatches).push({ version: r.body.version, body });
                else if (r.status >= 500) unanswered.push([{ op: { ...op, body, also: undefined } }, index]);
                else expect(r.status, JSON.stringify(r.body)).toBe(409);
              };
              await Promise.all([patch(op.body), ...(op.also ? [patch(op.also)] : [])]);
              return;
            }
            case 'patchInstance': {
              const r = await api(svc, 'PATCH', '/instance', op.body);
              if (r.status === 200) instancePatches.push({ version: r.body.version, body: op.body });
              else if (r.status >= 500) unanswered.push([step, index]);
              else expect(r.status, JSON.stringify(r.body)).toBe(409);
              return;
            }
            case 'pause':
            case 'resume': {
              const r = await api(svc, 'POST', `/campaigns/${campaignId}/${op.kind}`, {});
              if (r.status >= 500) unanswered.push([step, index]);
              else expect([200, 409], JSON.stringify(r.body)).toContain(r.status);
              return;
            }
            case 'apiImport': {
              const numbers = CONCURRENT_IMPORTS ? op.numbers.map((i) => POOL[i]!) : [`+1415555${4000 + index}`];
              const r = await api(svc, 'POST', `/campaigns/${campaignId}/contacts`, { numbers: numbers.join(' ') });
              if (r.status >= 500) unanswered.push([step, index]);
              else expect([200, 409], JSON.stringify(r.body)).toContain(r.status);
              return;
            }
            case 'workerImport':
              await runContactWork(svc, w.workerMessages[op.file]!);
              return;
            case 'dispatch': {
              const c = await getCampaign(base.store, INSTANCE, campaignId);
              const out = await createDispatchHandler(svc)({ instanceId: INSTANCE, campaignId, run: c.run });
              return;
            }
            case 'tick':
              await createTickHandler(svc)(sqs([{ type: 'tick', instanceId: INSTANCE, reason: 'callEnded' }]));
              return;
            case 'dial': {
              // A dialer consumes a message once there is one: wait (scheduling points, not time) for a request.
              for (let n = 0; gated && n < 80 && dialRequests().length === 0; n++) await s.schedule(Promise.resolve(), `${index}:dial:wait`);
              const requests = dialRequests();
              if (requests.length === 0) return;
              const res = await handleDialRequest(svc, requests[op.pick % requests.length]!);
              return;
            }
            case 'endCall': {
              for (let n = 0; gated && n < 80 && placed.length === 0; n++) await s.schedule(Promise.resolve(), `${index}:endCall:wait`);
              if (placed.length === 0) return;
              const p = placed[op.pick % placed.length]!;
              await endCall(svc, { instanceId: INSTANCE, ...p }, { status: op.status, answered: op.status === 'Succeeded', completed: op.status === 'Succeeded', talkSeconds: op.status === 'Succeeded' ? 12 : 0 });
              return;
            }
            case 'sweep':
              await createSweepHandler(svc)();
              return;
          }
        };

        // Without CONCURRENT_IMPORTS each worker message is delivered once in the interleaved phase (redelivered
        // while settling); without IMPORT_CRASHES imports do not crash.
        const importing = (op: Op) => op.kind === 'apiImport' || op.kind === 'workerImport';
        const seenFiles = new Set<number>();
        const effective = steps.filter((st) => {
          if (CONCURRENT_IMPORTS || st.op.kind !== 'workerImport') return true;
          if (seenFiles.has(st.op.file)) return false;
          seenFiles.add(st.op.file);
          return true;
        });
        const tasks = effective.map((st, i) => {
          const crashAt = !IMPORT_CRASHES && importing(st.op) ? undefined : st.crashAt;
          return run(processFor(`${i}:${st.op.kind}`, crashAt), { ...st, crashAt }, i).then(
            () => undefined,
            (error: unknown) => {
              if (!(error instanceof Crash)) throw error;
            },
          );
        });
        await s.waitFor(Promise.all(tasks));
        await checkLines('after the interleaving');

        // Settling, without crashes: worker messages are redelivered (SQS), clients retry what got no answer,
        // the sweep applies what crashes left, calls end, lost attempts are found at lease expiry.
        for (const m of w.workerMessages) await runContactWork(calm, m);
        const paused = async () => (await getCampaign(base.store, INSTANCE, campaignId)).state === 'paused';
        for (const [st, i] of unanswered) if (st.op.kind !== 'patchCampaign') await run(calm, { op: st.op }, i, false);
        // A campaign is edited paused: a retried PATCH must not meet a 409 (its first try may have committed).
        if (unanswered.some(([st]) => st.op.kind === 'patchCampaign') && !(await paused())) await api(calm, 'POST', `/campaigns/${campaignId}/pause`, {});
        for (const [st, i] of unanswered) if (st.op.kind === 'patchCampaign') await run(calm, { op: st.op }, i, false);
        if (await paused()) expect((await api(calm, 'POST', `/campaigns/${campaignId}/resume`, {})).status).toBe(200);

        let handled = 0;
        for (let round = 0; round < 40; round++) {
          w.clock.advance(61_000);
          await createSweepHandler(calm)();
          await createDispatchHandler(calm)({ instanceId: INSTANCE, campaignId, run: (await getCampaign(base.store, INSTANCE, campaignId)).run });
          const requests = dialRequests();
          for (; handled < requests.length; handled++) await handleDialRequest(calm, requests[handled]!);
          for (const p of await liveCalls()) await endCall(calm, { instanceId: INSTANCE, ...p }, { status: 'NoAnswer', answered: false });
          const jobs = await allJobs(w);
          const c = await getCampaign(base.store, INSTANCE, campaignId);
          if (jobs.every((j) => isTerminal(j.status)) && c.state === 'completed') break;
          // Attempts whose dial request or outcome was lost with a crashed process end at lease expiry.
          if (round % 4 === 3) w.clock.advance(16 * 60_000);
        }
        w.clock.advance(61_000);
        await createSweepHandler(calm)();
        await checkLines('after settling');

        const jobs = await allJobs(w);
        const campaign = await getCampaign(base.store, INSTANCE, campaignId);
        const instance = await getInstance(base.store, INSTANCE);

        expect(violations, 'calls in flight over the maximum / without their lease').toEqual([]);
        // Issue 9.4: fails on this branch when CONCURRENT_IMPORTS is on (lib/contacts/import.ts, branch `imports`).
        const perNumber = new Map<string, number>();
        for (const j of jobs) perNumber.set(j.contact.phone, (perNumber.get(j.contact.phone) ?? 0) + 1);
        expect([...perNumber].filter(([, n]) => n > 1), 'numbers with more than one job').toEqual([]);
        expect(await readCounters(base.store, INSTANCE, campaignId), 'counters equal a recount').toEqual(await recountCampaign(base, INSTANCE, campaignId));
        expect(jobs.filter((j) => !isTerminal(j.status)).map((j) => `${j.jobId} ${j.status}/${j.dialState}`), 'jobs left after settling').toEqual([]);
        expect(campaign.state, 'a campaign whose jobs are all terminal is completed').toBe('completed');

        const expectedCampaign = campaignPatches.sort((a, b) => a.version - b.version).reduce((acc, p) => mergePatch(acc, p.body), settingsOf(w.initialCampaign));
        expect(settingsOf(campaign), 'campaign settings: the last PATCH of each field wins, the rest unchanged').toEqual(expectedCampaign);
        const expectedDraft = draftPatches.sort((a, b) => a.version - b.version).reduce((acc, p) => mergePatch(acc, p.body), settingsOf(w.initialDraft));
        expect(settingsOf(await getCampaign(base.store, INSTANCE, w.draftId)), 'draft settings: the last PATCH of each field wins, the rest unchanged').toEqual(expectedDraft);
        const expectedInstance = instancePatches
          .sort((a, b) => a.version - b.version)
          .reduce((acc, p) => mergePatch(acc, p.body), { name: w.initialInstance.name, settings: w.initialInstance.settings as Record<string, unknown> });
        expect({ name: instance.name, settings: instance.settings }, 'instance settings: the last PATCH of each field wins, the rest unchanged').toEqual(expectedInstance);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: false },
    );
  }, 600_000);
});

async function allJobs(w: World): Promise<Job[]> {
  const out: Job[] = [];
  let cursor: string | undefined;
  do {
    const page = await listJobs(w.base.store, INSTANCE, w.campaignId, { limit: 500, cursor });
    out.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return out;
}

function settingsOf(c: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(CampaignSettings.shape)) if (c[k] !== undefined) out[k] = c[k];
  return out;
}
