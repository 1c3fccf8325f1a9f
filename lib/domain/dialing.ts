import * as z from 'zod';
import { CallStatus, HangupParty } from './statuses';

/**
 * Messages between the planner, the dialer and the SMA handler. One zod schema per message,
 * keyed on `type`; these travel on SQS and in the Chime call's arguments.
 */

/** A planned dial: the planner holds a concurrency lease for it; the dialer places the call. */
export const DialRequest = z.object({
  type: z.literal('dial'),
  instanceId: z.string(),
  campaignId: z.string(),
  jobId: z.string(),
  /** 1 for the first attempt, 2 for the first retry... Idempotency key with jobId. */
  attempt: z.number().int().positive(),
  /** Call id shared by the CDR, events and recording of this attempt (T4). */
  callId: z.string(),
  from: z.string(),
  to: z.string(),
  /** Lease slot held for this call (P3). */
  leaseSlot: z.number().int().nonnegative(),
  /** When the planner decided to dial (ISO 8601). */
  plannedAt: z.string(),
  /**
   * The callee's zones the planner checked the instance windows in (IANA names); the dialer's dial-time check
   * uses the same. Absent in requests queued before the field existed: with callee-local windows on, the dialer
   * hands such a request back to the planner, which plans it again with the zones.
   */
  calleeZones: z.array(z.string().min(1).max(64)).max(16).optional(),
});
/** A planned dial. */
export type DialRequest = z.infer<typeof DialRequest>;

/** A request to plan again now (a line was freed, a campaign changed state). */
export const TickRequest = z.object({
  type: z.literal('tick'),
  instanceId: z.string(),
  campaignId: z.string().optional(),
  reason: z.enum(['callEnded', 'stateChanged', 'schedule', 'import']),
});
/** A request to plan again now. */
export type TickRequest = z.infer<typeof TickRequest>;

/**
 * A request to apply the pending effects of one item (the outbox): the SMA handler sends it when a call
 * record becomes final, so ending the attempt (job, counters, events) runs off the call's critical path.
 */
export const DrainRequest = z.object({
  type: z.literal('drain'),
  instanceId: z.string(),
  pk: z.string().min(1),
  sk: z.string().min(1),
});
/** A drain request. */
export type DrainRequest = z.infer<typeof DrainRequest>;

/** Messages on the tick queue. */
export const TickMessage = z.discriminatedUnion('type', [TickRequest, DrainRequest]);
/** A message on the tick queue. */
export type TickMessage = z.infer<typeof TickMessage>;

/** What the SMA handler (or the dialer, for calls never placed) reports when an attempt is over. */
export const CallOutcome = z.object({
  instanceId: z.string(),
  campaignId: z.string(),
  jobId: z.string(),
  attempt: z.number().int().positive(),
  callId: z.string(),
  leaseSlot: z.number().int().nonnegative().optional(),
  status: CallStatus,
  /** SIP response code when known. */
  sipCode: z.number().int().optional(),
  answered: z.boolean(),
  /** The dialog reached a completion node (S8). */
  completed: z.boolean(),
  /** Turns with a person's answer. */
  turns: z.number().int().nonnegative(),
  talkSeconds: z.number().nonnegative(),
  hangupParty: HangupParty.optional(),
  hangupNode: z.string().optional(),
  tags: z.record(z.string(), z.string()).default({}),
  /** The outcome is a system failure (does not count towards the per-callee cap, P6). */
  systemFailure: z.boolean().default(false),
  /** The attempt reached the telephony (a call was placed), as opposed to refused before dialling. */
  placed: z.boolean().default(true),
  /** At least one answer of the person was matched (an effective interaction, C6 "no interaction"). */
  interacted: z.boolean().default(false),
  /** Values the dialog captured from answers (S3 entities), kept on the job. */
  captured: z.record(z.string(), z.string()).default({}),
  hangupReason: z.string().optional(),
  endedAt: z.string(),
});
/** The outcome of one call attempt. */
export type CallOutcome = z.infer<typeof CallOutcome>;

/** Arguments carried by a Chime call (strings only), read back by the SMA handler (T1). */
export const CallArguments = z.object({
  instanceId: z.string().min(1),
  campaignId: z.string().min(1),
  jobId: z.string().min(1),
  attempt: z.string().regex(/^\d+$/),
  callId: z.string().min(1),
  leaseSlot: z.string().regex(/^\d*$/).default(''),
});
/** Arguments carried by a Chime call. */
export type CallArguments = z.infer<typeof CallArguments>;

/**
 * Sent by the dialer, delayed by the campaign's maximum ring time, after a call is placed: Chime has
 * no ring limit of its own on outbound calls, so the dialer hangs up a call still unanswered then (P5).
 */
export const RingTimeout = z.object({
  type: z.literal('ringTimeout'),
  instanceId: z.string(),
  campaignId: z.string(),
  jobId: z.string(),
  attempt: z.number().int().positive(),
  callId: z.string(),
  transactionId: z.string(),
});
/** A ring-timeout check. */
export type RingTimeout = z.infer<typeof RingTimeout>;

/** Messages on the dial queue. */
export const DialerMessage = z.discriminatedUnion('type', [DialRequest, RingTimeout]);
/** A message on the dial queue. */
export type DialerMessage = z.infer<typeof DialerMessage>;
