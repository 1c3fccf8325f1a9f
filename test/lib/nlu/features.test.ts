import { describe, it, expect } from 'vitest';
import { surfaceFeatures } from '../../../lib/nlu/features';

describe('surfaceFeatures', () => {
  it('gives character 3-grams of each English word with its edges marked', () => {
    const f = surfaceFeatures('Refill it');
    expect([...f.keys()].sort()).toEqual(['T^it', 'T^re', 'Tref', 'Tefi', 'Till', 'Tfil', 'Tit$', 'Tll$'].sort());
    // Each word weighs the same whatever its length: 1/√count per n-gram.
    expect(f.get('T^re')).toBeCloseTo(1 / Math.sqrt(6));
    expect(f.get('T^it')).toBeCloseTo(1 / Math.sqrt(2));
  });

  it('gives Han character 1-, 2- and 3-grams of the surface text, without phone-answer folding', () => {
    const f = surfaceFeatures('想去哪');
    expect([...f.keys()].sort()).toEqual(['H去', 'H去哪', 'H哪', 'H想', 'H想去', 'H想去哪'].sort());
    expect(f.has('H那')).toBe(false);
  });

  it('folds width and case only, and returns nothing for punctuation', () => {
    expect(surfaceFeatures('ＨＩ')).toEqual(surfaceFeatures('hi'));
    expect(surfaceFeatures('?!…').size).toBe(0);
  });
});
