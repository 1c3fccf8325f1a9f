import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../lib/adapters/memory/store';
import { createLogger } from '../../../lib/core/log';
import { effectId } from '../../../lib/outbox/effects';
import { MARKERS, Outbox, SWEEP_GRACE_MS, withEffects } from '../../../lib/outbox/outbox';
import { ManualClock } from '../../../lib/ports/clock';

/** A gate a task waits on, opened by the test. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

function setup() {
  const store = new MemoryStore();
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

  it('collects the markers of a drain that ended before its deadline', async () => {
    const { store, clock, outbox } = setup();
    const source = { pk: 'SRC', sk: 'ITEM' };
    const counter = { pk: 'CNT', sk: 'C' };
    const id = effectId(clock.now(), 'test', 'y');
    await outbox.commit(source, { set: { type: 'src' } }, undefined, [{ type: 'count', id, order: 0, key: counter, add: { n: 1 } }]);
    const item = await store.get(counter);
    expect(item?.n).toBe(1);
    expect((item?.[MARKERS] as Set<string> | undefined)?.size ?? 0).toBe(0);
  });
});
