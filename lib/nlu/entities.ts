/**
 * Entities in answers (SPEC S3, S6): dates and times relative to the call's local time, numbers and
 * amounts, in English and Chinese. Pure: the call's `now` and IANA time zone are passed in.
 *
 * Dates and times come from chrono-node (its English and simplified-Chinese casual parsers) with
 * two small additions it lacks: a bare day of the month ("the 15th", "15号") and "月底" / "end of
 * the month" style month ends for Chinese. Chinese numerals go through nzh; its one gap, the
 * colloquial "两千五" (= 2,500), is handled here. English number words are a short table: phone
 * ASR writes numbers as digits, so words are the fallback, not the main path.
 */
// The two locales by their own entry points: the package's index would also load traditional Chinese.
import type { ParsedResult } from 'chrono-node';
import * as chronoEn from 'chrono-node/en';
import * as chronoZhHans from 'chrono-node/zh/hans';
import nzh from 'nzh';

import type { EntityKind } from './entity-kinds';
import { describeFault, expectOnly } from '../core/errors';

export { ENTITY_KINDS, type EntityKind } from './entity-kinds';

/** One entity found in an answer. */
export interface Entity {
  kind: Exclude<EntityKind, 'text'>;
  /**
   * Normalised value: `YYYY-MM-DD` (date), `HH:MM` (time), `YYYY-MM-DDTHH:MM` (datetime, local to the
   * call's time zone), a decimal number (`300`, `2.5`) for numbers and amounts.
   */
  value: string;
  /** The words it was read from. */
  text: string;
  /** ISO 4217 code when an amount named its currency. */
  currency?: string;
  /** Said in a negation ("not today", "周五不行"): not a value the person offers. */
  negated?: boolean;
}

