import type { InstanceSettings } from '../instances/schema';
import { allOpen, nextAllOpen, startOfNextDay, type Schedule, type WindowConstraint } from '../windows/schedule';
import type { PhoneLocation } from '../ports/phone-geo';
import { calleeTimeZones } from '../windows/timezone';
import { PRESENCE, presenceScore } from './presence';

/**
 * The planner (SPEC P1–P8): a pure function from a snapshot of the instance to the dials to place now.
 * The dispatcher loads the snapshot with bounded queries, runs this, then claims each dial with
 * conditional writes; anything the planner says is therefore an upper bound the store enforces again.
 */

/** A job waiting to be dialled, as the planner sees it. */
export interface DueJob {
  jobId: string;
  /** E.164 callee number. */
  phone: string;
  /** Attempts started so far (the next is `attempts + 1`). */
  attempts: number;
  /** When the job may be dialled (epoch ms). */
  dueAt: number;
}

/** A running campaign, as the planner sees it. */
export interface CampaignSnapshot {
  campaignId: string;
  priority: 'urgent' | 'normal';
  /** Calls reserved for this campaign while it has work. */
  guaranteedConcurrency: number;
  /** This campaign's own ceiling (the instance maximum when absent). */
  maxConcurrency?: number;
  /** Calls of this campaign in flight (leases held). */
  inFlight: number;
  /** Campaign-level schedules (campaign windows, recurring plan), evaluated in the instance zone. */
  schedules: Schedule[];
  /** Caller numbers this campaign may use (all the instance's when empty). */
  callerNumbers: string[];
  localPresence: boolean;
  /** Due-queue head, oldest first (may include jobs not yet due). */
  dueJobs: DueJob[];
  /** Earliest due time of the jobs not loaded, when known. */
  nextDueAt?: number;
  /** The campaign's suspend list entries among the due jobs' numbers (C5). */
  suspended: ReadonlySet<string>;
}

/** Everything the planner decides from. */
export interface PlanInput {
  now: number;
  instance: InstanceSettings;
  campaigns: CampaignSnapshot[];
  /** Leases held across the instance (all campaigns). */
  leasesInUse: number;
  /** Calls already counted today per callee number (P6). */
  calleeCounts: ReadonlyMap<string, number>;
  doNotCall: ReadonlySet<string>;
  allow: ReadonlySet<string>;
  /** New calls the telephony quota allows in this planning round (P4). */
  rateBudget: number;
  /** Calls placed from each caller number in its current period (P4). */
  callerUsage: ReadonlyMap<string, number>;
  /**
   * Geocoded locations of the callees and caller numbers, by E.164 number (PhoneGeo, looked up by the
   * dispatcher: the data loads asynchronously and the planner stays pure). A number absent here has no
   * local-presence match (P8: the campaign's default number) and takes its time zones from the
   * hand-kept table of lib/windows/timezone.ts (P2).
   */
  locations?: ReadonlyMap<string, PhoneLocation>;
}

/**
 * Most zones a callee's location may list and still be used for its calling window. An area code that
 * straddles a zone line lists two (208: Boise, Los Angeles) and the window must be open in both; a
 * non-geographic number (toll-free +1 800) lists every zone of the plan, whose intersection is empty, so
 * the country's curated list of lib/windows/timezone.ts is used instead.
 */
export const MAX_LOCATION_ZONES = 3;

/** One dial the planner wants placed. */
export interface PlannedDial {
  campaignId: string;
  jobId: string;
  to: string;
  from: string;
  /** The attempt number this dial is (idempotency key with jobId). */
  attempt: number;
  /** Whether it used the campaign's guaranteed share or the shared idle capacity. */
  share: 'guaranteed' | 'shared';
  /** The callee is on the allow list: no cap counter is taken. */
  allowListed: boolean;
  /**
   * The zones the instance windows were checked in for this callee (P2): the dialer checks the windows again
   * at dial time in the same zones, so the two never disagree about one number (a dial the planner found open
   * and the dialer closed would be handed back and planned again, round after round).
   */
  zones: string[];
}

