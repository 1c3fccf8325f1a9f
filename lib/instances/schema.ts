import * as z from 'zod';
import { patchSchema, type MergePatch } from '../core/merge-patch';
import { isTimeZone } from '../windows/time';

/** `HH:MM` in 24-hour time. */
export const ClockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (24-hour)');

/** One daily calling range, e.g. 09:00–12:00 (end exclusive). */
export const DailyRange = z
  .object({ start: ClockTime, end: ClockTime })
  .refine((r) => r.start < r.end, { message: 'start must be before end' });
/** One daily calling range. */
export type DailyRange = z.infer<typeof DailyRange>;

/** Calling windows: the union of daily ranges, optionally weekdays only (SPEC P1). */
export const CallingWindows = z.object({
  ranges: z.array(DailyRange).min(1).max(12),
  weekdaysOnly: z.boolean().default(false),
  /** Evaluate in the callee's local time zone when it can be derived from the number (P2). */
  calleeLocalTime: z.boolean().default(false),
});
/** Calling windows. */
export type CallingWindows = z.infer<typeof CallingWindows>;

/** A caller number the instance may dial from, with its own rate limit and area for local presence (P4, P8). */
export const CallerNumber = z.object({
  phoneNumber: z.string().regex(/^\+[1-9]\d{6,14}$/, 'expected an E.164 number like +14155550100'),
  /** Calls allowed per period from this number. */
  maxCalls: z.number().int().positive().optional(),
  /** Length of that period in seconds. */
  periodSeconds: z.number().int().positive().default(60),
  /** City or area label for local presence (e.g. `Seattle`, `深圳`). */
  city: z.string().optional(),
  /** Province / state / area-code label. */
  area: z.string().optional(),
});
/** A caller number. */
export type CallerNumber = z.infer<typeof CallerNumber>;

/** Instance settings (SPEC I1, P1, P3, P6, P7, S11). */
export const InstanceSettings = z.object({
  /** Default region for numbers without a country code (ISO 3166 alpha-2, e.g. US, CN). */
  defaultRegion: z.string().regex(/^[A-Z]{2}$/).default('US'),
  /** IANA time zone of the instance, e.g. America/New_York. */
  timeZone: z
    .string()
    // Cached per zone (lib/windows/time): settings are parsed on every dispatch round and SMA event,
    // and building an Intl formatter each time cost more than the rest of the parse.
    .refine(isTimeZone, 'unknown IANA time zone')
    .default('UTC'),
  /** Maximum concurrent calls across the instance (P3). */
  maxConcurrency: z.number().int().min(1).max(10_000).default(10),
  /** Instance-wide calling windows (P1). */
  windows: CallingWindows.default({ ranges: [{ start: '09:00', end: '20:00' }], weekdaysOnly: false, calleeLocalTime: false }),
  /** Calls per callee per day across the instance, retries included (P6). */
  dailyCapPerCallee: z.number().int().min(1).max(5).default(3),
  /** Delay before the first prompt after answer, ms (S11). */
  delayBeforeFirstPromptMs: z.number().int().min(0).max(5000).default(300),
  /** Never redial a number found empty within a campaign (P7). */
  noRedialEmptyNumbers: z.boolean().default(true),
  /** Numbers calls are placed from (P8). */
  callerNumbers: z.array(CallerNumber).max(1000).default([]),
});
/** Instance settings. */
export type InstanceSettings = z.infer<typeof InstanceSettings>;

/** An instance: the unit of isolation (SPEC I1). */
export const Instance = z.object({
  instanceId: z.string(),
  name: z.string().min(1).max(200),
  settings: InstanceSettings,
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Optimistic-concurrency version, bumped on every update. */
  version: z.number().int(),
});
/** An instance. */
export type Instance = z.infer<typeof Instance>;

/** Body of `POST /instances`. */
export const CreateInstanceBody = z.object({ name: z.string().min(1).max(200), settings: InstanceSettings.partial().optional() });
/**
 * Body of `PATCH /instance`: settings are a JSON merge patch (no defaults filled in for what is not
 * mentioned: `.partial()` would fill them, and they would overwrite the stored values).
 */
export const UpdateInstanceBody = z.object({
  name: z.string().min(1).max(200).optional(),
  settings: (patchSchema(InstanceSettings) as z.ZodType<MergePatch>).optional(),
});
