import { describe, expect, it } from 'vitest';
import { ExpressionBuilder } from '../../../lib/adapters/aws/dynamodb-store';
import { MemoryStore } from '../../../lib/adapters/memory/store';
import { createLogger } from '../../../lib/core/log';
import { effectId, type EffectInput } from '../../../lib/outbox/effects';
import { MARKER_SETS, MARKER_TTL_MS, MARKERS, Outbox, SWEEP_GRACE_MS, withEffects } from '../../../lib/outbox/outbox';
import { ManualClock } from '../../../lib/ports/clock';
import type { Item, ItemKey } from '../../../lib/ports/store';

/** A gate a task waits on, opened by the test. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/**
 * An in-memory store that refuses what DynamoDB refuses (an update touching one attribute twice, e.g. adding to and
 * deleting from one set) and counts the writes per item.
 */
class StrictStore extends MemoryStore {
  readonly writes = new Map<string, number>();
  override async update(key: ItemKey, changes: Parameters<MemoryStore['update']>[1], condition?: Parameters<MemoryStore['update']>[2]) {
    new ExpressionBuilder().update(changes);
    this.writes.set(`${key.pk}|${key.sk}`, (this.writes.get(`${key.pk}|${key.sk}`) ?? 0) + 1);
    return super.update(key, changes, condition);
  }
}

/** Every marker an item holds, in either set. */
const markersOf = (item: Item | undefined) => MARKER_SETS.flatMap((name) => [...((item?.[name] as Set<string> | undefined) ?? [])]);

function setup() {
  const store = new StrictStore();
  const clock = new ManualClock();
  const none = { send: async () => undefined };
  const outbox = new Outbox({
    store,
    clock,
    log: createLogger({ service: 'test' }, 'error'),
    bus: { publish: async () => ({ failed: [] }) },
    queues: { dial: none, tick: none, work: none } as never,
    workflows: { startCampaignLoop: async () => undefined },
  });
  return { store, clock, outbox };
}

