/**
 * Wall-clock arithmetic in IANA time zones without a date library: Intl gives the local fields of
 * an instant, and the inverse (local wall time → instant) is found by correcting the zone offset twice,
 * which is exact except inside a DST gap (where the next valid instant is used).
 */
import { expectOnly } from '../core/errors';

/** Local calendar fields of an instant in a zone. */
export interface LocalParts {
  /** `YYYY-MM-DD` in the zone. */
  date: string;
  year: number;
  month: number;
  day: number;
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  weekday: number;
  /** Minutes since local midnight. */
  minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

const partsCache = new Map<string, { parts: LocalParts; seconds: number }>();

/** Local fields of `ms` in `timeZone` (minute precision is what windows need). */
export function localParts(ms: number, timeZone: string): LocalParts {
  // Planner loops ask for the same minute over and over; a tiny cache keeps Intl off the hot path.
  const minuteKey = `${timeZone}|${Math.floor(ms / 60_000)}`;
  const hit = partsCache.get(minuteKey);
  if (hit) return hit.parts;
  const fields: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) fields[p.type] = p.value;
  const year = Number(fields.year);
  const month = Number(fields.month);
  const day = Number(fields.day);
  const parts: LocalParts = {
    date: `${fields.year}-${fields.month}-${fields.day}`,
    year,
    month,
    day,
    weekday: WEEKDAYS[fields.weekday ?? 'Mon'] ?? 1,
    minutes: Number(fields.hour) * 60 + Number(fields.minute),
  };
  if (partsCache.size > 20_000) partsCache.clear();
  partsCache.set(minuteKey, { parts, seconds: Number(fields.second) });
  return parts;
}

/** Offset of the zone from UTC at an instant, in ms (local = utc + offset). */
export function zoneOffset(ms: number, timeZone: string): number {
  const fields: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) fields[p.type] = p.value;
  const asUtc = Date.UTC(
    Number(fields.year),
    Number(fields.month) - 1,
    Number(fields.day),
    Number(fields.hour),
    Number(fields.minute),
    Number(fields.second),
  );
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The instant at which the zone's wall clock shows `date` (YYYY-MM-DD) and `minutes` past midnight. */
export function instantOf(date: string, minutes: number, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d, 0, minutes);
  let guess = wall - zoneOffset(wall, timeZone);
  guess = wall - zoneOffset(guess, timeZone);
  return guess;
}

/** `YYYY-MM-DD` of the day after `date`. */
export function nextDate(date: string, days = 1): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** Minutes since midnight of an `HH:MM` string. */
export function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

/** Whether a string names a zone Intl knows. */
export function isTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch (error) {
    expectOnly(error, RangeError);
    return false;
  }
}
