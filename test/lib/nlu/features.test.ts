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

  it('gives the Han characters of the surface text, without phone-answer folding', () => {
    const f = surfaceFeatures('想去哪');
    for (const k of ['H想', 'H去', 'H哪']) expect(f.get(k)).toBe(1);
    expect(f.has('H那')).toBe(false);
    expect([...f.keys()].filter((k) => k.startsWith('H'))).toHaveLength(3);
  });

  it('gives the ICU words of each Han run beside its characters', () => {
    const f = surfaceFeatures('我想订机票，明天');
    const words = [...f.keys()].filter((k) => k.startsWith('W'));
    // The segmenter's words, whatever its dictionary's exact cut: they rebuild the runs in order.
    expect(words.map((k) => k.slice(1)).join('')).toBe('我想订机票明天');
    expect(words.some((k) => k.length > 2)).toBe(true);
    for (const k of words) expect(f.get(k)).toBe(1.5);
  });

  it('folds width and case only, and returns nothing for punctuation', () => {
    expect(surfaceFeatures('ＨＩ')).toEqual(surfaceFeatures('hi'));
    expect(surfaceFeatures('?!…').size).toBe(0);
  });
});
