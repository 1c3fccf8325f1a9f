import { describe, it, expect } from 'vitest';
import { findConcepts } from '../../../lib/nlu/concepts';
import { normalize } from '../../../lib/nlu/normalize';

const concepts = (text: string): string[] => {
  const { tokens } = normalize(text);
  return findConcepts(tokens, new Array<boolean>(tokens.length).fill(false)).map((h) => h.concept).sort();
};

describe('findConcepts', () => {
  it('maps colloquial yes in both languages to AFFIRM', () => {
    expect(concepts('you bet')).toContain('AFFIRM');
    expect(concepts('没毛病')).toContain('AFFIRM');
    expect(concepts('中')).toContain('AFFIRM');
  });

  it('prefers the longest phrase so no problem is not a denial', () => {
    expect(concepts('no problem')).toEqual(['AFFIRM']);
    expect(concepts('不要再打了')).toEqual(['STOP_CALLING']);
  });

  it('does not read a single ambiguous character inside a longer word', () => {
    expect(concepts('中国')).not.toContain('AFFIRM');
    expect(concepts('right now')).not.toContain('AFFIRM');
  });

  it('consumes a tag question so its 不 is not a denial', () => {
    expect(concepts('是不是打错了')).toEqual(['QUESTION', 'WRONG_PERSON']);
  });

  it('returns nothing for an answer outside the lexicon', () => {
    expect(concepts('can I pay by credit card')).toEqual([]);
  });
});
