/**
 * The event contract (SPEC E1): one zod schema per detail type Reachout publishes on its EventBridge
 * bus. Detail bodies follow seed 002's message examples (ids, status, failureReason, extras,
 * contacts[], tasks[], recording) with Reachout's names for the ids (`campaignId` for the seed's
 * `groupId`, `jobId` for its `id`); docs/events.md maps them field by field.
 *
 * Compatibility rule: adding an optional field is not a breaking change (consumers ignore unknown
 * fields, the registered JSON Schemas allow them); renaming, removing or retyping a field, or making
 * one required, bumps `schemaVersion`.
 */
import { IntentionGrade } from '../scenarios/reporting';
import * as z from 'zod';
import { CallStatus, CampaignState, HangupParty, JobFailureReason, JobStatus } from '../domain/statuses';
import { CallRecord, StoredTurn } from '../telephony/call-records';

/** Version of every detail schema; bumped only for breaking changes. */
export const SCHEMA_VERSION = 1;

/** The detail types Reachout publishes, in the order of a call's life and then a campaign's. */
export const EVENT_TYPES = [
  'Dialing',
  'Ringing',
  'CallAnswered',
  'CallFinished',
  'RecordingReady',
  'JobComplete',
  'CampaignStateChanged',
  'CampaignComplete',
  'ExportReady',
] as const;
/** One of the published detail types (the EventBridge `detail-type`). */
export type EventType = (typeof EVENT_TYPES)[number];

const Id = z.string().min(1).max(200);
const EpochMs = z.number().int().nonnegative().describe('Unix time in milliseconds, as in seed 002');
const IsoTime = z.string().describe('ISO 8601 UTC time');

/** A contact of the job, as seed 002's `contacts[]` item (`phoneNumber` is E.164). */
export const EventContact = z.object({
  phoneNumber: z.string().describe('E.164 number dialled'),
  name: z.string().optional(),
  honorific: z.string().optional(),
  referenceId: z.string().optional().describe("The caller's own id of the contact (member number, order id...)"),
});
/** A contact of the job in an event. */
export type EventContact = z.infer<typeof EventContact>;

/** A custom parameter of the job (the contact's variables), as seed 002's `extras[]` item. */
export const EventExtra = z.object({ key: z.string(), value: z.string() });
/** A custom parameter of the job in an event. */
export type EventExtra = z.infer<typeof EventExtra>;

/** One call (dial attempt) of a job, as seed 002's `tasks[]` item; times in epoch ms as in the seed. */
export const EventTask = z.object({
  id: Id.describe('The call id (seed 002 repeats it as `callId`)'),
  callId: Id,
  attempt: z.number().int().positive(),
  plannedTime: EpochMs.optional().describe('When the attempt was planned (seed 002 spells it `planedTime`)'),
  actualTime: EpochMs.optional().describe('When the call was placed'),
  endTime: EpochMs.optional().describe('When the call ended'),
  callingNumber: z.string().optional().describe('Caller number (E.164)'),
  calledNumber: z.string().optional().describe('Callee number (E.164)'),
  status: CallStatus.describe('Seed 002 TaskStatus (plus Voicemail); Executing while the call is in progress'),
});
/** One call of a job in an event. */
export type EventTask = z.infer<typeof EventTask>;

/** Fields every detail carries. `eventId` is the dedup key: the same fact always has the same id. */
const Base = <T extends EventType>(type: T) =>
  z.object({
    eventId: z.string().min(1).max(64).describe('Stable id of the fact: the same fact has the same id across retries and processes; deduplicate on it'),
    eventType: z.literal(type).describe('Equals the EventBridge detail-type'),
    schemaVersion: z.literal(SCHEMA_VERSION),
    eventTime: EpochMs.describe('When the fact happened (Unix ms, as in seed 002)'),
    instanceId: Id,
  });

