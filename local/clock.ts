import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { Clock } from '../lib/ports/clock';
import { TimeHeap } from './heap';

/** Options of a fast clock. */
export interface FastClockOptions {
  /** How many clock milliseconds pass per wall millisecond (1 = real time). */
  speed: number;
  /** Clock reading at creation; defaults to the wall time. */
  start?: number;
}

/**
 * A clock running `speed` times faster than the wall clock, so a local campaign that spans
 * hours of calling windows can be watched in minutes while every component reads the same time.
 */
export class FastClock implements Clock {
  readonly speed: number;
  private readonly start: number;
  private readonly wallStart: number;

  constructor(options: FastClockOptions) {
    if (!Number.isFinite(options.speed) || options.speed <= 0) {
      throw new RangeError(`FastClock speed must be a positive number, got ${options.speed}`);
    }
    this.speed = options.speed;
    this.wallStart = performance.now();
    this.start = options.start ?? Date.now();
  }

  /** Milliseconds since the Unix epoch on this clock. */
  now(): number {
    // performance.now() is monotonic, so the fast clock never jumps back when the wall clock is adjusted.
    return Math.floor(this.start + (performance.now() - this.wallStart) * this.speed);
  }

  /** Resolves after `ms` of clock time, i.e. `ms / speed` of wall time. */
  sleep(ms: number): Promise<void> {
    const wall = Math.max(0, ms) / this.speed;
    return new Promise((resolve) => setTimeout(resolve, wall));
  }
}

/**
 * A Lambda invocation context for handlers run in-process; the remaining time is measured on
 * the injected clock so timeouts scale with a fast clock the same way sleeps do.
 */
export function lambdaContext(functionName: string, clock: Clock, timeoutMs = 30_000): Context {
  const deadline = clock.now() + timeoutMs;
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${requestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - clock.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/**
 * A clock that moves only when driven (tests of the local platform): sleepers wait until {@link driveClock}
 * moves time to them, so a campaign that spans minutes or hours of calls runs in however long its work takes,
 * whatever the machine's load, with no wall-clock waits to race.
 */
export class SteppedClock implements Clock {
  private current: number;
  private sleepers: { at: number; resolve: () => void }[] = [];

  constructor(start = Date.UTC(2026, 0, 5, 9, 0, 0)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  /** Resolves when the clock has been driven `ms` ahead (at once for `ms <= 0`). */
  sleep(ms: number): Promise<void> {
    if (!(ms > 0)) return Promise.resolve();
    return new Promise((resolve) => this.sleepers.push({ at: this.current + ms, resolve }));
  }

  /** When the earliest sleeper wakes; undefined when nobody sleeps. */
  nextWake(): number | undefined {
    let next: number | undefined;
    for (const s of this.sleepers) if (next === undefined || s.at < next) next = s.at;
    return next;
  }

  /** Moves time forward by `ms` and wakes every sleeper due. */
  advance(ms: number): void {
    this.current += Math.max(0, ms);
    const due = this.sleepers.filter((s) => s.at <= this.current);
    this.sleepers = this.sleepers.filter((s) => s.at > this.current);
    for (const s of due) s.resolve();
  }

  /** Moves time to the earliest sleeper and wakes every sleeper due then; false when nobody sleeps. */
  advanceToNextWake(): boolean {
    const next = this.nextWake();
    if (next === undefined) return false;
    this.advance(next - this.current);
    return true;
  }
}

/** Options of {@link driveClock}. */
export interface DriveClockOptions {
  /** Whether work that is not waiting on the clock is still running (the local platform's store requests in flight). */
  busy: () => boolean;
  /** The condition to reach; checked whenever the work has settled, before time moves on. */
  done: () => boolean | Promise<boolean>;
  /** Clock time after which driving gives up (an error naming it, instead of a test's wall-clock timeout). */
  maxClockMs: number;
  /** Event-loop turns without work in flight that count as settled (default 3). */
  quietTurns?: number;
}

/**
 * Drives a {@link SteppedClock}: lets the running work settle (nothing busy for a few event-loop turns: all
 * that is left waits on the clock), checks `done`, and only then moves time to the next sleeper. Time never
 * moves while work is in flight, so outcomes depend on the clock and the scripts, not on the machine's speed.
 */
export async function driveClock(clock: SteppedClock, options: DriveClockOptions): Promise<void> {
  const start = clock.now();
  const quietTurns = options.quietTurns ?? 3;
  for (;;) {
    for (let quiet = 0; quiet < quietTurns; ) {
      if (options.busy()) {
        quiet = 0;
        // Work in flight: wait for it without spinning (the store may be served by this very process).
        await new Promise((resolve) => setTimeout(resolve, 1));
      } else {
        await new Promise((resolve) => setImmediate(resolve));
        if (!options.busy()) quiet++;
      }
    }
    if (await options.done()) return;
    if (clock.now() - start > options.maxClockMs) throw new Error(`driveClock: not done after ${options.maxClockMs} ms of clock time`);
    if (!clock.advanceToNextWake()) throw new Error('driveClock: not done and nothing left to wake');
  }
}

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

/**
 * A discrete-event clock: time stands still while the platform works and jumps to the next timer when
 * the driver says the platform is idle (`advance`). A simulated day then costs only the CPU of the work
 * done in it, and a measured makespan depends on the planner and dialer, not on this machine's speed.
 * Timers due at the same instant fire in the order they were set.
 */
export class VirtualClock implements Clock {
  private current: number;
  private readonly heap = new TimeHeap<Timer>();
  private seq = 0;
  /** Sleeps started so far (the driver watches it to tell whether anything is still happening). */
  sleeps = 0;

  constructor(start = Date.UTC(2026, 0, 5, 9, 0, 0)) {
    this.current = start;
  }

  /** Milliseconds since the Unix epoch on this clock. */
  now(): number {
    return this.current;
  }

  /** Resolves when the driver advances the clock to `now + ms` (a zero sleep waits for the next advance). */
  sleep(ms: number): Promise<void> {
    this.sleeps++;
    return new Promise((resolve) => this.heap.push({ at: this.current + Math.max(0, Math.floor(ms)), seq: this.seq++, resolve }));
  }

  /** Timers waiting. */
  get pending(): number {
    return this.heap.size;
  }

  /** When the next timer fires, if any. */
  nextAt(): number | undefined {
    return this.heap.peek()?.at;
  }

  /**
   * Moves time to the next timer (never backwards) and fires every timer due then; false when no timer
   * is left. `limit` caps the jump: time moves to `limit` instead when the next timer is later.
   */
  advance(limit = Number.POSITIVE_INFINITY): boolean {
    const top = this.heap.peek();
    if (!top) return false;
    if (top.at > limit) {
      this.current = Math.max(this.current, limit);
      return true;
    }
    this.current = Math.max(this.current, top.at);
    while ((this.heap.peek()?.at ?? Number.POSITIVE_INFINITY) <= this.current) this.heap.pop()!.resolve();
    return true;
  }
}

/**
 * Lets every promise chain that can run now run: macrotask rounds until `activity()` (a counter of
 * sleeps, store operations, messages...) stops moving. Only in-memory work is expected; real I/O would
 * make "idle" a guess, which is why the simulation runs with in-memory adapters only.
 */
export async function settle(activity: () => number, rounds = 2): Promise<void> {
  let quiet = 0;
  let last = activity();
  while (quiet < rounds) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const now = activity();
    if (now === last) quiet++;
    else {
      quiet = 0;
      last = now;
    }
  }
}
