/**
 * Phone number masking for logs (D2).
 *
 * What is masked:
 * - in any string: every run that reads like a phone number in any format libphonenumber accepts — E.164
 *   (`+12065505404`), international (`+1 206-550-5404`, `+44 20 7946 0018`), national (`(206) 550-5404`,
 *   `020 7946 0018`), RFC 3966 (`tel:+1-206-550-5404`), URL-encoded (`%2B12065505404`), with spaces, dots, dashes,
 *   slashes or parentheses between digit groups — when it has at least {@link MIN_NATIONAL_DIGITS} digits, or at
 *   least {@link MIN_INTERNATIONAL_DIGITS} after a `+`;
 * - in fields that hold phone numbers ({@link isPhoneKey}: `phone`, `callee`, `caller`, `to`, `from`, `e164`,
 *   `*PhoneNumber`...): the whole value, also when it is a number (`12065505404`) or an array of numbers, and
 *   whatever its length.
 *
 * How: digits are replaced by `*` in place, separators kept, except the country calling code after a `+` and the
 * last 2 digits: `+1 (206) 550-5404` → `+1 (***) ***-**04`, `(206) 550-5404` → `(***) ***-**04`. A national number
 * carries no country code, so only its last 2 digits stay.
 *
 * What is never touched: ISO 8601 dates and date-times (`2024-03-01T23:00:38.123Z`), UUIDs, X-Ray trace ids,
 * ULID-like ids ({@link newId}), the account id inside ARNs, digits glued to letters (hex ids, `v20.19.1`,
 * `1500ms`), and, in fields named like times, durations, counts or versions ({@link isNumericKey}), numeric strings.
 * Numbers are masked only in phone fields, so epoch milliseconds, durations, counts and versions stored as numbers
 * stay as they are.
 *
 * Known limits (tested and documented): a national number shorter than 7 digits (a few small territories, e.g.
 * Saint Helena `2158`) is indistinguishable from a count in free text, so it is masked only in phone fields or
 * with its `+country code`; digit runs of 7 or more that are not phone numbers (a 7-digit count in a sentence, a
 * dotted IP address, a `dd.mm.yyyy` date) are masked as well — masking too much is the safe side.
 *
 * @module
 */

import { CALLING_CODES, NON_GEOGRAPHIC_CALLING_CODES } from './calling-codes';

/** Country calling codes (ITU E.164, including non-geographic ones), generated from libphonenumber-js's metadata. */
export const COUNTRY_CALLING_CODES: ReadonlySet<string> = new Set([...CALLING_CODES.split(' '), ...NON_GEOGRAPHIC_CALLING_CODES.split(' ')]);

/** Fewest digits a run without a `+` needs to be masked in free text (shorter runs are counts, years, codes). */
export const MIN_NATIONAL_DIGITS = 7;
/** Fewest digits (country code included) a `+` number needs to be masked in free text: the shortest E.164 number. */
export const MIN_INTERNATIONAL_DIGITS = 6;

/** Digits kept at the end of a masked number. */
const KEPT_TAIL = 2;

// One separator between digit groups: space, no-break space, dot, slash, hyphen or a Unicode dash.
const SEP = '[ \\u00a0./\\-\\u2010-\\u2015]';
// What may stand between two digit groups: a separator, parentheses around a group, or both (`) `, ` (`, `)-`).
const JOIN = `(?:\\)${SEP}?\\(?|${SEP}\\(?|\\()`;

