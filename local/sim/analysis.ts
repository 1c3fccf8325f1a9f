import { isOpen } from '../../lib/windows/schedule';
import type { SimulationResult } from './simulation';

/**
 * What a simulated campaign achieved against what was possible: the makespan against its lower bound
 * (total line time over the lines, or attempts over the call rate, whichever is larger, counted in open
 * window time), and how busy the lines were while some job could have been dialled.
 */

/** The schedule figures of a run. */
export interface ScheduleReport {
  contacts: number;
  jobs: number;
  /** Calls the network placed (attempts that reached the telephony). */
  attempts: number;
  answered: number;
  statuses: Record<string, number>;
  makespanSeconds: number;
  /** Open-window seconds inside the makespan. */
  openSecondsInMakespan: number;
  lineSeconds: number;
  meanCallSeconds: number;
  /** The lower bound and what sets it. */
  boundSeconds: number;
  boundBy: 'lines' | 'rate';
  /** Makespan over bound. */
  ratio: number;
  /** Busy line time over available line time while some job was due and a window open. */
  utilisation: number;
  eligibleSeconds: number;
  /** From the last first attempt to the end: the tail that only retries (their intervals) can fill. */
  lastFirstDialToEndSeconds: number;
  /** Time lines stood idle while work was eligible, split at the retry tail. */
  idleLineSecondsEligible: number;
}

const DAY = 86_400_000;

/** Open-window milliseconds of [from, to) under the instance windows (checked minute by minute). */
export function openMs(r: SimulationResult, from: number, to: number): number {
  const s = { ranges: r.settings.windows.ranges, weekdaysOnly: r.settings.windows.weekdaysOnly };
  let total = 0;
  for (let t = from; t < to; ) {
    const next = Math.min(to, (Math.floor(t / 60_000) + 1) * 60_000);
    if (isOpen(s, t, r.settings.timeZone)) total += next - t;
    t = next;
  }
  return total;
}

/** The instant by which `needMs` of open-window time has passed since `from`. */
function afterOpen(r: SimulationResult, from: number, needMs: number): number {
  const s = { ranges: r.settings.windows.ranges, weekdaysOnly: r.settings.windows.weekdaysOnly };
  let left = needMs;
  for (let t = from; t < from + 400 * DAY; ) {
    const next = (Math.floor(t / 60_000) + 1) * 60_000;
    if (isOpen(s, t, r.settings.timeZone)) {
      if (next - t >= left) return t + left;
      left -= next - t;
    }
    t = next;
  }
  return Number.POSITIVE_INFINITY;
}

/** Schedule figures of a finished run. */
export function scheduleReport(r: SimulationResult): ScheduleReport {
  const placed = r.calls.filter((c) => c.placed && c.endedAt);
  const intervals = placed.map((c) => [Date.parse(c.dialledAt), Date.parse(c.endedAt!)] as [number, number]);
  const lineMs = intervals.reduce((n, [s, e]) => n + (e - s), 0);
  const statuses: Record<string, number> = {};
  for (const c of r.calls) statuses[c.status] = (statuses[c.status] ?? 0) + 1;
  const concurrency = r.settings.maxConcurrency;
  const byLines = lineMs / concurrency;
  const byRate = (placed.length / r.options.callsPerSecond) * 1000;
  const need = Math.max(byLines, byRate);
  const boundAt = afterOpen(r, r.startedAt, need);
  const makespan = r.finishedAt - r.startedAt;

  // Eligible work: a job's attempt is eligible from when it was due (the start, or the previous call's
  // end plus the retry interval of its status) until it was dialled.
  const retry = r.options.retry;
  const callsByJob = new Map<string, typeof placed>();
  for (const c of r.calls) callsByJob.set(c.jobId, [...(callsByJob.get(c.jobId) ?? []), c]);
  const eligible: [number, number][] = [];
  for (const calls of callsByJob.values()) {
    calls.sort((a, b) => a.attempt - b.attempt);
    let due = r.startedAt;
    for (const c of calls) {
      const dial = Date.parse(c.dialledAt);
      if (dial > due) eligible.push([due, dial]);
      const end = c.endedAt ? Date.parse(c.endedAt) : dial;
      const seconds = c.systemFailure ? 60 : (retry.intervalByStatus?.[c.status] ?? retry.intervalSeconds);
      due = end + seconds * 1000;
    }
  }
  // Sweep: busy lines and eligible jobs as step functions, with minute marks for the windows.
  const points: [number, number, number][] = [];
  for (const [s, e] of intervals) points.push([s, 1, 0], [e, -1, 0]);
  for (const [s, e] of eligible) points.push([s, 0, 1], [e, 0, -1]);
  for (let t = Math.floor(r.startedAt / 60_000) * 60_000; t <= r.finishedAt; t += 60_000) points.push([t, 0, 0]);
  points.sort((a, b) => a[0] - b[0]);
  const s = { ranges: r.settings.windows.ranges, weekdaysOnly: r.settings.windows.weekdaysOnly };
  let busy = 0;
  let due = 0;
  let eligibleMs = 0;
  let busyEligibleMs = 0;
  let openNow = isOpen(s, r.startedAt, r.settings.timeZone);
  for (let i = 0; i < points.length; i++) {
    const [t, db, de] = points[i]!;
    busy += db;
    due += de;
    if (db === 0 && de === 0) openNow = isOpen(s, t, r.settings.timeZone);
    const next = points[i + 1]?.[0];
    if (next === undefined || next <= t) continue;
    // Eligible when a window is open and a job waits, or lines are busy while one could wait (a full house is eligible time).
    if (openNow && due > 0) {
      eligibleMs += next - t;
      busyEligibleMs += Math.min(busy, concurrency) * (next - t);
    }
  }
  const firstDials = [...callsByJob.values()].map((cs) => Math.min(...cs.map((c) => Date.parse(c.dialledAt))));
  const lastFirst = firstDials.length ? Math.max(...firstDials) : r.startedAt;
  return {
    contacts: r.options.contacts,
    jobs: r.jobs.length,
    attempts: placed.length,
    answered: placed.filter((c) => c.answered).length,
    statuses,
    makespanSeconds: makespan / 1000,
    openSecondsInMakespan: openMs(r, r.startedAt, r.finishedAt) / 1000,
    lineSeconds: lineMs / 1000,
    meanCallSeconds: placed.length ? lineMs / placed.length / 1000 : 0,
    boundSeconds: (boundAt - r.startedAt) / 1000,
    boundBy: byLines >= byRate ? 'lines' : 'rate',
    ratio: makespan / (boundAt - r.startedAt),
    utilisation: eligibleMs ? busyEligibleMs / (concurrency * eligibleMs) : 0,
    eligibleSeconds: eligibleMs / 1000,
    lastFirstDialToEndSeconds: (r.finishedAt - lastFirst) / 1000,
    idleLineSecondsEligible: (concurrency * eligibleMs - busyEligibleMs) / 1000,
  };
}
