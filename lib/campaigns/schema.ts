import * as z from 'zod';
import { patchSchema, type MergePatch } from '../core/merge-patch';
import { CallStatus, CampaignState, JobFailureReason, JobStatus, NEVER_REDIAL_BY_DEFAULT } from '../domain/statuses';
import { DailyRange } from '../instances/schema';

const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');

/** How a campaign starts (SPEC C2): now, at a time, or on a recurring plan with daily windows. */
export const StartPlan = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('now') }),
  z.object({ mode: z.literal('at'), at: z.iso.datetime({ offset: true }) }),
  z.object({
    mode: z.literal('recurring'),
    fromDate: IsoDate,
    toDate: IsoDate,
    /** ISO weekdays (1 = Monday … 7 = Sunday); all days when empty. */
    daysOfWeek: z.array(z.number().int().min(1).max(7)).max(7).default([]),
    /** Days of the month (1–31); all days when empty. */
    daysOfMonth: z.array(z.number().int().min(1).max(31)).max(31).default([]),
    /** Daily windows of the plan (evaluated in the instance zone). */
    ranges: z.array(DailyRange).min(1).max(12),
  }),
]);
/** How a campaign starts. */
export type StartPlan = z.infer<typeof StartPlan>;

/** Retry policy of a campaign (SPEC P5). */
export const RetryPolicy = z.object({
  /** Redials after the first attempt for unanswered calls. */
  retries: z.number().int().min(0).max(10).default(2),
  /** Wait before a redial, seconds. */
  intervalSeconds: z.number().int().min(30).max(7 * 86_400).default(1800),
  /** Wait per call status, overriding `intervalSeconds` (e.g. Busy: 300). */
  intervalByStatus: z.partialRecord(CallStatus, z.number().int().min(30).max(7 * 86_400)).default({}),
  /** Statuses after which the job is never redialled. */
  neverRedial: z.array(CallStatus).default([...NEVER_REDIAL_BY_DEFAULT]),
  /** The robot hangs up after this many seconds of ringing (used by the telephony side). */
  maxRingSeconds: z.number().int().min(10).max(120).default(45),
});
/** Retry policy. */
export type RetryPolicy = z.infer<typeof RetryPolicy>;

/** Campaign priority (SPEC P3): urgent campaigns are served before normal ones. */
export const Priority = z.enum(['urgent', 'normal']);
/** Campaign priority. */
export type Priority = z.infer<typeof Priority>;

/** Campaign windows (SPEC P1): calls start only inside both these and the instance windows. */
export const CampaignWindows = z.object({
  ranges: z.array(DailyRange).min(1).max(12),
  weekdaysOnly: z.boolean().default(false),
});
/** Campaign windows. */
export type CampaignWindows = z.infer<typeof CampaignWindows>;

/** The strategy of a campaign: everything a user sets beyond scenario and contacts. */
export const CampaignSettings = z.object({
  name: z.string().min(1).max(200),
  description: z.string().max(2000).optional(),
  scenarioId: z.string().min(1).max(100),
  scenarioVersion: z.number().int().positive(),
  priority: Priority.default('normal'),
  /** Concurrent calls reserved for this campaign while it has work (P3). */
  guaranteedConcurrency: z.number().int().min(0).max(10_000).default(0),
  /** Upper bound of this campaign's concurrent calls (instance maximum when absent). */
  maxConcurrency: z.number().int().min(1).max(10_000).optional(),
  start: StartPlan.default({ mode: 'now' }),
  windows: CampaignWindows.optional(),
  retry: RetryPolicy.default(RetryPolicy.parse({})),
  /** Caller numbers to use (all of the instance's when empty) (P8). */
  callerNumbers: z.array(z.string().regex(/^\+[1-9]\d{6,14}$/)).max(1000).default([]),
  /** Prefer a caller number of the callee's city, then area (P8). */
  localPresence: z.boolean().default(true),
  /** Variables every contact must carry (from the scenario's prompts) (C4). */
  requiredVariables: z.array(z.string().min(1).max(64)).max(50).default([]),
});
/** The strategy of a campaign. */
export type CampaignSettings = z.infer<typeof CampaignSettings>;

/**
 * A merge patch of a campaign's strategy (PATCH, copy and re-run overrides): every field optional, no
 * defaults filled in (`CampaignSettings.partial()` filled them, and merging reset every setting the client
 * did not mention), `null` resets a field.
 */
export const CampaignSettingsPatch = patchSchema(CampaignSettings) as z.ZodType<MergePatch>;

