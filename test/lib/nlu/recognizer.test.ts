import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { buildRecognizer, calibrate, calibrationSplits, DEFAULT_THRESHOLD, fitCalibration, PRIOR_CALIBRATION } from '../../../lib/nlu/recognizer';
import { BUILTIN_INTENTS, builtinIntents, builtinIntentsBilingual } from '../../../lib/nlu/builtin-intents';
import type { IntentDefinition } from '../../../lib/nlu/types';

const builtin = buildRecognizer(builtinIntentsBilingual());

describe('buildRecognizer', () => {
  it('does not mistake a negated affirmative for an affirmative', () => {
    expect(builtin.recognize('不是').best?.intent).toBe('deny');
    expect(builtin.recognize('不是的，不对').best?.intent).toBe('deny');
    expect(builtin.recognize('not really').best?.intent).toBe('deny');
    expect(builtin.recognize('no, not really').best?.intent).toBe('deny');
  });

  it('keeps the affirmative when no negation precedes it', () => {
    expect(builtin.recognize('是').best?.intent).toBe('affirm');
    expect(builtin.recognize('yes really').best?.intent).toBe('affirm');
  });

  it('recognises short answers', () => {
    for (const t of ['yes', 'Yeah.', '嗯嗯', '对', 'OK']) expect(builtin.recognize(t).best?.intent, t).toBe('affirm');
    for (const t of ['no', 'nope', '没有', '不']) expect(builtin.recognize(t).best?.intent, t).toBe('deny');
  });

  it('marks the negation scope so "not interested" does not match "interested"', () => {
    const rec = buildRecognizer([
      { name: 'keen', examples: ['I am interested', 'sounds interesting'] },
      { name: 'not_keen', examples: ['not interested', 'I am not interested at all'] },
    ]);
    expect(rec.recognize('I am not interested').best?.intent).toBe('not_keen');
    expect(rec.recognize('interested').best?.intent).toBe('keen');
  });

  it('boosts an intent when one of its keywords occurs', () => {
    const intents: IntentDefinition[] = [
      { name: 'pay', examples: ['I will pay tomorrow', 'I can pay next week'] },
      { name: 'dispute', examples: ['that amount is wrong', 'I do not owe that'], keywords: ['invoice'] },
    ];
    const withKeyword = buildRecognizer(intents).recognize('the invoice');
    const without = buildRecognizer(intents.map((i) => ({ ...i, keywords: [] }))).recognize('the invoice');
    expect(withKeyword.best?.intent).toBe('dispute');
    expect(withKeyword.best!.score).toBeGreaterThan(without.ranked.find((m) => m.intent === 'dispute')?.score ?? 0);
  });

  it('ignores a keyword inside a negation scope', () => {
    const rec = buildRecognizer([
      { name: 'busy', examples: ['call me later'], keywords: ['busy'] },
      { name: 'free', examples: ['I have time now', 'go ahead I can talk'] },
    ]);
    const r = rec.recognize('I am not busy');
    expect(r.ranked.find((m) => m.intent === 'busy')?.score ?? 0).toBeLessThan(DEFAULT_THRESHOLD);
  });

  it('restricts recognition to the candidate intents', () => {
    const r = builtin.recognize('I am driving, call me later', { candidates: ['affirm', 'deny', 'busy'] });
    expect(r.best?.intent).toBe('busy');
    expect(r.ranked.every((m) => ['affirm', 'deny', 'busy'].includes(m.intent))).toBe(true);
  });

  it('does not turn an answer for another intent into a confident candidate match', () => {
    const r = builtin.recognize('yes', { candidates: ['deny', 'busy'] });
    expect(r.matched).toBe(false);
  });

  it('reports no match below the threshold', () => {
    const r = builtin.recognize('what is the weather like in Paris');
    expect(r.matched).toBe(false);
    expect(builtin.recognize('股票涨了百分之五').matched).toBe(false);
    expect(builtin.recognize('my cat likes fish').matched).toBe(false);
  });

  it('applies a custom threshold', () => {
    const strict = buildRecognizer(builtinIntents('en'), { threshold: 1.01 });
    expect(strict.recognize('yes').matched).toBe(false);
    const lax = buildRecognizer(builtinIntents('en'), { threshold: 0 });
    const weak = lax.recognize('please call');
    expect(weak.best).toBeDefined();
    expect(weak.matched).toBe(true);
  });

  it('merges definitions that share a name', () => {
    const rec = buildRecognizer([BUILTIN_INTENTS.affirm.en, BUILTIN_INTENTS.affirm.zh, BUILTIN_INTENTS.deny.en]);
    expect(rec.intentCount).toBe(2);
    expect(rec.recognize('对的').best?.intent).toBe('affirm');
  });

  it('answers no match for empty input and for an empty library', () => {
    expect(builtin.recognize('')).toEqual({ text: '', normalized: '', ranked: [], matched: false });
    expect(buildRecognizer([]).recognize('yes').matched).toBe(false);
  });

  it('tells apart intents that differ only in words the phone-answer lexicon folds together', () => {
    // "tomorrow" and "weekend" both fold to "later" for the built-in intents; the character model reads the surface.
    const rec = buildRecognizer([
      { name: 'tomorrow_plans', examples: ['what is on for tomorrow', 'plans for tomorrow', 'my schedule tomorrow'] },
      { name: 'weekend_plans', examples: ['what is on for the weekend', 'plans for the weekend', 'my schedule this weekend'] },
    ]);
    expect(rec.recognize('anything tomorrow').best?.intent).toBe('tomorrow_plans');
    expect(rec.recognize('anything this weekend').best?.intent).toBe('weekend_plans');
  });

  it('ranks by descending score with the best first', () => {
    const r = builtin.recognize('no I am busy right now');
    expect(r.best).toEqual(r.ranked[0]);
    for (let i = 1; i < r.ranked.length; i++) expect(r.ranked[i - 1]!.score).toBeGreaterThanOrEqual(r.ranked[i]!.score);
  });

  it('never throws and keeps scores in [0,1] for arbitrary unicode', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.option(fc.constantFrom('affirm', 'deny', 'nope'), { nil: undefined }), (text, cand) => {
        const r = builtin.recognize(text, cand ? { candidates: [cand] } : undefined);
        for (const m of r.ranked) {
          expect(m.score).toBeGreaterThanOrEqual(0);
          expect(m.score).toBeLessThanOrEqual(1);
        }
        expect(r.matched).toBe(r.best !== undefined && r.best.score >= DEFAULT_THRESHOLD);
      }),
      { numRuns: 300 },
    );
    // …and every recognition of ordinary input is fault-free.
    expect(builtin.recognize('yes please').fault).toBeUndefined();
  });

  it('turns a fault inside recognition into a no-match that names the fault', () => {
    // A candidate list that breaks when read stands in for a bug inside recognize().
    const broken = new Proxy<string[]>([], {
      get: () => {
        throw new TypeError('candidate list is broken');
      },
    });
    const r = builtin.recognize('yes please', { candidates: broken });
    expect(r).toEqual({ text: 'yes please', normalized: '', ranked: [], matched: false, fault: 'TypeError: candidate list is broken' });
  });
});

