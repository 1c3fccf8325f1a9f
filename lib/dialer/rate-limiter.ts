import type { Clock } from '../ports/clock';
import type { Store } from '../ports/store';

/**
 * A call-rate limiter shared by every dialer instance (SPEC P4), on the store: one item per
 * second-slot in a ring of RING_SECONDS items, counted with conditional writes. A stale slot (from
 * an earlier lap of the ring) is reset by a conditional put, so the items never accumulate and no TTL
 * is needed. The quota is per AWS account, hence a key outside any instance.
 */

/** Slots in the ring (one per second). */
export const RING_SECONDS = 60;

/** Key of the rate slot of a second. */
export function rateSlotKey(second: number): { pk: string; sk: string } {
  return { pk: 'RATE#dial', sk: `S#${String(second % RING_SECONDS).padStart(2, '0')}` };
}

/** Tries to take one call in the current second; true when taken. */
export async function tryTakeRate(store: Store, callsPerSecond: number, now: number): Promise<boolean> {
  const second = Math.floor(now / 1000);
  const key = rateSlotKey(second);
  const increment = async () =>
    (await store.update(key, { add: { count: 1 } }, { and: [{ eq: ['second', second] }, { lt: ['count', callsPerSecond] }] })).ok;
  if (await increment()) return true;
  const reset = await store.put({ ...key, type: 'rate', second, count: 1 }, { or: [{ notExists: 'second' }, { lt: ['second', second] }] });
  if (reset.ok) return true;
  // Another dialer reset the slot for this second between our two writes: count in it.
  return increment();
}

/** Waits (on the injected clock) until a call may be placed; false when `maxWaitMs` passed first. */
export async function takeRate(store: Store, clock: Clock, callsPerSecond: number, maxWaitMs = 30_000): Promise<boolean> {
  const deadline = clock.now() + maxWaitMs;
  for (;;) {
    const now = clock.now();
    if (await tryTakeRate(store, Math.max(1, Math.floor(callsPerSecond)), now)) return true;
    const nextSecond = (Math.floor(now / 1000) + 1) * 1000;
    if (nextSecond > deadline) return false;
    // A little jitter so dialers woken together do not all race for the same slot.
    await clock.sleep(nextSecond - now + Math.floor(Math.random() * 20));
  }
}
