import { describe, it, expect } from 'vitest';
import { detectLanguage, normalize } from '../../../lib/nlu/normalize';

describe('normalize', () => {
  it('folds full-width characters and case to half-width lower case', () => {
    expect(normalize('ＹＥＳ，ＯＫ').text).toBe('yes okay');
    expect(normalize('Ｎｏｔ Ｎｏｗ！').text).toBe('not now');
  });

  it('removes English and Chinese fillers when something else remains', () => {
    expect(normalize('Uh, um, yes').text).toBe('yes');
    expect(normalize('嗯，呃，是的').text).toBe('是的');
    expect(normalize('额 不是啊').text).toBe('不是');
  });

  it('keeps a filler that is the whole answer', () => {
    expect(normalize('嗯').text).toBe('嗯');
    expect(normalize('嗯嗯').text).toBe('嗯');
  });

  it('collapses stutters and emphatic repeats', () => {
    expect(normalize('对对对').text).toBe('对');
    expect(normalize('no no no').text).toBe('no');
  });

  it('expands contractions with and without apostrophes', () => {
    expect(normalize("I don’t know").text).toBe('i do not know');
    expect(normalize('i dont know').text).toBe('i do not know');
    expect(normalize("can't talk").text).toBe('can not talk');
  });

  it('keeps back-channel vocalisations as yes and no', () => {
    expect(normalize('uh-huh').text).toBe('yes');
    expect(normalize('Mm-hmm.').text).toBe('yes');
    expect(normalize('uh-uh').text).toBe('no');
  });

  it('maps traditional characters and common ASR variants', () => {
    expect(normalize('對，沒錯').text).toBe(normalize('对，没错').text);
    expect(normalize('您是哪位').text).toBe(normalize('你是哪位').text);
  });

  it('starts a new clause at punctuation', () => {
    const tokens = normalize('不，是的').tokens;
    expect(tokens.map((t) => t.clause)).toEqual([0, 1, 1]);
  });

  it('returns nothing for empty or punctuation-only input', () => {
    expect(normalize('').tokens).toEqual([]);
    expect(normalize('？？！').tokens).toEqual([]);
  });
});

describe('detectLanguage', () => {
  it('detects Chinese when Han characters dominate and English otherwise', () => {
    expect(detectLanguage('我在开车')).toBe('zh');
    expect(detectLanguage('I am driving')).toBe('en');
    expect(detectLanguage('OK 好的')).toBe('zh');
  });
});
