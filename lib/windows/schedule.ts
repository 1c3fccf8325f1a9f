import { instantOf, localParts, minutesOf, nextDate } from './time';

/**
 * Calling windows as pure functions of an instant (SPEC P1, P2, C2).
 * A schedule is a union of daily ranges restricted to some days; a call may start only when every
 * applicable schedule is open, each evaluated in its own zone(s).
 */

/** Daily ranges on chosen days, within an optional date range. */
export interface Schedule {
  /** Union of daily ranges `HH:MM`–`HH:MM` (end exclusive). */
  ranges: { start: string; end: string }[];
  /** Monday–Friday only. */
  weekdaysOnly?: boolean;
  /** ISO weekdays allowed (1 = Monday … 7 = Sunday); all when absent or empty. */
  daysOfWeek?: number[];
  /** Days of the month allowed (1–31); all when absent or empty. */
  daysOfMonth?: number[];
  /** First local date (`YYYY-MM-DD`, inclusive). */
  fromDate?: string;
  /** Last local date (`YYYY-MM-DD`, inclusive). */
  toDate?: string;
}

/** A schedule evaluated in a set of zones: open only when open in all of them (unknown zone among several → the safe intersection). */
export interface WindowConstraint {
  schedule: Schedule;
  zones: string[];
}

const weekdayOf = (date: string) => {
  const d = new Date(`${date}T00:00:00Z`).getUTCDay();
  return d === 0 ? 7 : d;
};

function dayAllowed(s: Schedule, date: string): boolean {
  if (s.fromDate && date < s.fromDate) return false;
  if (s.toDate && date > s.toDate) return false;
  const wd = weekdayOf(date);
  if (s.weekdaysOnly && wd > 5) return false;
  if (s.daysOfWeek && s.daysOfWeek.length > 0 && !s.daysOfWeek.includes(wd)) return false;
  if (s.daysOfMonth && s.daysOfMonth.length > 0 && !s.daysOfMonth.includes(Number(date.slice(8, 10)))) return false;
  return true;
}

/** Whether calls may start at `ms` under the schedule in `timeZone`. */
export function isOpen(s: Schedule, ms: number, timeZone: string): boolean {
  const p = localParts(ms, timeZone);
  if (!dayAllowed(s, p.date)) return false;
  return s.ranges.some((r) => p.minutes >= minutesOf(r.start) && p.minutes < minutesOf(r.end));
}

/** First instant ≥ `ms` at which the schedule is open in `timeZone`, or undefined if never within `horizonDays`. */
export function nextOpen(s: Schedule, ms: number, timeZone: string, horizonDays = 400): number | undefined {
  if (s.ranges.length === 0) return undefined;
  const ranges = [...s.ranges].sort((a, b) => minutesOf(a.start) - minutesOf(b.start));
  let date = localParts(ms, timeZone).date;
  for (let i = 0; i <= horizonDays; i++, date = nextDate(date)) {
    if (s.toDate && date > s.toDate) return undefined;
    if (!dayAllowed(s, date)) continue;
    for (const r of ranges) {
      const start = instantOf(date, minutesOf(r.start), timeZone);
      const end = instantOf(date, minutesOf(r.end), timeZone);
      if (end <= ms) continue;
      const at = Math.max(start, ms);
      // DST shifts can make a computed boundary land outside the local range; confirm before answering.
      if (isOpen(s, at, timeZone)) return at;
      const minute = Math.ceil(at / 60_000) * 60_000;
      if (minute < end && isOpen(s, minute, timeZone)) return minute;
    }
  }
  return undefined;
}

/** Whether every constraint is open at `ms`. */
export function allOpen(constraints: readonly WindowConstraint[], ms: number): boolean {
  return constraints.every((c) => c.zones.every((z) => isOpen(c.schedule, ms, z)));
}

/**
 * First instant ≥ `ms` at which every constraint is open, or undefined when none is found
 * (e.g. disjoint windows). Each step jumps to the next opening of a closed constraint, so it converges quickly.
 */
export function nextAllOpen(constraints: readonly WindowConstraint[], ms: number, maxSteps = 64): number | undefined {
  let t = ms;
  for (let step = 0; step < maxSteps; step++) {
    let moved = false;
    for (const c of constraints) {
      for (const z of c.zones) {
        if (isOpen(c.schedule, t, z)) continue;
        const next = nextOpen(c.schedule, t, z);
        if (next === undefined) return undefined;
        t = next;
        moved = true;
      }
    }
    if (!moved) return t;
  }
  return undefined;
}

/** The local date (`YYYY-MM-DD`) of an instant in a zone; per-callee daily caps count per instance-local day. */
export function localDate(ms: number, timeZone: string): string {
  return localParts(ms, timeZone).date;
}

/** The instant the next local day starts in a zone. */
export function startOfNextDay(ms: number, timeZone: string): number {
  return instantOf(nextDate(localParts(ms, timeZone).date), 0, timeZone);
}
