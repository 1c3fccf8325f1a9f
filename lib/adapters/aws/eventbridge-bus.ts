import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { Bus, BusEvent, PublishResult } from '../../ports/bus';
import { chunkBySize, describeError, isTransient, retryPending, retryPolicy, type RetryPolicy, type Sleep } from './retry';

// One client per module (Lambda execution environment), created on first use so importing is free.
let defaultEventsClient: EventBridgeClient | undefined;
const defaultClient = () => (defaultEventsClient ??= new EventBridgeClient({}));

/** Options of the EventBridge bus adapter. */
export interface EventBridgeBusOptions {
  busName: string;
  /** EventBridge client; a shared default otherwise. */
  client?: EventBridgeClient;
  /** Backoff sleep between retries of failed entries. */
  sleep?: Sleep;
  /** Attempts per chunk, the first included (default 6). */
  maxAttempts?: number;
  /** Jitter source; for tests. */
  random?: () => number;
}

/** PutEvents limits: 10 entries and 256 KB per request. */
const MAX_ENTRIES = 10;
const MAX_BYTES = 256 * 1024;

/** Entry error codes EventBridge documents as permanent; every other code is retried. */
const PERMANENT = new Set([
  'AccessDeniedException',
  'InvalidAccountIdException',
  'InvalidArgument',
  'MalformedDetail',
  'RedactionFailure',
  'NotAuthorizedForSourceException',
  'NotAuthorizedForDetailTypeException',
]);

/** The PutEvents entry of an event; the detail carries the event id so consumers can deduplicate. */
export function toEntry(event: BusEvent, busName: string): PutEventsRequestEntry {
  const time = new Date(event.time);
  return {
    EventBusName: busName,
    Source: event.source,
    DetailType: event.detailType,
    Detail: JSON.stringify({ ...event.detail, eventId: event.id }),
    // Without a valid time EventBridge stamps the time of receipt, which beats failing the publish.
    ...(Number.isNaN(time.getTime()) ? {} : { Time: time }),
    ...(event.resources?.length ? { Resources: event.resources } : {}),
  };
}

/** Size of an entry as EventBridge counts it against the 256 KB request limit. */
export function entrySize(entry: PutEventsRequestEntry): number {
  const bytes = (s: string | undefined) => (s ? Buffer.byteLength(s, 'utf8') : 0);
  return (
    (entry.Time ? 14 : 0) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    (entry.Resources ?? []).reduce((n, r) => n + bytes(r), 0)
  );
}

interface Pending {
  event: BusEvent;
  entry: PutEventsRequestEntry;
  index: number;
  reason: string;
}

/** The Bus port on an EventBridge event bus. */
export class EventBridgeBus implements Bus {
  private readonly busName: string;
  private readonly client: EventBridgeClient;
  private readonly policy: RetryPolicy;

  constructor(options: EventBridgeBusOptions) {
    this.busName = options.busName;
    this.client = options.client ?? defaultClient();
    this.policy = retryPolicy(options);
  }

  /**
   * Publishes in requests of at most 10 entries and 256 KB; retries only the entries (or requests)
   * that failed transiently, with backoff; reports every event still not published with its reason
   * (entries EventBridge refuses for good, an entry over 256 KB, a request refused as a whole) and
   * never throws for them: the caller keeps those events pending (the outbox) and publishes the rest.
   */
  async publish(events: BusEvent[]): Promise<PublishResult> {
    const failed: Pending[] = [];
    const all: Pending[] = [];
    events.forEach((event, index) => {
      const p: Pending = { event, entry: toEntry(event, this.busName), index, reason: '' };
      const size = entrySize(p.entry);
      // EventBridge refuses a whole request holding an entry this large; it must not take the others with it.
      if (size > MAX_BYTES) failed.push({ ...p, reason: `EntryTooLarge: ${size} bytes, at most ${MAX_BYTES}` });
      else all.push(p);
    });
    for (const chunk of chunkBySize(all, MAX_ENTRIES, MAX_BYTES, (p) => entrySize(p.entry))) {
      const rest = await retryPending(chunk, (pending) => this.attempt(pending, failed), this.policy);
      failed.push(...rest);
    }
    failed.sort((a, b) => a.index - b.index);
    return { failed: failed.map((p) => ({ event: p.event, reason: p.reason })) };
  }

  /** Sends one request; returns the entries to retry and moves permanent failures to `failed`. */
  private async attempt(pending: Pending[], failed: Pending[]): Promise<Pending[]> {
    let out;
    try {
      out = await this.client.send(new PutEventsCommand({ Entries: pending.map((p) => p.entry) }));
    } catch (error) {
      const reason = describeError(error);
      for (const p of pending) p.reason = reason;
      if (isTransient(error)) return pending;
      // Refused as a whole (access denied, validation): retrying cannot help; report, and go on with the next request.
      failed.push(...pending);
      return [];
    }
    if (!out.FailedEntryCount) return [];
    const retry: Pending[] = [];
    // Result entries line up with the request entries.
    pending.forEach((p, i) => {
      const result = out.Entries?.[i];
      if (!result?.ErrorCode) return;
      p.reason = result.ErrorMessage ? `${result.ErrorCode}: ${result.ErrorMessage}` : result.ErrorCode;
      (PERMANENT.has(result.ErrorCode) ? failed : retry).push(p);
    });
    return retry;
  }
}
