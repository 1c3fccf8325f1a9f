import { shardOf } from '../core/ids';
import type { Logger } from '../core/log';
import { ReachoutError } from '../core/errors';
import type { Bus } from '../ports/bus';
import type { Clock } from '../ports/clock';
import type { Queue } from '../ports/queue';
import { itemKeyId, type Changes, type Condition, type Item, type ItemKey, type Store } from '../ports/store';
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
 * the effect id in one of its two marker sets (`fxDone`, `fxDone2`) in the same write as the increment
 * (conditional on the id's absence from both); the marker may be removed only after the source item no
 * longer holds the effect, so a retry either finds the effect gone from the source or the marker on the
 * counter. Removing each marker with a write of its own cost a second write per increment (issue 14: 9 of
 * the 117 write units per call); instead the drainer keeps the markers it may remove (until its deadline)
 * and the next counted write to the same item removes them in passing: it adds its own marker to one set
 * and deletes the releasable markers of the other (DynamoDB cannot add to and delete from one attribute in
 * one update, hence two sets used in turn). Markers that no counted write took before their deadline
 * draws near are removed by one write per item (all of them at once); a marker left behind (a crash, a
 * process that stopped, a drainer past its deadline) is removed when seen an hour later.
 */

/** Attribute-name prefix of a pending effect on its item. */
export const FX_PREFIX = 'fx#';
/** Shards of an instance's pending index (gsi4). */
export const PENDING_SHARDS = 4;
/** Effects older than this are the sweep's; the writer leaves them alone (it may have stalled). */
export const SWEEP_GRACE_MS = 60_000;
/** Idempotency markers older than this are collected when seen. */
export const MARKER_TTL_MS = 60 * 60_000;
/** Name of the (first) marker set on counted items. */
export const MARKERS = 'fxDone';
/** Name of the second marker set, used in turn with the first (see the module comment). */
export const MARKERS_ALT = 'fxDone2';
/** Both marker sets. */
export const MARKER_SETS = [MARKERS, MARKERS_ALT] as const;
/** One of the marker sets. */
export type MarkerSet = (typeof MARKER_SETS)[number];
/** A releasable marker is removed by a write of its own when no counted write took it this long before its deadline. */
const RELEASE_FLUSH_MS = SWEEP_GRACE_MS / 4;
/** At most this many releasable markers are kept waiting for a counted write; beyond, they are removed at once. */
const RELEASE_CAP = 5_000;

/** Whether an item holds this marker (in either set). */
export function hasMarker(item: Item | undefined, id: string): boolean {
  return MARKER_SETS.some((name) => item?.[name] instanceof Set && (item[name] as Set<string>).has(id));
}

/** The condition that makes a counted write exactly-once: its marker is in neither set. */
export function unmarked(id: string): Condition {
  return { and: MARKER_SETS.map((name): Condition => ({ not: { contains: [name, id] } })) };
}

/**
 * What a counted write adds to its own changes and condition (see {@link Outbox.marking}): its marker, the removal of
 * releasable markers of the other set, and the condition. `settle` says whether the write succeeded.
 */
export interface MarkedWrite {
  changes: { addToSet: Record<string, string[]>; deleteFromSet?: Record<string, string[]> };
  condition: Condition;
  /**
   * The write's outcome: `written` (the marker is in, the removed markers are gone), `present` (the condition failed
   * because the marker was already there), `failed` (not written for another reason). Not called when the write threw.
   */
  settle(outcome: 'written' | 'present' | 'failed'): void;
}

/** A marker the drainer may remove, until when, and from which set (undefined: either, it was already there). */
interface Releasable {
  key: ItemKey;
  id: string;
  set: MarkerSet | undefined;
  until: number;
}

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
  /**
   * For a counted write the task makes itself: the marker, the condition and the removal of earlier markers to merge
   * into it; once settled, the marker is collected when the task's effect is cleared.
   */
  marking(key: ItemKey, id: string): MarkedWrite;
}

/** A named domain task: must be idempotent (it may run more than once for one effect). */
export type TaskHandler = (args: Record<string, unknown>, context: TaskContext) => Promise<void>;

