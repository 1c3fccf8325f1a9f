/** An event for the bus, in EventBridge's envelope terms. */
export interface BusEvent {
  /** Stable id for consumers to deduplicate (also sent in the detail as `eventId`). */
  id: string;
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
  /** ISO 8601 time of the event. */
  time: string;
  resources?: string[];
}

/** Outcome of a publish: the events that still failed after retries. */
export interface PublishResult {
  failed: { event: BusEvent; reason: string }[];
}

/** The event bus port (EventBridge semantics). */
export interface Bus {
  /** Publishes events (chunks of 10), retrying failed entries; reports the ones that still failed. */
  publish(events: BusEvent[]): Promise<PublishResult>;
}
