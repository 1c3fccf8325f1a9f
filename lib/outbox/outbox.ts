import { shardOf } from '../core/ids';
import type { Logger } from '../core/log';
import { ReachoutError } from '../core/errors';
import type { Bus } from '../ports/bus';
import type { Clock } from '../ports/clock';
import type { Queue } from '../ports/queue';
import type { Changes, Condition, Item, ItemKey, Store } from '../ports/store';
import type { Workflows } from '../ports/workflows';
import { Effect, effectTime, type EffectInput } from './effects';

/**
 * The outbox (see docs/data-model.md, "Durable effects"): a state change and the effects it calls for
 * are written to the changed item in ONE conditional write, as attributes `fx#<effectId>`; the writer
 * then applies them (idempotently, by id) and clears them. Items with pending effects are listed in the
 * keys-only index gsi4 (`I#<instance>#FX#<shard>`, sorted by the time the sweep may take over), so the
 * sweep finds whatever a crash left behind without scanning anything.
 *
 * Counting effects are made exactly-once without transactions by a marker: the counted item gets
 * the effect id in its string set `fxDone` in the same write as the increment (conditional on the id's
 * absence); the marker is removed only after the source item no longer holds the effect, so a retry
 * either finds the effect gone from the source or the marker on the counter. A marker left by a crash
 * between those two writes is removed when seen an hour later.
 */

/** Attribute-name prefix of a pending effect on its item. */
export const FX_PREFIX = 'fx#';
/** Shards of an instance's pending index (gsi4). */
export const PENDING_SHARDS = 4;
/** Effects older than this are the sweep's; the writer leaves them alone (it may have stalled). */
export const SWEEP_GRACE_MS = 60_000;
/** Idempotency markers older than this are collected when seen. */
export const MARKER_TTL_MS = 60 * 60_000;
/** Name of the marker set on counted items. */
export const MARKERS = 'fxDone';

/** Errors of the outbox. */
export class OutboxError extends ReachoutError {
  override readonly name = 'OutboxError';
  constructor(message: string, context: Record<string, unknown> = {}, cause?: unknown) {
    super('OutboxError', message, 500, context, [], { cause });
  }
}

/** What the outbox needs from the outside world. */
export interface OutboxPorts {
  store: Store;
  bus: Bus;
  queues: { dial: Queue; tick: Queue; work: Queue };
  workflows: Workflows;
  clock: Clock;
  log: Logger;
}

/** What a domain task receives besides its arguments. */
export interface TaskContext {
  /** Id of the effect that runs the task (derive ids of nested effects from it). */
  effectId: string;
  /** The outbox, for nested commits and drains. */
  outbox: Outbox;
  /** Applies a count exactly once; its marker is collected once the task's effect is cleared. */
  count(effect: Extract<Effect, { type: 'count' }>): Promise<boolean>;
  /** Registers a marker the task wrote itself (in `MARKERS` of `key`), to collect once the task's effect is cleared. */
  marked(key: ItemKey, id: string): void;
}

/** A named domain task: must be idempotent (it may run more than once for one effect). */
export type TaskHandler = (args: Record<string, unknown>, context: TaskContext) => Promise<void>;

/** The gsi4 partition of an item's instance and shard. */
export function pendingPartition(key: ItemKey): string {
  const instanceId = key.pk.startsWith('I#') ? key.pk.split('#')[1]! : '_';
  return `I#${instanceId}#FX#${shardOf(`${key.pk}\u0000${key.sk}`, PENDING_SHARDS)}`;
}

const pad13 = (n: number) => String(Math.max(0, Math.floor(n))).padStart(13, '0');

/** Parses and orders effects as they will be stored. */
function prepare(effects: readonly EffectInput[]): Effect[] {
  return effects.map((e) => Effect.parse(e));
}

/** Attributes that record effects on an item and list it in the pending index. */
function pendingAttributes(key: ItemKey, effects: Effect[], now: number, graceMs: number) {
  const set: Record<string, unknown> = {};
  for (const e of effects) set[`${FX_PREFIX}${e.id}`] = e;
  return {
    set,
    setIfAbsent: { gsi4pk: pendingPartition(key), gsi4sk: `${pad13(now + graceMs)}#${key.pk}#${key.sk}` },
  };
}

