import {
  SQSClient,
  SendMessageBatchCommand,
  SendMessageCommand,
  type MessageAttributeValue,
  type SendMessageBatchRequestEntry,
} from '@aws-sdk/client-sqs';
import { AdapterError } from '../../core/errors';
import type { OutgoingMessage, Queue, SendBatchResult } from '../../ports/queue';
import { chunkBySize, describeError, isTransient, retryPending, retryPolicy, type RetryPolicy, type Sleep } from './retry';

// One client per module (Lambda execution environment), created on first use so importing is free.
let defaultSqsClient: SQSClient | undefined;
const defaultClient = () => (defaultSqsClient ??= new SQSClient({}));

/** Options of the SQS queue adapter. */
export interface SqsQueueOptions {
  queueUrl: string;
  /** SQS client; a shared default otherwise. */
  client?: SQSClient;
  /** Backoff sleep between retries of failed entries. */
  sleep?: Sleep;
  /** Attempts per chunk, the first included (default 6). */
  maxAttempts?: number;
  /** Jitter source; for tests. */
  random?: () => number;
}

/** SendMessageBatch limits: 10 entries and 256 KiB of payload per request (the older, smaller payload limit, to be safe). */
const MAX_ENTRIES = 10;
const MAX_BYTES = 256 * 1024;

const toAttributes = (attributes: Record<string, string> | undefined): Record<string, MessageAttributeValue> | undefined =>
  attributes && Object.keys(attributes).length
    ? Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]))
    : undefined;

/** The SendMessageBatch entry of a message; `id` must be unique within the batch. */
export function toBatchEntry(message: OutgoingMessage, id: string): SendMessageBatchRequestEntry {
  const attributes = toAttributes(message.attributes);
  return {
    Id: id,
    MessageBody: message.body,
    ...(message.delaySeconds !== undefined ? { DelaySeconds: message.delaySeconds } : {}),
    ...(attributes ? { MessageAttributes: attributes } : {}),
  };
}

/** Payload size of a message as SQS counts it (body plus attribute names, types and values). */
export function messageSize(message: OutgoingMessage): number {
  let size = Buffer.byteLength(message.body, 'utf8');
  for (const [k, v] of Object.entries(message.attributes ?? {})) size += Buffer.byteLength(k) + 'String'.length + Buffer.byteLength(v);
  return size;
}

interface Pending {
  index: number;
  entry: SendMessageBatchRequestEntry;
  size: number;
  reason: string;
}

/** The Queue port on one SQS queue. */
export class SqsQueue implements Queue {
  private readonly queueUrl: string;
  private readonly client: SQSClient;
  private readonly policy: RetryPolicy;

  constructor(options: SqsQueueOptions) {
    this.queueUrl = options.queueUrl;
    this.client = options.client ?? defaultClient();
    this.policy = retryPolicy(options);
  }

  async send(message: OutgoingMessage): Promise<void> {
    const attributes = toAttributes(message.attributes);
    try {
      await this.client.send(
        new SendMessageCommand({
          QueueUrl: this.queueUrl,
          MessageBody: message.body,
          ...(message.delaySeconds !== undefined ? { DelaySeconds: message.delaySeconds } : {}),
          ...(attributes ? { MessageAttributes: attributes } : {}),
        }),
      );
    } catch (error) {
      throw new AdapterError('SQS', 'SendMessage', describeError(error), error);
    }
  }

  async sendBatch(messages: OutgoingMessage[]): Promise<SendBatchResult> {
    const all: Pending[] = messages.map((m, index) => ({ index, entry: toBatchEntry(m, `m${index}`), size: messageSize(m), reason: '' }));
    const failed: Pending[] = [];
    for (const chunk of chunkBySize(all, MAX_ENTRIES, MAX_BYTES, (p) => p.size)) {
      const rest = await retryPending(chunk, (pending) => this.attempt(pending, failed), this.policy);
      failed.push(...rest);
    }
    failed.sort((a, b) => a.index - b.index);
    return { failed: failed.map((p) => ({ index: p.index, reason: p.reason })) };
  }

  /** Sends one batch; returns the entries to retry and moves the sender's faults (not retryable) to `failed`. */
  private async attempt(pending: Pending[], failed: Pending[]): Promise<Pending[]> {
    let out;
    try {
      out = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending.map((p) => p.entry) }));
    } catch (error) {
      if (!isTransient(error)) throw new AdapterError('SQS', 'SendMessageBatch', describeError(error), error);
      for (const p of pending) p.reason = describeError(error);
      return pending;
    }
    const byId = new Map(pending.map((p) => [p.entry.Id, p]));
    const retry: Pending[] = [];
    for (const f of out.Failed ?? []) {
      const p = byId.get(f.Id);
      if (!p) continue;
      p.reason = f.Message ? `${f.Code}: ${f.Message}` : (f.Code ?? 'unknown failure');
      (f.SenderFault ? failed : retry).push(p);
    }
    return retry;
  }
}