/** What relative dates are relative to. */
export interface EntityContext {
  /** Epoch ms of the answer. */
  now: number;
  /** IANA time zone of the person called, e.g. `Asia/Shanghai`; UTC when absent or unknown. */
  timeZone?: string;
  /** Language of the scenario; both parsers run when absent. */
  language?: 'en' | 'zh';
  /** Told what went wrong when a fault inside a date parser was turned into "no date" (`Error name: message`), for the logs. */
  onFault?: (fault: string) => void;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Offset of `timeZone` from UTC at `at`, in minutes (0 for an unknown zone). */
export function zoneOffsetMinutes(timeZone: string | undefined, at: number): number {
  if (!timeZone) return 0;
  try {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' }).formatToParts(new Date(at));
    const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
    const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
    return Math.round((local - Math.floor(at / 60_000) * 60_000) / 60_000);
  } catch (error) {
    expectOnly(error, RangeError);
    // An unknown zone name: treat as UTC rather than fail the call; validation names the field.
    return 0;
  }
}

/** True when `timeZone` is a zone this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch (error) {
    expectOnly(error, RangeError);
    return false;
  }
}

// --- chrono with the two additions ---------------------------------------------------------------

const EN_DAY_OF_MONTH = /\b(?:on\s+|by\s+)?the\s+(\d{1,2})(?:st|nd|rd|th)\b(?!\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))/i;
const ZH_MONTH_END = /(下个?月|这个?月|本月)?月底/;
const ZH_DAY_OF_MONTH = /(下个?月|这个?月|本月)?([0-9一二两三四五六七八九十]{1,3})[号日]/;

/** Next occurrence (today included) of a day of the month, from the reference's local date. */
function nextDayOfMonth(refYear: number, refMonth: number, refDay: number, day: number, monthsAhead: number): { year: number; month: number; day: number } | undefined {
  if (day < 1 || day > 31) return undefined;
  let y = refYear;
  let m = refMonth + monthsAhead;
  if (monthsAhead === 0 && day < refDay) m++;
  for (let k = 0; k < 3; k++) {
    while (m > 12) {
      m -= 12;
      y++;
    }
    const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
    if (day <= last) return { year: y, month: m, day };
    m++;
  }
  return undefined;
}

function zhNumber(s: string): number | undefined {
  if (/^\d+(?:\.\d+)?$/.test(s)) return Number(s);
  let t = s.replace(/两/g, '二').replace(/〇/g, '零');
  // Colloquial "二千五" = 2500, "一万二" = 12000, "三百五" = 350: a trailing digit after a unit
  // stands for the next lower unit (nzh reads it as units).
  const m = /([一二三四五六七八九])([万千百])([一二三四五六七八九])$/.exec(t);
  if (m) t += { 万: '千', 千: '百', 百: '十' }[m[2] as '万' | '千' | '百'];
  if (!/^[零一二三四五六七八九十百千万亿点]+$/.test(t)) return undefined;
  const n = Number(nzh.cn.decodeS(t));
  return Number.isFinite(n) ? n : undefined;
}

const EN_REFS = chronoEn.casual.clone();
EN_REFS.parsers.push({
  pattern: () => EN_DAY_OF_MONTH,
  extract: (context, match) => {
    const ref = context.refDate;
    const d = nextDayOfMonth(ref.getFullYear(), ref.getMonth() + 1, ref.getDate(), Number(match[1]), 0);
    return d ? { day: d.day, month: d.month, year: d.year } : null;
  },
});

const ZH_REFS = chronoZhHans.casual.clone();
ZH_REFS.parsers.push({
  pattern: () => ZH_MONTH_END,
  extract: (context, match) => {
    const ref = context.refDate;
    const ahead = match[1]?.startsWith('下') ? 1 : 0;
    let y = ref.getFullYear();
    let m = ref.getMonth() + 1 + ahead;
    if (m > 12) {
      m -= 12;
      y++;
    }
    return { day: new Date(Date.UTC(y, m, 0)).getUTCDate(), month: m, year: y };
  },
});
ZH_REFS.parsers.push({
  pattern: () => ZH_DAY_OF_MONTH,
  extract: (context, match) => {
    const ref = context.refDate;
    const day = zhNumber(match[2]!);
    if (day === undefined) return null;
    const d = nextDayOfMonth(ref.getFullYear(), ref.getMonth() + 1, ref.getDate(), day, match[1]?.startsWith('下') ? 1 : 0);
    return d ? { day: d.day, month: d.month, year: d.year } : null;
  },
});

function parseDates(text: string, ctx: EntityContext): Entity[] {
  // chrono works in the process's local time (Date getters). Rather than depend on the process's
  // zone (UTC on Lambda, anything on a laptop), the reference is a Date whose local fields are the
  // call's wall-clock time, and results are read back from their fields: the same on any machine.
  const offset = zoneOffsetMinutes(ctx.timeZone, ctx.now);
  const wall = new Date(ctx.now + offset * 60_000);
  const today = { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate() };
  const instant = new Date(today.year, today.month - 1, today.day, wall.getUTCHours(), wall.getUTCMinutes(), wall.getUTCSeconds());
  const parsers = ctx.language === 'en' ? [EN_REFS] : ctx.language === 'zh' ? [ZH_REFS] : [EN_REFS, ZH_REFS];
  const out: Entity[] = [];
  for (const p of parsers) {
    let results: ParsedResult[] = [];
    try {
      results = p.parse(text, instant, { forwardDate: true });
    } catch (error) {
      // A parser fault on odd input is a no-entity answer, never a failed call; onFault is told what it was.
      ctx.onFault?.(describeFault(error));
      results = [];
    }
    for (const r of results) {
      const c = r.start;
      const y = c.get('year') ?? today.year;
      const mo = c.get('month') ?? today.month;
      const d = c.get('day') ?? today.day;
      const date = `${pad(y, 4)}-${pad(mo)}-${pad(d)}`;
      const time = `${pad(c.get('hour') ?? 0)}:${pad(c.get('minute') ?? 0)}`;
      const hasDate = c.isCertain('day') || c.isCertain('weekday') || c.isCertain('month') || date !== `${pad(today.year, 4)}-${pad(today.month)}-${pad(today.day)}` || /today|今天|今日/i.test(r.text);
      const hasTime = c.isCertain('hour');
      if (hasDate && hasTime) out.push({ kind: 'datetime', value: `${date}T${time}`, text: r.text });
      else if (hasDate) out.push({ kind: 'date', value: date, text: r.text });
      else if (hasTime) out.push({ kind: 'time', value: time, text: r.text });
    }
  }
  return out;
}

// --- numbers and amounts --------------------------------------------------------------------------

const EN_UNITS: Record<string, number> = {
  zero: 0, oh: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12,
  thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19, twenty: 20, thirty: 30,
  forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90, a: 1,
};
const EN_SCALES: Record<string, number> = { hundred: 100, thousand: 1000, million: 1_000_000, grand: 1000, k: 1000 };

const CURRENCY_BEFORE: Record<string, string> = { $: 'USD', '€': 'EUR', '£': 'GBP', '¥': 'CNY', '￥': 'CNY' };
const CURRENCY_AFTER: [RegExp, string][] = [
  [/^\s*(?:dollars?|bucks?|usd)\b/i, 'USD'],
  [/^\s*(?:euros?|eur)\b/i, 'EUR'],
  [/^\s*(?:pounds?|quid|gbp)\b/i, 'GBP'],
  [/^\s*(?:yuan|rmb|cny|元|块钱|块|圆)/i, 'CNY'],
];

/** English number words to a value ("three hundred and fifty" → 350), undefined if not a number. */
export function enNumberWords(words: readonly string[]): number | undefined {
  let total = 0;
  let current = 0;
  let any = false;
  for (const raw of words) {
    const w = raw.toLowerCase();
    if (w === 'and' && any) continue;
    if (w in EN_UNITS && !(w === 'a' && any)) {
      current += EN_UNITS[w]!;
      any = true;
    } else if (w in EN_SCALES && (any || w === 'hundred')) {
      const s = EN_SCALES[w]!;
      if (s === 100) current = (current || 1) * 100;
      else {
        total += (current || 1) * s;
        current = 0;
      }
      any = true;
    } else return undefined;
  }
  return any ? total + current : undefined;
}

function currencyAfter(rest: string): string | undefined {
  for (const [re, code] of CURRENCY_AFTER) if (re.test(rest)) return code;
  return undefined;
}

function parseNumbers(text: string, ctx: EntityContext): Entity[] {
  const out: Entity[] = [];
  const push = (value: number, span: string, currency: string | undefined) => {
    const v = String(Math.round(value * 100) / 100);
    out.push({ kind: 'number', value: v, text: span });
    if (currency !== undefined || ctx.language !== undefined) out.push({ kind: 'amount', value: v, text: span, ...(currency ? { currency } : {}) });
  };
  // Digits: "300", "1,200", "$2.50", "2500元", "3k".
  for (const m of text.matchAll(/([$€£¥￥])?\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(\s?[kK]\b)?/g)) {
    const n = Number(m[2]!.replace(/,/g, '') + (m[3] ? `.${m[3]}` : '')) * (m[4] ? 1000 : 1);
    const after = text.slice(m.index! + m[0].length);
    // A day of the month or a time is not an amount: "the 15th", "15号", "3点".
    if (/^\s*(?:st|nd|rd|th|号|日|点|:\d)/i.test(after)) continue;
    push(n, m[0].trim(), m[1] ? CURRENCY_BEFORE[m[1]] : currencyAfter(after));
  }
  // Chinese numerals: "三百", "两千五百块", "一万二".
  for (const m of text.matchAll(/[零〇一二两三四五六七八九十百千万亿点]{1,12}/g)) {
    const after = text.slice(m.index! + m[0].length);
    if (/^\s*(?:号|日|点钟|点|月|天|周|个月|星期)/.test(after)) continue;
    if (m[0].length === 1 && !currencyAfter(after) && !/[十百千万]/.test(m[0])) continue; // 一 alone is usually a word, not a number
    const n = zhNumber(m[0]);
    if (n !== undefined) push(n, m[0], currencyAfter(after));
  }
  // English number words: runs of number words ("three hundred dollars").
  const words = [...text.matchAll(/[A-Za-z]+/g)];
  for (let i = 0; i < words.length; i++) {
    const first = words[i]![0].toLowerCase();
    if (!(first in EN_UNITS) || first === 'a' || first === 'oh') continue;
    let j = i;
    let best: { n: number; end: number } | undefined;
    while (j < words.length) {
      const n = enNumberWords(words.slice(i, j + 1).map((w) => w[0]));
      if (n === undefined) break;
      best = { n, end: j };
      j++;
    }
    if (!best) continue;
    const endMatch = words[best.end]!;
    const after = text.slice(endMatch.index! + endMatch[0].length);
    if (/^\s*(?:st|nd|rd|th|o'?clock|days?|weeks?|months?)\b/i.test(after)) {
      i = best.end;
      continue;
    }
    push(best.n, text.slice(words[i]!.index!, endMatch.index! + endMatch[0].length), currencyAfter(after));
    i = best.end;
  }
  return out;
}

/** True when the words around a span negate it: "not today", "not on Friday", "今天不行", "不是周五". */
function isNegated(text: string, span: string): boolean {
  const at = text.indexOf(span);
  if (at < 0) return false;
  const before = text.slice(0, at).split(/[,.;!?，。；！？]|\bbut\b|但是|可是/i).pop() ?? '';
  const after = text.slice(at + span.length);
  if (/\b(?:not|never|no)\s+(?:\w+\s+)?$/i.test(before) || /n't\s+(?:\w+\s+)?$/i.test(before)) return true;
  if (/(?:不是|不|没)$/.test(before.trim())) return true;
  return /^\s*(?:不行|不可以|不能|不方便|没|不)/.test(after);
}

/**
 * Finds the entities of an answer. Dates and times are resolved against `ctx.now` in
 * `ctx.timeZone`, preferring the future ("on Friday" is the coming Friday). Never throws.
 */
export function extractEntities(text: string, ctx: EntityContext): Entity[] {
  const input = String(text ?? '').normalize('NFKC').slice(0, 500);
  if (input.trim() === '') return [];
  const dates = parseDates(input, ctx);
  // Numbers inside a date or time phrase ("the 15th", "3 pm") are not numbers of their own.
  let rest = input;
  for (const d of dates) rest = rest.replace(d.text, ' '.repeat(d.text.length));
  return [...dates, ...parseNumbers(rest, ctx)].map((e) => (isNegated(input, e.text) ? { ...e, negated: true } : e));
}

/** The first entity of a kind that is not negated; amounts prefer one that named its currency. */
export function firstEntity(all: readonly Entity[], kind: Exclude<EntityKind, 'text'>): Entity | undefined {
  const entities = all.filter((e) => !e.negated);
  if (kind === 'amount') return entities.find((e) => e.kind === 'amount' && e.currency) ?? entities.find((e) => e.kind === 'amount');
  if (kind === 'date') return entities.find((e) => e.kind === 'date') ?? dateOf(entities.find((e) => e.kind === 'datetime'));
  return entities.find((e) => e.kind === kind);
}

function dateOf(e: Entity | undefined): Entity | undefined {
  return e ? { kind: 'date', value: e.value.slice(0, 10), text: e.text } : undefined;
}

/** Speaks a captured value in a prompt: dates and times in words of the language, others as they are. */
export function spokenValue(value: string, language: 'en' | 'zh'): string {
  const locale = language === 'en' ? 'en-US' : 'zh-CN';
  let m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?$/.exec(value);
  if (m) {
    const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0)));
    const opts: Intl.DateTimeFormatOptions = { timeZone: 'UTC', weekday: 'long', month: 'long', day: 'numeric', ...(m[4] !== undefined ? { hour: 'numeric', minute: '2-digit' } : {}) };
    return new Intl.DateTimeFormat(locale, opts).format(d);
  }
  m = /^(\d{2}):(\d{2})$/.exec(value);
  if (m) return new Intl.DateTimeFormat(locale, { timeZone: 'UTC', hour: 'numeric', minute: '2-digit' }).format(new Date(Date.UTC(2000, 0, 1, Number(m[1]), Number(m[2]))));
  return value;
}