// Spans that are never masked, tried before phone numbers at every position.
const ISO_DATE = '(?:1[89]|2\\d)\\d\\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\\d|3[01])';
const ISO_TIME = '[T ](?:[01]\\d|2[0-4]):[0-5]\\d(?::[0-6]\\d(?:[.,]\\d+)?)?(?:Z|[+-](?:[01]\\d|2[0-3])(?::?[0-5]\\d)?)?';
const PROTECTED = [
  `(?<!\\d)${ISO_DATE}(?:${ISO_TIME})?(?!\\d)`,
  // UUID (any version), e.g. request ids, Chime transaction and call ids.
  '(?<![0-9A-Fa-f-])[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}(?![0-9A-Fa-f])',
  // X-Ray trace id.
  '(?<![0-9A-Za-z-])1-[0-9a-f]{8}-[0-9a-f]{24}(?![0-9a-f])',
  // ULID (Crockford base32, 26 characters), as lib/core/ids.ts newId makes them.
  '(?<![0-9A-Za-z])[0-9A-HJKMNP-TV-Z]{26}(?![0-9A-Za-z])',
  // ARN prefix up to the account id.
  'arn:[A-Za-z0-9-]+:[A-Za-z0-9-]+:[A-Za-z0-9-]*:\\d{12}:',
  // A package version after `@` (`aws-cdk-lib@2.276.0`).
  '@\\d+\\.\\d+\\.\\d+(?:-[0-9A-Za-z.-]+)?',
].join('|');

// A phone-like run: optional tel:/+/%2B, optional opening parenthesis, digit groups joined by JOIN. It does not start
// inside a word or an identifier (`abc123`, `INV-1234567`), does not end glued to letters or digits (hex ids) except an
// `x123` extension, and never swallows a protected span that follows it.
const PHONE =
  `(?<![A-Za-z0-9]|[A-Za-z0-9][.-])(?:tel:)?(?:\\+|%2[Bb])?\\(?(?!${PROTECTED})\\d+(?:${JOIN}(?!${PROTECTED})\\d+)*` +
  '(?!\\d|-[A-Za-z0-9]|\\.\\d|(?![xX]\\d)[A-Za-z])';

const SCANNER = new RegExp(`(${PROTECTED})|${PHONE}`, 'g');

/**
 * Masks the digits of `text` except the country code (when `international`) and the last 2; the first `skip`
 * characters (a `+` or `%2B`) are kept as they are.
 */
function maskDigits(text: string, international: boolean, skip = 0): string {
  const head = text.slice(0, skip);
  text = text.slice(skip);
  const digits = text.replace(/\D/g, '');
  let keepHead = 0;
  if (international) {
    for (let n = 1; n <= 3 && n <= digits.length; n++) {
      if (COUNTRY_CALLING_CODES.has(digits.slice(0, n))) {
        keepHead = n;
        break;
      }
    }
  }
  const keepFrom = Math.max(keepHead, digits.length - KEPT_TAIL);
  let seen = 0;
  return (
    head +
    text.replace(/\d/g, (d) => {
      const i = seen++;
      return i < keepHead || i >= keepFrom ? d : '*';
    })
  );
}

const PREFIX = /^(\s*(?:tel:)?)(\+|%2[Bb])?/;

/** Masks a phone-like run, keeping its `tel:` / `+` / `%2B` prefix and, after a `+`, the country code. */
function maskRun(run: string): string {
  const { lead, plus } = prefixOf(run);
  return lead + maskDigits(run.slice(lead.length), plus !== undefined, plus?.length ?? 0);
}

/** The `tel:` lead and the `+` / `%2B` of a run, if any. */
function prefixOf(run: string): { lead: string; plus?: string } {
  const match = PREFIX.exec(run);
  return { lead: match?.[1] ?? '', plus: match?.[2] };
}

/**
 * Masks one phone number as a whole (a value known to be a phone number): every digit except the country code
 * after a `+` and the last 2, separators kept. `+12065505404` → `+1********04`; `(206) 550-5404` → `(***) ***-**04`;
 * `12065505404` (a number) → `*********04`. Values with 2 digits or fewer are returned as they are.
 */
export function maskPhone(phone: string | number | bigint): string {
  return maskRun(String(phone));
}

