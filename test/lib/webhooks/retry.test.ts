import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_SCHEDULE, MAX_QUEUE_DELAY_SECONDS, nextStep, queueDelaySeconds, retryDelay } from '../../../lib/webhooks/retry';

const H = 3_600_000;

/** Runs a delivery that always fails, from the first attempt to the dead letter. */
function failForever(random: () => number): { attemptsAt: number[]; deadAt: number } {
  const first = 0;
  let now = first;
  const attemptsAt = [now];
  let attempt = 1;
  for (;;) {
    const step = nextStep({ attempt, firstAttemptAt: first }, false, now, DEFAULT_RETRY_SCHEDULE, random);
    if (step.kind === 'deadLetter') return { attemptsAt, deadAt: now };
    if (step.kind !== 'retry') throw new Error('unexpected');
    expect(step.attempt).toBe(attempt + 1);
    now = step.notBefore;
    attemptsAt.push(now);
    attempt = step.attempt;
  }
}

describe('webhook retry schedule', () => {
  it('is delivered when the attempt succeeded', () => {
    expect(nextStep({ attempt: 3, firstAttemptAt: 0 }, true, 5_000)).toEqual({ kind: 'delivered' });
  });

  it('retries with exponential backoff for 24 hours, the last attempt at the 24 h mark, then dead-letters', () => {
    const { attemptsAt, deadAt } = failForever(() => 0.5);
    expect(attemptsAt.slice(0, 5)).toEqual([0, 7_500, 22_500, 52_500, 112_500]);
    expect(attemptsAt.at(-1)).toBe(24 * H);
    expect(deadAt).toBe(24 * H);
    expect(attemptsAt.length).toBeGreaterThanOrEqual(12);
    expect(attemptsAt.length).toBeLessThanOrEqual(20);
  });

  it('never waits longer than the cap nor past the 24 h window (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 0.9999, noNaN: true }), { minLength: 1, maxLength: 50 }), (randoms) => {
        let i = 0;
        const { attemptsAt } = failForever(() => randoms[i++ % randoms.length]!);
        for (let k = 1; k < attemptsAt.length; k++) {
          const gap = attemptsAt[k]! - attemptsAt[k - 1]!;
          expect(gap).toBeLessThanOrEqual(DEFAULT_RETRY_SCHEDULE.capMs);
          expect(gap).toBeGreaterThanOrEqual(0);
        }
        expect(attemptsAt.at(-1)).toBeLessThanOrEqual(24 * H);
      }),
      { numRuns: 100 },
    );
  });

  it('jitters each delay between half and all of the exponential step', () => {
    expect(retryDelay(1, DEFAULT_RETRY_SCHEDULE, () => 0)).toBe(5_000);
    expect(retryDelay(1, DEFAULT_RETRY_SCHEDULE, () => 0.999999)).toBe(9_999);
    expect(retryDelay(30, DEFAULT_RETRY_SCHEDULE, () => 0)).toBe(3 * H);
  });

  it('asks SQS for at most 15 minutes of delay, so longer waits hop', () => {
    expect(queueDelaySeconds(10_500, 0)).toBe(11);
    expect(queueDelaySeconds(5 * H, 0)).toBe(MAX_QUEUE_DELAY_SECONDS);
    expect(queueDelaySeconds(0, 1000)).toBe(0);
  });
});
