import * as z from 'zod';

/**
 * Invocation events of a SIP media application and the response it expects, modelled on the
 * Amazon Chime SDK developer guide ("Understanding telephony events", "Making an outbound call").
 * Every object keeps unknown fields (passthrough) because Chime adds fields over time and a
 * handler that rejects them would drop live calls.
 */

/** Invocation event types the handler understands. */
export const InvocationEventType = z.enum([
  'NEW_OUTBOUND_CALL',
  'RINGING',
  'CALL_ANSWERED',
  'ACTION_SUCCESSFUL',
  'ACTION_FAILED',
  'ACTION_INTERRUPTED',
  'DIGITS_RECEIVED',
  'CALL_UPDATE_REQUESTED',
  'INVALID_LAMBDA_RESPONSE',
  'HANGUP',
  'NEW_INBOUND_CALL',
]);
/** An invocation event type. */
export type InvocationEventType = z.infer<typeof InvocationEventType>;

/** One call leg of the transaction. */
export const SmaParticipant = z
  .object({
    CallId: z.string(),
    ParticipantTag: z.string(),
    To: z.string().optional(),
    From: z.string().optional(),
    Direction: z.string().optional(),
    StartTimeInMilliseconds: z.string().optional(),
    Status: z.string().optional(),
  })
  .passthrough();
/** One call leg. */
export type SmaParticipant = z.infer<typeof SmaParticipant>;

/** `CallDetails` of an event. The outbound-call examples name the application `SipApplicationId`. */
export const SmaCallDetails = z
  .object({
    TransactionId: z.string(),
    TransactionAttributes: z.record(z.string(), z.string()).optional(),
    AwsAccountId: z.string().optional(),
    AwsRegion: z.string().optional(),
    SipMediaApplicationId: z.string().optional(),
    SipApplicationId: z.string().optional(),
    SipRuleId: z.string().optional(),
    Participants: z.array(SmaParticipant).default([]),
  })
  .passthrough();
/** `CallDetails` of an event. */
export type SmaCallDetails = z.infer<typeof SmaCallDetails>;

/** Lex V2 result handed back by a StartBotConversation action. */
export const SmaIntentResult = z
  .object({
    SessionId: z.string().optional(),
    SessionState: z
      .object({
        SessionAttributes: z.record(z.string(), z.string()).optional(),
        Intent: z
          .object({
            Name: z.string().optional(),
            Slots: z.record(z.string(), z.unknown()).nullish(),
            State: z.string().optional(),
            ConfirmationState: z.string().optional(),
          })
          .passthrough()
          .optional(),
      })
      .passthrough()
      .optional(),
    Interpretations: z
      .array(
        z
          .object({
            Intent: z.object({ Name: z.string().optional() }).passthrough().optional(),
            NluConfidence: z.object({ Score: z.number() }).passthrough().optional(),
          })
          .passthrough(),
      )
      .optional(),
  })
  .passthrough();
/** Lex V2 result of a bot conversation. */
export type SmaIntentResult = z.infer<typeof SmaIntentResult>;

/** `ActionData`: the action an ACTION_* / DIGITS_RECEIVED / HANGUP / CALL_UPDATE_REQUESTED event is about. */
export const SmaActionData = z
  .object({
    /** Absent in INVALID_LAMBDA_RESPONSE's ActionData, which carries only ErrorType / ErrorMessage. */
    Type: z.string().optional(),
    Parameters: z.record(z.string(), z.unknown()).optional(),
    ReceivedDigits: z.string().optional(),
    ErrorType: z.string().optional(),
    ErrorMessage: z.string().optional(),
    IntentResult: SmaIntentResult.optional(),
    CallRecordingDestination: z.object({ Type: z.string(), Location: z.string() }).passthrough().optional(),
  })
  .passthrough();
/** `ActionData` of an event. */
export type SmaActionData = z.infer<typeof SmaActionData>;

/** One invocation event. */
export const SmaEvent = z
  .object({
    SchemaVersion: z.string(),
    Sequence: z.number().int().optional(),
    /** A type this version does not know is kept (and answered with no actions) rather than refused. */
    InvocationEventType: z.union([InvocationEventType, z.string().min(1)]),
    CallDetails: SmaCallDetails,
    ActionData: SmaActionData.optional(),
    /** INVALID_LAMBDA_RESPONSE carries the error at the top level. */
    ErrorType: z.string().optional(),
    ErrorMessage: z.string().optional(),
  })
  .passthrough();
/** One invocation event. */
export type SmaEvent = z.infer<typeof SmaEvent>;

/** One action of a response: `Type` plus its `Parameters`. */
export interface SmaAction {
  Type: string;
  Parameters: Record<string, unknown>;
}

/** The handler's answer: at most 10 actions, string-valued transaction attributes. */
export interface SmaResponse {
  SchemaVersion: '1.0';
  /** `null`: a NULL action set, which keeps the actions Chime has queued. */
  Actions: SmaAction[] | null;
  TransactionAttributes?: Record<string, string>;
}

/** Most actions Chime accepts in one response. */
export const MAX_ACTIONS_PER_RESPONSE = 10;

/** Chime's size limit on transaction attributes; we keep well under it. */
export const TRANSACTION_ATTRIBUTES_LIMIT_BYTES = 20 * 1024;

/** The outbound leg (LEG-A) of an event, if any. */
export function legA(event: SmaEvent): SmaParticipant | undefined {
  // Tags are compared without case: a guide example prints `Leg-A`.
  return event.CallDetails.Participants.find((p) => p.ParticipantTag.toUpperCase() === 'LEG-A') ?? event.CallDetails.Participants[0];
}

/** Parses an event; returns a value, not an exception, because a malformed event must still get an answer. */
export function parseSmaEvent(input: unknown): { ok: true; event: SmaEvent } | { ok: false; message: string } {
  const r = SmaEvent.safeParse(input);
  if (r.success) return { ok: true, event: r.data };
  return { ok: false, message: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
}
