import type { Deps } from '../core/deps';
import { newId, stableId } from '../core/ids';
import type { DialRequest } from '../domain/dialing';
import { getInstanceSettings } from '../instances/repository';
import type { InstanceSettings } from '../instances/schema';
import { onList, suspendedAmong } from '../lists';
import { planDials, type CampaignSnapshot, type DueJob, type PlannedDial } from '../planner/plan';
import { isoAt } from '../ports/clock';
import type { Item } from '../ports/store';
import { JOB_SHARDS, keys } from '../store/keys';
import type { Schedule } from '../windows/schedule';
import { localDate } from '../windows/schedule';
import { instantOf, nextDate } from '../windows/time';
import { finishCall } from './call-outcome';
import { campaignEvent, publishEvents } from './events';
import { cancelWaitingJob, cancelWaitingJobs, completeIfDone } from './jobs';
import { acquireLease, activeLeases, LEASE_TTL_MS, releaseLease } from './leases';
import { addCounters, campaignsInStates, dueIndex, dueSortKey, findCampaign, mutateCampaign } from './repository';
import type { Campaign } from './schema';

/**
 * The dispatcher (impure side of the planner): loads a bounded snapshot of the instance, runs the
 * pure planner, then claims every planned dial with conditional writes — a lease slot, the callee's
 * daily count, the caller number's period count, the job attempt — and sends the dial request.
 * Losing any race releases what was taken; nothing here can over-commit.
 */

/** Seconds of call-rate budget planned per round (the dialer enforces the exact rate). */
export const PLAN_HORIZON_SECONDS = 2;

/** What one dispatch round did and when to come back. */
export interface DispatchResult {
  /** The campaign's loop may end (paused, stopped, completed, or superseded by a newer run). */
  done: boolean;
  waitSeconds: number;
  dialled: number;
}

/** When a scheduled campaign starts (epoch ms). */
export function startInstant(c: Campaign, settings: InstanceSettings): number {
  if (c.start.mode === 'at') return Date.parse(c.start.at);
  if (c.start.mode === 'recurring') return instantOf(c.start.fromDate, 0, settings.timeZone);
  return Date.parse(c.startedAt ?? c.createdAt);
}

/** When a campaign's plan ends (recurring plans only). */
export function endInstant(c: Campaign, settings: InstanceSettings): number | undefined {
  return c.start.mode === 'recurring' ? instantOf(nextDate(c.start.toDate), 0, settings.timeZone) : undefined;
}

/** The campaign-level schedules the planner applies (campaign windows, recurring plan). */
export function campaignSchedules(c: Campaign): Schedule[] {
  const out: Schedule[] = [];
  if (c.windows) out.push({ ranges: c.windows.ranges, weekdaysOnly: c.windows.weekdaysOnly });
  if (c.start.mode === 'recurring') {
    out.push({ ranges: c.start.ranges, daysOfWeek: c.start.daysOfWeek, daysOfMonth: c.start.daysOfMonth, fromDate: c.start.fromDate, toDate: c.start.toDate });
  }
  return out;
}

/**
 * One dispatch round for an instance. With `campaignId`, only that campaign's share of the plan is
 * dialled (its Step Functions loop); without, every running campaign's (a tick after a call ended).
 */
