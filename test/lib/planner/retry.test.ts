import { describe, expect, it } from 'vitest';
import { decideAfterCall, MAX_SYSTEM_RETRIES } from '../../../lib/planner/retry';

const policy = { retries: 2, intervalSeconds: 600, intervalByStatus: { Busy: 120 }, neverRedial: ['NotExist', 'OutOfService', 'InArrears'] as const };
const base = { answered: false, systemFailure: false, tries: 0, systemAttempts: 0, policy: { ...policy, neverRedial: [...policy.neverRedial] }, noRedialEmptyNumbers: true, stopped: false, now: 1_000_000 };

describe('decideAfterCall', () => {
  it('succeeds an answered job', () => {
    expect(decideAfterCall({ ...base, status: 'Succeeded', answered: true })).toEqual({ kind: 'done', status: 'Succeeded' });
  });
  it('retries an unanswered call after the per-status interval until the retries are used', () => {
    expect(decideAfterCall({ ...base, status: 'Busy' })).toEqual({ kind: 'retry', at: 1_000_000 + 120_000, countsAsTry: true });
    expect(decideAfterCall({ ...base, status: 'NoAnswer', tries: 1 })).toEqual({ kind: 'retry', at: 1_000_000 + 600_000, countsAsTry: true });
    expect(decideAfterCall({ ...base, status: 'NoAnswer', tries: 2 })).toEqual({ kind: 'done', status: 'Failed', failureReason: 'NoAnswer' });
  });
  it('never redials statuses of the policy, nor empty numbers when the switch is on', () => {
    expect(decideAfterCall({ ...base, status: 'OutOfService' })).toEqual({ kind: 'done', status: 'Failed', failureReason: 'OutOfService' });
    expect(decideAfterCall({ ...base, status: 'EmptyNumber' })).toEqual({ kind: 'done', status: 'Failed', failureReason: 'EmptyNumber' });
    expect(decideAfterCall({ ...base, status: 'EmptyNumber', noRedialEmptyNumbers: false }).kind).toBe('retry');
  });
  it('retries system failures without using a try, up to a limit', () => {
    expect(decideAfterCall({ ...base, status: 'Failed', systemFailure: true })).toMatchObject({ kind: 'retry', countsAsTry: false });
    expect(decideAfterCall({ ...base, status: 'Failed', systemFailure: true, systemAttempts: MAX_SYSTEM_RETRIES - 1 })).toMatchObject({ kind: 'done', status: 'Failed' });
  });
  it('cancels instead of redialling when the campaign was stopped, and requeues a call cancelled by a pause', () => {
    expect(decideAfterCall({ ...base, status: 'NoAnswer', stopped: true })).toEqual({ kind: 'done', status: 'Cancelled', failureReason: 'Stopped' });
    expect(decideAfterCall({ ...base, status: 'Cancelled' })).toEqual({ kind: 'retry', at: 1_000_000, countsAsTry: false });
  });
});