/** Fields of every call-level event (one dial attempt of a job). */
const CallBase = <T extends EventType>(type: T) =>
  Base(type).extend({
    campaignId: Id.describe('Seed 002 groupId'),
    jobId: Id.describe('Seed 002 id (the job)'),
    callId: Id,
    attempt: z.number().int().positive(),
    status: CallStatus,
    extras: z.array(EventExtra),
    contacts: z.array(EventContact).min(1).max(1).describe('The job\'s contact (one per job, a list as in seed 002)'),
    tasks: z.array(EventTask).min(1).max(1).describe('This call, as a seed 002 task'),
  });

/** A call is being placed (seed 002 Dialing). */
export const DialingDetail = CallBase('Dialing')
  .extend({
    callingNumber: z.string().optional(),
    calledNumber: z.string().optional(),
  })
  .meta({ title: 'Dialing', description: 'A call is being placed (seed 002 Dialing); status Executing' });

/** The callee's phone rings. */
export const RingingDetail = CallBase('Ringing').meta({ title: 'Ringing', description: "The callee's phone rings; status Executing" });

/** The callee picked up (seed 002 CallAnswered). */
export const CallAnsweredDetail = CallBase('CallAnswered').meta({
  title: 'CallAnswered',
  description: 'The callee picked up and the dialog starts (seed 002 CallAnswered); status Executing',
});

/** The call ended: hung up, or never connected (seed 002 CallFinished), with its full call detail record and transcript. */
export const CallFinishedDetail = CallBase('CallFinished')
  .extend({
    sipCode: z.number().int().optional(),
    answered: z.boolean(),
    completed: z.boolean().describe('The main flow reached its end'),
    ringSeconds: z.number().nonnegative(),
    talkSeconds: z.number().nonnegative(),
    hangupParty: HangupParty.optional(),
    hangupNode: z.string().optional(),
    intentGrade: IntentionGrade.optional().describe("Intention grade A–E of the call by the scenario's reporting rules (R2), when answered"),
    tags: z.record(z.string(), z.string()).describe('Tags the dialog collected'),
    call: CallRecord.describe('The full call detail record (as GET /calls/{callId})'),
    turns: z.array(StoredTurn).describe('The transcript (as GET /calls/{callId}/transcript)'),
    turnsOmitted: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Present when the transcript was too long for one event: that many last turns are left out; read them from the API'),
  })
  .meta({ title: 'CallFinished', description: 'The call ended, hung up or never connected (seed 002 CallFinished), with its CDR and transcript' });

/** A recording of the call can be fetched (seed 002 RecordingReady). */
export const RecordingReadyDetail = Base('RecordingReady')
  .extend({
    campaignId: Id,
    jobId: Id,
    callId: Id,
    attempt: z.number().int().positive(),
    extras: z.array(EventExtra),
    contacts: z.array(EventContact).min(1).max(1),
    recording: z.object({
      taskId: Id.describe('The call id (seed 002 taskId)'),
      callId: Id,
      duration: z.number().nonnegative().describe('Seconds'),
      fileName: z.string(),
      key: z.string().describe('Object key in the recordings bucket'),
      contentType: z.string(),
      apiPath: z.string().describe('GET this API path for a short-lived download link'),
    }),
  })
  .meta({ title: 'RecordingReady', description: 'The recording of a call is stored (seed 002 RecordingReady)' });

/** A job reached a final status (seed 002 JobComplete): every call of the job in `tasks`. */
export const JobCompleteDetail = Base('JobComplete')
  .extend({
    campaignId: Id.describe('Seed 002 groupId'),
    jobId: Id.describe('Seed 002 id'),
    status: JobStatus.describe('Succeeded, Failed or Cancelled'),
    failureReason: JobFailureReason.optional(),
    extras: z.array(EventExtra),
    contacts: z.array(EventContact).min(1).max(1),
    tasks: z.array(EventTask).describe('Every call of the job, oldest first (empty when it was never dialled)'),
    attempts: z.number().int().nonnegative(),
    answered: z.boolean(),
    intentGrade: IntentionGrade.optional().describe('Intention grade A–E of the job: that of its latest graded call (R2)'),
    tags: z.record(z.string(), z.string()),
  })
  .meta({ title: 'JobComplete', description: 'A job reached its final status (seed 002 JobComplete) with all its calls' });

