import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { maskLogValue, maskPhone } from './mask';

/**
 * Structured JSON logs (D3) with phone numbers masked (D2, see ./mask.ts).
 *
 * In Lambda the {@link Logger} port is Powertools for AWS Lambda's Logger (JSON lines with `level`, `message`,
 * `timestamp`, `service`, the X-Ray trace id and, once the handler injects the Lambda context, the function name,
 * request id and cold start). Elsewhere (local runtime, tests, benchmarks) a plain JSON writer emits the same keys
 * synchronously. Both mask phone numbers and both write errors with their name, message, stack, cause (recursively)
 * and own properties (`code`, context...).
 *
 * Correlation: `log.child({ campaignId, jobId, callId })` (or {@link correlated}) returns a logger whose every line
 * carries those ids.
 *
 * @module
 */

export { maskPhone };

/** A log level, least to most severe. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured JSON logger; masks phone numbers; an `Error` anywhere in the fields keeps its stack and cause. */
export interface Logger {
  /** Detail for debugging; off unless LOG_LEVEL is DEBUG. */
  debug(message: string, fields?: Record<string, unknown>): void;
  /** Something happened that an operator may want to know. */
  info(message: string, fields?: Record<string, unknown>): void;
  /** Something unexpected the code recovered from. */
  warn(message: string, fields?: Record<string, unknown>): void;
  /** Something failed; pass the error itself (`{ error }`), not `String(error)`, to keep its stack and cause. */
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger that adds `fields` to every line (correlation ids). */
  child(fields: Record<string, unknown>): Logger;
}

/** Ids that tie log lines of one unit of work together. */
export interface CorrelationIds {
  /** Tenant (instance) id. */
  readonly instanceId?: string;
  /** Campaign id. */
  readonly campaignId?: string;
  /** Job (one contact of a campaign) id. */
  readonly jobId?: string;
  /** Call id (one attempt). */
  readonly callId?: string;
  /** Chime transaction id of the call. */
  readonly transactionId?: string;
  /** API request id. */
  readonly requestId?: string;
}

/** A logger whose lines carry the given correlation ids (undefined ones are left out). */
export function correlated(log: Logger, ids: CorrelationIds): Logger {
  const fields = Object.fromEntries(Object.entries(ids).filter(([, v]) => v !== undefined && v !== ''));
  return Object.keys(fields).length === 0 ? log : log.child(fields);
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Reads a level name (any case; TRACE counts as debug, CRITICAL/FATAL as error); undefined when unknown. */
export function parseLogLevel(value: string | undefined): LogLevel | undefined {
  switch (value?.trim().toLowerCase()) {
    case 'trace':
    case 'debug':
      return 'debug';
    case 'info':
      return 'info';
    case 'warn':
    case 'warning':
      return 'warn';
    case 'error':
    case 'critical':
    case 'fatal':
      return 'error';
    default:
      return undefined;
  }
}

/** The level from LOG_LEVEL (or Lambda's AWS_LAMBDA_LOG_LEVEL), `info` when unset. */
function levelFromEnv(): LogLevel {
  return parseLogLevel(process.env.LOG_LEVEL) ?? parseLogLevel(process.env.AWS_LAMBDA_LOG_LEVEL) ?? 'info';
}

/** A serialisable copy of an error: name, message, stack, cause (recursively) and its own properties. */
export function serializeError(error: Error, seen: Set<unknown> = new Set()): Record<string, unknown> {
  seen.add(error);
  const out: Record<string, unknown> = { name: error.name, message: error.message, stack: error.stack };
  const cause: unknown = (error as { cause?: unknown }).cause;
  if (cause !== undefined) out.cause = cause instanceof Error ? (seen.has(cause) ? '[circular]' : serializeError(cause, seen)) : cause;
  if (error instanceof AggregateError) out.errors = error.errors.map((e: unknown) => (e instanceof Error && !seen.has(e) ? serializeError(e, seen) : e));
  for (const [key, value] of Object.entries(error)) if (!(key in out)) out[key] = value;
  return out;
}

/** JSON replacer of the plain writer: masks phone numbers, expands errors, writes bigints as strings, drops cycles. */
function plainReplacer(): (this: unknown, key: string, value: unknown) => unknown {
  const ancestors: unknown[] = [];
  return function (this: unknown, key: string, value: unknown) {
    let v = maskLogValue(key, value);
    if (v instanceof Error) v = serializeError(v);
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'object' && v !== null) {
      while (ancestors.length > 0 && ancestors.at(-1) !== this) ancestors.pop();
      if (ancestors.includes(v)) return '[circular]';
      ancestors.push(v);
    }
    return v;
  };
}

const RESERVED = new Set(['level', 'message', 'timestamp', 'service', 'sampling_rate']);

