/** Source of the current time; injected everywhere so tests and the local fast clock can steer it. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Resolves after `ms` of this clock's time (a fast clock sleeps less wall time). */
  sleep(ms: number): Promise<void>;
}

/** The wall clock used when deployed. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/** A clock that only moves when told to; for tests. */
export class ManualClock implements Clock {
  private waiters: { at: number; resolve: () => void }[] = [];
  constructor(private current = Date.UTC(2026, 0, 5, 9, 0, 0)) {}
  now(): number {
    return this.current;
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push({ at: this.current + Math.max(0, ms), resolve });
      this.release();
    });
  }
  /** Moves time forward and wakes every sleeper that is due. */
  advance(ms: number): void {
    this.current += ms;
    this.release();
  }
  /** Sets the absolute time (never backwards). */
  set(ms: number): void {
    this.current = Math.max(this.current, ms);
    this.release();
  }
  private release(): void {
    const due = this.waiters.filter((w) => w.at <= this.current);
    this.waiters = this.waiters.filter((w) => w.at > this.current);
    for (const w of due) w.resolve();
  }
}

/** ISO 8601 UTC timestamp for a clock reading. */
export const isoAt = (ms: number): string => new Date(ms).toISOString();