/** A campaign changed state (start, pause, resume, stop, complete, window open/close). */
export const CampaignStateChangedDetail = Base('CampaignStateChanged')
  .extend({
    campaignId: Id,
    name: z.string().optional(),
    state: CampaignState,
    previousState: CampaignState,
    version: z.number().int().nonnegative().describe('Version of the campaign after the change (part of the event id)'),
    principal: z.string().optional().describe('Who made the change, when a person or key did'),
    reason: z.string().optional(),
  })
  .meta({ title: 'CampaignStateChanged', description: 'A campaign moved from one state to another' });

/** A campaign finished: every job has its final status. */
export const CampaignCompleteDetail = Base('CampaignComplete')
  .extend({
    campaignId: Id,
    name: z.string(),
    run: z.number().int().nonnegative().describe('Dispatch generation that completed (part of the event id)'),
    startedAt: IsoTime.optional(),
    finishedAt: IsoTime,
    counters: z.record(z.string(), z.number()).describe('Final campaign counters (total, dialled, completed, succeeded, failed, ...)'),
  })
  .meta({ title: 'CampaignComplete', description: 'A campaign finished: every job has its final status' });

/** Kinds of exports (SPEC R6). */
export const ExportKind = z.enum(['campaignResult', 'callLog', 'unreachableContacts', 'transcripts']);
/** A kind of export. */
export type ExportKind = z.infer<typeof ExportKind>;

/** An export finished (successfully or not). */
export const ExportReadyDetail = Base('ExportReady')
  .extend({
    exportId: Id,
    kind: ExportKind,
    status: z.enum(['Succeeded', 'Failed']),
    campaignId: Id.optional(),
    format: z.enum(['xlsx', 'csv', 'zip', 'jsonl']),
    fileName: z.string().optional(),
    bytes: z.number().int().nonnegative().optional(),
    rows: z.number().int().nonnegative().optional(),
    apiPath: z.string().describe('GET this API path for the export and its download link'),
    failureReason: z.string().optional(),
  })
  .meta({ title: 'ExportReady', description: 'An export finished; download it through the API' });

/** The schema of each detail type. */
export const EVENT_SCHEMAS = {
  Dialing: DialingDetail,
  Ringing: RingingDetail,
  CallAnswered: CallAnsweredDetail,
  CallFinished: CallFinishedDetail,
  RecordingReady: RecordingReadyDetail,
  JobComplete: JobCompleteDetail,
  CampaignStateChanged: CampaignStateChangedDetail,
  CampaignComplete: CampaignCompleteDetail,
  ExportReady: ExportReadyDetail,
} as const satisfies Record<EventType, z.ZodType>;

/** The detail of an event type, as published. */
export type EventDetail<T extends EventType> = z.infer<(typeof EVENT_SCHEMAS)[T]>;

/** What a producer passes to buildEvent: the detail without the fields the builder fills in. */
export type EventInput<T extends EventType> = Omit<z.input<(typeof EVENT_SCHEMAS)[T]>, 'eventId' | 'eventType' | 'schemaVersion' | 'eventTime'>;

/** Any detail, keyed on `eventType`. */
export const AnyEventDetail = z.discriminatedUnion('eventType', [
  DialingDetail,
  RingingDetail,
  CallAnsweredDetail,
  CallFinishedDetail,
  RecordingReadyDetail,
  JobCompleteDetail,
  CampaignStateChangedDetail,
  CampaignCompleteDetail,
  ExportReadyDetail,
]);
/** Any published detail. */
export type AnyEventDetail = z.infer<typeof AnyEventDetail>;

/** True for a known detail type. */
export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}
