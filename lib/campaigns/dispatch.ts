import type { Services } from '../core/deps';
import { newId } from '../core/ids';
import type { DialRequest } from '../domain/dialing';
import { getInstanceSettings } from '../instances/repository';
import type { InstanceSettings } from '../instances/schema';
import { onList, suspendedAmong } from '../lists';
import { planDials, type CampaignSnapshot, type DueJob, type Plan, type PlannedDial } from '../planner/plan';
import { isoAt } from '../ports/clock';
import { JOB_SHARDS, keys } from '../store/keys';
import type { Schedule } from '../windows/schedule';
import { localDate } from '../windows/schedule';
import { instantOf, nextDate } from '../windows/time';
import { endLostAttempt } from './attempts';
import { cancelWaitingJobs } from './jobs';
import { acquireLease, activeLeases, LEASE_TTL_MS, releaseLease, type Lease } from './leases';
import { jobFromItem } from './repository';
import type { Campaign, Job } from './schema';
import { applyCampaignEvent, applyJobEvent, checkCompletion } from './transitions';
import { liveCampaigns } from './repository';

/**
 * The dispatcher (impure side of the planner): loads a bounded snapshot of the instance, runs the pure
 * planner, then claims every planned dial — a lease slot, the callee's daily count, the caller number's
 * period count, and the job's `claim` transition (the commit point, which carries the dial request as
 * an effect). Losing any race releases what was taken before it; nothing here can over-commit.
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

const windowStart = (now: number, periodSeconds: number) => Math.floor(now / (periodSeconds * 1000)) * periodSeconds * 1000;

/**
 * One dispatch round for an instance. With `campaignId`, only that campaign's share of the plan is
 * dialled (its Step Functions loop); without, every running campaign's (a tick after a call ended).
 */