/** Adds effects to an update: the change and its effects commit together or not at all. */
export function withEffects(key: ItemKey, changes: Changes, effects: readonly EffectInput[], now: number, graceMs = SWEEP_GRACE_MS): Changes {
  if (effects.length === 0) return changes;
  const attrs = pendingAttributes(key, prepare(effects), now, graceMs);
  return {
    ...changes,
    set: { ...(changes.set ?? {}), ...attrs.set },
    setIfAbsent: { ...(changes.setIfAbsent ?? {}), ...attrs.setIfAbsent },
    add: { ...(changes.add ?? {}), fxv: 1 },
  };
}

/** Adds effects to a whole item written with put. */
export function itemWithEffects(item: Item, effects: readonly EffectInput[], now: number, graceMs = SWEEP_GRACE_MS): Item {
  if (effects.length === 0) return item;
  const attrs = pendingAttributes(item, prepare(effects), now, graceMs);
  return { ...item, ...attrs.set, ...attrs.setIfAbsent, fxv: Number(item.fxv ?? 0) + 1 };
}

/** The effects pending on an item, in the order they run. */
export function pendingEffects(item: Item | undefined): Effect[] {
  if (!item) return [];
  const out: Effect[] = [];
  for (const [name, value] of Object.entries(item)) {
    if (!name.startsWith(FX_PREFIX)) continue;
    const parsed = Effect.safeParse(value);
    if (parsed.success) out.push(parsed.data);
  }
  return out.sort((a, b) => a.order - b.order || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Strips outbox bookkeeping from an item (for reads that show it). */
export function withoutOutbox<T extends Record<string, unknown>>(item: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) {
    if (k.startsWith(FX_PREFIX) || k === 'fxv' || k === 'fxClaim' || k === MARKERS || k === 'gsi4pk' || k === 'gsi4sk') continue;
    out[k] = v;
  }
  return out as T;
}

/** What a drain did. */
export interface DrainResult {
  applied: number;
  /** Effects that failed and stay pending for the sweep. */
  failed: number;
  /** Effects left alone (too old for an inline drain, or behind a failed one). */
  left: number;
}

/** Options of a drain. */
export interface DrainOptions {
  /** The item as just written (saves a read). */
  item?: Item;
  /**
   * The writer draining its own fresh effects: effects older than half the grace period are left to the
   * sweep, so a writer that stalled cannot race the sweep.
   */
  inline?: boolean;
  /**
   * Only these effects (by id): a writer drains what it just committed, never another writer's pending
   * effects on the same item (those are drained by their own writer, a drain request or the sweep).
   */
  only?: readonly string[];
  /**
   * When another drainer may take these effects over (a claim's end; for an inline drain, when the sweep may
   * take the oldest effect). Past it, no further effects are started and the markers of the applied ones are
   * kept (collected when stale), so a drainer that took over while this one stalled cannot count twice.
   */
  deadline?: number;
}

/** Applies and clears pending effects; see the module comment. */
export class Outbox {
  private readonly tasks: Map<string, TaskHandler>;
  readonly graceMs: number;

  constructor(
    readonly ports: OutboxPorts,
    tasks: Record<string, TaskHandler> = {},
    options: { graceMs?: number } = {},
  ) {
    this.tasks = new Map(Object.entries(tasks));
    this.graceMs = options.graceMs ?? SWEEP_GRACE_MS;
  }

  /** Registers a domain task (the composition root does this once). */
  register(name: string, handler: TaskHandler): void {
    this.tasks.set(name, handler);
  }

  /** Effects to Changes for this outbox's grace period. */
  withEffects(key: ItemKey, changes: Changes, effects: readonly EffectInput[]): Changes {
    return withEffects(key, changes, effects, this.ports.clock.now(), this.graceMs);
  }

  /** A whole item with effects, for put. */
  itemWithEffects(item: Item, effects: readonly EffectInput[]): Item {
    return itemWithEffects(item, effects, this.ports.clock.now(), this.graceMs);
  }

  /**
   * Commits a change with its effects in one conditional update and drains them inline.
   * Returns the write result; a lost race is a value (`ok: false`), nothing applied.
   */
  async commit(key: ItemKey, changes: Changes, condition: Condition | undefined, effects: readonly EffectInput[]) {
    const written = await this.ports.store.update(key, this.withEffects(key, changes, effects), condition);
    if (written.ok && effects.length > 0) await this.drainQuietly(key, { item: written.item, inline: true, only: effects.map((e) => e.id) });
    return written;
  }

  /** Writes a whole item with its effects (conditionally) and drains them inline. */
  async commitPut(item: Item, condition: Condition | undefined, effects: readonly EffectInput[]) {
    const full = this.itemWithEffects(item, effects);
    const written = await this.ports.store.put(full, condition);
    if (written.ok && effects.length > 0) await this.drainQuietly({ pk: item.pk, sk: item.sk }, { item: full, inline: true, only: effects.map((e) => e.id) });
    return written;
  }

  /** Drains, logging instead of throwing: the change is committed, the sweep finishes what fails here. */
  async drainQuietly(key: ItemKey, options: DrainOptions = {}): Promise<DrainResult> {
    try {
      return await this.drain(key, options);
    } catch (error) {
      this.ports.log.warn('effects left for the sweep', { pk: key.pk, sk: key.sk, error });
      return { applied: 0, failed: 1, left: 0 };
    }
  }

  /** Applies an item's pending effects by order and clears the applied ones. */
  async drain(key: ItemKey, options: DrainOptions = {}): Promise<DrainResult> {
    const { store, clock } = this.ports;
    const item = options.item ?? (await store.get(key));
    const effects = pendingEffects(item);
    if (!item) return { applied: 0, failed: 0, left: 0 };
    if (effects.length === 0) {
      if (item.gsi4pk !== undefined) await this.unlist(key, item);
      return { applied: 0, failed: 0, left: 0 };
    }
    const now = clock.now();
    const only = options.only ? new Set(options.only) : undefined;
    const runnable = effects.filter((e) => (!only || only.has(e.id)) && (!options.inline || now - (effectTime(e.id) ?? now) <= this.graceMs / 2));
    const applied: Effect[] = [];
    const markers: { key: ItemKey; id: string }[] = [];
    let failed = 0;
    let stopped = false;
    const orders = [...new Set(runnable.map((e) => e.order))].sort((a, b) => a - b);
    const deadline = options.deadline ?? (options.inline ? Math.min(...runnable.map((e) => (effectTime(e.id) ?? now) + this.graceMs)) : undefined);
    const late = () => deadline !== undefined && clock.now() >= deadline;
    for (const order of orders) {
      if (stopped || late()) break;
      const group = runnable.filter((e) => e.order === order);
      const results = await Promise.allSettled(group.map((e) => this.apply(e, markers)));
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') applied.push(group[i]!);
        else {
          failed++;
          this.ports.log.warn('effect failed; left pending', { effectId: group[i]!.id, type: group[i]!.type, error: r.reason });
        }
      });
      // Later orders may depend on earlier ones (a completion check after the counts it reads).
      if (failed > 0) stopped = true;
    }
    if (applied.length > 0) await this.clear(key, item, applied, effects.length === applied.length);
    // Only now that the source no longer holds them may the counted items forget the effects, and only while no
    // other drainer can have read them before the clear (before the deadline); later, the markers go stale instead.
    if (!late()) await Promise.all(markers.map((m) => store.update(m.key, { deleteFromSet: { [MARKERS]: [m.id] } }, { exists: 'pk' })));
    return { applied: applied.length, failed, left: effects.length - applied.length - failed };
  }

  /**
   * Drains someone else's effects (a message asking for it, the sweep): the item is claimed first
   * (`fxClaim` until now + grace), so two drainers never apply one item's effects at once.
   * Returns undefined when another drainer holds the claim.
   */
  async drainClaimed(key: ItemKey): Promise<DrainResult | undefined> {
    const now = this.ports.clock.now();
    const claimed = await this.ports.store.update(
      key,
      { set: { fxClaim: now + this.graceMs } },
      { and: [{ exists: 'pk' }, { or: [{ notExists: 'fxClaim' }, { lt: ['fxClaim', now] }] }] },
    );
    if (!claimed.ok) return undefined;
    const result = await this.drainQuietly(key, { item: claimed.item, deadline: now + this.graceMs });
    // Release the claim when something is left, so the next sweep need not wait for it to lapse.
    if (result.failed + result.left > 0) await this.ports.store.update(key, { remove: ['fxClaim'] }, { exists: 'pk' });
    return result;
  }

  /**
   * The sweep's entry point: drains items of an instance whose effects are older than the grace
   * period (what a crash left), each under a claim.
   */
  async sweep(instanceId: string, options: { limit?: number } = {}): Promise<number> {
    const now = this.ports.clock.now();
    let drained = 0;
    for (let shard = 0; shard < PENDING_SHARDS; shard++) {
      const page = await this.ports.store.query({ index: 'gsi4', pk: `I#${instanceId}#FX#${shard}`, le: `${pad13(now)}\uffff`, limit: options.limit ?? 100 });
      for (const entry of page.items) {
        const result = await this.drainClaimed({ pk: String(entry.pk), sk: String(entry.sk) });
        if (result && result.applied > 0) drained++;
      }
    }
    return drained;
  }

  /** Applies one count effect exactly once (see the module comment); true when it counted now. */
  async count(effect: Extract<Effect, { type: 'count' }>, markers?: { key: ItemKey; id: string }[]): Promise<boolean> {
    const { store, clock } = this.ports;
    const written = await store.update(
      effect.key,
      { add: effect.add, ...(effect.set ? { set: effect.set } : {}), addToSet: { [MARKERS]: [effect.id] } },
      { not: { contains: [MARKERS, effect.id] } },
    );
    markers?.push({ key: effect.key, id: effect.id });
    if (written.ok) {
      const stale = staleMarkers(written.item, clock.now());
      if (stale.length) await store.update(effect.key, { deleteFromSet: { [MARKERS]: stale } });
    }
    return written.ok;
  }

  private async apply(effect: Effect, markers: { key: ItemKey; id: string }[]): Promise<void> {
    const { store, bus, queues, workflows } = this.ports;
    switch (effect.type) {
      case 'count':
        await this.count(effect, markers);
        return;
      case 'publish': {
        const result = await bus.publish([effect.event]);
        if (result.failed.length > 0) throw new OutboxError(`event not published: ${result.failed[0]!.reason}`, { eventId: effect.event.id });
        return;
      }
      case 'send':
        await queues[effect.queue].send({ body: effect.body, ...(effect.delaySeconds ? { delaySeconds: effect.delaySeconds } : {}) });
        return;
      case 'release':
        await store.delete(effect.key, { eq: ['holder', effect.holder] });
        return;
      case 'put':
        await store.put(effect.item as Item, { notExists: 'pk' });
        return;
      case 'startLoop':
        await workflows.startCampaignLoop({ instanceId: effect.instanceId, campaignId: effect.campaignId, run: effect.run });
        return;
      case 'task': {
        const handler = this.tasks.get(effect.task);
        if (!handler) throw new OutboxError(`no handler for task ${effect.task}`, { effectId: effect.id });
        await handler(effect.args, { effectId: effect.id, outbox: this, count: (e) => this.count(e, markers), marked: (key, id) => markers.push({ key, id }) });
        return;
      }
    }
  }

  private async clear(key: ItemKey, item: Item, applied: Effect[], all: boolean): Promise<void> {
    const { store } = this.ports;
    const remove = applied.map((e) => `${FX_PREFIX}${e.id}`);
    if (all) {
      // Leave the index only if nothing was added since we read the item (fxv unchanged).
      const whole = await store.update(key, { remove: [...remove, 'gsi4pk', 'gsi4sk', 'fxClaim'] }, { and: [{ exists: 'pk' }, { eq: ['fxv', item.fxv] }] });
      if (whole.ok) return;
    }
    await store.update(key, { remove }, { exists: 'pk' });
  }

  private async unlist(key: ItemKey, item: Item): Promise<void> {
    await this.ports.store.update(key, { remove: ['gsi4pk', 'gsi4sk', 'fxClaim'] }, { and: [{ exists: 'pk' }, { eq: ['fxv', item.fxv] }] });
  }
}

/** Markers of an item older than MARKER_TTL_MS at `now` (left by a crash or a drainer past its deadline): safe to collect. */
export function staleMarkers(item: Item | undefined, now: number): string[] {
  const set = item?.[MARKERS];
  if (!(set instanceof Set)) return [];
  return [...(set as Set<string>)].filter((id) => now - (effectTime(id) ?? now) > MARKER_TTL_MS);
}
