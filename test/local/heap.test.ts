import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimeHeap } from '../../local/heap';

describe('TimeHeap', () => {
  it('pops entries by time, ties in sequence order, whatever the order of pushes and pops', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constant(-1)), { maxLength: 200 }), (ops) => {
        const heap = new TimeHeap<{ at: number; seq: number }>();
        const model: { at: number; seq: number }[] = [];
        let seq = 0;
        for (const op of ops) {
          if (op >= 0) {
            const entry = { at: op, seq: seq++ };
            heap.push(entry);
            model.push(entry);
          } else {
            model.sort((a, b) => a.at - b.at || a.seq - b.seq);
            expect(heap.pop()).toEqual(model.shift());
          }
          expect(heap.size).toBe(model.length);
        }
      }),
    );
  });
});
