import { createHash, randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { ReachoutError } from '../lib/core/errors';
import { silentLogger, type Logger } from '../lib/core/log';
import type { Clock } from '../lib/ports/clock';
import type { OutgoingMessage, Queue, ReceivedMessage, SendBatchResult } from '../lib/ports/queue';
import { lambdaContext } from './clock';
import { TimeHeap } from './heap';

/** SQS's limits, so code that runs locally does not break on the first real deployment. */
const MAX_BATCH_ENTRIES = 10;
const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024;
const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;
const MAX_WAIT_SECONDS = 20;

/** A request the local queue refuses, named with SQS's error codes. */
export class LocalQueueError extends ReachoutError {
  override readonly name = 'LocalQueueError';
  constructor(code: string, message: string, context: Record<string, unknown> = {}) {
    super(code, message, 400, context);
  }
}

/** Construction options of a local queue. */
export interface LocalQueueOptions {
  name: string;
  clock: Clock;
  /** Seconds a received message stays invisible before it is delivered again. */
  visibilityTimeoutSeconds?: number;
  /** Deliveries before a message moves to `deadLetter` (an SQS redrive policy); needs `deadLetter`. */
  maxReceiveCount?: number;
  deadLetter?: LocalQueue;
  /** Highest per-message delay accepted. */
  maxDelaySeconds?: number;
  /** Largest message accepted (body plus attributes). */
  maxMessageBytes?: number;
  log?: Logger;
}

/** Options of one receive call. */
export interface ReceiveOptions {
  /** 1–10 messages. */
  max?: number;
  /** Long polling: wait up to this many clock seconds (0–20) for a message. */
  waitSeconds?: number;
  signal?: AbortSignal;
}

/** Counts of messages by state, like SQS's approximate queue attributes. */
export interface QueueStats {
  visible: number;
  inFlight: number;
  delayed: number;
}

/** A Lambda-style SQS handler, as wired to an event source mapping with ReportBatchItemFailures. */
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

/** Options of a consumer (the event source mapping's settings). */
export interface ConsumeOptions {
  /** Messages per handler invocation (1–10). */
  batchSize?: number;
  /** Pollers running in parallel, each invoking the handler with its own batch. */
  concurrency?: number;
  signal?: AbortSignal;
  /** Name in the Lambda context and logs. */
  functionName?: string;
  /** Handler timeout on the clock, reported by context.getRemainingTimeInMillis(). */
  timeoutSeconds?: number;
}

/** A running consumer. */
export interface LocalConsumer {
  /** Stops polling and resolves when the invocations in progress have finished. */
  stop(): Promise<void>;
  /** Resolves when the consumer has stopped (by stop() or the signal). */
  readonly done: Promise<void>;
}

interface StoredMessage {
  id: string;
  body: string;
  attributes?: Record<string, string>;
  sentAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceiveAt?: number;
  receiptHandle?: string;
  /** Bumped on every visibility change so stale heap entries can be recognised. */
  version: number;
  /** Set on messages moved here by a redrive policy. */
  deadLetterSourceArn?: string;
}

interface HeapEntry {
  at: number;
  seq: number;
  id: string;
  version: number;
}


const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** Size as SQS counts it: body plus each attribute's name, type and value. */
function messageBytes(message: OutgoingMessage): number {
  let size = utf8Bytes(message.body);
  for (const [k, v] of Object.entries(message.attributes ?? {})) size += utf8Bytes(k) + 'String'.length + utf8Bytes(v);
  return size;
}

/**
 * An in-process queue with SQS standard-queue semantics: at-least-once delivery, per-message
 * delay, visibility timeout with redelivery, receipt handles that go stale on redelivery, and a
 * redrive policy to a dead-letter queue. `consume` plays the Lambda event source mapping.
 */
export class LocalQueue implements Queue {
  readonly name: string;
  readonly arn: string;
  private readonly clock: Clock;
  private readonly visibilityTimeoutMs: number;
  private readonly maxReceiveCount: number | undefined;
  private readonly deadLetter: LocalQueue | undefined;
  private readonly maxDelaySeconds: number;
  private readonly maxMessageBytes: number;
  private readonly log: Logger;

  private readonly messages = new Map<string, StoredMessage>();
  private readonly handles = new Map<string, string>();
  // Visibility times, so receives stay cheap with many in-flight messages.
  private readonly heap = new TimeHeap<HeapEntry>();
  private seq = 0;
  /** Handler invocations in progress across this queue's consumers. */
  private running = 0;
  /** Receivers waiting for a message to become available. */
  private readonly workWaiters = new Set<() => void>();
  private pendingWakeAt: number | undefined;
  /** idle()/drain() checks, run after every state change. */
  private readonly stateWatchers = new Set<() => void>();

  constructor(options: LocalQueueOptions) {
    const vt = options.visibilityTimeoutSeconds ?? 30;
    if (!Number.isInteger(vt) || vt < 0 || vt > MAX_VISIBILITY_SECONDS) {
      throw new LocalQueueError('InvalidAttributeValue', `VisibilityTimeout must be 0–${MAX_VISIBILITY_SECONDS} seconds`);
    }
    if ((options.maxReceiveCount === undefined) !== (options.deadLetter === undefined)) {
      throw new LocalQueueError('InvalidAttributeValue', 'a redrive policy needs both maxReceiveCount and deadLetter');
    }
    if (options.maxReceiveCount !== undefined && (!Number.isInteger(options.maxReceiveCount) || options.maxReceiveCount < 1)) {
      throw new LocalQueueError('InvalidAttributeValue', 'maxReceiveCount must be a positive integer');
    }
    this.name = options.name;
    this.arn = `arn:aws:sqs:local:000000000000:${options.name}`;
    this.clock = options.clock;
    this.visibilityTimeoutMs = vt * 1000;
    this.maxReceiveCount = options.maxReceiveCount;
    this.deadLetter = options.deadLetter;
    this.maxDelaySeconds = options.maxDelaySeconds ?? 900;
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.log = (options.log ?? silentLogger).child({ queue: options.name });
  }

  /** Sends one message; an invalid one is refused with a LocalQueueError, as SQS does. */
  async send(message: OutgoingMessage): Promise<void> {
    const problem = this.check(message);
    if (problem) throw new LocalQueueError(problem.code, problem.message, { queue: this.name });
    this.enqueue(message);
  }

  /** Sends any number of messages in chunks of 10 (the port's contract); failed entries are reported by index. */
  async sendBatch(messages: OutgoingMessage[]): Promise<SendBatchResult> {
    const failed: SendBatchResult['failed'] = [];
    for (let start = 0; start < messages.length; start += MAX_BATCH_ENTRIES) {
      const chunk = messages.slice(start, start + MAX_BATCH_ENTRIES);
      const result = this.sendMessageBatch(chunk);
      for (const f of result.failed) failed.push({ index: start + f.index, reason: f.reason });
    }
    return { failed };
  }

  /**
   * One SendMessageBatch call with SQS's rules: at most 10 entries and 256 KB in total, else every
   * entry fails; otherwise each entry succeeds or fails on its own.
   */
  sendMessageBatch(entries: OutgoingMessage[]): SendBatchResult {
    if (entries.length === 0) return { failed: [] };
    if (entries.length > MAX_BATCH_ENTRIES) {
      const reason = `TooManyEntriesInBatchRequest: ${entries.length} entries, at most ${MAX_BATCH_ENTRIES}`;
      return { failed: entries.map((_, index) => ({ index, reason })) };
    }
    const total = entries.reduce((sum, m) => sum + messageBytes(m), 0);
    if (total > this.maxMessageBytes) {
      const reason = `BatchRequestTooLong: ${total} bytes, at most ${this.maxMessageBytes}`;
      return { failed: entries.map((_, index) => ({ index, reason })) };
    }
    const failed: SendBatchResult['failed'] = [];
    entries.forEach((m, index) => {
      const problem = this.check(m);
      if (problem) failed.push({ index, reason: `${problem.code}: ${problem.message}` });
      else this.enqueue(m);
    });
    return { failed };
  }

  /** Receives up to `max` visible messages, waiting up to `waitSeconds` of clock time when there are none. */
  async receive(options: ReceiveOptions = {}): Promise<ReceivedMessage[]> {
    const max = options.max ?? 10;
    const waitSeconds = options.waitSeconds ?? 0;
    if (!Number.isInteger(max) || max < 1 || max > MAX_BATCH_ENTRIES) {
      throw new LocalQueueError('InvalidParameterValue', `MaxNumberOfMessages must be 1–${MAX_BATCH_ENTRIES}`);
    }
    if (waitSeconds < 0 || waitSeconds > MAX_WAIT_SECONDS) {
      throw new LocalQueueError('InvalidParameterValue', `WaitTimeSeconds must be 0–${MAX_WAIT_SECONDS}`);
    }
    const deadline = this.clock.now() + waitSeconds * 1000;
    for (;;) {
      const taken = this.take(max);
      if (taken.length > 0 || this.clock.now() >= deadline || options.signal?.aborted) {
        return taken.map((m) => ({
          id: m.id,
          body: m.body,
          receiptHandle: m.receiptHandle!,
          receiveCount: m.receiveCount,
          ...(m.attributes ? { attributes: { ...m.attributes } } : {}),
        }));
      }
      await this.waitForWork(deadline, options.signal);
    }
  }

  /** Deletes a delivered message; a stale or unknown handle is ignored (returns false), as in SQS. */
  async delete(receiptHandle: string): Promise<boolean> {
    return this.deleteNow(receiptHandle);
  }

  /** Changes how long a delivered message stays invisible from now; false when the handle is stale or the message is not in flight. */
  async changeVisibility(receiptHandle: string, seconds: number): Promise<boolean> {
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_VISIBILITY_SECONDS) {
      throw new LocalQueueError('InvalidParameterValue', `VisibilityTimeout must be 0–${MAX_VISIBILITY_SECONDS} seconds`);
    }
    const message = this.byHandle(receiptHandle);
    if (!message || message.visibleAt <= this.clock.now()) return false;
    this.schedule(message, this.clock.now() + seconds * 1000);
    this.wakeReceivers();
    this.stateChanged();
    return true;
  }

  /** Message counts by state at the clock's current time. */
  stats(): QueueStats {
    const now = this.clock.now();
    const stats: QueueStats = { visible: 0, inFlight: 0, delayed: 0 };
    for (const m of this.messages.values()) {
      if (m.visibleAt <= now) stats.visible++;
      else if (m.receiveCount > 0) stats.inFlight++;
      else stats.delayed++;
    }
    return stats;
  }

  /** Bodies of every stored message in send order, for tests and the local console. */
  peek(): { id: string; body: string; receiveCount: number; attributes?: Record<string, string> }[] {
    return [...this.messages.values()].map((m) => ({
      id: m.id,
      body: m.body,
      receiveCount: m.receiveCount,
      ...(m.attributes ? { attributes: { ...m.attributes } } : {}),
    }));
  }

  /** Deletes every message (PurgeQueue). */
  purge(): void {
    this.messages.clear();
    this.handles.clear();
    this.heap.clear();
    this.stateChanged();
  }

  /** Resolves when no message is visible and no handler invocation is running (nothing to do right now). */
  idle(): Promise<void> {
    return this.watch(() => this.running === 0 && !this.hasVisible());
  }

  /** Resolves when the queue is empty (every message deleted or moved to the dead-letter queue) and no handler runs. */
  drain(): Promise<void> {
    return this.watch(() => this.running === 0 && this.messages.size === 0);
  }

  /**
   * Polls the queue and invokes the handler like an SQS event source mapping with
   * ReportBatchItemFailures: listed failures stay in flight and come back after the visibility
   * timeout, a thrown error leaves the whole batch, the rest is deleted.
   */
  consume(handler: SqsHandler, options: ConsumeOptions = {}): LocalConsumer {
    const batchSize = options.batchSize ?? 10;
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_ENTRIES) {
      throw new LocalQueueError('InvalidParameterValue', `batchSize must be 1–${MAX_BATCH_ENTRIES}`);
    }
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new LocalQueueError('InvalidParameterValue', 'concurrency must be a positive integer');
    }
    const functionName = options.functionName ?? `${this.name}-consumer`;
    const timeoutMs = (options.timeoutSeconds ?? 30) * 1000;
    const log = this.log.child({ functionName });
    const controller = new AbortController();
    const stopOn = () => controller.abort();
    if (options.signal?.aborted) controller.abort();
    else options.signal?.addEventListener('abort', stopOn, { once: true });
    const signal = controller.signal;

    const worker = async () => {
      while (!signal.aborted) {
        // Counted as running before taking, so idle() never sees in-flight messages with nobody handling them.
        this.running++;
        const batch = this.take(batchSize);
        if (batch.length === 0) {
          this.running--;
          this.stateChanged();
          await this.waitForWork(Number.POSITIVE_INFINITY, signal);
          continue;
        }
        try {
          await this.invoke(handler, batch, lambdaContext(functionName, this.clock, timeoutMs), log);
        } finally {
          this.running--;
          this.stateChanged();
        }
      }
    };
    const done = Promise.all(Array.from({ length: concurrency }, () => worker())).then(() => {
      options.signal?.removeEventListener('abort', stopOn);
    });
    return {
      done,
      stop: async () => {
        controller.abort();
        await done;
      },
    };
  }

  private async invoke(handler: SqsHandler, batch: StoredMessage[], context: Context, log: Logger): Promise<void> {
    const handles = new Map(batch.map((m) => [m.id, m.receiptHandle!]));
    const event: SQSEvent = { Records: batch.map((m) => this.toRecord(m)) };
    let response: SQSBatchResponse | void;
    try {
      response = await handler(event, context);
    } catch (error) {
      log.warn('handler failed; the batch returns after the visibility timeout', { error, messages: batch.length });
      return;
    }
    const failures = response?.batchItemFailures ?? [];
    // Lambda treats an identifier that is empty or not in the batch as a failure of the whole batch.
    if (!Array.isArray(failures) || failures.some((f) => !f?.itemIdentifier || !handles.has(f.itemIdentifier))) {
      log.warn('invalid batchItemFailures; the whole batch is retried', { failures });
      return;
    }
    const failed = new Set(failures.map((f) => f.itemIdentifier));
    if (failed.size > 0) log.info('partial batch failure', { failed: failed.size, messages: batch.length });
    for (const [id, handle] of handles) if (!failed.has(id)) this.deleteNow(handle);
  }

  private toRecord(m: StoredMessage): SQSRecord {
    const messageAttributes: SQSRecord['messageAttributes'] = {};
    for (const [k, v] of Object.entries(m.attributes ?? {})) {
      messageAttributes[k] = { stringValue: v, stringListValues: [], binaryListValues: [], dataType: 'String' };
    }
    return {
      messageId: m.id,
      receiptHandle: m.receiptHandle!,
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(m.sentAt),
        SenderId: 'AIDALOCAL000000000000',
        ApproximateFirstReceiveTimestamp: String(m.firstReceiveAt ?? m.sentAt),
        ...(m.deadLetterSourceArn ? { DeadLetterQueueSourceArn: m.deadLetterSourceArn } : {}),
      },
      messageAttributes,
      md5OfBody: createHash('md5').update(m.body, 'utf8').digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: this.arn,
      awsRegion: 'local',
    };
  }

  private check(m: OutgoingMessage): { code: string; message: string } | undefined {
    if (typeof m.body !== 'string' || m.body.length === 0) {
      return { code: 'InvalidParameterValue', message: 'the message body must be a non-empty string' };
    }
    const delay = m.delaySeconds ?? 0;
    if (!Number.isInteger(delay) || delay < 0 || delay > this.maxDelaySeconds) {
      return { code: 'InvalidParameterValue', message: `DelaySeconds must be an integer 0–${this.maxDelaySeconds}, got ${delay}` };
    }
    const size = messageBytes(m);
    if (size > this.maxMessageBytes) {
      return { code: 'MessageTooLong', message: `message is ${size} bytes, at most ${this.maxMessageBytes}` };
    }
    return undefined;
  }

  private enqueue(m: OutgoingMessage): void {
    const now = this.clock.now();
    const stored: StoredMessage = {
      id: randomUUID(),
      body: m.body,
      ...(m.attributes ? { attributes: { ...m.attributes } } : {}),
      sentAt: now,
      visibleAt: now,
      receiveCount: 0,
      version: 0,
    };
    this.messages.set(stored.id, stored);
    this.schedule(stored, now + (m.delaySeconds ?? 0) * 1000);
    this.wakeReceivers();
    this.stateChanged();
  }

  /** Takes a message moved here by another queue's redrive policy. */
  private acceptRedrive(from: StoredMessage, sourceArn: string): void {
    const now = this.clock.now();
    const stored: StoredMessage = {
      id: from.id,
      body: from.body,
      ...(from.attributes ? { attributes: from.attributes } : {}),
      sentAt: from.sentAt,
      visibleAt: now,
      receiveCount: 0,
      version: 0,
      deadLetterSourceArn: sourceArn,
    };
    this.messages.set(stored.id, stored);
    this.schedule(stored, now);
    this.wakeReceivers();
    this.stateChanged();
  }

  private schedule(m: StoredMessage, visibleAt: number): void {
    m.visibleAt = visibleAt;
    m.version++;
    this.heap.push({ at: visibleAt, seq: this.seq++, id: m.id, version: m.version });
  }

  /** Drops heap entries of deleted or rescheduled messages from the top. */
  private cleanTop(): HeapEntry | undefined {
    for (;;) {
      const top = this.heap.peek();
      if (!top) return undefined;
      const m = this.messages.get(top.id);
      if (m && m.version === top.version) return top;
      this.heap.pop();
    }
  }

  private hasVisible(): boolean {
    const top = this.cleanTop();
    return top !== undefined && top.at <= this.clock.now();
  }

  /** Synchronously delivers up to `max` visible messages (ReceiveMessage without waiting). */
  private take(max: number): StoredMessage[] {
    const now = this.clock.now();
    const taken: StoredMessage[] = [];
    let changed = false;
    while (taken.length < max) {
      const top = this.cleanTop();
      if (!top || top.at > now) break;
      this.heap.pop();
      const m = this.messages.get(top.id)!;
      changed = true;
      if (this.deadLetter && this.maxReceiveCount !== undefined && m.receiveCount >= this.maxReceiveCount) {
        this.messages.delete(m.id);
        if (m.receiptHandle) this.handles.delete(m.receiptHandle);
        this.log.warn('message moved to the dead-letter queue', { messageId: m.id, receiveCount: m.receiveCount });
        this.deadLetter.acceptRedrive(m, this.arn);
        continue;
      }
      if (m.receiptHandle) this.handles.delete(m.receiptHandle);
      m.receiptHandle = `${this.name}:${randomUUID()}`;
      this.handles.set(m.receiptHandle, m.id);
      m.receiveCount++;
      m.firstReceiveAt ??= now;
      this.schedule(m, now + this.visibilityTimeoutMs);
      taken.push(m);
    }
    if (changed) this.stateChanged();
    return taken;
  }

  private byHandle(receiptHandle: string): StoredMessage | undefined {
    const id = this.handles.get(receiptHandle);
    return id === undefined ? undefined : this.messages.get(id);
  }

  private deleteNow(receiptHandle: string): boolean {
    const message = this.byHandle(receiptHandle);
    if (!message) return false;
    this.messages.delete(message.id);
    this.handles.delete(receiptHandle);
    this.stateChanged();
    return true;
  }

  /** Waits until something may be receivable: a send, a visibility change, the next message's visibility time, the deadline or abort. */
  private waitForWork(deadline: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    const now = this.clock.now();
    const next = this.cleanTop()?.at ?? Number.POSITIVE_INFINITY;
    const until = Math.min(deadline, next);
    if (until <= now) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let settled = false;
      const done = () => {
        if (settled) return;
        settled = true;
        this.workWaiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.workWaiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
      if (Number.isFinite(until)) this.wakeAt(until, now);
    });
  }

  /** One shared timer for the earliest wake-up, so a burst of sends does not pile up sleeps on the clock. */
  private wakeAt(at: number, now: number): void {
    if (this.pendingWakeAt !== undefined && this.pendingWakeAt <= at) return;
    this.pendingWakeAt = at;
    void this.clock.sleep(at - now).then(() => {
      if (this.pendingWakeAt === at) this.pendingWakeAt = undefined;
      this.wakeReceivers();
    });
  }

  private wakeReceivers(): void {
    for (const wake of [...this.workWaiters]) wake();
  }

  private watch(condition: () => boolean): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const check = () => {
        if (!condition()) return;
        this.stateWatchers.delete(check);
        resolve();
      };
      this.stateWatchers.add(check);
    });
  }

  private stateChanged(): void {
    for (const check of [...this.stateWatchers]) check();
  }
}
