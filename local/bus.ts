import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { expectOnly } from '../lib/core/errors';
import { silentLogger, type Logger } from '../lib/core/log';
import type { Bus, BusEvent, PublishResult } from '../lib/ports/bus';
import type { Clock } from '../lib/ports/clock';
import { lambdaContext } from './clock';
import { assertValidPattern, matchesPattern } from './event-pattern';
import type { LocalQueue } from './queue';

/** The event as a rule target receives it (EventBridge's envelope). */
export type BusEnvelope = EventBridgeEvent<string, Record<string, unknown>>;

/** Where a rule sends matching events. */
export type BusTarget =
  | { kind: 'queue'; queue: LocalQueue }
  | {
      kind: 'function';
      handler: (event: BusEnvelope, context: Context) => Promise<unknown>;
      /** Function name for logs and the DLQ's TARGET_ARN. */
      name?: string;
      /** Retries after the first failed attempt (Lambda asynchronous invocation: 2). */
      retryAttempts?: number;
      deadLetter?: LocalQueue;
    }
  | { kind: 'http'; url: string; headers?: Record<string, string>; retryAttempts?: number; deadLetter?: LocalQueue }
  | { kind: 'log'; write?: (line: string) => void };

/** A rule: an event pattern and its targets. */
export interface BusRule {
  name: string;
  pattern: object;
  targets: BusTarget[];
}

/** Construction options of a local bus. */
export interface LocalBusOptions {
  name: string;
  clock: Clock;
  log?: Logger;
  /** Events kept in memory for recent() and events() (default 5,000). */
  historyLimit?: number;
  /**
   * JSON Lines file every published event is appended to (one `BusHistoryEntry` per line), so
   * `GET /events` and `npm run events` see what earlier runs published; the last `historyLimit`
   * lines are read back on start. Rolled over to `<file>.1` past `maxLogFileBytes`.
   */
  logFile?: string;
  /** Size at which the log file rolls over (default 20 MB). */
  maxLogFileBytes?: number;
  /** First retry delay on the clock; doubles on every further retry. */
  retryBaseDelayMs?: number;
}

/** One published event as remembered for debugging. */
export interface BusHistoryEntry {
  /** Position in the bus's log, increasing by one per event (a cursor for followers). */
  seq: number;
  event: BusEnvelope;
  /** Rules whose pattern matched. */
  rules: string[];
  /** Deliveries that failed for good (after retries), filled in as they happen. */
  failures: { rule: string; target: string; error: string }[];
}

/** Filters of LocalBus.events(). */
export interface BusEventFilter {
  /** Detail types (any of). */
  types?: string[];
  /** ISO 8601: events at or after this time. */
  since?: string;
  campaignId?: string;
  instanceId?: string;
  /** Only events with a larger sequence number. */
  after?: number;
  limit?: number;
}

/** EventBridge's PutEvents entry limit. */
const MAX_ENTRY_BYTES = 256 * 1024;
const ACCOUNT = '000000000000';
const REGION = 'local';

class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/**
 * An in-process event bus with EventBridge semantics: publish converts events to the envelope,
 * every rule whose pattern matches gets its own copy asynchronously, function and HTTP targets are
 * retried with backoff on the clock and then sent to their dead-letter queue, and a failing target
 * never fails the publish.
 */
export class LocalBus implements Bus {
  readonly name: string;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly historyLimit: number;
  private readonly retryBaseDelayMs: number;
  private readonly rules = new Map<string, BusRule>();
  private readonly history: BusHistoryEntry[] = [];
  private seq = 0;
  private readonly logFile: string | undefined;
  private readonly maxLogFileBytes: number;
  private pending = 0;
  private readonly idleWaiters = new Set<() => void>();

  constructor(options: LocalBusOptions) {
    this.name = options.name;
    this.clock = options.clock;
    this.log = (options.log ?? silentLogger).child({ bus: options.name });
    this.historyLimit = options.historyLimit ?? 5000;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 1000;
    this.logFile = options.logFile;
    this.maxLogFileBytes = options.maxLogFileBytes ?? 20 * 1024 * 1024;
    if (this.logFile) this.loadLog(this.logFile);
  }

  /** Adds a rule, or replaces the rule of the same name (PutRule + PutTargets); throws EventPatternError on a malformed pattern. */
  addRule(rule: BusRule): void {
    assertValidPattern(rule.pattern);
    this.rules.set(rule.name, { ...rule, targets: [...rule.targets] });
  }

  /** Removes a rule; false when there was none. */
  removeRule(name: string): boolean {
    return this.rules.delete(name);
  }

  /** Names of the rules, in the order they were added. */
  ruleNames(): string[] {
    return [...this.rules.keys()];
  }

