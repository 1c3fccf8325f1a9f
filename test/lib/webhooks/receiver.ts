import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BusEvent, Bus, PublishResult } from '../../../lib/ports/bus';
import { verifySignature, type VerifyResult } from '../../../lib/webhooks/signing';

/** One request the receiver got. */
export interface ReceivedDelivery {
  webhookId: string;
  eventId: string;
  type: string;
  data: Record<string, unknown>;
  signature: VerifyResult;
  status: number;
}

/** Options of the test receiver. */
export interface ReceiverOptions {
  /** The receiver's notion of now, in Unix seconds (the platform clock's), for the timestamp tolerance. */
  nowSeconds: () => number;
  /** Answer 500 to the first `failFirst` deliveries of each event (default 0). */
  failFirst?: number;
}

/** A local HTTP webhook receiver that verifies Standard Webhooks signatures and counts deliveries per event. */
export interface Receiver {
  /** http://127.0.0.1:<port>/hook */
  url: string;
  /** Sets the secret to verify with (known once the webhook is created). */
  setSecret(secret: string): void;
  /** Every request, in arrival order. */
  readonly deliveries: ReceivedDelivery[];
  /** Accepted (2xx) deliveries per event id. */
  accepted(): Map<string, ReceivedDelivery[]>;
  close(): Promise<void>;
}

const bodyOf = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

/**
 * Starts a receiver on 127.0.0.1: it verifies each delivery's signature (answering 401 when it does
 * not verify, as a real receiver would), fails the first N deliveries of each event with 500, and
 * accepts the rest with 204.
 */
export async function startReceiver(options: ReceiverOptions): Promise<Receiver> {
  let secret = '';
  const deliveries: ReceivedDelivery[] = [];
  const seen = new Map<string, number>();
  const server = createServer((req, res) => {
    void (async () => {
      const body = await bodyOf(req);
      const headers = req.headers as Record<string, string | undefined>;
      const signature = verifySignature(secret, headers, body, options.nowSeconds());
      const payload = JSON.parse(body) as { type: string; data: Record<string, unknown> };
      const eventId = String(payload.data.eventId);
      const n = (seen.get(eventId) ?? 0) + 1;
      seen.set(eventId, n);
      const status = !signature.ok ? 401 : n <= (options.failFirst ?? 0) ? 500 : 204;
      deliveries.push({ webhookId: String(headers['webhook-id']), eventId, type: payload.type, data: payload.data, signature, status });
      res.writeHead(status).end();
    })().catch((error: unknown) => {
      res.writeHead(400).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    setSecret: (s) => {
      secret = s;
    },
    deliveries,
    accepted: () => {
      const out = new Map<string, ReceivedDelivery[]>();
      for (const d of deliveries) if (d.status >= 200 && d.status < 300) out.set(d.eventId, [...(out.get(d.eventId) ?? []), d]);
      return out;
    },
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

/** What a flaky bus does with one publish of one event. */
export type Flake = 'ok' | 'lost' | 'acceptedButReportedFailed';

/**
 * A Bus that fails intermittently, the two ways EventBridge can: an entry is rejected (not
 * published, reported failed), or it is published but the answer is lost (reported failed, so the
 * producer publishes it again: a duplicate on the bus). Whole calls can also throw.
 */
export class FlakyBus implements Bus {
  /** Publish calls so far. */
  calls = 0;
  private readonly attempts = new Map<string, number>();

  constructor(
    private readonly inner: Bus,
    /** The fate of the `attempt`-th publish (1-based) of an event. */
    private readonly fate: (event: BusEvent, attempt: number) => Flake,
    /** Throw on these publish calls (1-based). */
    private readonly throwOnCalls: ReadonlySet<number> = new Set(),
  ) {}

  async publish(events: BusEvent[]): Promise<PublishResult> {
    this.calls++;
    if (this.throwOnCalls.has(this.calls)) throw new Error('EventBridge unavailable');
    const failed: PublishResult['failed'] = [];
    const through: BusEvent[] = [];
    for (const event of events) {
      const attempt = (this.attempts.get(event.id) ?? 0) + 1;
      this.attempts.set(event.id, attempt);
      const fate = this.fate(event, attempt);
      if (fate !== 'lost') through.push(event);
      if (fate !== 'ok') failed.push({ event, reason: fate === 'lost' ? 'InternalFailure' : 'timeout after accepting' });
    }
    const inner = await this.inner.publish(through);
    return { failed: [...failed, ...inner.failed] };
  }
}

/** Publishes until every event is accepted, the way the outbox sweep does: failed ones (and thrown calls) are published again. */
export async function publishUntilAccepted(bus: Bus, events: BusEvent[], maxRounds = 20): Promise<number> {
  let pending = events;
  let rounds = 0;
  while (pending.length) {
    if (++rounds > maxRounds) throw new Error(`${pending.length} events still unpublished after ${maxRounds} rounds`);
    try {
      pending = (await bus.publish(pending)).failed.map((f) => f.event);
    } catch (error) {
      void error; // a thrown call leaves every event pending, as it is for the outbox
    }
  }
  return rounds;
}