/** The gsi4 partition of an item's instance and shard. */
export function pendingPartition(key: ItemKey): string {
  const instanceId = key.pk.startsWith('I#') ? key.pk.split('#')[1]! : '_';
  return `I#${instanceId}#FX#${shardOf(itemKeyId(key), PENDING_SHARDS)}`;
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
    if (k.startsWith(FX_PREFIX) || k === 'fxv' || k === 'fxClaim' || k === MARKERS || k === MARKERS_ALT || k === 'gsi4pk' || k === 'gsi4sk') continue;
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

/** A marker a drain wrote (or found already written: set undefined) on a counted item. */
type Marker = Omit<Releasable, 'until'>;

/** Applies and clears pending effects; see the module comment. */
export class Outbox {
  private readonly tasks: Map<string, TaskHandler>;
  readonly graceMs: number;
  /** Markers this process may remove, by counted item, until their deadline (see the module comment). */
  private readonly releases = new Map<string, Releasable[]>();
  private released = 0;

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
    const markers: Marker[] = [];
    let failed = 0;
    let stopped = false;
    const orders = [...new Set(runnable.map((e) => e.order))].sort((a, b) => a - b);
    const deadline = options.deadline ?? (options.inline ? Math.min(...runnable.map((e) => (effectTime(e.id) ?? now) + this.graceMs)) : undefined);
    const late = () => deadline !== undefined && clock.now() >= deadline;
    for (const order of orders) {
      if (stopped || late()) break;
      const group = runnable.filter((e) => e.order === order);
      const own = group.map((): Marker[] => []);
      const results = await Promise.allSettled(group.map((e, i) => this.apply(e, own[i]!)));
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') {
          applied.push(group[i]!);
          markers.push(...own[i]!);
        } else {
          // A failed effect stays pending, so the markers of what it counted before failing must stay too (its
          // retry finds them); only applied effects' markers are released after the clear.
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
    // They are not removed here: the next counted write to each item removes them in passing (see the module comment).
    if (!late()) this.releasable(markers, deadline ?? clock.now() + this.graceMs / 2);
    await this.flushReleases();
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
  async count(effect: Extract<Effect, { type: 'count' }>, markers?: Marker[]): Promise<boolean> {
    const { store, clock } = this.ports;
    const marking = this.marking(effect.key, effect.id, markers);
    // A write that throws settles nothing: it may have been applied, so its marker must stay (and the markers it
    // would have removed stay releasable).
    const written = await store.update(effect.key, { add: effect.add, ...(effect.set ? { set: effect.set } : {}), ...marking.changes }, marking.condition);
    // The marker is the only condition: a failed one means it is there already (an earlier run counted).
    marking.settle(written.ok ? 'written' : 'present');
    if (written.ok) {
      const stale = staleMarkerChanges(written.item, clock.now());
      if (stale) await store.update(effect.key, { deleteFromSet: stale });
    }
    return written.ok;
  }

  /**
   * The marker part of a counted write to `key` for effect `id`: the marker goes into the set with fewer releasable
   * markers of this item waiting, and those of the other set are deleted in the same write. Call `settle` with the
   * write's outcome: once written, the deleted markers are forgotten; written or already present, the marker joins
   * `markers` (released once the source is cleared; when present, in a set not known here, so from both).
   */
  marking(key: ItemKey, id: string, markers?: Marker[]): MarkedWrite {
    const now = this.ports.clock.now();
    const waiting = (this.releases.get(itemKeyId(key)) ?? []).filter((m) => m.until > now && m.set !== undefined);
    const inFirst = waiting.filter((m) => m.set === MARKERS).length;
    const set: MarkerSet = inFirst > waiting.length - inFirst ? MARKERS_ALT : MARKERS;
    const other: MarkerSet = set === MARKERS ? MARKERS_ALT : MARKERS;
    const taken = waiting.filter((m) => m.set === other);
    return {
      changes: { addToSet: { [set]: [id] }, ...(taken.length ? { deleteFromSet: { [other]: taken.map((m) => m.id) } } : {}) },
      condition: unmarked(id),
      settle: (outcome) => {
        if (outcome !== 'failed') markers?.push({ key, id, set: outcome === 'written' ? set : undefined });
        if (outcome !== 'written' || taken.length === 0) return;
        // Another counted write to the item may have taken the same markers meanwhile (deleting twice is harmless).
        const list = this.releases.get(itemKeyId(key)) ?? [];
        const left = list.filter((m) => !taken.includes(m));
        this.released -= list.length - left.length;
        if (left.length) this.releases.set(itemKeyId(key), left);
        else this.releases.delete(itemKeyId(key));
      },
    };
  }

  /** Keeps markers the drainer may remove until `until`, for the next counted writes to their items. */
  private releasable(markers: readonly Marker[], until: number): void {
    for (const m of markers) {
      const list = this.releases.get(itemKeyId(m.key)) ?? [];
      list.push({ ...m, until });
      this.releases.set(itemKeyId(m.key), list);
      this.released++;
    }
  }

  /**
   * Removes, one write per item, the releasable markers whose deadline is near (all of that item's at once), and
   * forgets those past it (collected when stale). All of them when more than RELEASE_CAP are waiting.
   */
  async flushReleases(options: { all?: boolean } = {}): Promise<void> {
    const now = this.ports.clock.now();
    const all = options.all || this.released > RELEASE_CAP;
    const writes: Promise<unknown>[] = [];
    for (const [id, list] of this.releases) {
      const live = list.filter((m) => m.until > now);
      if (live.length === list.length && !all && !live.some((m) => m.until - now <= RELEASE_FLUSH_MS)) continue;
      this.releases.delete(id);
      this.released -= list.length;
      if (live.length === 0) continue;
      const deleteFromSet: Record<string, string[]> = {};
      for (const m of live) for (const name of m.set ? [m.set] : MARKER_SETS) (deleteFromSet[name] ??= []).push(m.id);
      writes.push(this.ports.store.update(live[0]!.key, { deleteFromSet }, { exists: 'pk' }));
    }
    const results = await Promise.allSettled(writes);
    for (const r of results) if (r.status === 'rejected') this.ports.log.warn('markers not removed; collected when stale', { error: r.reason });
  }

  private async apply(effect: Effect, markers: Marker[]): Promise<void> {
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
        await handler(effect.args, {
          effectId: effect.id,
          outbox: this,
          count: (e) => this.count(e, markers),
          marking: (key, id) => this.marking(key, id, markers),
        });
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

/**
 * The `deleteFromSet` removing an item's markers older than MARKER_TTL_MS at `now` (left by a crash, a stopped process
 * or a drainer past its deadline: safe to collect) from both sets, or undefined when there are none.
 */
export function staleMarkerChanges(item: Item | undefined, now: number): Record<string, string[]> | undefined {
  const out: Record<string, string[]> = {};
  for (const name of MARKER_SETS) {
    const stale = staleIn(item, name, now);
    if (stale.length) out[name] = stale;
  }
  return Object.keys(out).length ? out : undefined;
}

function staleIn(item: Item | undefined, name: MarkerSet, now: number): string[] {
  const set = item?.[name];
  if (!(set instanceof Set)) return [];
  return [...(set as Set<string>)].filter((id) => now - (effectTime(id) ?? now) > MARKER_TTL_MS);
}

