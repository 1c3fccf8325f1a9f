import { describe, it, expect } from 'vitest';
import { fitSoftmax, logits, softmax, type SparseVector } from '../../../lib/nlu/linear';

const vec = (pairs: [number, number][]): SparseVector => ({ ids: Int32Array.from(pairs.map((p) => p[0])), values: Float64Array.from(pairs.map((p) => p[1])) });

/** Three classes, each signalled by its own feature (0, 1, 2); feature 3 is shared noise. */
const xs = [vec([[0, 1], [3, 0.5]]), vec([[0, 0.8]]), vec([[1, 1], [3, 0.5]]), vec([[1, 0.9]]), vec([[2, 1], [3, 0.5]]), vec([[2, 0.7]])];
const ys = [0, 0, 1, 1, 2, 2];

function argmax(z: Float64Array): number {
  let best = 0;
  for (let c = 1; c < z.length; c++) if (z[c]! > z[best]!) best = c;
  return best;
}

describe('fitSoftmax', () => {
  it('learns which feature separates the classes', () => {
    const model = fitSoftmax(xs, ys, 3, 4);
    const out = new Float64Array(3);
    for (const [f, label] of [[0, 0], [1, 1], [2, 2]] as const) {
      logits(model, vec([[f, 1]]), out);
      expect(argmax(out)).toBe(label);
      expect(softmax(out)[label]).toBeGreaterThan(0.5);
    }
  });

  it('updates no class whose gradient is under minGradient', () => {
    // |p − y| never reaches 1, so with minGradient 1 no weight moves (only the biases, from p alone).
    const frozen = fitSoftmax(xs, ys, 3, 4, { minGradient: 1 });
    expect([...frozen.weights].every((w) => w === 0)).toBe(true);
    const fitted = fitSoftmax(xs, ys, 3, 4, { minGradient: 0 });
    expect([...fitted.weights].some((w) => w !== 0)).toBe(true);
  });

  it('is deterministic for a seed', () => {
    expect([...fitSoftmax(xs, ys, 3, 4).weights]).toEqual([...fitSoftmax(xs, ys, 3, 4).weights]);
  });
});
