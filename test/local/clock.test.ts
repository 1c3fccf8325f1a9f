import { describe, it, expect } from 'vitest';
import { ManualClock } from '../../lib/ports/clock';
import { driveClock, FastClock, lambdaContext, settle, SteppedClock, VirtualClock } from '../../local/clock';

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

describe('SteppedClock', () => {
  it('stands still until driven, then wakes sleepers in time order', async () => {
    const clock = new SteppedClock(1_000);
    const woke: string[] = [];
    void clock.sleep(500).then(() => woke.push(`b@${clock.now()}`));
    void clock.sleep(200).then(() => woke.push(`a@${clock.now()}`));
    await Promise.resolve();
    expect(clock.now()).toBe(1_000);
    expect(clock.nextWake()).toBe(1_200);
    expect(clock.advanceToNextWake()).toBe(true);
    await Promise.resolve();
    expect(woke).toEqual(['a@1200']);
    clock.advance(1_000);
    await Promise.resolve();
    expect(woke).toEqual(['a@1200', 'b@2200']);
    expect(clock.advanceToNextWake()).toBe(false);
  });

  it('resolves a sleep of zero or less at once', async () => {
    const clock = new SteppedClock();
    await clock.sleep(0);
    await clock.sleep(-1);
    expect(clock.nextWake()).toBeUndefined();
  });
});

describe('driveClock', () => {
  it('moves time only once the work in flight has settled, and stops when done', async () => {
    const clock = new SteppedClock(0);
    let inFlight = 0;
    const seen: number[] = [];
    // A worker that does "I/O" (not on the clock) then sleeps 60 s of clock time, five times.
    void (async () => {
      for (let i = 0; i < 5; i++) {
        inFlight++;
        await new Promise((resolve) => setTimeout(resolve, 5));
        seen.push(clock.now());
        inFlight--;
        await clock.sleep(60_000);
      }
    })();
    await driveClock(clock, { busy: () => inFlight > 0, done: () => seen.length === 5, maxClockMs: 3_600_000 });
    // Each round of work saw the clock where its sleep ended: time never moved while it was running.
    expect(seen).toEqual([0, 60_000, 120_000, 180_000, 240_000]);
    expect(clock.now()).toBe(240_000);
  });

  it('says so when nothing is left to wake, and when the clock budget is spent', async () => {
    await expect(driveClock(new SteppedClock(0), { busy: () => false, done: () => false, maxClockMs: 1_000 })).rejects.toThrow('nothing left to wake');
    const clock = new SteppedClock(0);
    const forever = async () => {
      for (;;) await clock.sleep(60_000);
    };
    void forever();
    await expect(driveClock(clock, { busy: () => false, done: () => false, maxClockMs: 300_000 })).rejects.toThrow('not done after 300000 ms of clock time');
  });
});

describe('VirtualClock', () => {
  it('stands still until advanced, then jumps to the next timer and fires timers due together in the order they were set', async () => {
    const clock = new VirtualClock(1_000);
    const fired: string[] = [];
    void clock.sleep(500).then(() => fired.push(`a@${clock.now()}`));
    void clock.sleep(200).then(() => fired.push(`b@${clock.now()}`));
    void clock.sleep(500).then(() => fired.push(`c@${clock.now()}`));
    await settle(() => clock.sleeps);
    expect(clock.now()).toBe(1_000);
    expect(clock.nextAt()).toBe(1_200);
    expect(clock.advance()).toBe(true);
    await settle(() => clock.sleeps);
    expect(fired).toEqual(['b@1200']);
    clock.advance();
    await settle(() => clock.sleeps);
    expect(fired).toEqual(['b@1200', 'a@1500', 'c@1500']);
    expect(clock.advance()).toBe(false);
  });

  it('moves only up to a limit when the next timer is later, and never backwards', async () => {
    const clock = new VirtualClock(0);
    void clock.sleep(10_000);
    clock.advance(4_000);
    expect(clock.now()).toBe(4_000);
    expect(clock.pending).toBe(1);
    void clock.sleep(-5);
    clock.advance();
    expect(clock.now()).toBe(4_000);
    expect(clock.pending).toBe(1);
  });

  it('lets a chain of sleeps run to its end, one jump per sleep', async () => {
    const clock = new VirtualClock(0);
    let done = false;
    void (async () => {
      for (let i = 0; i < 5; i++) await clock.sleep(1_000);
      done = true;
    })();
    let jumps = 0;
    for (;;) {
      await settle(() => clock.sleeps);
      if (!clock.advance()) break;
      jumps++;
    }
    expect(done).toBe(true);
    expect(jumps).toBe(5);
    expect(clock.now()).toBe(5_000);
  });
});
