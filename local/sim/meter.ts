import { AsyncLocalStorage } from 'node:async_hooks';
import { isDeepStrictEqual } from 'node:util';
import type { Bus, BusEvent, PublishResult } from '../../lib/ports/bus';
import type { Blobs } from '../../lib/ports/blobs';
import type { OutgoingMessage, Queue } from '../../lib/ports/queue';
import type { Changes, Condition, Item, ItemKey, Query, Store, WriteResult } from '../../lib/ports/store';
import type { Telephony } from '../../lib/ports/telephony';
import type { SmaResponse } from '../../lib/telephony/sma-events';
import { INDEX_NAMES, INDEX_PROJECTIONS, projectItem, projectsWholeItems } from '../../lib/store/indexes';
import type { Instrument } from '../instrument';

/**
 * Metering of the ports for the campaign simulation: every store, queue, bus, blob and telephony call
 * is counted the way AWS bills it (DynamoDB request units by item size and index, SQS requests per
 * 64 KB, EventBridge entries per 64 KB), and attributed to the function invocation it happened in
 * (AsyncLocalStorage), so each invocation's AWS requests and CPU time can be priced.
 */

/** DynamoDB request units and requests of one kind of item. */
export interface StoreKind {
  reads: number;
  writes: number;
  /** Conditional writes refused (billed like the write). */
  conditionFailed: number;
  /** Items returned by queries and batch reads. */
  itemsRead: number;
  /** Read request units (4 KB strongly consistent, half for index queries, which are eventually consistent). */
  rru: number;
  /** Write request units (1 KB, plus the index writes: see {@link Meter.meterStore}). */
  wru: number;
}

/** What one function did over the run. */
export interface FunctionUsage {
  invocations: number;
  /** Wall ms inside invocations (CPU-bound: everything is in memory), when invocations are serialised. */
  handlerMs: number;
  /** Of which in the in-memory adapters (stand-ins for SDK calls). */
  adapterMs: number;
  /** AWS requests made (store, queue, bus, blobs, telephony). */
  awsRequests: number;
  /** Sequential-latency estimate of the AWS requests (ms), for the billed duration. */
  awsLatencyMs: number;
  errors: number;
}

/** Writes of one kind of item that change the same attributes (the meter's optional write breakdown). */
export interface WriteChange {
  writes: number;
  wru: number;
  /** Bytes of the items before and after, summed (for mean sizes). */
  bytesBefore: number;
  bytesAfter: number;
}

const stringify = (v: unknown) => JSON.stringify(v, (_k, x) => (x instanceof Set ? [...x] : x));

/**
 * What a write changed, as a readable key: the item's kind, then the attribute names whose values differ
 * (pending effects, `fx#<id>`, as one `fx#*`; `version` and `updatedAt`, which every write bumps, left out),
 * `new` or `deleted` when the item appears or goes.
 */
export function changeOf(key: ItemKey, before: Item | undefined, after: Item | undefined): string {
  if (!before) return `${kindOf(key)} new`;
  if (!after) return `${kindOf(key)} deleted`;
  const names = new Set<string>();
  for (const n of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (n === 'version' || n === 'updatedAt' || stringify(before[n]) === stringify(after[n])) continue;
    names.add(n.startsWith('fx#') ? 'fx#*' : n);
  }
  return `${kindOf(key)} ${[...names].sort().join(',') || '(version only)'}`;
}

/** Assumed latency of one request from Lambda, for the billed-duration estimate (conservative, as if sequential). */
export const REQUEST_LATENCY_MS = { dynamodb: 6, sqs: 10, eventbridge: 15, s3: 20, chime: 60 } as const;

interface Context {
  fn: string;
  usage: FunctionUsage;
}

const size = (v: unknown) => Buffer.byteLength(JSON.stringify(v, (_k, x) => (x instanceof Set ? [...x] : x)) ?? '', 'utf8');

/** A readable kind for a key: the upper-case words of pk and sk (`I.CMP.J|JOB`), ids dropped. */
export function kindOf(key: ItemKey): string {
  const words = (s: string) =>
    s
      .split('#')
      .filter((w) => /^[A-Z]+$/.test(w))
      .join('.');
  return `${words(String(key.pk))}|${words(String(key.sk)) || String(key.sk).replace(/[0-9a-z_-]{6,}/g, '*')}`;
}

