/** A message as received from a queue. */
export interface ReceivedMessage {
  id: string;
  body: string;
  /** Handle to acknowledge (delete) or extend this delivery. */
  receiptHandle: string;
  /** How many times this message has been delivered, this one included. */
  receiveCount: number;
  attributes?: Record<string, string>;
}

/** A message to send. */
export interface OutgoingMessage {
  body: string;
  /** Seconds before the message becomes visible (0–900, as in SQS). */
  delaySeconds?: number;
  /** Deduplication/grouping are not used: consumers are idempotent instead. */
  attributes?: Record<string, string>;
}

/** Outcome of a batch send: which entries failed, by index. */
export interface SendBatchResult {
  failed: { index: number; reason: string }[];
}

/** The queue port (SQS semantics: at-least-once, visibility timeout, redelivery, dead-letter). */
export interface Queue {
  /** Sends one message. */
  send(message: OutgoingMessage): Promise<void>;
  /** Sends many messages (chunks of 10 as SQS allows), retrying failed entries; reports the ones that still failed. */
  sendBatch(messages: OutgoingMessage[]): Promise<SendBatchResult>;
}