  /** Publishes events; invalid entries are reported as failed, deliveries happen in the background. */
  async publish(events: BusEvent[]): Promise<PublishResult> {
    const failed: PublishResult['failed'] = [];
    for (const event of events) {
      const problem = checkEvent(event);
      if (problem) {
        failed.push({ event, reason: problem });
        continue;
      }
      const envelope = this.envelope(event);
      const matched = [...this.rules.values()].filter((r) => matchesPattern(r.pattern, envelope));
      const entry: BusHistoryEntry = { seq: ++this.seq, event: envelope, rules: matched.map((r) => r.name), failures: [] };
      this.remember(entry);
      for (const rule of matched) {
        for (const target of rule.targets) this.track(this.deliver(rule, target, entry));
      }
    }
    return { failed };
  }

  /** The most recent events, oldest first. */
  recent(limit = 50): BusHistoryEntry[] {
    return this.history.slice(-limit);
  }

  /**
   * Published events still in memory, oldest first, filtered: by detail type, event time at or after
   * `since` (ISO 8601), `detail.campaignId`, `detail.instanceId`, and `after` a sequence number
   * (what a follower saw last). At most `limit` (default 100) of the oldest matches.
   */
  events(filter: BusEventFilter = {}): BusHistoryEntry[] {
    const types = filter.types?.length ? new Set(filter.types) : undefined;
    const since = filter.since ? Date.parse(filter.since) : undefined;
    const out: BusHistoryEntry[] = [];
    const limit = filter.limit ?? 100;
    for (const entry of this.history) {
      if (out.length >= limit) break;
      if (filter.after !== undefined && entry.seq <= filter.after) continue;
      if (types && !types.has(entry.event['detail-type'])) continue;
      if (since !== undefined && eventTimeOf(entry.event) < since) continue;
      if (filter.campaignId !== undefined && entry.event.detail.campaignId !== filter.campaignId) continue;
      if (filter.instanceId !== undefined && entry.event.detail.instanceId !== filter.instanceId) continue;
      out.push(entry);
    }
    return out;
  }

  /** Sequence number of the last published event (0 before the first). */
  lastSeq(): number {
    return this.seq;
  }

  /** Resolves when every delivery in progress (retries included) has finished. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.add(resolve));
  }

  private envelope(event: BusEvent): BusEnvelope {
    return {
      version: '0',
      // EventBridge assigns its own id per PutEvents entry; consumers deduplicate on detail.eventId.
      id: randomUUID(),
      'detail-type': event.detailType,
      source: event.source,
      account: ACCOUNT,
      // EventBridge keeps whole seconds only.
      time: new Date(event.time).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: REGION,
      resources: [...(event.resources ?? [])],
      detail: { ...event.detail, eventId: event.id },
    };
  }

  private remember(entry: BusHistoryEntry): void {
    this.history.push(entry);
    if (this.history.length > this.historyLimit) this.history.splice(0, this.history.length - this.historyLimit);
    if (this.logFile) this.append(this.logFile, entry);
  }

  /** Appends an event to the log file; a failing disk is logged and never fails the publish (the event is already routed). */
  private append(file: string, entry: BusHistoryEntry): void {
    try {
      if (existsSync(file) && statSync(file).size > this.maxLogFileBytes) renameSync(file, `${file}.1`);
      appendFileSync(file, JSON.stringify({ seq: entry.seq, event: entry.event, rules: entry.rules }) + '\n');
    } catch (error) {
      this.log.error('event log not written', { file, error: messageOf(error), eventId: entry.event.detail.eventId });
    }
  }

