import { describe, expect, it } from 'vitest';
import { maxOverlap } from '../../../local/sim/invariants';

describe('maxOverlap', () => {
  it('counts the most intervals open at once, ending an interval before one starting at the same instant', () => {
    expect(maxOverlap([])).toEqual({ max: 0, at: 0 });
    expect(maxOverlap([[0, 10], [5, 15], [9, 12]]).max).toBe(3);
    // Back to back on one line is one line.
    expect(maxOverlap([[0, 10], [10, 20], [20, 30]]).max).toBe(1);
    expect(maxOverlap([[0, 10], [2, 4], [4, 6], [6, 8]]).max).toBe(2);
  });
});