/** Field names Powertools reserves (level, message, timestamp, service...) get a trailing underscore instead of being dropped. */
function safeFields(fields: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!fields) return undefined;
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(fields)) {
    if (RESERVED.has(key)) {
      out ??= { ...fields };
      out[`${key}_`] = out[key];
      delete out[key];
    }
  }
  return out ?? fields;
}

/**
 * A logger writing one JSON line per entry through `write` (stdout by default): `level`, `message`, `timestamp`,
 * then `base` and the entry's fields. Synchronous, no dependencies: the local runtime, tests and benchmarks use it.
 */
export function jsonLogger(
  base: Record<string, unknown> = {},
  level: LogLevel = levelFromEnv(),
  write: (line: string) => void = (line) => process.stdout.write(line + '\n'),
): Logger {
  // Callers may pass a raw LOG_LEVEL value ('INFO', 'warning'): read it like the environment.
  const threshold = ORDER[parseLogLevel(level) ?? 'info'];
  const emit = (lvl: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < threshold) return;
    const entry = { level: lvl.toUpperCase(), message, timestamp: new Date().toISOString(), ...base, ...safeFields(fields) };
    write(JSON.stringify(entry, plainReplacer()));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => jsonLogger({ ...base, ...safeFields(fields) }, level, write),
  };
}

/** The {@link Logger} port on a Powertools Logger; `powertools` is there for `injectLambdaContext` (middy) or `addContext`. */
export class PowertoolsLoggerAdapter implements Logger {
  /** @param powertools the Powertools logger lines go to. */
  constructor(public readonly powertools: PowertoolsLogger) {}

  /** @inheritdoc */
  debug(message: string, fields?: Record<string, unknown>): void {
    this.powertools.debug(message, safeFields(fields) ?? {});
  }

  /** @inheritdoc */
  info(message: string, fields?: Record<string, unknown>): void {
    this.powertools.info(message, safeFields(fields) ?? {});
  }

  /** @inheritdoc */
  warn(message: string, fields?: Record<string, unknown>): void {
    this.powertools.warn(message, safeFields(fields) ?? {});
  }

  /** @inheritdoc */
  error(message: string, fields?: Record<string, unknown>): void {
    this.powertools.error(message, safeFields(fields) ?? {});
  }

  /** @inheritdoc */
  child(fields: Record<string, unknown>): Logger {
    return new PowertoolsLoggerAdapter(this.powertools.createChild({ persistentKeys: safeFields(fields) ?? {} }));
  }
}

/** Options of {@link createPowertoolsLogger}. */
export interface PowertoolsLoggerOptions {
  /**
   * `service` key of every line.
   * @default POWERTOOLS_SERVICE_NAME, else 'reachout'
   */
  readonly service?: string;
  /**
   * Level.
   * @default LOG_LEVEL / AWS_LAMBDA_LOG_LEVEL, else 'info'
   */
  readonly level?: LogLevel;
  /**
   * Keys on every line.
   * @default - none
   */
  readonly fields?: Record<string, unknown>;
}

/** A Powertools-backed logger with phone masking (the replacer runs on every value, errors included). */
export function createPowertoolsLogger(options: PowertoolsLoggerOptions = {}): PowertoolsLoggerAdapter {
  const powertools = new PowertoolsLogger({
    serviceName: options.service ?? process.env.POWERTOOLS_SERVICE_NAME ?? 'reachout',
    logLevel: (options.level ?? levelFromEnv()).toUpperCase() as 'INFO',
    persistentKeys: safeFields(options.fields) ?? {},
    jsonReplacerFn: (key: string, value: unknown) => maskLogValue(key, value),
  });
  return new PowertoolsLoggerAdapter(powertools);
}

/**
 * Adds the invocation's Lambda context (function name, request id, cold start) to every following line of a
 * Powertools-backed logger and its children; a no-op for other loggers. Call it first thing in each handler (or use
 * the middy `injectLambdaContext(log.powertools)` middleware).
 */
export function addLambdaContext(log: Logger, context: Context): void {
  if (log instanceof PowertoolsLoggerAdapter) log.powertools.addContext(context);
}

/** True inside AWS Lambda. */
export function inLambda(): boolean {
  return process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined && process.env.AWS_LAMBDA_FUNCTION_NAME !== '';
}

/**
 * Creates a logger. With `write`, or outside Lambda, a plain JSON writer (see {@link jsonLogger}); in Lambda, the
 * Powertools one ({@link createPowertoolsLogger}), with `base.service` as its service and the rest of `base` on every line.
 */
export function createLogger(base: Record<string, unknown> = {}, level: LogLevel = levelFromEnv(), write?: (line: string) => void): Logger {
  if (write || !inLambda()) return jsonLogger(base, level, write);
  const { service, ...fields } = base;
  return createPowertoolsLogger({ service: typeof service === 'string' ? service : undefined, level, fields });
}

/** A logger that drops everything; for tests. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
