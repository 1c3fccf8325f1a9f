import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { buildRecognizer } from '../../../lib/nlu/recognizer';
import { BUILTIN_INTENTS, builtinIntents, type BuiltinIntentName } from '../../../lib/nlu/builtin-intents';

// Phrasings that are not among the built-in examples.
const HELD_OUT: Record<BuiltinIntentName, { en: string[]; zh: string[] }> = {
  affirm: { en: ['yes that is right', 'yeah sure'], zh: ['嗯，对的', '是的没错'] },
  deny: { en: ['no I did not', 'nope, not at all'], zh: ['没有没有', '不是的啊'] },
  not_the_person: { en: ['sorry, wrong number', 'he is not here, this is his wife'], zh: ['你打错了', '他不在，我是他老婆'] },
  busy: { en: ['I am driving right now', 'call me back later please'], zh: ['我在开车', '晚点再打给我'] },
  dont_know: { en: ['um, I do not know', 'I am not sure'], zh: ['我不知道', '不清楚啊'] },
  repeat: { en: ['sorry, can you repeat that', 'I can not hear you'], zh: ['没听清，再说一遍', '你说什么'] },
  who_are_you: { en: ['who is this', 'where are you calling from'], zh: ['你是谁啊', '你们是什么公司'] },
  not_interested: { en: ['not interested, thanks', 'no thanks, I do not need it'], zh: ['不需要，谢谢', '没兴趣'] },
  complaint: { en: ['I want to make a complaint', 'this is a scam'], zh: ['我要投诉你们', '你们是骗子吧'] },
  stop_calling: { en: ['stop calling me', 'do not call me again'], zh: ['别再打了', '以后不要打了'] },
  goodbye: { en: ['okay thanks, bye', 'goodbye then'], zh: ['好的，再见', '谢谢，拜拜'] },
};

describe('BUILTIN_INTENTS', () => {
  for (const language of ['en', 'zh'] as const) {
    const rec = buildRecognizer(builtinIntents(language));
    for (const [name, phrases] of Object.entries(HELD_OUT) as [BuiltinIntentName, { en: string[]; zh: string[] }][]) {
      it(`recognises ${name} on held-out ${language} phrasings`, () => {
        for (const p of phrases[language]) {
          const r = rec.recognize(p, { language });
          expect(r.best?.intent, p).toBe(name);
          expect(r.matched, p).toBe(true);
        }
      });
    }
  }

  it('defines every intent in both languages with the same name and at least ten examples', () => {
    for (const [name, def] of Object.entries(BUILTIN_INTENTS)) {
      for (const d of [def.en, def.zh]) {
        expect(d.name).toBe(name);
        expect(d.examples.length).toBeGreaterThanOrEqual(10);
      }
    }
  });

  it('is what the benchmark trains on', () => {
    for (const language of ['en', 'zh'] as const) {
      const rows = readFileSync(new URL(`../../../bench/data/nlu/train.${language}.jsonl`, import.meta.url), 'utf8')
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as { text: string; label: string });
      const expected = builtinIntents(language).flatMap((d) => d.examples.map((text) => ({ text, label: d.name })));
      expect(rows).toEqual(expected);
    }
  });
});