export async function dispatch(svc: Services, instanceId: string, options: { campaignId?: string; run?: number } = {}): Promise<DispatchResult> {
  const { store } = svc;
  const now = svc.clock.now();
  const settings = await getInstanceSettings(store, instanceId);
  const live = await liveCampaigns(store, instanceId, ['scheduled', 'running']);

  if (options.campaignId) {
    const target = live.find((c) => c.campaignId === options.campaignId);
    if (!target || (options.run !== undefined && target.run !== options.run)) return { done: true, waitSeconds: 0, dialled: 0 };
  }

  let nextWake = now + 60_000;
  const active: Campaign[] = [];
  for (const c of live) {
    if (c.state === 'scheduled') {
      const at = startInstant(c, settings);
      if (at > now) {
        nextWake = Math.min(nextWake, at);
        continue;
      }
      const promoted = await applyCampaignEvent(svc, instanceId, c.campaignId, { type: 'promote' }, { retries: 2 });
      if (promoted.ok) active.push(promoted.campaign);
      continue;
    }
    const end = endInstant(c, settings);
    if (end !== undefined && now >= end) {
      // Time-boxed: a large campaign is finished over the next rounds.
      await cancelWaitingJobs(svc, instanceId, c.campaignId, 'TimeUp', { budgetMs: 3_000 });
      continue;
    }
    active.push(c);
  }

  const leases = await activeLeases(store, instanceId, now);
  const free = Math.max(0, settings.maxConcurrency - leases.length);
  // Every line busy: nothing can be dialled before one frees. A call's end (or an attempt given back)
  // dispatches at once through the tick queue, so the loop only needs to come back when a line frees
  // without one: at the earliest lease expiry (a lost hang-up, a crashed dialer), within the 60 s cap
  // (which also bounds how late overdue attempts are reconciled). Due jobs, and a full due-queue page,
  // then say nothing about when to look again: a round per second would only find the lines full.
  // (Step Functions bills each round; at 1-2 s rounds they were a sixth of the cost per call.)
  const linesFull = free === 0;
  if (linesFull) for (const l of leases) nextWake = Math.min(nextWake, Math.max(l.expiresAt, now + 1_000));
  const perShard = Math.min(50, Math.max(3, Math.ceil((free * 2) / JOB_SHARDS) + 2));
  const snapshots: CampaignSnapshot[] = [];
  const jobsById = new Map<string, Job>();
  const overdue: Job[] = [];
  for (const c of active) {
    const due: DueJob[] = [];
    let nextDueAt: number | undefined;
    const pages = await Promise.all(
      Array.from({ length: JOB_SHARDS }, (_, shard) => store.query({ index: 'gsi1', pk: keys.dueQueue(instanceId, c.campaignId, shard), limit: perShard })),
    );
    for (const page of pages) {
      for (const item of page.items) {
        const job = jobFromItem(item);
        const dueAt = job.dueAt ?? 0;
        if (dueAt > now) {
          if (!linesFull) nextDueAt = Math.min(nextDueAt ?? dueAt, dueAt);
          continue;
        }
        // Attempts in progress are indexed apart (attempts out, read by the sweep); one found here was indexed
        // before that split and is reconciled as before.
        if (job.status === 'Executing') overdue.push(job);
        else if (job.status === 'Scheduling' && job.dialState === 'idle' && free > 0) {
          jobsById.set(job.jobId, job);
          due.push({ jobId: job.jobId, phone: job.contact.phone, attempts: job.attempts, dueAt });
        }
      }
      // A full page means more jobs are queued behind it, possibly due now.
      if (!linesFull && page.cursor && page.items.length > 0) {
        const last = Number(page.items[page.items.length - 1]!.dueAt);
        nextDueAt = Math.min(nextDueAt ?? last, last);
      }
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

  // Attempts past their lease without an outcome: alive (renewed lease), finished (an outcome waiting to be
  // applied), or lost (a hang-up that never came, a crashed dialer).
  for (const job of overdue) await reconcileOverdueAttempt(svc, job, leases);

  const phones = [...new Set(snapshots.flatMap((s) => s.dueJobs.map((d) => d.phone)))];
  const today = localDate(now, settings.timeZone);
  const [dnc, allow, counts, callerUsage] = await Promise.all([
    onList(store, instanceId, 'doNotCall', phones),
    onList(store, instanceId, 'allow', phones),
    store.batchGet(phones.map((p) => keys.calleeDay(instanceId, p, today))),
    callerUsageOf(svc, instanceId, settings, now),
  ]);
  const calleeCounts = new Map(counts.map((i) => [String(i.pk).split('#TEL#')[1] ?? '', Number(i.count ?? 0)]));
  const locations = await locationsFor(svc, settings, snapshots, phones);

  const plan = planDials({
    now,
    instance: settings,
    campaigns: snapshots,
    leasesInUse: leases.length,
    calleeCounts,
    doNotCall: dnc,
    allow,
    rateBudget: Math.ceil(svc.config.callsPerSecond * PLAN_HORIZON_SECONDS),
    callerUsage,
    locations,
  });
  for (const r of plan.reasons) svc.log.debug('planner', { instanceId, reason: r });

  const mine = (campaignId: string) => !options.campaignId || options.campaignId === campaignId;
  for (const b of plan.blocked) {
    if (!mine(b.campaignId)) continue;
    await applyJobEvent(svc, { instanceId, campaignId: b.campaignId, jobId: b.jobId }, { type: 'cancel', reason: b.reason === 'doNotCall' ? 'ContactBlockList' : 'ContactSuspended' }, { job: jobsById.get(b.jobId), retries: 1 });
  }
  for (const d of plan.deferrals) {
    if (!mine(d.campaignId)) continue;
    await applyJobEvent(svc, { instanceId, campaignId: d.campaignId, jobId: d.jobId }, { type: 'defer', attempts: d.attempts, until: d.until, reason: d.reason }, { job: jobsById.get(d.jobId), retries: 0 });
  }

  const used = new Set(leases.map((l) => l.slot));
  const freeSlots: number[] = [];
  for (let s = 0; s < settings.maxConcurrency && freeSlots.length < plan.dials.length * 2 + 4; s++) if (!used.has(s)) freeSlots.push(s);
  let dialled = 0;
  const dialledBy = new Map<string, number>();
  for (const dial of plan.dials) {
    if (!mine(dial.campaignId)) continue;
    const result = await claimAndSend(svc, instanceId, settings, dial, jobsById.get(dial.jobId)!, freeSlots, today, now);
    if (result === 'noSlot') break;
    if (result === 'sent') {
      dialled++;
      dialledBy.set(dial.campaignId, (dialledBy.get(dial.campaignId) ?? 0) + 1);
    }
  }

  for (const c of active) {
    if (!mine(c.campaignId)) continue;
    await reportDialling(svc, c, diallingStatus(c, plan, snapshots, dialledBy.get(c.campaignId) ?? 0, free, now));
  }

  let done = false;
  if (options.campaignId) {
    const stillLive = (await liveCampaigns(store, instanceId, ['scheduled', 'running'])).find((c) => c.campaignId === options.campaignId);
    done = !stillLive || (options.run !== undefined && stillLive.run !== options.run);
    if (!done && stillLive?.state === 'running' && (await checkCompletion(svc, instanceId, options.campaignId))) done = true;
  }
  const wakeAt = Math.min(nextWake, plan.nextLookAt);
  return { done, waitSeconds: Math.min(60, Math.max(1, Math.ceil((wakeAt - now) / 1000))), dialled };
}

/** Why a running campaign dials nothing, from the plan (exposed on the campaign as `dialling`). */
function diallingStatus(c: Campaign, plan: Plan, snapshots: CampaignSnapshot[], dialled: number, free: number, now: number): { reason: string; until?: number } {
  if (dialled > 0) return { reason: 'dialling' };
  const snap = snapshots.find((s) => s.campaignId === c.campaignId);
  const mineDeferred = plan.deferrals.filter((d) => d.campaignId === c.campaignId);
  const status = plan.status.get(c.campaignId);
  if (status) return status;
  if (snap && snap.dueJobs.length === 0) {
    if (free === 0) return { reason: 'linesFull' };
    return { reason: 'nothingDue', ...(snap.nextDueAt !== undefined ? { until: snap.nextDueAt } : {}) };
  }
  if (mineDeferred.length > 0) {
    const until = Math.min(...mineDeferred.map((d) => d.until));
    const reason = mineDeferred.every((d) => d.reason === 'dailyCap') ? 'dailyCap' : 'outsideWindows';
    return { reason, until };
  }
  if (free === 0) return { reason: 'linesFull' };
  return { reason: 'waiting', until: now + 1000 };
}

/**
 * How stale a busy campaign's `dialling` advisory may get while it flips between `dialling` and `linesFull`.
 * With every line busy, each call's end refills its line: one round dials (`dialling`), the next finds the lines
 * full (`linesFull`). Writing every flip cost 1.5 campaign writes per call (3 write units, ~2 % of the cost per
 * call, bench/README.md); both say the campaign is busy, so a flip between them is written at most this often.
 */
export const BUSY_ADVISORY_REFRESH_MS = 60_000;

const BUSY_REASONS = new Set(['dialling', 'linesFull']);

async function reportDialling(svc: Services, c: Campaign, status: { reason: string; until?: number }): Promise<void> {
  if (c.dialling?.reason === status.reason && (status.until === undefined || c.dialling?.until === isoAt(status.until))) return;
  const now = svc.clock.now();
  const busyFlip = c.dialling !== undefined && BUSY_REASONS.has(c.dialling.reason) && BUSY_REASONS.has(status.reason) && status.until === undefined;
  if (busyFlip && now - Date.parse(c.dialling!.at) < BUSY_ADVISORY_REFRESH_MS) return;
  // Advisory: no version bump, so it never races the lifecycle.
  await svc.store.update(
    keys.campaign(c.instanceId, c.campaignId),
    { set: { dialling: { reason: status.reason, ...(status.until !== undefined ? { until: isoAt(status.until) } : {}), at: isoAt(now) } } },
    { exists: 'pk' },
  );
}

/**
 * Locations of this round's callees and of the caller numbers (P2, P8), in one batch: the caller numbers
 * are few and looked up once per round; a callee is looked up here, not stored on its job at import,
 * because after the data is loaded (once per container) a number costs microseconds, the round reads at
 * most a few hundred due jobs, and nothing stored goes stale when the data or the caller numbers change
 * (docs/local-presence.md has the measurements). Skipped when no campaign uses local presence and windows
 * are not in the callee's time.
 */
async function locationsFor(svc: Services, settings: InstanceSettings, snapshots: CampaignSnapshot[], callees: string[]) {
  if (!svc.geo || callees.length === 0) return undefined;
  const presence = snapshots.some((s) => s.localPresence && s.dueJobs.length > 0);
  if (!presence && !settings.windows.calleeLocalTime) return undefined;
  const callers = presence ? settings.callerNumbers.map((n) => n.phoneNumber) : [];
  try {
    return await svc.geo.locate([...callers, ...callees]);
  } catch (err) {
    // Geocoding is an improvement, never a reason not to dial: the default number and the zone table remain.
    svc.log.warn('phone geo lookup failed', { error: err instanceof Error ? err.message : String(err) });
    return undefined;
  }
}

async function callerUsageOf(svc: Services, instanceId: string, settings: InstanceSettings, now: number): Promise<Map<string, number>> {
  const limited = settings.callerNumbers.filter((n) => n.maxCalls !== undefined);
  if (limited.length === 0) return new Map();
  const items = await svc.store.batchGet(limited.map((n) => keys.callerWindow(instanceId, n.phoneNumber, windowStart(now, n.periodSeconds))));
  return new Map(items.map((i) => [String(i.phone), Number(i.count ?? 0)]));
}

/**
 * An attempt whose due time (its lease expiry) passed without an outcome. If its call still holds a
 * renewed lease, the job waits until the new expiry; otherwise the attempt is ended from its call record
 * (an outcome not applied yet) or as lost, ending at the lease's expiry (see `endLostAttempt`): the latest
 * expiry known, the lease item's when this call still holds it, else the job's due time.
 */
export async function reconcileOverdueAttempt(svc: Services, job: Job, leases?: readonly Lease[]): Promise<void> {
  const now = svc.clock.now();
  let leaseEnd = job.dueAt;
  if (job.callId && job.leaseSlot !== undefined) {
    let expiresAt: number | undefined;
    if (leases) expiresAt = leases.find((l) => l.slot === job.leaseSlot && l.holder === job.callId)?.expiresAt;
    else {
      const item = await svc.store.get(keys.leaseSlot(job.instanceId, job.leaseSlot));
      if (item && item.holder === job.callId) expiresAt = Number(item.expiresAt);
    }
    if (expiresAt !== undefined && expiresAt > now) {
      await applyJobEvent(svc, job, { type: 'extendLease', attempt: job.attempts, callId: job.callId, until: expiresAt }, { job, retries: 0 });
      return;
    }
    if (expiresAt !== undefined) leaseEnd = Math.max(leaseEnd ?? 0, expiresAt);
  }
  await endLostAttempt(svc, job, { leaseEnd });
}

/** Overdue attempts read per page of an attempts-out shard by the sweep. */
const OVERDUE_PAGE = 50;

/**
 * Ends the attempts of a campaign whose lease expired without an outcome (a lost hang-up, a crashed dialer or
 * SMA handler): reads the campaign's attempts out (gsi1 `…#OUT#<shard>`, Executing jobs by lease expiry) up to
 * now, key-bounded, and reconciles each. Run by the sweep every minute for every live campaign, so a lost
 * attempt ends within a lease period and a sweep interval of its last renewal, whatever the due queue holds.
 * The set read is small: only attempts in progress are there, and only those past their lease are read.
 */
export async function reconcileLostAttempts(svc: Services, instanceId: string, campaignId: string): Promise<number> {
  const now = svc.clock.now();
  let reconciled = 0;
  for (let shard = 0; shard < JOB_SHARDS; shard++) {
    let cursor: string | undefined;
    do {
      const page = await svc.store.query({ index: 'gsi1', pk: keys.attemptsOut(instanceId, campaignId, shard), le: `${String(now).padStart(13, '0')}\uffff`, limit: OVERDUE_PAGE, cursor });
      for (const item of page.items) {
        try {
          const job = jobFromItem(item);
          if (job.status !== 'Executing' || (job.dueAt ?? 0) > now) continue;
          await reconcileOverdueAttempt(svc, job);
          reconciled++;
        } catch (error) {
          // One job that fails (a throttled write, an item that does not parse) must not stop the sweep for the
          // others; it stays overdue in the attempts out and is tried again at the next sweep.
          svc.log.warn('lost attempt not reconciled', { instanceId, campaignId, jobId: String(item.jobId), error: error instanceof Error ? error.message : String(error) });
        }
      }
      cursor = page.cursor;
    } while (cursor);
  }
  return reconciled;
}

/** Claims one planned dial and queues its request; releases everything taken when a step loses. */
async function claimAndSend(
  svc: Services,
  instanceId: string,
  settings: InstanceSettings,
  dial: PlannedDial,
  job: Job,
  freeSlots: number[],
  today: string,
  now: number,
): Promise<'sent' | 'skipped' | 'noSlot'> {
  const { store } = svc;
  const callId = newId('call_', now);
  let slot: number | undefined;
  while (freeSlots.length > 0) {
    const candidate = freeSlots.shift()!;
    if (await acquireLease(store, instanceId, candidate, { campaignId: dial.campaignId, jobId: dial.jobId, attempt: dial.attempt, callId }, now)) {
      slot = candidate;
      break;
    }
  }
  if (slot === undefined) return 'noSlot';
  const undo: (() => Promise<unknown>)[] = [() => releaseLease(store, instanceId, slot, callId)];
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
    calleeZones: dial.zones,
  };
  const claimed = await applyJobEvent(
    svc,
    { instanceId, campaignId: dial.campaignId, jobId: dial.jobId },
    {
      type: 'claim',
      attempt: dial.attempt,
      callId,
      leaseSlot: slot,
      from: dial.from,
      ...(dial.allowListed ? {} : { calleeDay: today }),
      plannedAt: request.plannedAt,
      leaseUntil: now + LEASE_TTL_MS,
      dialRequest: JSON.stringify(request),
    },
    { job, retries: 0 },
  );
  if (!claimed.ok) {
    await rollback();
    return 'skipped';
  }
  return 'sent';
}

export { LEASE_TTL_MS };