/** A job to move later (outside windows, over the daily cap). */
export interface Deferral {
  campaignId: string;
  jobId: string;
  attempts: number;
  until: number;
  reason: 'outsideWindows' | 'dailyCap' | 'noWindowAhead';
}

/** A job that must never be dialled now (do-not-call, suspended). */
export interface Blocked {
  campaignId: string;
  jobId: string;
  attempts: number;
  reason: 'doNotCall' | 'suspended';
}

/** What the planner decided. */
export interface Plan {
  dials: PlannedDial[];
  deferrals: Deferral[];
  blocked: Blocked[];
  /** When to plan again at the latest (epoch ms). */
  nextLookAt: number;
  /** Why capacity was not used, for logs. */
  reasons: string[];
  /**
   * Why a campaign with eligible jobs got no dial this round, when the plan knows (no caller number with
   * capacity, its own ceiling reached, lines full, call rate used); shown on the campaign.
   */
  status: Map<string, { reason: 'noCallerNumber' | 'campaignLinesFull' | 'linesFull' | 'rateLimited'; until?: number }>;
}

/** Longest planning sleep: campaigns with nothing due are looked at again after this. */
export const MAX_LOOK_AHEAD_MS = 60_000;
/** Shortest planning sleep. */
export const MIN_LOOK_AHEAD_MS = 1_000;

const INSTANCE_SCHEDULE = (s: InstanceSettings): Schedule => ({ ranges: s.windows.ranges, weekdaysOnly: s.windows.weekdaysOnly });

