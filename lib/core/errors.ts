/**
 * Errors. Each module has one error family extending ReachoutError with a stable `code`;
 * the HTTP edge maps `status` to the response. Expected outcomes (no answer, no match,
 * a lost race) are values, never errors.
 */

/** A problem with one field of the input. */
export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `contacts.3.phone`. */
  path: string;
  message: string;
}

/** Base of every error family. */
export class ReachoutError extends Error {
  override readonly name: string = 'ReachoutError';
  constructor(
    /** Stable machine-readable code, e.g. `NotFound`. */
    readonly code: string,
    message: string,
    /** HTTP status the edge answers with. */
    readonly status: number,
    /** Extra context for logs and the response (never secrets or full phone numbers). */
    readonly context: Record<string, unknown> = {},
    /** Per-field problems, for validation errors. */
    readonly details: FieldIssue[] = [],
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.headers = options?.headers ?? {};
  }
  /** Extra response headers the edge sends with this error (e.g. `retry-after`, `allow`). */
  readonly headers: Record<string, string>;
}

/** The input is invalid; `details` names each offending field. */
export class ValidationError extends ReachoutError {
  override readonly name = 'ValidationError';
  constructor(message: string, details: FieldIssue[] = [], context: Record<string, unknown> = {}) {
    super('ValidationError', message, 400, context, details);
  }
}

/** The thing does not exist, or belongs to another instance (SPEC I2: 404, not 403). */
export class NotFoundError extends ReachoutError {
  override readonly name = 'NotFoundError';
  constructor(what: string, id: string) {
    super('NotFound', `${what} ${id} was not found`, 404, { what, id });
  }
}

/** The request conflicts with the current state (e.g. resume a stopped campaign). */
export class ConflictError extends ReachoutError {
  override readonly name = 'ConflictError';
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('Conflict', message, 409, context);
  }
}

/** No or bad credentials. */
export class UnauthorizedError extends ReachoutError {
  override readonly name = 'UnauthorizedError';
  constructor(message = 'missing or invalid credentials') {
    super('Unauthorized', message, 401);
  }
}

/** The caller is authenticated but may not do this (e.g. only administrators may create instances). */
export class ForbiddenError extends ReachoutError {
  override readonly name = 'ForbiddenError';
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('Forbidden', message, 403, context);
  }
}

/** No route has this path. */
export class RouteNotFoundError extends ReachoutError {
  override readonly name = 'RouteNotFoundError';
  constructor(method: string, path: string) {
    super('NotFound', `no route for ${method} ${path.length > 200 ? `${path.slice(0, 200)}…` : path}`, 404, { method });
  }
}

/** The path exists but not with this method; `allow` lists the methods it has. */
export class MethodNotAllowedError extends ReachoutError {
  override readonly name = 'MethodNotAllowedError';
  constructor(method: string, path: string, allowed: readonly string[]) {
    super('MethodNotAllowed', `${method} is not allowed on ${path}; use ${allowed.join(', ')}`, 405, { method, allowed }, [], {
      headers: { allow: allowed.join(', ') },
    });
  }
}

/** The request body is larger than the route accepts. */
export class PayloadTooLargeError extends ReachoutError {
  override readonly name = 'PayloadTooLargeError';
  constructor(bytes: number, limit: number, hint = '') {
    super('PayloadTooLarge', `the body is ${bytes} bytes; this route accepts at most ${limit} bytes${hint ? `; ${hint}` : ''}`, 413, { bytes, limit }, [
      { path: '(body)', message: `at most ${limit} bytes` },
    ]);
  }
}

/** The body's content type is not one the route reads. */
export class UnsupportedMediaTypeError extends ReachoutError {
  override readonly name = 'UnsupportedMediaTypeError';
  constructor(contentType: string, accepted: readonly string[]) {
    super('UnsupportedMediaType', `content type ${contentType || '(none)'} is not accepted here; send one of ${accepted.join(', ')}`, 415, { contentType }, [
      { path: 'content-type', message: `one of ${accepted.join(', ')}` },
    ]);
  }
}

/** A pagination cursor that was altered, forged, or sent with another query than the one that produced it. */
export class InvalidCursorError extends ReachoutError {
  override readonly name = 'InvalidCursorError';
  constructor(reason: string, path = 'query.cursor') {
    super('InvalidCursor', `invalid cursor: ${reason}; send the cursor of the previous page with the same query, or leave it out to start again`, 400, {}, [
      { path, message: reason },
    ]);
  }
}

/** An idempotency key sent again with a different request (method, path or body). */
export class IdempotencyKeyReusedError extends ReachoutError {
  override readonly name = 'IdempotencyKeyReusedError';
  constructor() {
    super(
      'IdempotencyKeyReused',
      'this idempotency key was used for a different request (method, path or body); use a new key for a new request',
      422,
      {},
      [{ path: 'idempotency-key', message: 'already used with a different request' }],
    );
  }
}

/** The first request with this idempotency key is still running. */
export class IdempotencyInProgressError extends ReachoutError {
  override readonly name = 'IdempotencyInProgressError';
  constructor(retryAfterSeconds: number) {
    super(
      'IdempotencyKeyInProgress',
      `a request with this idempotency key is still in progress; retry after ${retryAfterSeconds} s to get its answer`,
      409,
      {},
      [{ path: 'idempotency-key', message: 'in progress' }],
      { headers: { 'retry-after': String(retryAfterSeconds) } },
    );
  }
}

/** Too many requests; retry after the given delay. */
export class TooManyRequestsError extends ReachoutError {
  override readonly name = 'TooManyRequestsError';
  constructor(message: string, retryAfterSeconds: number) {
    super('TooManyRequests', message, 429, {}, [], { headers: { 'retry-after': String(retryAfterSeconds) } });
  }
}

/** An adapter's call to an AWS service (or its local stand-in) failed after retries. */
export class AdapterError extends ReachoutError {
  override readonly name = 'AdapterError';
  constructor(service: string, operation: string, message: string, cause?: unknown) {
    super('AdapterError', `${service} ${operation} failed: ${message}`, 500, { service, operation }, [], { cause });
  }
}

/** Turns zod issues into field issues. */
export function fieldIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): FieldIssue[] {
  return issues.map((i) => ({ path: i.path.map(String).join('.') || '(body)', message: i.message }));
}

/**
 * Rethrows `error` unless it is one of the kinds a `catch` expects (a parse of untrusted text failing: `SyntaxError`
 * from JSON.parse, `URIError` from decodeURIComponent, `TypeError` from `new URL` or a fatal TextDecoder, `RangeError`
 * from Intl). A catch that takes everything would also take a bug and answer as if the input were bad.
 */
export function expectOnly(error: unknown, ...kinds: readonly (abstract new (...args: never[]) => Error)[]): void {
  if (!kinds.some((kind) => error instanceof kind)) throw error;
}

/**
 * One line naming a fault a safety net absorbed (`TypeError: x is undefined`), for the log of the call it happened
 * in: pure code that must not fail a call (dialog engine, recogniser, date parsing) hands it out instead of logging.
 */
export function describeFault(error: unknown): string {
  return (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 500);
}
