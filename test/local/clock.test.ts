import { describe, it, expect } from 'vitest';
import { ManualClock } from '../../lib/ports/clock';
import { FastClock, lambdaContext } from '../../local/clock';

describe('FastClock', () => {
  it('starts at the given time and moves at least speed times faster than the wall clock', async () => {
    const clock = new FastClock({ speed: 1000, start: 1_000_000 });
    expect(clock.now()).toBeGreaterThanOrEqual(1_000_000);
    const before = clock.now();
    const wallBefore = performance.now();
    await clock.sleep(5_000);
    const wall = performance.now() - wallBefore;
    expect(clock.now() - before).toBeGreaterThanOrEqual(4_000);
    // 5 s of clock time is 5 ms of wall time at speed 1000; a generous bound keeps this from being a timing test.
    expect(wall).toBeLessThan(1_000);
  });

  it('treats a negative sleep as no sleep and rejects a speed that is not positive', async () => {
    const clock = new FastClock({ speed: 10 });
    await clock.sleep(-5);
    expect(() => new FastClock({ speed: 0 })).toThrow(RangeError);
  });
});

describe('lambdaContext', () => {
  it('reports the remaining time on the injected clock', () => {
    const clock = new ManualClock();
    const context = lambdaContext('dialer', clock, 10_000);
    expect(context.functionName).toBe('dialer');
    clock.advance(4_000);
    expect(context.getRemainingTimeInMillis()).toBe(6_000);
    clock.advance(10_000);
    expect(context.getRemainingTimeInMillis()).toBe(0);
  });
});
