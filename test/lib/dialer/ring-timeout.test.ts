import { describe, expect, it } from 'vitest';
import { handleRingTimeout, ringTimeoutMessage } from '../../../lib/dialer/ring-timeout';
import type { RingTimeout } from '../../../lib/domain/dialing';
import { putCallRecord } from '../../../lib/telephony/call-records';
import { testDeps } from '../../support/deps';

const check: RingTimeout = {
  type: 'ringTimeout',
  instanceId: 'in_a',
  campaignId: 'cmp_1',
  jobId: 'job_1',
  attempt: 1,
  callId: 'call_1',
  transactionId: 'tx-1',
};

function setup() {
  const t = testDeps();
  const updates: { transactionId: string; arguments: Record<string, string> }[] = [];
  t.deps.telephony.updateCall = async (request) => {
    updates.push(request);
    return { ok: true };
  };
  return { ...t, updates };
}

async function record(deps: ReturnType<typeof setup>['deps'], extra: Record<string, unknown>) {
  await putCallRecord(deps.store, {
    callId: 'call_1',
    instanceId: 'in_a',
    campaignId: 'cmp_1',
    jobId: 'job_1',
    attempt: 1,
    dialledAt: '2026-01-05T09:00:00.000Z',
    ringSeconds: 0,
    talkSeconds: 0,
    turns: 0,
    answered: false,
    completed: false,
    transferred: false,
    tags: {},
    noMatchHangup: false,
    status: 'Executing',
    ...extra,
  } as never);
}

describe('ringTimeoutMessage', () => {
  it('delays the check by the maximum ring time, capped at SQS’s 15 minutes', () => {
    const { type: _t, ...ids } = check;
    expect(ringTimeoutMessage(ids, 45)).toEqual({ body: JSON.stringify(check), delaySeconds: 45 });
    expect(ringTimeoutMessage(ids, 5000).delaySeconds).toBe(900);
  });
});

describe('handleRingTimeout', () => {
  it('hangs up a call still ringing when the maximum ring time is over', async () => {
    const { deps, updates } = setup();
    await record(deps, { rungAt: '2026-01-05T09:00:02.000Z' });
    expect(await handleRingTimeout(deps, check)).toBe('hungUp');
    expect(updates).toEqual([{ transactionId: 'tx-1', arguments: { action: 'hangup', reason: 'maxRing' } }]);
  });

  it('hangs up when Chime has not reported the call yet (no record)', async () => {
    const { deps, updates } = setup();
    expect(await handleRingTimeout(deps, check)).toBe('hungUp');
    expect(updates).toHaveLength(1);
  });

  it('leaves an answered call alone', async () => {
    const { deps, updates } = setup();
    await record(deps, { answered: true, answeredAt: '2026-01-05T09:00:10.000Z' });
    expect(await handleRingTimeout(deps, check)).toBe('answered');
    expect(updates).toEqual([]);
  });

  it('does nothing for a call that already ended, so a redelivered check is harmless', async () => {
    const { deps, updates } = setup();
    await record(deps, { endedAt: '2026-01-05T09:00:20.000Z', status: 'Busy' });
    expect(await handleRingTimeout(deps, check)).toBe('ended');
    expect(updates).toEqual([]);
  });

  it('reports a call gone when the telephony no longer knows it', async () => {
    const { deps } = setup();
    deps.telephony.updateCall = async () => ({ ok: false, message: 'NotFound' });
    expect(await handleRingTimeout(deps, check)).toBe('gone');
  });
});