export async function dispatch(deps: Deps, instanceId: string, options: { campaignId?: string; run?: number } = {}): Promise<DispatchResult> {
  const { store } = deps;
  const now = deps.clock.now();
  const settings = await getInstanceSettings(store, instanceId);

  if (options.campaignId) {
    const target = await findCampaign(store, instanceId, options.campaignId);
    if (!target || !['scheduled', 'running'].includes(target.state)) return { done: true, waitSeconds: 0, dialled: 0 };
    if (options.run !== undefined && target.run !== options.run) return { done: true, waitSeconds: 0, dialled: 0 };
  }

  let campaigns = await campaignsInStates(store, instanceId, ['scheduled', 'running']);
  let nextWake = now + 60_000;
  const active: Campaign[] = [];
  for (const c of campaigns) {
    if (c.state === 'scheduled') {
      const at = startInstant(c, settings);
      if (at > now) {
        nextWake = Math.min(nextWake, at);
        continue;
      }
      const promoted = await setRunning(deps, c);
      if (promoted) active.push(promoted);
      continue;
    }
    const end = endInstant(c, settings);
    if (end !== undefined && now >= end) {
      // Time-boxed: a large campaign is finished over the next rounds.
      await cancelWaitingJobs(deps, instanceId, c.campaignId, 'TimeUp', { budgetMs: 3_000 });
      await completeIfDone(deps, instanceId, c.campaignId);
      continue;
    }
    active.push(c);
  }
  campaigns = active;

  const leases = await activeLeases(store, instanceId, now);
  const free = Math.max(0, settings.maxConcurrency - leases.length);
  const perShard = Math.min(50, Math.max(3, Math.ceil((free * 2) / JOB_SHARDS) + 2));
  const snapshots: CampaignSnapshot[] = [];
  const lost: Item[] = [];
  for (const c of campaigns) {
    const due: DueJob[] = [];
    let nextDueAt: number | undefined;
    if (free > 0) {
      const pages = await Promise.all(
        Array.from({ length: JOB_SHARDS }, (_, shard) => store.query({ index: 'gsi1', pk: keys.dueQueue(instanceId, c.campaignId, shard), limit: perShard })),
      );
      for (const page of pages) {
        for (const item of page.items) {
          const dueAt = Number(item.dueAt);
          if (dueAt > now) {
            nextDueAt = Math.min(nextDueAt ?? dueAt, dueAt);
            continue;
          }
          if (item.status === 'Executing') lost.push(item);
          else if (item.status === 'Scheduling' && item.dialState === 'idle') {
            due.push({ jobId: String(item.jobId), phone: String((item.contact as { phone: string }).phone), attempts: Number(item.attempts), dueAt });
          }
        }
        // A full page means more jobs are queued behind it, possibly due now.
        if (page.cursor && page.items.length > 0) {
          const last = Number(page.items[page.items.length - 1]!.dueAt);
          nextDueAt = Math.min(nextDueAt ?? last, last);
        }
      }
    } else {
      nextWake = Math.min(nextWake, now + 5_000);
    }
    due.sort((a, b) => a.dueAt - b.dueAt || (a.jobId < b.jobId ? -1 : 1));
    snapshots.push({
      campaignId: c.campaignId,
      priority: c.priority,
      guaranteedConcurrency: c.guaranteedConcurrency,
      maxConcurrency: c.maxConcurrency,
      inFlight: leases.filter((l) => l.campaignId === c.campaignId).length,
      schedules: campaignSchedules(c),
      callerNumbers: c.callerNumbers,
      localPresence: c.localPresence,
      dueJobs: due,
      nextDueAt,
      suspended: await suspendedAmong(store, instanceId, c.campaignId, due.map((d) => d.phone)),
    });
  }

  // Attempts whose lease expired without an outcome (a lost hang-up, a crashed dialer): close them as system failures.
  for (const item of lost) {
    await finishCall(deps, {
      instanceId,
      campaignId: String(item.campaignId),
      jobId: String(item.jobId),
      attempt: Number(item.attempts),
      callId: String(item.lastCallId ?? stableId(String(item.jobId), Number(item.attempts))),
      leaseSlot: typeof item.leaseSlot === 'number' ? item.leaseSlot : undefined,
      status: 'Failed',
      answered: false,
      completed: false,
      turns: 0,
      talkSeconds: 0,
      tags: {},
      systemFailure: true,
      endedAt: isoAt(now),
    });
  }

  const phones = [...new Set(snapshots.flatMap((s) => s.dueJobs.map((d) => d.phone)))];
  const today = localDate(now, settings.timeZone);
  const [dnc, allow, counts, callerUsage] = await Promise.all([
    onList(store, instanceId, 'doNotCall', phones),
    onList(store, instanceId, 'allow', phones),
    store.batchGet(phones.map((p) => keys.calleeDay(instanceId, p, today))),
    callerUsageOf(deps, instanceId, settings, now),
  ]);
  const calleeCounts = new Map(counts.map((i) => [String(i.pk).split('#TEL#')[1] ?? '', Number(i.count ?? 0)]));

  const plan = planDials({
    now,
    instance: settings,
    campaigns: snapshots,
    leasesInUse: leases.length,
    calleeCounts,
    doNotCall: dnc,
    allow,
    rateBudget: Math.ceil(deps.config.callsPerSecond * PLAN_HORIZON_SECONDS),
    callerUsage,
  });
  for (const r of plan.reasons) deps.log.debug('planner', { instanceId, reason: r });

  const mine = (campaignId: string) => !options.campaignId || options.campaignId === campaignId;
  for (const b of plan.blocked) {
    if (!mine(b.campaignId)) continue;
    await cancelWaitingJob(deps, instanceId, b.campaignId, b.jobId, b.reason === 'doNotCall' ? 'ContactBlockList' : 'ContactSuspended');
  }
  for (const d of plan.deferrals) {
    if (!mine(d.campaignId)) continue;
    await store.update(
      keys.job(instanceId, d.campaignId, d.jobId),
      { set: { ...dueIndex(instanceId, d.campaignId, d.jobId, d.until), updatedAt: isoAt(now) } },
      { and: [{ eq: ['status', 'Scheduling'] }, { eq: ['dialState', 'idle'] }, { eq: ['attempts', d.attempts] }] },
    );
  }

  const used = new Set(leases.map((l) => l.slot));
  const freeSlots: number[] = [];
  for (let s = 0; s < settings.maxConcurrency && freeSlots.length < plan.dials.length * 2 + 4; s++) if (!used.has(s)) freeSlots.push(s);
  let dialled = 0;
  for (const dial of plan.dials) {
    if (!mine(dial.campaignId)) continue;
    const result = await claimAndSend(deps, instanceId, settings, dial, freeSlots, today, now);
    if (result === 'noSlot') break;
    if (result === 'sent') dialled++;
  }
  if (plan.blocked.length > 0) for (const c of campaigns) await completeIfDone(deps, instanceId, c.campaignId);

  let done = false;
  if (options.campaignId) {
    const target = await findCampaign(store, instanceId, options.campaignId);
    done = !target || !['scheduled', 'running'].includes(target.state);
    if (!done && target && (await completeIfDone(deps, instanceId, target.campaignId))) done = true;
  }
  const wakeAt = Math.min(nextWake, plan.nextLookAt);
  return { done, waitSeconds: Math.min(60, Math.max(1, Math.ceil((wakeAt - now) / 1000))), dialled };
}