describe('Outbox', () => {
  it('counts once when a stalled drainer finishes after the sweep took its effects over', async () => {
    const { store, clock, outbox } = setup();
    const source = { pk: 'SRC', sk: 'ITEM' };
    const counter = { pk: 'CNT', sk: 'C' };
    const id = effectId(clock.now(), 'test', 'x');
    // Two runs of one task: A counts then stalls; B (the sweep, after A's claim lapsed) stalls before counting.
    const gates = [gate(), gate()];
    const started = [gate(), gate()];
    let run = 0;
    outbox.register('countThenWait', async (_args, context) => {
      const mine = run++;
      if (mine === 0) {
        await context.count({ type: 'count', order: 0, id: `${context.effectId}#n`, key: counter, add: { n: 1 } });
        started[0]!.open();
        await gates[0]!.opened;
      } else {
        started[1]!.open();
        await gates[1]!.opened;
        await context.count({ type: 'count', order: 0, id: `${context.effectId}#n`, key: counter, add: { n: 1 } });
      }
    });
    await store.update(source, withEffects(source, { set: { type: 'src' } }, [{ type: 'task', id, order: 0, task: 'countThenWait', args: {} }], clock.now()));

    const a = outbox.drainClaimed(source);
    await started[0]!.opened;
    clock.advance(SWEEP_GRACE_MS + 1);
    const b = outbox.drainClaimed(source);
    await started[1]!.opened;
    gates[0]!.open();
    await a;
    gates[1]!.open();
    await b;

    const item = await store.get(counter);
    expect(item?.n).toBe(1);
    // The late drainer kept its marker; it goes once stale.
    expect((item?.[MARKERS] as Set<string> | undefined)?.size ?? 0).toBeLessThanOrEqual(1);
    expect(Object.keys((await store.get(source)) ?? {}).filter((k) => k.startsWith('fx#'))).toEqual([]);
  });

  it('removes a drained marker with the next counted write to the same item, not with a write of its own', async () => {
    const { store, clock, outbox } = setup();
    const counter = { pk: 'CNT', sk: 'C' };
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const source = { pk: 'SRC', sk: `ITEM#${i}` };
      const id = effectId(clock.now(), 'test', `y${i}`);
      ids.push(id);
      await outbox.commit(source, { set: { type: 'src' } }, undefined, [{ type: 'count', id, order: 0, key: counter, add: { n: 1 } }]);
      clock.advance(1_000);
    }
    const item = await store.get(counter);
    expect(item?.n).toBe(5);
    // One write per increment: each took the previous marker away in passing; only the last one waits.
    expect(store.writes.get('CNT|C')).toBe(5);
    expect(markersOf(item)).toEqual([ids[4]]);
  });

  it('removes the markers no counted write took, one write per item, before their deadline passes', async () => {
    const { store, clock, outbox } = setup();
    const counters = [{ pk: 'CNT', sk: 'A' }, { pk: 'CNT', sk: 'B' }];
    const source = { pk: 'SRC', sk: 'ITEM' };
    const at = clock.now();
    const effects = counters.flatMap((key, i): EffectInput[] => [
      { type: 'count', id: effectId(at, 'test', `a${i}`), order: 0, key, add: { n: 1 } },
      { type: 'count', id: effectId(at, 'test', `b${i}`), order: 0, key, add: { m: 1 } },
    ]);
    await outbox.commit(source, { set: { type: 'src' } }, undefined, effects);
    for (const key of counters) expect(markersOf(await store.get(key))).toHaveLength(2);
    // Any later drain of this process, close to the deadline, removes them.
    clock.advance(SWEEP_GRACE_MS - 10_000);
    await outbox.commit({ pk: 'SRC', sk: 'OTHER' }, { set: { type: 'src' } }, undefined, [{ type: 'count', id: effectId(clock.now(), 'test', 'z'), order: 0, key: { pk: 'CNT', sk: 'Z' }, add: { n: 1 } }]);
    for (const key of counters) {
      const item = await store.get(key);
      expect([item?.n, item?.m, markersOf(item)]).toEqual([1, 1, []]);
      // Two increments, then one write for both markers.
      expect(store.writes.get(`${key.pk}|${key.sk}`)).toBe(3);
    }
  });

  it('never removes a marker after the drain deadline, so a drainer that took over cannot count twice', async () => {
    const { store, clock, outbox } = setup();
    const counter = { pk: 'CNT', sk: 'C' };
    const first = effectId(clock.now(), 'test', 'first');
    await outbox.commit({ pk: 'SRC', sk: '1' }, { set: { type: 'src' } }, undefined, [{ type: 'count', id: first, order: 0, key: counter, add: { n: 1 } }]);
    clock.advance(SWEEP_GRACE_MS + 1);
    await outbox.commit({ pk: 'SRC', sk: '2' }, { set: { type: 'src' } }, undefined, [{ type: 'count', id: effectId(clock.now(), 'test', 'second'), order: 0, key: counter, add: { n: 1 } }]);
    // Past its deadline the first marker is no longer the drainer's to remove: it stays (collected when stale).
    expect(markersOf(await store.get(counter))).toContain(first);
    // Replaying the first count (a drainer that read the effect before the clear) does not count it again.
    expect(await outbox.count({ type: 'count', id: first, order: 0, key: counter, add: { n: 1 } })).toBe(false);
    expect((await store.get(counter))?.n).toBe(2);
  });

  it('keeps the markers of a task that failed after counting, so its retry does not count twice', async () => {
    const { store, clock, outbox } = setup();
    const counter = { pk: 'CNT', sk: 'C' };
    const source = { pk: 'SRC', sk: 'ITEM' };
    let runs = 0;
    outbox.register('countThenFail', async (_args, context) => {
      await context.count({ type: 'count', order: 0, id: `${context.effectId}#n`, key: counter, add: { n: 1 } });
      if (runs++ === 0) throw new Error('throttled after the count');
    });
    const task = effectId(clock.now(), 'test', 'task');
    // The task fails once next to an effect that applies (so the drain clears something), then is retried.
    await outbox.commit(source, { set: { type: 'src' } }, undefined, [
      { type: 'task', id: task, order: 0, task: 'countThenFail', args: {} },
      { type: 'count', id: effectId(clock.now(), 'test', 'other'), order: 0, key: counter, add: { m: 1 } },
    ]);
    // Later counted writes to the same item must not take the failed task's marker away either.
    await outbox.commit({ pk: 'SRC', sk: 'LATER' }, { set: { type: 'src' } }, undefined, [{ type: 'count', id: effectId(clock.now(), 'test', 'later'), order: 0, key: counter, add: { m: 1 } }]);
    await outbox.flushReleases({ all: true });
    expect(markersOf(await store.get(counter))).toContain(`${task}#n`);
    clock.advance(SWEEP_GRACE_MS + 1);
    await outbox.sweep('_');
    const item = await store.get(counter);
    expect([item?.n, item?.m, runs]).toEqual([1, 2, 2]);
    expect(Object.keys((await store.get(source)) ?? {}).filter((k) => k.startsWith('fx#'))).toEqual([]);
  });

  it('collects markers left in either set once they are an hour old', async () => {
    const { store, clock, outbox } = setup();
    const counter = { pk: 'CNT', sk: 'C' };
    const old = [effectId(clock.now(), 'test', 'lost1'), effectId(clock.now(), 'test', 'lost2')];
    await store.put({ ...counter, n: 2, [MARKER_SETS[0]]: new Set([old[0]!]), [MARKER_SETS[1]]: new Set([old[1]!]) });
    clock.advance(MARKER_TTL_MS + 1);
    expect(await outbox.count({ type: 'count', id: effectId(clock.now(), 'test', 'fresh'), order: 0, key: counter, add: { n: 1 } })).toBe(true);
    const item = await store.get(counter);
    expect(item?.n).toBe(3);
    expect(markersOf(item).filter((id) => old.includes(id))).toEqual([]);
  });
});
