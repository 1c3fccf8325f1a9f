import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { enNumberWords, extractEntities, firstEntity, spokenValue, zoneOffsetMinutes } from '../../../lib/nlu/entities';

// Wednesday 4 March 2026, 20:00 UTC (Thursday 5 March, 04:00 in Shanghai).
const now = Date.parse('2026-03-04T20:00:00Z');
const date = (text: string, language: 'en' | 'zh', timeZone = 'UTC') => firstEntity(extractEntities(text, { now, language, timeZone }), 'date')?.value;

describe('extractEntities', () => {
  it('resolves English relative dates forward from the call\'s local day', () => {
    expect(date('I can pay on Friday', 'en')).toBe('2026-03-06');
    expect(date('the 15th', 'en')).toBe('2026-03-15');
    expect(date('next Tuesday', 'en')).toBe('2026-03-10');
    expect(date('at the end of the month', 'en')).toBe('2026-03-31');
    expect(date('in three days', 'en')).toBe('2026-03-07');
    expect(date('tomorrow', 'en', 'Asia/Shanghai')).toBe('2026-03-06');
    expect(date('tomorrow', 'en', 'America/Los_Angeles')).toBe('2026-03-05');
  });

  it('resolves Chinese dates, including the day of the month and month ends', () => {
    expect(date('下周三', 'zh', 'Asia/Shanghai')).toBe('2026-03-11');
    expect(date('我周五还', 'zh', 'Asia/Shanghai')).toBe('2026-03-06');
    expect(date('15号', 'zh', 'Asia/Shanghai')).toBe('2026-03-15');
    expect(date('下个月5号', 'zh', 'Asia/Shanghai')).toBe('2026-04-05');
    expect(date('月底', 'zh', 'Asia/Shanghai')).toBe('2026-03-31');
    expect(date('明天', 'zh', 'Asia/Shanghai')).toBe('2026-03-06');
  });

  it('gives a date-time when a time is said too, in local time', () => {
    expect(extractEntities('明天下午三点', { now, language: 'zh', timeZone: 'Asia/Shanghai' })[0]).toMatchObject({ kind: 'datetime', value: '2026-03-06T15:00' });
    expect(extractEntities('tomorrow at 3pm', { now, language: 'en', timeZone: 'UTC' })[0]).toMatchObject({ kind: 'datetime', value: '2026-03-05T15:00' });
  });

  it('marks negated dates so they are not offered values', () => {
    expect(date('no not today', 'en')).toBeUndefined();
    expect(date('not on friday but monday', 'en')).toBe('2026-03-09');
    expect(date('今天不行', 'zh')).toBeUndefined();
  });

  it('reads numbers and amounts in digits and words, with the currency when named', () => {
    const amount = (text: string, language: 'en' | 'zh') => firstEntity(extractEntities(text, { now, language }), 'amount');
    expect(amount('yes, 300', 'en')).toMatchObject({ value: '300' });
    expect(amount('three hundred and fifty dollars', 'en')).toMatchObject({ value: '350', currency: 'USD' });
    expect(amount('$1,250.50', 'en')).toMatchObject({ value: '1250.5', currency: 'USD' });
    expect(amount('两千五百块', 'zh')).toMatchObject({ value: '2500', currency: 'CNY' });
    expect(amount('可以，三百', 'zh')).toMatchObject({ value: '300' });
    expect(amount('两千五', 'zh')).toMatchObject({ value: '2500' });
    expect(firstEntity(extractEntities('the 15th', { now, language: 'en' }), 'number')).toBeUndefined();
  });

  it('reads English number words', () => {
    expect(enNumberWords(['twenty', 'five'])).toBe(25);
    expect(enNumberWords(['two', 'thousand', 'five', 'hundred'])).toBe(2500);
    expect(enNumberWords(['hello'])).toBeUndefined();
  });

  it('never throws and returns well-formed values for arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.constantFrom('en', 'zh', undefined), fc.integer({ min: 0, max: 4_000_000_000_000 }), (text, language, t) => {
        for (const e of extractEntities(text, { now: t, ...(language ? { language } : {}), timeZone: 'Europe/Berlin' })) {
          if (e.kind === 'date') expect(e.value).toMatch(/^\d{4}-\d{2}-\d{2}$/);
          if (e.kind === 'number' || e.kind === 'amount') expect(Number.isFinite(Number(e.value))).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('zoneOffsetMinutes', () => {
  it('knows offsets and treats an unknown zone as UTC', () => {
    expect(zoneOffsetMinutes('Asia/Shanghai', now)).toBe(480);
    expect(zoneOffsetMinutes('America/New_York', now)).toBe(-300);
    expect(zoneOffsetMinutes('Not/AZone', now)).toBe(0);
  });
});

describe('spokenValue', () => {
  it('speaks dates and times in the scenario language', () => {
    expect(spokenValue('2026-03-06', 'en')).toBe('Friday, March 6');
    expect(spokenValue('2026-03-06', 'zh')).toBe('3月6日星期五');
    expect(spokenValue('300', 'en')).toBe('300');
  });
});