/** Plans the dials to place now. Pure: same input, same plan. */
export function planDials(input: PlanInput): Plan {
  const { now, instance } = input;
  const reasons: string[] = [];
  const status: Plan['status'] = new Map();
  const deferrals: Deferral[] = [];
  const blocked: Blocked[] = [];
  let nextLookAt = now + MAX_LOOK_AHEAD_MS;
  const lookAt = (t: number) => {
    nextLookAt = Math.min(nextLookAt, Math.max(t, now + MIN_LOOK_AHEAD_MS));
  };

  const instanceSchedule = INSTANCE_SCHEDULE(instance);
  const zoneCache = new Map<string, string[]>();
  const zonesOf = (phone: string): string[] => {
    if (!instance.windows.calleeLocalTime) return [instance.timeZone];
    let zones = zoneCache.get(phone);
    if (!zones) {
      const located = input.locations?.get(phone)?.zones;
      const found = located && located.length > 0 && located.length <= MAX_LOCATION_ZONES ? located : calleeTimeZones(phone);
      zones = found.length > 0 ? found : [instance.timeZone];
      zoneCache.set(phone, zones);
    }
    return zones;
  };
  const openCache = new Map<string, number | undefined>();
  /** First instant ≥ now when the job may start (now when open), memoised per campaign × zone set × allow. */
  const nextStart = (c: CampaignSnapshot, zones: string[], allowListed: boolean, from = now): number | undefined => {
    const key = `${c.campaignId}|${zones.join(',')}|${allowListed}|${from}`;
    if (openCache.has(key)) return openCache.get(key);
    const constraints: WindowConstraint[] = c.schedules.map((schedule) => ({ schedule, zones: [instance.timeZone] }));
    // The allow list is exempt from the instance windows, not from the campaign's own (P7).
    if (!allowListed) constraints.push({ schedule: instanceSchedule, zones });
    const at = allOpen(constraints, from) ? from : nextAllOpen(constraints, from);
    openCache.set(key, at);
    return at;
  };

  const cap = Math.min(instance.dailyCapPerCallee, 5);
  const plannedPerPhone = new Map<string, number>();
  const eligible = new Map<string, { job: DueJob; allowListed: boolean }[]>();

  for (const c of input.campaigns) {
    const list: { job: DueJob; allowListed: boolean }[] = [];
    if (c.nextDueAt !== undefined) lookAt(c.nextDueAt);
    for (const job of c.dueJobs) {
      if (job.dueAt > now) {
        lookAt(job.dueAt);
        continue;
      }
      if (input.doNotCall.has(job.phone)) {
        blocked.push({ campaignId: c.campaignId, jobId: job.jobId, attempts: job.attempts, reason: 'doNotCall' });
        continue;
      }
      if (c.suspended.has(job.phone)) {
        blocked.push({ campaignId: c.campaignId, jobId: job.jobId, attempts: job.attempts, reason: 'suspended' });
        continue;
      }
      const allowListed = input.allow.has(job.phone);
      const zones = zonesOf(job.phone);
      const start = nextStart(c, zones, allowListed);
      if (start === undefined) {
        deferrals.push({ campaignId: c.campaignId, jobId: job.jobId, attempts: job.attempts, until: now + 86_400_000, reason: 'noWindowAhead' });
        continue;
      }
      if (start > now) {
        deferrals.push({ campaignId: c.campaignId, jobId: job.jobId, attempts: job.attempts, until: start, reason: 'outsideWindows' });
        lookAt(start);
        continue;
      }
      list.push({ job, allowListed });
    }
    eligible.set(c.campaignId, list);
  }

  const instanceNumbers = instance.callerNumbers;
  const remainingFrom = new Map<string, number>();
  for (const n of instanceNumbers) {
    remainingFrom.set(n.phoneNumber, n.maxCalls === undefined ? Number.POSITIVE_INFINITY : Math.max(0, n.maxCalls - (input.callerUsage.get(n.phoneNumber) ?? 0)));
  }
  const usedFrom = new Map<string, number>();
  const instanceOrder = instanceNumbers.map((n) => n.phoneNumber);
  const candidatesOf = new Map<string, string[]>();
  /**
   * The numbers a campaign may dial from, default first: the campaign's chosen set in its own order (those
   * the instance still has), else all the instance's in the instance's order.
   */
  const candidates = (c: CampaignSnapshot): string[] => {
    let list = candidatesOf.get(c.campaignId);
    if (!list) {
      const known = new Set(instanceOrder);
      list = c.callerNumbers.length > 0 ? [...new Set(c.callerNumbers)].filter((n) => known.has(n)) : instanceOrder;
      candidatesOf.set(c.campaignId, list);
    }
    return list;
  };
  /**
   * Local presence (P8): the closest number by geocoded location (same city, area code, province/state,
   * country); among equally close ones the least used this round, then the default (first listed). With
   * local presence off, or nothing known of the callee, every number is equally close: the default is
   * chosen, and the others share the load within a round.
   */
  const pickCaller = (c: CampaignSnapshot, to: string): string | undefined => {
    const callee = c.localPresence ? input.locations?.get(to) : undefined;
    let best: { n: string; score: number; used: number } | undefined;
    for (const num of candidates(c)) {
      if ((remainingFrom.get(num) ?? 0) <= 0) continue;
      const score = callee ? presenceScore(input.locations?.get(num), callee) : PRESENCE.none;
      const used = usedFrom.get(num) ?? 0;
      if (!best || score > best.score || (score === best.score && used < best.used)) best = { n: num, score, used };
    }
    return best?.n;
  };

  let budget = Math.max(0, Math.min(instance.maxConcurrency - input.leasesInUse, Math.floor(input.rateBudget)));
  const dials: PlannedDial[] = [];
  const dialledIn = new Map<string, number>();
  const cursor = new Map<string, number>();
  const stuck = new Set<string>();

  /** Takes the campaign's next eligible job; false when it has none it can dial now. */
  const takeOne = (c: CampaignSnapshot, share: PlannedDial['share']): boolean => {
    if (stuck.has(c.campaignId)) return false;
    const list = eligible.get(c.campaignId) ?? [];
    const room = (c.maxConcurrency ?? instance.maxConcurrency) - c.inFlight - (dialledIn.get(c.campaignId) ?? 0);
    if (room <= 0) {
      stuck.add(c.campaignId);
      if ((eligible.get(c.campaignId) ?? []).length > 0) status.set(c.campaignId, { reason: 'campaignLinesFull' });
      return false;
    }
    let i = cursor.get(c.campaignId) ?? 0;
    while (i < list.length) {
      const { job, allowListed } = list[i]!;
      i++;
      const planned = plannedPerPhone.get(job.phone) ?? 0;
      if (planned > 0) continue; // One call at a time per callee; the next plan picks it up.
      const counted = (input.calleeCounts.get(job.phone) ?? 0) + planned;
      if (!allowListed && counted >= cap) {
        const nextDay = startOfNextDay(now, instance.timeZone);
        const until = nextStart(c, zonesOf(job.phone), false, nextDay) ?? nextDay;
        deferrals.push({ campaignId: c.campaignId, jobId: job.jobId, attempts: job.attempts, until, reason: 'dailyCap' });
        continue;
      }
      const from = pickCaller(c, job.phone);
      if (!from) {
        cursor.set(c.campaignId, i - 1);
        stuck.add(c.campaignId);
        reasons.push(`${c.campaignId}: no caller number with capacity left`);
        status.set(c.campaignId, { reason: 'noCallerNumber', until: now + MIN_LOOK_AHEAD_MS * 5 });
        lookAt(now + MIN_LOOK_AHEAD_MS * 5);
        return false;
      }
      remainingFrom.set(from, (remainingFrom.get(from) ?? 0) - 1);
      usedFrom.set(from, (usedFrom.get(from) ?? 0) + 1);
      plannedPerPhone.set(job.phone, planned + 1);
      dialledIn.set(c.campaignId, (dialledIn.get(c.campaignId) ?? 0) + 1);
      dials.push({ campaignId: c.campaignId, jobId: job.jobId, to: job.phone, from, attempt: job.attempts + 1, share, allowListed, zones: zonesOf(job.phone) });
      cursor.set(c.campaignId, i);
      budget--;
      return true;
    }
    cursor.set(c.campaignId, i);
    stuck.add(c.campaignId);
    return false;
  };

  const ordered = [...input.campaigns].sort(
    (a, b) => rank(a.priority) - rank(b.priority) || (a.campaignId < b.campaignId ? -1 : a.campaignId > b.campaignId ? 1 : 0),
  );
  // Guaranteed shares first: a campaign's reserved lines are its own whatever the others' priority.
  for (const c of ordered) {
    let want = Math.max(0, c.guaranteedConcurrency - c.inFlight);
    while (want > 0 && budget > 0 && takeOne(c, 'guaranteed')) want--;
  }
  // Idle capacity: urgent campaigns drain first, then normal ones, round-robin within a priority.
  for (const priority of ['urgent', 'normal'] as const) {
    const group = ordered.filter((c) => c.priority === priority);
    let progressed = true;
    while (budget > 0 && progressed) {
      progressed = false;
      for (const c of group) {
        if (budget <= 0) break;
        if (takeOne(c, 'shared')) progressed = true;
      }
    }
  }

  const leftover = [...eligible.entries()].some(([id, list]) => (cursor.get(id) ?? 0) < list.length && !stuck.has(id));
  if (budget <= 0 && leftover) {
    const full = instance.maxConcurrency - input.leasesInUse - dials.length <= 0;
    reasons.push(full ? 'concurrency full' : 'call rate budget used');
    for (const [id, list] of eligible) {
      if ((cursor.get(id) ?? 0) < list.length && !stuck.has(id) && !status.has(id)) status.set(id, { reason: full ? 'linesFull' : 'rateLimited' });
    }
    lookAt(now + MIN_LOOK_AHEAD_MS);
  }
  // Some campaign filled its list before its due jobs ran out: its next page is due now.
  for (const c of input.campaigns) {
    const list = eligible.get(c.campaignId) ?? [];
    if (list.length > 0 && (cursor.get(c.campaignId) ?? 0) >= list.length && c.nextDueAt !== undefined && c.nextDueAt <= now) lookAt(now);
  }
  return { dials, deferrals, blocked, nextLookAt, reasons, status };
}

function rank(p: 'urgent' | 'normal'): number {
  return p === 'urgent' ? 0 : 1;
}
