import * as z from 'zod';

/** Status of one call (one dial attempt), as in seed 002's TaskStatus (SPEC T3). */
export const CallStatus = z.enum([
  'Executing',
  'Succeeded',
  'NoAnswer',
  'NotExist',
  'Busy',
  'Cancelled',
  'Failed',
  'NotConnected',
  'PoweredOff',
  'OutOfService',
  'InArrears',
  'EmptyNumber',
  'PerDayCallCountLimit',
  'ContactBlockList',
  'CallerNotRegistered',
  'Terminated',
  'VerificationCancelled',
  'Voicemail',
]);
/** Status of one call. `Voicemail` is ours (P9): an answering machine picked up. */
export type CallStatus = z.infer<typeof CallStatus>;

/** Status of a job (one contact in a campaign), as in seed 002 (SPEC T3). */
export const JobStatus = z.enum(['Scheduling', 'Executing', 'Succeeded', 'Paused', 'Failed', 'Cancelled']);
/** Status of a job. */
export type JobStatus = z.infer<typeof JobStatus>;

/** Why a job failed or was cancelled, as in seed 002 (SPEC T3). */
export const JobFailureReason = z.enum([
  'NoAnswer',
  'InvalidStrategy',
  'TimeUp',
  'CallFailed',
  'PerDayCallCountLimit',
  'ContactBlockList',
  'EmptyNumber',
  'ContactSuspended',
  'NotExist',
  'OutOfService',
  'PoweredOff',
  'InArrears',
  'Busy',
  'Voicemail',
  'Stopped',
  'Unknown',
]);
/** Why a job failed. */
export type JobFailureReason = z.infer<typeof JobFailureReason>;

/** Campaign states (SPEC C1). */
export const CampaignState = z.enum(['draft', 'scheduled', 'running', 'paused', 'completed', 'stopped']);
/** Campaign state. */
export type CampaignState = z.infer<typeof CampaignState>;

/** Who hung up (SPEC S8). */
export const HangupParty = z.enum(['robot', 'person', 'system']);
/** Who hung up. */
export type HangupParty = z.infer<typeof HangupParty>;

/** Call statuses after which the number is never redialled (SPEC P5; configurable per campaign). */
export const NEVER_REDIAL_BY_DEFAULT: readonly CallStatus[] = ['EmptyNumber', 'NotExist', 'OutOfService', 'InArrears'];

/** Terminal job statuses. */
export const TERMINAL_JOB_STATUSES: readonly JobStatus[] = ['Succeeded', 'Failed', 'Cancelled'];