describe('compile-time no-match calibration', () => {
  const library = (n: number): IntentDefinition[] =>
    Array.from({ length: n }, (_, i) => ({
      name: `intent_${i}`,
      examples: [`please book topic${i} now`, `i want topic${i} today`, `can you do topic${i}`, `topic${i} for me`, `help with topic${i}`, `topic${i} please`],
    }));

  it('fits a calibration to each library and keeps it finite', () => {
    const small = buildRecognizer(library(3));
    const large = buildRecognizer(library(40));
    for (const c of [small.calibration, large.calibration]) for (const v of Object.values(c)) expect(Number.isFinite(v)).toBe(true);
    expect(small.calibration).not.toEqual(large.calibration);
  });

  it('matches an in-scope paraphrase and leaves an unrelated answer unmatched', () => {
    const rec = buildRecognizer(library(40));
    expect(rec.recognize('could you do topic7 please').best?.intent).toBe('intent_7');
    expect(rec.recognize('could you do topic7 please').matched).toBe(true);
    expect(rec.recognize('the weather is lovely in spain').matched).toBe(false);
  });
});

describe('fitCalibration', () => {
  it('moves the bias so at most 3 % of the right answers fall under 0.5', () => {
    const items = Array.from({ length: 200 }, (_, i) => ({ score: i / 200, margin: 0, nearest: 0, right: i >= 20, weight: 1 }));
    const wrong = Array.from({ length: 200 }, () => ({ score: 0.05, margin: 0, nearest: 0, right: false, weight: 5 }));
    const c = fitCalibration([...items, ...wrong]);
    const right = items.filter((d) => d.right);
    const rejected = right.filter((d) => calibrate(c, d.score, d.margin, d.nearest) < 0.5).length;
    expect(rejected / right.length).toBeLessThanOrEqual(0.031);
  });

  it('returns the prior when there is nothing to fit', () => {
    expect(fitCalibration([])).toEqual(PRIOR_CALIBRATION);
  });
});

describe('calibrationSplits', () => {
  it('gives every intent half its examples (± 1) on each side, in every split', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 80 }), fc.integer({ min: 1, max: 4 }), fc.integer(), (intentOf, splits, seed) => {
        const folds = calibrationSplits(intentOf, splits, seed);
        expect(folds).toHaveLength(splits);
        for (const fold of folds) {
          expect(fold).toHaveLength(intentOf.length);
          for (const ii of new Set(intentOf)) {
            const sides = intentOf.flatMap((x, e) => (x === ii ? [fold[e]!] : []));
            const ones = sides.filter((s) => s === 1).length;
            expect(Math.abs(sides.length - 2 * ones)).toBeLessThanOrEqual(1);
          }
        }
      }),
    );
  });

  it('does not deal the author order alternately, and is the same for the same seed', () => {
    const intentOf = Array.from({ length: 40 }, () => 0);
    const [fold] = calibrationSplits(intentOf, 1, 7);
    const alternate = intentOf.map((_, e) => e % 2);
    expect([...fold!]).not.toEqual(alternate);
    expect([...fold!]).not.toEqual(alternate.map((x) => 1 - x));
    expect([...calibrationSplits(intentOf, 1, 7)[0]!]).toEqual([...fold!]);
    const two = calibrationSplits(intentOf, 2, 7);
    expect([...two[1]!]).not.toEqual([...two[0]!]);
  });
});
