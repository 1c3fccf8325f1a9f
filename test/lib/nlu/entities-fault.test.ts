import { describe, expect, it, vi } from 'vitest';

// chrono-node faulting on an input: the only way to reach extractEntities' safety net without a chrono bug at hand.
vi.mock('chrono-node/en', async (importOriginal) => {
  const real = await importOriginal<typeof import('chrono-node/en')>();
  // entities.ts clones the casual parser and adds its own parsers to the clone: the clone is the one that breaks.
  const casual = real.casual.clone();
  casual.clone = () => {
    const clone = real.casual.clone();
    clone.parse = () => {
      throw new TypeError('refiner state is broken');
    };
    return clone;
  };
  return { ...real, casual };
});

const { extractEntities } = await import('../../../lib/nlu/entities');

describe('extractEntities', () => {
  it('answers "no date" and reports what went wrong when a date parser throws', () => {
    const faults: string[] = [];
    const found = extractEntities('I can pay 300 on Friday', { now: Date.parse('2026-03-02T10:00:00Z'), language: 'en', onFault: (f) => faults.push(f) });
    expect(faults).toEqual(['TypeError: refiner state is broken']);
    expect(found.filter((e) => e.kind === 'date')).toEqual([]);
    // The other entities are still read.
    expect(found).toContainEqual(expect.objectContaining({ kind: 'number', value: '300' }));
  });
});