async function setRunning(deps: Deps, c: Campaign): Promise<Campaign | undefined> {
  const now = deps.clock.now();
  try {
    const { after } = await mutateCampaign(deps.store, c.instanceId, c.campaignId, now, (cur) => {
      if (cur.state !== 'scheduled') throw new Error('not scheduled');
      return { ...cur, state: 'running', startedAt: cur.startedAt ?? isoAt(now) };
    });
    await publishEvents(deps, [
      campaignEvent(deps, 'CampaignStateChanged', [c.campaignId, after.version], { instanceId: c.instanceId, campaignId: c.campaignId, state: 'running', previousState: 'scheduled' }),
    ]);
    return after;
  } catch {
    return undefined;
  }
}

async function callerUsageOf(deps: Deps, instanceId: string, settings: InstanceSettings, now: number): Promise<Map<string, number>> {
  const limited = settings.callerNumbers.filter((n) => n.maxCalls !== undefined);
  if (limited.length === 0) return new Map();
  const items = await deps.store.batchGet(limited.map((n) => keys.callerWindow(instanceId, n.phoneNumber, windowStart(now, n.periodSeconds))));
  return new Map(items.map((i) => [String(i.phone), Number(i.count ?? 0)]));
}

const windowStart = (now: number, periodSeconds: number) => Math.floor(now / (periodSeconds * 1000)) * periodSeconds * 1000;

