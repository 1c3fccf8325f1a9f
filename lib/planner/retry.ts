import type { CallStatus, JobFailureReason, JobStatus } from '../domain/statuses';

/**
 * What happens to a job after one call attempt (SPEC P5, P6, P7): done, or redialled later.
 * Pure; the outcome handler applies it with a conditional write.
 */

/** The retry settings the decision needs. */
export interface RetrySettings {
  retries: number;
  intervalSeconds: number;
  intervalByStatus: Partial<Record<CallStatus, number>>;
  neverRedial: readonly CallStatus[];
}

/** The decision for a job after an attempt. */
export type AfterCall =
  | { kind: 'done'; status: JobStatus; failureReason?: JobFailureReason }
  | { kind: 'retry'; at: number; countsAsTry: boolean };

/** System failures retried before the job fails, so a broken trunk cannot loop forever. */
export const MAX_SYSTEM_RETRIES = 5;
/** Delay before redialling after a system failure. */
export const SYSTEM_RETRY_MS = 60_000;

const FAILURE_REASON: Partial<Record<CallStatus, JobFailureReason>> = {
  NoAnswer: 'NoAnswer',
  NotExist: 'NotExist',
  Busy: 'Busy',
  Failed: 'CallFailed',
  NotConnected: 'CallFailed',
  PoweredOff: 'PoweredOff',
  OutOfService: 'OutOfService',
  InArrears: 'InArrears',
  EmptyNumber: 'EmptyNumber',
  PerDayCallCountLimit: 'PerDayCallCountLimit',
  ContactBlockList: 'ContactBlockList',
  CallerNotRegistered: 'CallFailed',
  Voicemail: 'Voicemail',
  VerificationCancelled: 'CallFailed',
};

/** The job failure reason for a call status. */
export function failureReasonOf(status: CallStatus): JobFailureReason {
  return FAILURE_REASON[status] ?? 'Unknown';
}

/**
 * Decides after an attempt. `tries` counts the attempts so far that count (this one excluded);
 * `systemAttempts` the system failures so far (this one excluded).
 */
export function decideAfterCall(input: {
  status: CallStatus;
  answered: boolean;
  systemFailure: boolean;
  tries: number;
  systemAttempts: number;
  policy: RetrySettings;
  /** Instance switch "do not redial empty numbers" (P7). */
  noRedialEmptyNumbers: boolean;
  /** The campaign was stopped: nothing is redialled. */
  stopped: boolean;
  now: number;
}): AfterCall {
  const { status, policy, now } = input;
  if (input.answered || status === 'Succeeded') return { kind: 'done', status: 'Succeeded' };
  if (status === 'Cancelled' || status === 'Terminated') {
    if (input.stopped) return { kind: 'done', status: 'Cancelled', failureReason: 'Stopped' };
    // Cancelled before dialling (paused campaign): back to the queue without using a try.
    return { kind: 'retry', at: now, countsAsTry: false };
  }
  if (input.stopped) return { kind: 'done', status: 'Cancelled', failureReason: 'Stopped' };
  if (status === 'ContactBlockList') return { kind: 'done', status: 'Failed', failureReason: 'ContactBlockList' };
  if (status === 'CallerNotRegistered') return { kind: 'done', status: 'Failed', failureReason: 'CallFailed' };
  if (input.systemFailure) {
    if (input.systemAttempts + 1 >= MAX_SYSTEM_RETRIES) return { kind: 'done', status: 'Failed', failureReason: 'CallFailed' };
    return { kind: 'retry', at: now + SYSTEM_RETRY_MS, countsAsTry: false };
  }
  const never = new Set(policy.neverRedial);
  if (input.noRedialEmptyNumbers) never.add('EmptyNumber');
  if (never.has(status)) return { kind: 'done', status: 'Failed', failureReason: failureReasonOf(status) };
  if (input.tries + 1 > policy.retries) return { kind: 'done', status: 'Failed', failureReason: failureReasonOf(status) };
  const seconds = policy.intervalByStatus[status] ?? policy.intervalSeconds;
  return { kind: 'retry', at: now + seconds * 1000, countsAsTry: true };
}
