import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { Clock } from '../lib/ports/clock';

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

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

const earlier = (a: Timer, b: Timer) => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/**
 * A discrete-event clock: time stands still while the platform works and jumps to the next timer when
 * the driver says the platform is idle (`advance`). A simulated day then costs only the CPU of the work
 * done in it, and a measured makespan depends on the planner and dialer, not on this machine's speed.
 * Timers due at the same instant fire in the order they were set.
 */
export class VirtualClock implements Clock {
  private current: number;
  private readonly heap: Timer[] = [];
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
    return new Promise((resolve) => this.push({ at: this.current + Math.max(0, Math.floor(ms)), seq: this.seq++, resolve }));
  }

  /** Timers waiting. */
  get pending(): number {
    return this.heap.length;
  }

  /** When the next timer fires, if any. */
  nextAt(): number | undefined {
    return this.heap[0]?.at;
  }

  /**
   * Moves time to the next timer (never backwards) and fires every timer due then; false when no timer
   * is left. `limit` caps the jump: time moves to `limit` instead when the next timer is later.
   */
  advance(limit = Number.POSITIVE_INFINITY): boolean {
    const top = this.heap[0];
    if (!top) return false;
    if (top.at > limit) {
      this.current = Math.max(this.current, limit);
      return true;
    }
    this.current = Math.max(this.current, top.at);
    while (this.heap.length > 0 && this.heap[0]!.at <= this.current) this.pop()!.resolve();
    return true;
  }

  private push(t: Timer): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!earlier(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): Timer | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && earlier(h[l]!, h[m]!)) m = l;
        if (r < h.length && earlier(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
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
