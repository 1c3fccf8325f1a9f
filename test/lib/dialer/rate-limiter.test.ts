import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../lib/adapters/memory/store';
import { takeRate, tryTakeRate, RING_SECONDS } from '../../../lib/dialer/rate-limiter';
import { ManualClock } from '../../../lib/ports/clock';

describe('rate limiter', () => {
  it('allows at most callsPerSecond per second across dialers sharing the store', async () => {
    const store = new MemoryStore();
    const t = Date.UTC(2026, 0, 5, 9, 0, 0);
    const results = await Promise.all(Array.from({ length: 10 }, () => tryTakeRate(store, 3, t + 100)));
    expect(results.filter(Boolean)).toHaveLength(3);
    expect(await tryTakeRate(store, 3, t + 1000)).toBe(true);
  });

  it('reuses ring slots from an earlier lap instead of accumulating items', async () => {
    const store = new MemoryStore();
    const t = Date.UTC(2026, 0, 5, 9, 0, 0);
    for (let s = 0; s < RING_SECONDS * 3; s++) expect(await tryTakeRate(store, 1, t + s * 1000)).toBe(true);
    expect(store.size()).toBe(RING_SECONDS);
  });

  it('waits on the clock for the next second when the current one is full', async () => {
    const store = new MemoryStore();
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
    expect(await takeRate(store, clock, 1)).toBe(true);
    let taken = false;
    const waiting = takeRate(store, clock, 1).then((r) => (taken = r));
    await new Promise((r) => setTimeout(r, 5));
    expect(taken).toBe(false);
    clock.advance(1100);
    await waiting;
    expect(taken).toBe(true);
  });
});
