import type { Deps } from '../core/deps';
import type { RingTimeout } from '../domain/dialing';
import { getCallRecordOfJob } from '../telephony/call-records';

/** What a ring-timeout check did. */
export type RingTimeoutResult = 'hungUp' | 'answered' | 'ended' | 'gone';

/** SQS allows at most 15 minutes of delay; ring times are far shorter (10–120 s). */
const MAX_DELAY_SECONDS = 900;

/** The ring-timeout message for a placed call and its delay in seconds. */
export function ringTimeoutMessage(check: Omit<RingTimeout, 'type'>, maxRingSeconds: number): { body: string; delaySeconds: number } {
  const message: RingTimeout = { type: 'ringTimeout', ...check };
  return { body: JSON.stringify(message), delaySeconds: Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil(maxRingSeconds))) };
}

/**
 * Hangs up a call that is still ringing when its maximum ring time is over (P5). The SMA handler
 * turns the update into a Hangup and records NoAnswer. Answered or ended calls are left alone,
 * so a redelivered message is harmless.
 */
export async function handleRingTimeout(deps: Deps, check: RingTimeout): Promise<RingTimeoutResult> {
  const record = await getCallRecordOfJob(deps.store, check.instanceId, check.jobId, check.callId);
  if (record?.endedAt) return 'ended';
  if (record?.answered || record?.answeredAt) return 'answered';
  const updated = await deps.telephony.updateCall({
    transactionId: check.transactionId,
    arguments: { action: 'hangup', reason: 'maxRing' },
  });
  // Chime answers NotFound for a call that already ended between the read and the update.
  return updated.ok ? 'hungUp' : 'gone';
}
