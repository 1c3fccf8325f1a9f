/**
 * The retry schedule of a webhook delivery, pure: given an attempt's outcome and the time, what comes
 * next (delivered, retry at a time, or dead-letter). Exponential backoff with jitter for 24 h from the
 * run's first attempt; the last retry is pulled in so it lands inside the window.
 */

/** How deliveries are retried. */
export interface RetrySchedule {
  /** Delay before the first retry (ms). */
  baseMs: number;
  /** Largest delay between two attempts (ms). */
  capMs: number;
  /** How long after the first attempt retries stop and the delivery is dead-lettered (ms). */
  windowMs: number;
}

/** Default: 10 s doubling up to 6 h between attempts, for 24 h (about 15 attempts). */
export const DEFAULT_RETRY_SCHEDULE: RetrySchedule = { baseMs: 10_000, capMs: 6 * 3_600_000, windowMs: 24 * 3_600_000 };

/** SQS's largest per-message delay: longer waits hop through the queue several times. */
export const MAX_QUEUE_DELAY_SECONDS = 900;

/** What to do after an attempt. */
export type NextStep = { kind: 'delivered' } | { kind: 'retry'; attempt: number; notBefore: number } | { kind: 'deadLetter'; reason: string };

/**
 * Delay after failed attempt `attempt` (1-based): "equal jitter", half the exponential delay plus a
 * random part of the other half, so retries of many deliveries spread out but still grow.
 */
export function retryDelay(attempt: number, schedule: RetrySchedule, random: () => number): number {
  const exp = Math.min(schedule.capMs, schedule.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(exp / 2 + random() * (exp / 2));
}

/** The step after attempt `attempt` of a run that started at `firstAttemptAt`, which succeeded or not, at `now`. */
export function nextStep(
  task: { attempt: number; firstAttemptAt: number },
  delivered: boolean,
  now: number,
  schedule: RetrySchedule = DEFAULT_RETRY_SCHEDULE,
  random: () => number = Math.random,
): NextStep {
  if (delivered) return { kind: 'delivered' };
  const deadline = task.firstAttemptAt + schedule.windowMs;
  if (now >= deadline) return { kind: 'deadLetter', reason: `no success within ${Math.round(schedule.windowMs / 3_600_000)} h (${task.attempt} attempts)` };
  const notBefore = Math.min(deadline, now + retryDelay(task.attempt, schedule, random));
  return { kind: 'retry', attempt: task.attempt + 1, notBefore };
}

/** The SQS delay of a message that must not be handled before `notBefore` (0–900 s; a longer wait hops). */
export function queueDelaySeconds(notBefore: number, now: number): number {
  return Math.max(0, Math.min(MAX_QUEUE_DELAY_SECONDS, Math.ceil((notBefore - now) / 1000)));
}
