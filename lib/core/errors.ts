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
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
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