  /** Reads the tail of the log file back into memory and continues its sequence. */
  private loadLog(file: string): void {
    mkdirSync(dirname(file), { recursive: true });
    if (!existsSync(file)) return;
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim());
    for (const line of lines.slice(-this.historyLimit)) {
      try {
        const saved = JSON.parse(line) as { seq: number; event: BusEnvelope; rules?: string[] };
        this.history.push({ seq: saved.seq, event: saved.event, rules: saved.rules ?? [], failures: [] });
        this.seq = Math.max(this.seq, saved.seq);
      } catch (error) {
        this.log.warn('event log line skipped', { file, error: messageOf(error) });
      }
    }
  }

  private track(delivery: Promise<void>): void {
    this.pending++;
    void delivery
      .catch((error: unknown) => this.log.error('bus delivery crashed', { error }))
      .finally(() => {
        this.pending--;
        if (this.pending === 0) {
          const waiters = [...this.idleWaiters];
          this.idleWaiters.clear();
          for (const resolve of waiters) resolve();
        }
      });
  }

  private async deliver(rule: BusRule, target: BusTarget, entry: BusHistoryEntry): Promise<void> {
    // Asynchronous like EventBridge: the publisher never waits for (or sees) a target.
    await Promise.resolve();
    // Each target gets its own serialized copy, as over the wire.
    const event = JSON.parse(JSON.stringify(entry.event)) as BusEnvelope;
    const targetArn = targetArnOf(rule, target);
    const fail = (error: string) => {
      entry.failures.push({ rule: rule.name, target: targetArn, error });
      this.log.error('bus delivery failed', { rule: rule.name, target: targetArn, error, eventId: event.detail.eventId });
    };
    switch (target.kind) {
      case 'log': {
        const line = JSON.stringify({ rule: rule.name, event });
        if (target.write) target.write(line);
        else this.log.info('bus event', { rule: rule.name, event });
        return;
      }
      case 'queue':
        try {
          await target.queue.send({ body: JSON.stringify(event) });
        } catch (error) {
          fail(messageOf(error));
        }
        return;
      case 'function':
        return this.withRetries(rule, target, targetArn, event, fail, async () => {
          const name = target.name ?? `${rule.name}-target`;
          await target.handler(event, lambdaContext(name, this.clock));
        });
      case 'http':
        return this.withRetries(rule, target, targetArn, event, fail, async () => {
          let response: Response;
          try {
            response = await fetch(target.url, {
              method: 'POST',
              headers: { 'content-type': 'application/json', ...target.headers },
              body: JSON.stringify(event),
            });
          } catch (error) {
            throw new DeliveryError(messageOf(error), true);
          }
          await response.arrayBuffer().catch(() => undefined);
          if (!response.ok) {
            // API destinations retry throttling and server errors only.
            throw new DeliveryError(`HTTP ${response.status}`, response.status === 429 || response.status >= 500);
          }
        });
    }
  }

  private async withRetries(
    rule: BusRule,
    target: { retryAttempts?: number; deadLetter?: LocalQueue },
    targetArn: string,
    event: BusEnvelope,
    fail: (error: string) => void,
    attempt: () => Promise<void>,
  ): Promise<void> {
    const retries = target.retryAttempts ?? 2;
    let lastError = '';
    let attempts = 0;
    for (;;) {
      attempts++;
      try {
        await attempt();
        return;
      } catch (error) {
        lastError = messageOf(error);
        const retryable = !(error instanceof DeliveryError) || error.retryable;
        if (!retryable || attempts > retries) break;
        this.log.warn('bus delivery failed; retrying', { rule: rule.name, target: targetArn, attempt: attempts, error: lastError });
        await this.clock.sleep(this.retryBaseDelayMs * 2 ** (attempts - 1));
      }
    }
    fail(lastError);
    if (!target.deadLetter) return;
    // The attributes EventBridge puts on dead-lettered events.
    await target.deadLetter
      .send({
        body: JSON.stringify(event),
        attributes: {
          RULE_ARN: `arn:aws:events:${REGION}:${ACCOUNT}:rule/${this.name}/${rule.name}`,
          TARGET_ARN: targetArn,
          ERROR_CODE: 'TargetFailed',
          ERROR_MESSAGE: lastError.slice(0, 1000) || 'unknown error',
          EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttempts',
          RETRY_ATTEMPTS: String(attempts - 1),
        },
      })
      .catch((error: unknown) => this.log.error('bus dead-letter send failed', { error, rule: rule.name }));
  }
}

function targetArnOf(rule: BusRule, target: BusTarget): string {
  switch (target.kind) {
    case 'queue':
      return target.queue.arn;
    case 'function':
      return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${target.name ?? `${rule.name}-target`}`;
    case 'http':
      return target.url;
    case 'log':
      return `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/events/${rule.name}`;
  }
}

/** PutEvents' per-entry checks. */
function checkEvent(event: BusEvent): string | undefined {
  if (!event.source) return 'InvalidArgument: Source is required';
  if (!event.detailType) return 'InvalidArgument: DetailType is required';
  if (typeof event.detail !== 'object' || event.detail === null || Array.isArray(event.detail)) {
    return 'MalformedDetail: Detail must be a JSON object';
  }
  if (Number.isNaN(Date.parse(event.time))) return 'InvalidArgument: Time must be an ISO 8601 timestamp';
  let size: number;
  try {
    size =
      Buffer.byteLength(JSON.stringify(event.detail)) +
      Buffer.byteLength(event.source) +
      Buffer.byteLength(event.detailType) +
      (event.resources ?? []).reduce((n, r) => n + Buffer.byteLength(r), 0);
  } catch (error) {
    expectOnly(error, TypeError); // a BigInt or a cycle
    return 'MalformedDetail: Detail must be serializable to JSON';
  }
  if (size > MAX_ENTRY_BYTES) return `EntryTooLarge: ${size} bytes, at most ${MAX_ENTRY_BYTES}`;
  return undefined;
}

/** The event's time in ms: the detail's `eventTime` (Reachout events keep milliseconds), else the envelope's whole seconds. */
const eventTimeOf = (event: BusEnvelope): number => (typeof event.detail.eventTime === 'number' ? event.detail.eventTime : Date.parse(event.time));

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