/** Masks every phone number found in free text; dates, ids and short numbers stay (see the module comment). */
export function maskPhonesInText(text: string): string {
  if (!/\d{2}/.test(text) && !/\d\D\d/.test(text)) return text;
  return text.replace(SCANNER, (run: string, protectedSpan: string | undefined) => {
    if (protectedSpan !== undefined) return run;
    const { lead, plus } = prefixOf(run);
    const digits = run.slice(lead.length + (plus?.length ?? 0)).replace(/\D/g, '').length;
    if (digits < (plus === undefined ? MIN_NATIONAL_DIGITS : MIN_INTERNATIONAL_DIGITS)) return run;
    return maskRun(run);
  });
}

/** Splits a field name into lower-case words: `createdAt` → created, at; `CALLS_PER_SECOND` → calls, per, second. */
function words(key: string): string[] {
  return key
    .split(/[\s_.-]+|(?<=[a-z0-9])(?=[A-Z])/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

const PHONE_KEYS = new Set(['to', 'from', 'number', 'numbers', 'tel', 'telephone', 'fax', 'ani', 'dnis', 'msisdn', 'e164', 'callee', 'caller', 'callerid', 'mobile']);
const PHONE_SUFFIXES = ['phone', 'phones', 'phonenumber', 'phonenumbers', 'e164', 'msisdn', 'callee', 'caller', 'callernumber', 'callernumbers', 'calleenumber', 'fromnumber', 'tonumber', 'mobilenumber', 'telephone'];

/**
 * Whether a field holds phone numbers, from its name: `phone`, `phoneNumber`, `contactPhone`, `callee`, `caller`,
 * `callerNumbers`, `to`, `from`, `ToPhoneNumber`, `e164`, `msisdn`... (case, `_` and `-` ignored).
 */
export function isPhoneKey(key: string): boolean {
  const flat = key.toLowerCase().replace(/[\s_-]/g, '');
  if (PHONE_KEYS.has(flat)) return true;
  return PHONE_SUFFIXES.some((suffix) => flat.endsWith(suffix));
}

const NUMERIC_WORDS = new Set([
  'at', 'time', 'times', 'timestamp', 'date', 'ts', 'ms', 'millis', 'epoch', 'second', 'seconds', 'secs', 'sec', 'minutes',
  'hours', 'days', 'duration', 'elapsed', 'latency', 'age', 'ttl', 'expires', 'until', 'since', 'deadline', 'delay', 'wait',
  'count', 'total', 'size', 'bytes', 'length', 'version', 'attempt', 'attempts', 'index', 'offset', 'limit', 'page', 'seq',
  'sequence', 'shard', 'port', 'percent', 'rate', 'score',
]);

/** Whether a field is named like a time, duration, count or version (`createdAt`, `waitMs`, `attempts`, `version`). */
export function isNumericKey(key: string): boolean {
  const last = words(key).at(-1);
  return last !== undefined && NUMERIC_WORDS.has(last);
}

// Numbers, decimals and versions (`1718000000000`, `12.5`, `v2.36.0`, `3.1162.0-beta.1`).
const NUMERIC_STRING = /^(?:[+-]?\d+(?:\.\d+)?|v?\d+(?:\.\d+)+(?:[-+][0-9A-Za-z.-]+)?)$/;

/**
 * Masks one value of a log entry given its field name; a `JSON.stringify` replacer (it returns containers as they
 * are, so nested values come back through it with their own names).
 */
export function maskLogValue(key: string, value: unknown): unknown {
  if (typeof value === 'string') {
    if (isPhoneKey(key)) return maskPhone(value);
    if (isNumericKey(key) && NUMERIC_STRING.test(value)) return value;
    return maskPhonesInText(value);
  }
  if ((typeof value === 'number' || typeof value === 'bigint') && isPhoneKey(key)) return maskPhone(value);
  if (Array.isArray(value) && isPhoneKey(key)) {
    return value.map((item: unknown) => (typeof item === 'string' || typeof item === 'number' || typeof item === 'bigint' ? maskPhone(item) : item));
  }
  return value;
}

/** Serialises a value to JSON with every phone number masked (see {@link maskLogValue}). */
export function maskedJson(value: unknown): string {
  return JSON.stringify(value, (key, v: unknown) => maskLogValue(key, v));
}