/** Counts everything the simulated platform asks of AWS. */
export class Meter {
  private readonly als = new AsyncLocalStorage<Context>();
  readonly store = new Map<string, StoreKind>();
  readonly functions = new Map<string, FunctionUsage>();
  readonly sqs = { sendRequests: 0, messages: 0, receiveRequests: 0, deleteRequests: 0 };
  readonly eventbridge = { putRequests: 0, entries: 0, byType: new Map<string, number>() };
  readonly s3 = { puts: 0, gets: 0, other: 0 };
  readonly telephony = { placeCalls: 0, updateCalls: 0 };
  /** Polly characters and Lex turns asked for by SMA responses. */
  readonly speech = { pollyCharacters: 0, lexTurns: 0 };
  readonly stepFunctions = { transitions: 0 };
  /** Successful writes by what they changed (`changeOf`); filled only with the `writeBreakdown` option. */
  readonly writesByChange = new Map<string, WriteChange>();
  logBytes = 0;
  /** Anything happened (the simulation driver's idleness test). */
  activity = 0;
  private lock: Promise<void> = Promise.resolve();

  constructor(private readonly options: { serialise: boolean; writeBreakdown?: boolean }) {}

  private fnUsage(fn: string): FunctionUsage {
    let u = this.functions.get(fn);
    if (!u) this.functions.set(fn, (u = { invocations: 0, handlerMs: 0, adapterMs: 0, awsRequests: 0, awsLatencyMs: 0, errors: 0 }));
    return u;
  }

  private kind(key: ItemKey): StoreKind {
    const k = kindOf(key);
    let s = this.store.get(k);
    if (!s) this.store.set(k, (s = { reads: 0, writes: 0, conditionFailed: 0, itemsRead: 0, rru: 0, wru: 0 }));
    return s;
  }

  /** Charges a request to the current invocation (none outside handlers: the simulator's own reads). */
  private request(service: keyof typeof REQUEST_LATENCY_MS, ms: number): void {
    this.activity++;
    const ctx = this.als.getStore();
    if (!ctx) return;
    ctx.usage.awsRequests++;
    ctx.usage.awsLatencyMs += REQUEST_LATENCY_MS[service];
    ctx.usage.adapterMs += ms;
  }

  /** Whether the caller runs inside a function invocation. */
  inInvocation(): string | undefined {
    return this.als.getStore()?.fn;
  }

  /** The instrument for the local wiring: counts, times (serialised when asked) and attributes invocations. */
  instrument(): Instrument {
    return (fn, handler) => {
      return async (...args) => {
        const usage = this.fnUsage(fn);
        usage.invocations++;
        this.activity++;
        let release = () => {};
        if (this.options.serialise) {
          const previous = this.lock;
          this.lock = new Promise<void>((r) => (release = r));
          await previous;
        }
        const started = performance.now();
        try {
          const result = await this.als.run({ fn, usage }, () => handler(...args));
          if (fn === 'sma') this.speechOf(result as SmaResponse);
          return result;
        } catch (error) {
          usage.errors++;
          throw error;
        } finally {
          usage.handlerMs += performance.now() - started;
          release();
        }
      };
    };
  }

  private speechOf(response: SmaResponse | undefined): void {
    for (const a of response?.Actions ?? []) {
      const p = a.Parameters as Record<string, unknown>;
      if (a.Type === 'Speak') this.speech.pollyCharacters += String(p.Text ?? '').length;
      if (a.Type === 'SpeakAndGetDigits') this.speech.pollyCharacters += String((p.SpeechParameters as { Text?: string } | undefined)?.Text ?? '').length;
      if (a.Type === 'StartBotConversation') {
        this.speech.lexTurns++;
        const welcome = ((p.Configuration as { WelcomeMessages?: { Content?: string }[] } | undefined)?.WelcomeMessages ?? [])[0]?.Content ?? '';
        this.speech.pollyCharacters += welcome.length;
      }
    }
  }

