import { MemoryStore } from '../../lib/adapters/memory/store';
import { compose } from '../../lib/composition';
import { assertValidEvent } from '../../lib/events';
import type { Deps } from '../../lib/core/deps';
import { silentLogger } from '../../lib/core/log';
import type { BusEvent } from '../../lib/ports/bus';
import { ManualClock } from '../../lib/ports/clock';
import type { OutgoingMessage } from '../../lib/ports/queue';
import type { PlaceCallRequest } from '../../lib/ports/telephony';
import { MemoryBlobs } from '../../lib/adapters/memory/blobs';

export { MemoryBlobs };

/** A queue that records what was sent. */
export class RecordingQueue {
  readonly sent: OutgoingMessage[] = [];
  async send(message: OutgoingMessage) {
    this.sent.push(message);
  }
  async sendBatch(messages: OutgoingMessage[]) {
    this.sent.push(...messages);
    return { failed: [] };
  }
  /** Parsed bodies of the sent messages. */
  bodies<T = Record<string, unknown>>(): T[] {
    return this.sent.map((m) => JSON.parse(m.body) as T);
  }
}


/**
 * Test services: in-memory store, recording queues/bus/telephony, a manual clock, composed by the real
 * composition root (lib/composition.ts) like every runtime.
 */
export function testDeps(overrides: Partial<Deps> = {}) {
  const clock = new ManualClock();
  const events: BusEvent[] = [];
  const calls: PlaceCallRequest[] = [];
  const queues = { dial: new RecordingQueue(), tick: new RecordingQueue(), work: new RecordingQueue(), webhooks: new RecordingQueue() };
  const workflowStarts: { instanceId: string; campaignId: string; run: number }[] = [];
  const deps: Deps = {
    store: new MemoryStore(),
    queues,
    bus: {
      // Every event a test publishes must keep the published contract (lib/events).
      async publish(batch) {
        for (const e of batch) assertValidEvent(e);
        events.push(...batch);
        return { failed: [] };
      },
    },
    blobs: { data: new MemoryBlobs(), recordings: new MemoryBlobs() },
    telephony: {
      async placeCall(request) {
        calls.push(request);
        return { ok: true, transactionId: `tx-${calls.length}` };
      },
      async updateCall() {
        return { ok: true };
      },
    },
    workflows: {
      async startCampaignLoop(input) {
        workflowStarts.push(input);
      },
    },
    clock,
    log: silentLogger,
    config: { eventSource: 'reachout', callsPerSecond: 1, region: 'local' },
    ...overrides,
  };
  return { deps: compose(deps), clock, events, calls, queues, workflowStarts };
}
