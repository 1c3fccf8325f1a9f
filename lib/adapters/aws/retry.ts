/**
 * Backoff shared by the AWS adapters for the retries the SDK does not do itself:
 * the partial failures of batch calls (UnprocessedItems, Failed entries) and the
 * throttling of call placement. The sleep is injected so tests never wait.
 */

/** Waits `ms` milliseconds; injected so tests (and the local fast clock) do not wait for real. */
export type Sleep = (ms: number) => Promise<void>;

/** The real sleep used when nothing is injected. */
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** How an adapter retries. */
export interface RetryPolicy {
  /** Total attempts, the first one included. */
  maxAttempts: number;
  /** Delay ceiling of the first retry, in ms. */
  baseMs: number;
  /** Largest delay, in ms. */
  capMs: number;
  /** Source of jitter in [0, 1). */
  random: () => number;
  sleep: Sleep;
}

/** Defaults: 6 attempts, full jitter between 0 and 50·2^n ms, at most 2 s per wait (about 3 s worst case in total). */
export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 6,
  baseMs: 50,
  capMs: 2_000,
  random: Math.random,
  sleep: realSleep,
};

/** Builds a policy from adapter options, falling back to the defaults. */
export function retryPolicy(options: { sleep?: Sleep; maxAttempts?: number; random?: () => number } = {}): RetryPolicy {
  return {
    ...DEFAULT_RETRY,
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.maxAttempts !== undefined ? { maxAttempts: Math.max(1, Math.floor(options.maxAttempts)) } : {}),
    ...(options.random ? { random: options.random } : {}),
  };
}

/**
 * Delay before retry number `retry` (0 for the first retry): "full jitter", a random wait below
 * an exponentially growing ceiling, so many clients backing off together spread out.
 */
export function backoffDelay(retry: number, policy: Pick<RetryPolicy, 'baseMs' | 'capMs' | 'random'>): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, retry));
  return Math.floor(policy.random() * ceiling);
}

/**
 * Runs `attempt` on the pending work until nothing is left or the attempts run out, sleeping
 * with backoff between attempts. `attempt` returns what is still pending (an empty array when done).
 * Returns what was still pending after the last attempt.
 */
export async function retryPending<T>(initial: T[], attempt: (pending: T[]) => Promise<T[]>, policy: RetryPolicy): Promise<T[]> {
  let pending = initial;
  for (let n = 0; n < policy.maxAttempts && pending.length > 0; n++) {
    if (n > 0) await policy.sleep(backoffDelay(n - 1, policy));
    pending = await attempt(pending);
  }
  return pending;
}

/**
 * Calls `fn`, retrying with backoff while it throws an error `isRetryable` accepts.
 * The last error is rethrown when the attempts run out or the error is not retryable.
 */
export async function retryOnError<T>(fn: () => Promise<T>, isRetryable: (error: unknown) => boolean, policy: RetryPolicy): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await fn();
    } catch (error) {
      if (n + 1 >= policy.maxAttempts || !isRetryable(error)) throw error;
      await policy.sleep(backoffDelay(n, policy));
    }
  }
}

/** Name of an SDK error (the exception class name, e.g. `ThrottlingException`), or '' for anything else. */
export function errorName(error: unknown): string {
  if (error && typeof error === 'object') {
    const e = error as { name?: unknown; Code?: unknown; code?: unknown };
    if (typeof e.name === 'string' && e.name !== 'Error') return e.name;
    if (typeof e.Code === 'string') return e.Code;
    if (typeof e.code === 'string') return e.code;
    if (typeof e.name === 'string') return e.name;
  }
  return '';
}

/** HTTP status of an SDK error, when known. */
export function httpStatus(error: unknown): number | undefined {
  const meta = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata;
  return typeof meta?.httpStatusCode === 'number' ? meta.httpStatusCode : undefined;
}

const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'InternalServerError',
  'InternalFailure',
  'InternalError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
]);

/** True for errors worth retrying: throttling, 5xx and connection failures. */
export function isTransient(error: unknown): boolean {
  if (TRANSIENT_NAMES.has(errorName(error))) return true;
  const status = httpStatus(error);
  return status === 429 || (status !== undefined && status >= 500);
}

/** Short human-readable description of an error for results and AdapterError messages. */
export function describeError(error: unknown): string {
  const name = errorName(error);
  const message = error instanceof Error ? error.message : String(error);
  return name && !message.startsWith(name) ? `${name}: ${message}` : message;
}

/** Splits a list into chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Splits a list into chunks of at most `maxCount` entries and `maxBytes` total size
 * (an entry larger than `maxBytes` goes alone, for the service to judge).
 */
export function chunkBySize<T>(items: readonly T[], maxCount: number, maxBytes: number, sizeOf: (item: T) => number): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && (current.length >= maxCount || bytes + size > maxBytes)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}