  /** The store, metered. `peek` reads the current item without counting (for write sizes and index changes). */
  meterStore(inner: Store & { peek?: (key: ItemKey) => Readonly<Item> | undefined }): Store {
    const m = this;
    const peek = async (key: ItemKey) => (inner.peek ? inner.peek(key) : inner.get(key));
    // Sizes of stored items, cached by the stored object (replaced on every write), so a read costs no JSON.
    const sizes = new WeakMap<object, number>();
    const sizeOf = (key: ItemKey, copy: Item): number => {
      const stored = inner.peek?.(key);
      if (!stored) return size(copy);
      let n = sizes.get(stored);
      if (n === undefined) sizes.set(stored, (n = size(stored)));
      return n;
    };
    const timed = async <T>(f: () => Promise<T>): Promise<{ value: T; ms: number }> => {
      const t = performance.now();
      const p = f();
      const ms = performance.now() - t;
      return { value: await p, ms };
    };
    // Index writes, by each index's projection (lib/store/indexes.ts, the same list the tables are made from).
    // Projecting ALL: every write of an indexed item writes its copy too (the item's size), two when the
    // index key moves (a delete and a put). Keys only: written only when the item enters, leaves or moves
    // in the index (1 KB suffices for the keys). INCLUDE: written (at the projected size) when the item enters,
    // leaves or moves in the index, or when a projected attribute changes; not by writes of other attributes.
    const projectedChanged = (gsi: (typeof INDEX_NAMES)[number], before: Item, after: Item): boolean => {
      const p = INDEX_PROJECTIONS[gsi];
      return p.type === 'INCLUDE' && p.attributes.some((name) => !isDeepStrictEqual(before[name], after[name]));
    };
    const writeUnits = (before: Item | undefined, beforeSize: number, after: Item | undefined, key: ItemKey): number => {
      const base = Math.max(1, Math.ceil(Math.max(beforeSize, after ? sizeOf(key, after) : 0) / 1024));
      let index = 0;
      for (const gsi of INDEX_NAMES) {
        const b = before && typeof before[`${gsi}pk`] === 'string' ? `${String(before[`${gsi}pk`])}|${String(before[`${gsi}sk`])}` : undefined;
        const a = after && typeof after[`${gsi}pk`] === 'string' ? `${String(after[`${gsi}pk`])}|${String(after[`${gsi}sk`])}` : undefined;
        if (!a && !b) continue;
        const moves = a && b && a !== b ? 2 : 1;
        const type = INDEX_PROJECTIONS[gsi].type;
        if (type === 'ALL') index += moves * base;
        else if (type === 'KEYS_ONLY') index += a !== b ? moves : 0;
        else if (a !== b || projectedChanged(gsi, before!, after!)) {
          const projected = Math.max(before && b ? size(projectItem(gsi, before)) : 0, after && a ? size(projectItem(gsi, after)) : 0);
          index += moves * Math.max(1, Math.ceil(projected / 1024));
        }
      }
      return base + index;
    };
    const write = async (key: ItemKey, op: () => Promise<WriteResult>): Promise<WriteResult> => {
      const before = await peek(key);
      const beforeSize = before ? sizeOf(key, before) : 0;
      const { value, ms } = await timed(op);
      const k = m.kind(key);
      k.writes++;
      if (!value.ok) {
        k.conditionFailed++;
        k.wru += Math.max(1, Math.ceil(beforeSize / 1024));
      } else {
        const after = await peek(key);
        const units = writeUnits(before, beforeSize, after, key);
        k.wru += units;
        if (m.options.writeBreakdown) {
          const change = changeOf(key, before, after);
          const c = m.writesByChange.get(change) ?? { writes: 0, wru: 0, bytesBefore: 0, bytesAfter: 0 };
          c.writes++;
          c.wru += units;
          c.bytesBefore += beforeSize;
          c.bytesAfter += after ? sizeOf(key, after) : 0;
          m.writesByChange.set(change, c);
        }
      }
      m.request('dynamodb', ms);
      return value;
    };
    return {
      async get(key) {
        const { value, ms } = await timed(() => inner.get(key));
        const k = m.kind(key);
        k.reads++;
        k.itemsRead += value ? 1 : 0;
        k.rru += Math.max(1, Math.ceil((value ? sizeOf(key, value) : 0) / 4096));
        m.request('dynamodb', ms);
        return value;
      },
      async batchGet(keys) {
        const { value, ms } = await timed(() => inner.batchGet(keys));
        for (const item of value) {
          const k = m.kind(item);
          k.itemsRead++;
          k.rru += Math.max(1, Math.ceil(sizeOf(item, item) / 4096));
        }
        if (keys[0]) m.kind(keys[0]).reads += Math.ceil(keys.length / 100);
        for (let i = 0; i < Math.max(1, Math.ceil(keys.length / 100)); i++) m.request('dynamodb', i === 0 ? ms : 0);
        return value;
      },
      put: (item: Item, condition?: Condition) => write(item, () => inner.put(item, condition)),
      update: (key: ItemKey, changes: Changes, condition?: Condition) => write(key, () => inner.update(key, changes, condition)),
      delete: (key: ItemKey, condition?: Condition) => write(key, () => inner.delete(key, condition)),
      async query(q: Query) {
        const { value, ms } = await timed(() => inner.query(q));
        const k = m.kind({ pk: `${q.index ? `${q.index.toUpperCase()}#` : ''}${q.pk}`, sk: q.beginsWith ?? '' });
        k.reads++;
        k.itemsRead += value.items.length;
        // An index that does not project everything returns what it holds (keys, some attributes); otherwise the stored items.
        const bytes = value.items.reduce((n, i) => n + (projectsWholeItems(q.index) ? sizeOf(i, i) : size(i)), 0);
        const units = Math.max(1, Math.ceil(bytes / 4096));
        k.rru += q.index || !q.consistent ? units / 2 : units;
        m.request('dynamodb', ms);
        return value;
      },
      async batchPut(items) {
        for (const item of items) await write(item, async () => (await inner.batchPut([item]), { ok: true as const }));
      },
      async batchDelete(keys) {
        for (const key of keys) await write(key, async () => (await inner.batchDelete([key]), { ok: true as const }));
      },
    };
  }

  /** A queue port, metered (SQS bills a request per 64 KB chunk of a send). */
  meterQueue(inner: Queue): Queue {
    const m = this;
    const chunks = (msgs: OutgoingMessage[]) => Math.max(1, Math.ceil(msgs.reduce((n, x) => n + Buffer.byteLength(x.body), 0) / 65536));
    return {
      async send(message) {
        const t = performance.now();
        const p = inner.send(message);
        const ms = performance.now() - t;
        m.sqs.sendRequests += chunks([message]);
        m.sqs.messages++;
        m.request('sqs', ms);
        return p;
      },
      async sendBatch(messages) {
        const t = performance.now();
        const p = inner.sendBatch(messages);
        const ms = performance.now() - t;
        for (let i = 0; i < messages.length; i += 10) {
          m.sqs.sendRequests += chunks(messages.slice(i, i + 10));
          m.request('sqs', i === 0 ? ms : 0);
        }
        m.sqs.messages += messages.length;
        return p;
      },
    };
  }

  /** Counts one event-source-mapping poll that delivered a batch (a ReceiveMessage and a DeleteMessageBatch). */
  consumed(): void {
    this.sqs.receiveRequests++;
    this.sqs.deleteRequests++;
  }

  /** The bus, metered (EventBridge bills an entry per 64 KB). */
  meterBus(inner: Bus): Bus {
    const m = this;
    return {
      async publish(events: BusEvent[]): Promise<PublishResult> {
        const t = performance.now();
        const p = inner.publish(events);
        const ms = performance.now() - t;
        for (let i = 0; i < events.length; i += 10) m.request('eventbridge', i === 0 ? ms : 0);
        m.eventbridge.putRequests += Math.ceil(events.length / 10);
        const result = await p;
        const failed = new Set(result.failed.map((f) => f.event.id));
        for (const e of events) {
          m.eventbridge.entries += Math.max(1, Math.ceil(size(e) / 65536));
          if (!failed.has(e.id)) m.eventbridge.byType.set(e.detailType, (m.eventbridge.byType.get(e.detailType) ?? 0) + 1);
        }
        return result;
      },
    };
  }

  /** Blobs, metered (S3 requests). */
  meterBlobs<B extends Blobs>(inner: B): Blobs {
    const m = this;
    const count = (k: 'puts' | 'gets' | 'other') => {
      m.s3[k]++;
      m.request('s3', 0);
    };
    return {
      put: (...a: Parameters<Blobs['put']>) => (count('puts'), inner.put(...a)),
      get: (...a: Parameters<Blobs['get']>) => (count('gets'), inner.get(...a)),
      stream: (...a: Parameters<Blobs['stream']>) => (count('gets'), inner.stream(...a)),
      head: (...a: Parameters<Blobs['head']>) => (count('other'), inner.head(...a)),
      list: (...a: Parameters<Blobs['list']>) => (count('other'), inner.list(...a)),
      link: (...a: Parameters<Blobs['link']>) => inner.link(...a),
    } as Blobs;
  }

  /** Telephony, metered (Chime API calls). */
  meterTelephony(inner: Telephony): Telephony {
    const m = this;
    return {
      async placeCall(r) {
        m.telephony.placeCalls++;
        m.request('chime', 0);
        return inner.placeCall(r);
      },
      async updateCall(r) {
        m.telephony.updateCalls++;
        m.request('chime', 0);
        return inner.updateCall(r);
      },
    };
  }
}