/** A campaign (SPEC C1). */
export const Campaign = CampaignSettings.extend({
  campaignId: z.string(),
  instanceId: z.string(),
  state: CampaignState,
  /** Dispatch loop generation: bumped on each start/resume so a stale loop ends itself. */
  run: z.number().int().nonnegative(),
  createdAt: z.string(),
  updatedAt: z.string(),
  startedAt: z.string().optional(),
  /** When the campaign completed, or when a stopped campaign's last call ended. */
  finishedAt: z.string().optional(),
  stoppedAt: z.string().optional(),
  /** State a paused campaign was paused from. */
  pausedFrom: CampaignState.optional(),
  /** Campaign this one was copied or re-run from (C6). */
  sourceCampaignId: z.string().optional(),
  /** Imports still running (derived from the item's `imp#<id>` attributes); the campaign cannot complete before they finish. */
  importsRunning: z.number().int().default(0),
  /** What the planner last said about this campaign when it dials nothing (outside windows, lines full...). */
  dialling: z.object({ reason: z.string(), until: z.string().optional(), at: z.string() }).optional(),
  version: z.number().int(),
});
/** A campaign. */
export type Campaign = z.infer<typeof Campaign>;

/** A contact: one person to call (SPEC C3). */
export const Contact = z.object({
  /** E.164. */
  phone: z.string(),
  name: z.string().max(200).optional(),
  honorific: z.string().max(50).optional(),
  referenceId: z.string().max(200).optional(),
  variables: z.record(z.string(), z.string()).default({}),
});
/** A contact. */
export type Contact = z.infer<typeof Contact>;

/**
 * Where a job is in its dial attempt: idle (waiting), queued (dial request sent), dialing, inCall, ending (refused
 * before dialling or found lost: its call record is being made final, which ends the attempt).
 */
export const DialState = z.enum(['idle', 'queued', 'dialing', 'inCall', 'ending']);
/** Dial state of a job. */
export type DialState = z.infer<typeof DialState>;

/** A job: one contact in a campaign (SPEC C1, T3). */
export const Job = z.object({
  jobId: z.string(),
  campaignId: z.string(),
  instanceId: z.string(),
  contact: Contact,
  status: JobStatus,
  failureReason: JobFailureReason.optional(),
  dialState: DialState,
  /** Dial attempts started (idempotency key of the attempt with jobId). */
  attempts: z.number().int().nonnegative(),
  /** Attempts that count towards the retry limit (system failures do not). */
  tries: z.number().int().nonnegative(),
  /** Last attempt whose outcome was applied. */
  finishedAttempt: z.number().int().nonnegative().default(0),
  /** Attempts that ended as system failures (they do not count towards the retry limit). */
  systemAttempts: z.number().int().nonnegative().default(0),
  /** When the job may next be dialled (epoch ms), while it waits; the lease expiry while an attempt is out. */
  dueAt: z.number().optional(),
  /** Why the job waits past its due time (the planner's deferral). */
  deferReason: z.string().optional(),
  /** Call id of the attempt in progress: the holder of its concurrency lease and the id of its CDR. */
  callId: z.string().optional(),
  /** Concurrency lease slot of the attempt in progress (P3). */
  leaseSlot: z.number().int().nonnegative().optional(),
  /** Caller number of the attempt in progress (P8). */
  from: z.string().optional(),
  /** Day (instance zone) whose per-callee count the attempt in progress took (P6); absent for allow-listed numbers. */
  calleeDay: z.string().optional(),
  /** When the planner decided the attempt in progress (ISO 8601). */
  plannedAt: z.string().optional(),
  /** Chime transaction of the attempt in progress. */
  transactionId: z.string().optional(),
  /** Attempts that reached the telephony (calls placed), and of those, answered conversations. */
  placedCalls: z.number().int().nonnegative().default(0),
  answeredCalls: z.number().int().nonnegative().default(0),
  lastCallStatus: CallStatus.optional(),
  lastCallId: z.string().optional(),
  answered: z.boolean().default(false),
  /** A person took part in at least one effective turn (an answer was matched) on some attempt (C6). */
  interacted: z.boolean().default(false),
  tags: z.record(z.string(), z.string()).default({}),
  /** Values captured from answers (dates, amounts...) by the dialog (S3 entities). */
  captured: z.record(z.string(), z.string()).default({}),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** When the job reached its terminal status. */
  completedAt: z.string().optional(),
  /** Version of the job item, bumped by every transition (optimistic concurrency). */
  version: z.number().int().nonnegative().default(0),
});
/** A job. */
export type Job = z.infer<typeof Job>;

/** Outcomes a re-run picks jobs by (SPEC C6). */
export const RerunOutcome = z.enum(['succeeded', 'noInteraction', 'failed', 'cancelled']);
/** A re-run outcome. */
export type RerunOutcome = z.infer<typeof RerunOutcome>;
