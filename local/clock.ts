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
