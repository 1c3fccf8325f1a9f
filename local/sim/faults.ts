import { AsyncLocalStorage } from 'node:async_hooks';
import type { Bus } from '../../lib/ports/bus';
import type { Queue } from '../../lib/ports/queue';
import type { Store } from '../../lib/ports/store';
import type { Telephony } from '../../lib/ports/telephony';
import type { Instrument } from '../instrument';
import { mulberry32 } from '../../lib/core/random';

/**
 * Fault injection for the chaos soak: what AWS and the telephone network do on a bad day, each with a
 * probability, all drawn from one seeded generator so a failing soak replays.
 */

/** Probabilities of the injected faults. */
export interface ChaosOptions {
  /** A queue send is delivered twice (SQS is at-least-once). */
  duplicateDelivery: number;
  /** A queue send is delayed by 1–30 s more than asked. */
  delayedDelivery: number;
  /** A handler invocation crashes: the store throws after 0–6 of its writes (the queue or Step Functions then redelivers). */
  crash: number;
  /** The telephony network drops a HANGUP event: the platform never hears the call end (the lease expiry and the sweep must finish it). */
  lostHangup: number;
  /** A store request is throttled (after the SDK's own retries). */
  storeThrottle: number;
  /** CreateSipMediaApplicationCall is throttled, or UpdateSipMediaApplicationCall fails. */
  telephonyThrottle: number;
  /** A PutEvents request fails for every entry. */
  busFailure: number;
}

/** A moderate bad day. */
export const DEFAULT_CHAOS: ChaosOptions = {
  duplicateDelivery: 0.05,
  delayedDelivery: 0.05,
  crash: 0.03,
  lostHangup: 0.03,
  storeThrottle: 0.001,
  telephonyThrottle: 0.05,
  busFailure: 0.05,
};

/** mulberry32: small, fast, good enough to draw faults from a seed. */
export function seededRandom(seed: number): () => number {
  return mulberry32(seed);
}

/** An injected fault (thrown where a real one would be). */
export class InjectedFault extends Error {
  constructor(readonly kind: string) {
    super(`injected fault: ${kind}`);
    this.name = kind === 'throttle' ? 'ProvisionedThroughputExceededException' : 'InjectedCrash';
  }
}

/** Counts of the faults injected. */
export type FaultCounts = Record<keyof ChaosOptions, number>;

/** Wraps ports and handlers with faults. */
export class Faults {
  private readonly random: () => number;
  private readonly als = new AsyncLocalStorage<{ writesLeft: number }>();
  readonly injected: FaultCounts = { duplicateDelivery: 0, delayedDelivery: 0, crash: 0, lostHangup: 0, storeThrottle: 0, telephonyThrottle: 0, busFailure: 0 };
  /** Transactions whose HANGUP was dropped. */
  readonly lostHangups = new Set<string>();

  constructor(
    private readonly options: ChaosOptions,
    seed: number,
  ) {
    this.random = seededRandom(seed);
  }

  /** Faults are injected only once enabled (the setup through the API runs on a good day). */
  enabled = false;

  private roll(kind: keyof ChaosOptions): boolean {
    if (!this.enabled || this.random() >= this.options[kind]) return false;
    this.injected[kind]++;
    return true;
  }

  /** Crashes (store throws after N writes) and lost hang-ups, per invocation. */
  instrument(): Instrument {
    return (fn, handler) =>
      async (...args) => {
        if (fn === 'sma') {
          const event = args[0] as { InvocationEventType?: string; CallDetails?: { TransactionId?: string } };
          if (event?.InvocationEventType === 'HANGUP' && this.roll('lostHangup')) {
            this.lostHangups.add(String(event.CallDetails?.TransactionId));
            // The platform never hears of it; Chime ignores the response to HANGUP anyway.
            return { SchemaVersion: '1.0', Actions: [] } as never;
          }
          // A crashing SMA handler ends the simulated call where it stands (as a lost hang-up would).
        }
        const writesLeft = fn !== 'sma' && this.roll('crash') ? Math.floor(this.random() * 7) : Number.POSITIVE_INFINITY;
        return this.als.run({ writesLeft }, () => handler(...args));
      };
  }

  /** A store that throttles now and then, and crashes the invocation whose write budget ran out. */
  store(inner: Store): Store {
    const before = (write: boolean) => {
      if (this.roll('storeThrottle')) throw new InjectedFault('throttle');
      if (!write) return;
      const ctx = this.als.getStore();
      if (!ctx) return;
      if (ctx.writesLeft <= 0) throw new InjectedFault('crash');
      ctx.writesLeft--;
    };
    return {
      get: async (k) => (before(false), inner.get(k)),
      batchGet: async (k) => (before(false), inner.batchGet(k)),
      query: async (q) => (before(false), inner.query(q)),
      put: async (i, c) => (before(true), inner.put(i, c)),
      update: async (k, ch, c) => (before(true), inner.update(k, ch, c)),
      delete: async (k, c) => (before(true), inner.delete(k, c)),
      batchPut: async (i) => (before(true), inner.batchPut(i)),
      batchDelete: async (k) => (before(true), inner.batchDelete(k)),
    };
  }

  /** A queue whose sends are sometimes duplicated or delayed. */
  queue(inner: Queue): Queue {
    const shape = (m: Parameters<Queue['send']>[0]) =>
      this.roll('delayedDelivery') ? { ...m, delaySeconds: Math.min(900, (m.delaySeconds ?? 0) + 1 + Math.floor(this.random() * 30)) } : m;
    return {
      send: async (m) => {
        await inner.send(shape(m));
        if (this.roll('duplicateDelivery')) await inner.send(shape(m));
      },
      sendBatch: async (ms) => {
        const extra = ms.filter(() => this.roll('duplicateDelivery'));
        const result = await inner.sendBatch(ms.map(shape));
        if (extra.length) await inner.sendBatch(extra.map(shape));
        return result;
      },
    };
  }

  /** A bus whose PutEvents requests sometimes fail whole. */
  bus(inner: Bus): Bus {
    return {
      publish: async (events) => {
        if (events.length > 0 && this.roll('busFailure')) return { failed: events.map((event) => ({ event, reason: 'InternalFailure (injected)' })) };
        return inner.publish(events);
      },
    };
  }

  /** Telephony that throttles call placement and sometimes fails updates. */
  telephony(inner: Telephony): Telephony {
    return {
      placeCall: async (r) =>
        this.roll('telephonyThrottle') ? { ok: false, reason: 'throttled', message: 'ThrottledClientException (injected)', retryable: true } : inner.placeCall(r),
      updateCall: async (r) => (this.roll('telephonyThrottle') ? { ok: false, message: 'ServiceUnavailableException (injected)' } : inner.updateCall(r)),
    };
  }
}
