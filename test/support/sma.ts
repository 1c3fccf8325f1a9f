import { createSmaHandler, type SmaHandlerOptions } from '../../functions/sma';
import { getJob } from '../../lib/campaigns/repository';
import { CampaignSettings } from '../../lib/campaigns/schema';
import { createCampaign } from '../../lib/campaigns/repository';
import type { Deps } from '../../lib/core/deps';
import { createInstance } from '../../lib/instances/repository';
import { ManualClock, isoAt, type Clock } from '../../lib/ports/clock';
import { keys } from '../../lib/store/keys';
import { callPointerItem, callRecordItem, getCallRecordOfJob, type CallRecord } from '../../lib/telephony/call-records';
import type { DialogDriver } from '../../lib/telephony/call-session';
import { encodePlanArgument, type CallPlan } from '../../lib/telephony/plan';
import type { SmaResponse } from '../../lib/telephony/sma-events';
import { fakeDialog } from '../lib/telephony/fake-dialog';
import { testDeps } from './deps';

/** A Lex bot alias ARN of the documented shape (the action reference checks it). */
export const TEST_BOT_ARN = 'arn:aws:lex:us-east-1:123456789012:bot-alias/RECOGNIZR1/TSTALIASID';

/** The plan most handler tests use: the fake dialog, no recording, no greeting listen. */
export const TEST_PLAN: CallPlan = {
  scenarioId: 'scn1',
  scenarioVersion: 1,
  voice: { language: 'en' },
  recording: false,
  delayMs: 300,
  variables: { name: 'Sam' },
  caller: '+12065559999',
  callee: '+12065500001',
  referenceId: 'ref-1',
  plannedAt: '2026-01-05T08:59:00.000Z',
  listenForGreeting: false,
};

/**
 * A rig for the SMA handler: an instance, a running campaign, and for each call what the dispatcher and
 * the dialer leave behind before Chime calls the handler — a job at its attempt, the lease, an open call
 * record — so the handler's writes land where they do in production. `drain()` applies what final call
 * records carry (the tick consumer's job), so tests can check the job's outcome too.
 */
export async function smaRig(
  options: { plan?: Partial<CallPlan>; dialog?: DialogDriver; clock?: Clock; overrides?: Partial<Deps>; retries?: number; handler?: Partial<SmaHandlerOptions> } = {},
) {
  const clock = options.clock ?? new ManualClock();
  const t = testDeps({ clock, ...options.overrides });
  const instanceId = 'inst1';
  const campaignId = 'cmp1';
  await createInstance(t.deps.store, { name: 'sma', instanceId, settings: { maxConcurrency: 100 } }, clock.now());
  const campaign = await createCampaign(t.deps.store, instanceId, CampaignSettings.parse({ name: 'c', scenarioId: 'scn1', scenarioVersion: 1, retry: { retries: options.retries ?? 0 } }), clock.now(), { campaignId });
  await t.deps.store.update(keys.campaign(instanceId, campaignId), { set: { state: 'running', run: 1, startedAt: isoAt(clock.now()) }, add: { version: 1 } });
  const plan: CallPlan = { ...TEST_PLAN, ...options.plan };
  // `handler: { loadDialog: undefined }` runs the real loader on scenario versions the test stores.
  const handle = createSmaHandler(t.deps, { recordingsBucket: 'recordings', recognizerBotAliasArn: TEST_BOT_ARN, loadDialog: async () => options.dialog ?? fakeDialog, ...options.handler });
  let n = 0;

  /** Seeds job, lease and open call record of a new call; returns its ids and arguments. */
  async function openCall(callee = plan.callee ?? '+12065500001') {
    n++;
    const jobId = `job${n}`;
    const callId = n === 1 ? 'call1' : `call${n}`;
    const slot = n - 1;
    const now = clock.now();
    await t.deps.store.put({
      ...keys.job(instanceId, campaignId, jobId),
      type: 'job',
      jobId, campaignId, instanceId,
      contact: { phone: callee, variables: {}, referenceId: plan.referenceId },
      status: 'Executing', dialState: 'inCall', attempts: 1, tries: 0, finishedAttempt: 0, systemAttempts: 0,
      placedCalls: 1, answeredCalls: 0, answered: false, interacted: false, tags: {}, captured: {},
      callId, leaseSlot: slot, from: plan.caller, plannedAt: plan.plannedAt, createdAt: isoAt(now), updatedAt: isoAt(now), version: 3,
    });
    await t.deps.store.put({ ...keys.leaseSlot(instanceId, slot), type: 'lease', slot, holder: callId, campaignId, jobId, attempt: 1, expiresAt: now + 15 * 60_000, takenAt: now });
    const record: CallRecord = {
      callId, instanceId, campaignId, jobId, attempt: 1, caller: plan.caller, callee, referenceId: plan.referenceId, plannedAt: plan.plannedAt,
      dialledAt: isoAt(now), ringSeconds: 0, talkSeconds: 0, turns: 0, answered: false, completed: false, transferred: false, status: 'Executing',
      tags: {}, noMatchHangup: false, systemFailure: false, placed: true, interacted: false, captured: {},
    };
    await t.deps.store.put(callRecordItem(record));
    await t.deps.store.put(callPointerItem(record));
    const args = { instanceId, campaignId, jobId, attempt: '1', callId, leaseSlot: String(slot), ...encodePlanArgument(plan) };
    return { jobId, callId, slot, args };
  }

  /** Applies what final call records carry, as the tick consumer does for each drain message. */
  async function drain(): Promise<number> {
    let drained = 0;
    for (const body of t.queues.tick.bodies<{ type: string; pk: string; sk: string }>()) {
      if (body.type !== 'drain') continue;
      const r = await t.deps.outbox.drainClaimed({ pk: body.pk, sk: body.sk });
      if (r && r.applied > 0) drained++;
    }
    return drained;
  }

  return {
    ...t,
    clock,
    instanceId,
    campaignId,
    campaign,
    plan,
    handle,
    openCall,
    drain,
    record: (jobId: string, callId: string) => getCallRecordOfJob(t.deps.store, instanceId, jobId, callId),
    job: (jobId: string) => getJob(t.deps.store, instanceId, campaignId, jobId),
    lease: (slot: number) => t.deps.store.get(keys.leaseSlot(instanceId, slot)),
  };
}

/** The transaction attributes of a response (what Chime sends with the next event). */
export const attributesOf = (r: SmaResponse) => r.TransactionAttributes!;
/** The action types of a response. */
export const typesOf = (r: SmaResponse) => (r.Actions ?? []).map((a) => a.Type);