/** Claims one planned dial and sends its request; releases everything taken when a step loses. */
async function claimAndSend(
  deps: Deps,
  instanceId: string,
  settings: InstanceSettings,
  dial: PlannedDial,
  freeSlots: number[],
  today: string,
  now: number,
): Promise<'sent' | 'skipped' | 'noSlot'> {
  const { store } = deps;
  let slot: number | undefined;
  while (freeSlots.length > 0) {
    const candidate = freeSlots.shift()!;
    if (await acquireLease(store, instanceId, candidate, { campaignId: dial.campaignId, jobId: dial.jobId, attempt: dial.attempt }, now)) {
      slot = candidate;
      break;
    }
  }
  if (slot === undefined) return 'noSlot';
  const undo: (() => Promise<unknown>)[] = [() => releaseLease(store, instanceId, slot, dial.jobId, dial.attempt)];
  const rollback = async () => {
    for (const u of undo.reverse()) await u();
  };

  if (!dial.allowListed) {
    const key = keys.calleeDay(instanceId, dial.to, today);
    const counted = await store.update(key, { add: { count: 1 }, set: { type: 'calleeDay' } }, { or: [{ notExists: 'count' }, { lt: ['count', settings.dailyCapPerCallee] }] });
    if (!counted.ok) {
      await rollback();
      return 'skipped';
    }
    undo.push(() => store.update(key, { add: { count: -1 } }));
  }
  const caller = settings.callerNumbers.find((n) => n.phoneNumber === dial.from);
  if (caller?.maxCalls !== undefined) {
    const key = keys.callerWindow(instanceId, caller.phoneNumber, windowStart(now, caller.periodSeconds));
    const counted = await store.update(key, { add: { count: 1 }, set: { type: 'callerWindow', phone: caller.phoneNumber } }, { or: [{ notExists: 'count' }, { lt: ['count', caller.maxCalls] }] });
    if (!counted.ok) {
      await rollback();
      return 'skipped';
    }
    undo.push(() => store.update(key, { add: { count: -1 } }));
  }

  const callId = newId('call_', now);
  const jobKey = keys.job(instanceId, dial.campaignId, dial.jobId);
  const claimed = await store.update(
    jobKey,
    {
      set: {
        status: 'Executing',
        dialState: 'queued',
        attempts: dial.attempt,
        lastCallId: callId,
        leaseSlot: slot,
        from: dial.from,
        ...(dial.allowListed ? {} : { calleeDay: today }),
        updatedAt: isoAt(now),
        // While the attempt is out, the job stays in the due queue at its lease expiry: if no outcome
        // ever arrives, the dispatcher finds it there and closes the attempt (no stuck jobs, no scans).
        gsi1sk: dueSortKey(now + LEASE_TTL_MS, dial.jobId),
        dueAt: now + LEASE_TTL_MS,
      },
    },
    { and: [{ eq: ['status', 'Scheduling'] }, { eq: ['dialState', 'idle'] }, { eq: ['attempts', dial.attempt - 1] }] },
  );
  if (!claimed.ok) {
    await rollback();
    return 'skipped';
  }
  if (dial.attempt === 1) await addCounters(store, instanceId, dial.campaignId, dial.jobId, { dialled: 1 });
  const request: DialRequest = {
    type: 'dial',
    instanceId,
    campaignId: dial.campaignId,
    jobId: dial.jobId,
    attempt: dial.attempt,
    callId,
    from: dial.from,
    to: dial.to,
    leaseSlot: slot,
    plannedAt: isoAt(now),
  };
  try {
    await deps.queues.dial.send({ body: JSON.stringify(request) });
    return 'sent';
  } catch (error) {
    deps.log.warn('dial request not sent', { instanceId, jobId: dial.jobId, error: String(error) });
    await store.update(
      jobKey,
      { set: { status: 'Scheduling', dialState: 'idle', finishedAttempt: dial.attempt, ...dueIndex(instanceId, dial.campaignId, dial.jobId, now + 5_000) }, remove: ['leaseSlot', 'calleeDay', 'from'] },
      { and: [{ eq: ['attempts', dial.attempt] }, { eq: ['dialState', 'queued'] }] },
    );
    await rollback();
    return 'skipped';
  }
}
