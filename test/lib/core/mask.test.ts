import fc from 'fast-check';
import { parsePhoneNumberFromString, type PhoneNumber } from 'libphonenumber-js/max';
import metadata from 'libphonenumber-js/metadata.max.json';
import { describe, expect, it } from 'vitest';
import { newId } from '../../../lib/core/ids';
import {
  COUNTRY_CALLING_CODES,
  MIN_NATIONAL_DIGITS,
  isNumericKey,
  isPhoneKey,
  maskedJson,
  maskPhone,
  maskPhonesInText,
} from '../../../lib/core/mask';

/**
 * The masking property is checked against numbers libphonenumber itself generates and validates: for every region
 * (and non-geographic calling code) and every number type its metadata describes (fixed line, mobile, toll free,
 * premium rate, personal, voicemail, UAN, pager, VoIP, shared cost), national significant numbers are drawn from the
 * type's own pattern, kept when libphonenumber says they are valid, and formatted NATIONAL, INTERNATIONAL, E.164 and
 * RFC 3966, with the separators rewritten (spaces, dots, dashes, none, first group in parentheses).
 */

const TYPE_NAMES = ['FIXED_LINE', 'MOBILE', 'TOLL_FREE', 'PREMIUM_RATE', 'PERSONAL_NUMBER', 'VOICEMAIL', 'UAN', 'PAGER', 'VOIP', 'SHARED_COST'];

interface Plan {
  /** Region, or the calling code of a non-geographic plan. */
  readonly region: string;
  readonly callingCode: string;
  readonly type: string;
  readonly pattern: string;
}

type RawPlan = readonly unknown[];
const raw = metadata as unknown as { countries: Record<string, RawPlan>; nonGeographic: Record<string, RawPlan>; country_calling_codes: Record<string, string[]> };

function plansOf(region: string, plan: RawPlan): Plan[] {
  const callingCode = plan[0] as string;
  const types = (plan[11] ?? []) as unknown[];
  const out: Plan[] = [];
  types.forEach((t, i) => {
    const pattern = Array.isArray(t) ? (t[0] as unknown) : undefined;
    if (typeof pattern === 'string' && pattern !== '') out.push({ region, callingCode, type: TYPE_NAMES[i] ?? `type${i}`, pattern });
  });
  return out;
}

const PLANS: Plan[] = [
  ...Object.entries(raw.countries).flatMap(([region, plan]) => plansOf(region, plan)),
  ...Object.entries(raw.nonGeographic).flatMap(([code, plan]) => plansOf(`+${code}`, plan)),
];

/** A valid number of a plan drawn from the plan's own pattern. */
const numberOf = (plan: Plan): fc.Arbitrary<PhoneNumber> =>
  fc
    .stringMatching(new RegExp(`^(?:${plan.pattern})$`))
    .map((nsn) => parsePhoneNumberFromString(`+${plan.callingCode}${nsn}`))
    .filter((n): n is PhoneNumber => n !== undefined && n.isValid());

const FORMATS = ['NATIONAL', 'INTERNATIONAL', 'E.164', 'RFC3966'] as const;
const STYLES = ['asIs', 'spaces', 'dots', 'dashes', 'none', 'parenFirst'] as const;
type Style = (typeof STYLES)[number];

/** Rewrites the separators of a NATIONAL or INTERNATIONAL rendering. */
function restyle(text: string, style: Style): string {
  const plus = text.startsWith('+');
  const body = plus ? text.slice(1) : text;
  const bare = body.replace(/[()]/g, '').trim();
  switch (style) {
    case 'asIs':
      return text;
    case 'spaces':
    case 'dots':
    case 'dashes': {
      const sep = { spaces: ' ', dots: '.', dashes: '-' }[style];
      return (plus ? '+' : '') + bare.replace(/[\s-]+/g, sep);
    }
    case 'none':
      return (plus ? '+' : '') + bare.replace(/\D/g, '');
    case 'parenFirst': {
      const groups = bare.split(/[\s-]+/);
      if (groups.length < 2) return text;
      // International: the country code stays first, the next group goes into parentheses.
      const at = plus ? 1 : 0;
      if (groups.length <= at + 1) return text;
      groups[at] = `(${groups[at]})`;
      return (plus ? '+' : '') + groups.join(' ');
    }
  }
}

/** One rendering of a number, and what masking must leave of it. */
interface Rendering {
  readonly text: string;
  readonly international: boolean;
}

function render(number: PhoneNumber, format: (typeof FORMATS)[number], style: Style): Rendering {
  const text = number.format(format);
  const international = format !== 'NATIONAL';
  return { text: format === 'NATIONAL' || format === 'INTERNATIONAL' ? restyle(text, style) : text, international };
}

/** The oracle: digits become `*` except the country code (from libphonenumber, not the masker's table) after `+`, and the last 2. */
function expectedMask(rendering: Rendering, callingCode: string): string {
  const digitCount = rendering.text.replace(/\D/g, '').length;
  // In `%2B` or `tel:` renderings the prefix holds no digits, except `%2B`'s 2, which this oracle is not used for.
  const keepHead = rendering.international ? callingCode.length : 0;
  const keepFrom = Math.max(keepHead, digitCount - 2);
  let i = 0;
  return rendering.text.replace(/\d/g, (d) => {
    const at = i++;
    return at < keepHead || at >= keepFrom ? d : '*';
  });
}

const digitsOf = (s: string) => s.replace(/\D/g, '').length;

/** Text around a number in a log line; the contexts with digits hold protected spans, which must come back unchanged. */
const CONTEXTS: [string, string][] = [
  ['', ''],
  ['call ', ' now'],
  ['to=', '&x=1'],
  ['"', '"'],
  ['phone: ', '.'],
  ['<', '>'],
  ['(', ')'],
  ['number:', ','],
  ['2024-03-01T23:00:38.123Z dialled ', ' for job 01HX4Z7K2P9123456789ABCD'],
  ['req 550e8400-e29b-41d4-a716-446655440000 ', ' at 2025-11-30 08:15:00+01:00'],
  ['[aws-cdk-lib@2.276.0] ', ' took 1500ms'],
];

/** A national rendering shorter than this is indistinguishable from a count in free text (see lib/core/mask.ts). */
const longEnough = (r: Rendering) => r.international || digitsOf(r.text) >= MIN_NATIONAL_DIGITS;

function checkMasked(number: PhoneNumber, rendering: Rendering, [before, after]: [string, string]): void {
  const line = `${before}${rendering.text}${after}`;
  const masked = maskPhonesInText(line);
  const expected = `${before}${expectedMask(rendering, number.countryCallingCode)}${after}`;
  // The label (number type detection is slow) is only built for a failure.
  if (masked !== expected) expect(masked, `${number.country ?? number.countryCallingCode} ${number.getType() ?? '?'} ${JSON.stringify(line)}`).toBe(expected);
}

describe('maskPhonesInText', () => {
  it('masks the examples of the issue and keeps timestamps whole', () => {
    expect(maskPhonesInText('(206) 550-5404')).toBe('(***) ***-**04');
    expect(maskPhonesInText('206.550.5404')).toBe('***.***.**04');
    expect(maskPhonesInText('+1 (206) 550-5404')).toBe('+1 (***) ***-**04');
    expect(maskPhonesInText('{"time":"2024-03-01T23:00:38Z"}')).toBe('{"time":"2024-03-01T23:00:38Z"}');
    expect(maskPhonesInText('tel:+1-206-550-5404;ext=12')).toBe('tel:+1-***-***-**04;ext=12');
    expect(maskPhonesInText('to=%2B12065505404')).toBe('to=%2B1********04');
  });

  it('masks every valid number of every region and type, in every format and separator style', () => {
    // Exhaustive over plans (about 1,500 region × type pairs), a few numbers each, every format and style.
    let checked = 0;
    const short = new Set<string>();
    for (const [p, plan] of PLANS.entries()) {
      const numbers = fc.sample(numberOf(plan), { numRuns: 1, seed: 7919 + p });
      for (const number of numbers) {
        for (const format of FORMATS) {
          for (const style of format === 'NATIONAL' || format === 'INTERNATIONAL' ? STYLES : (['asIs'] as const)) {
            const rendering = render(number, format, style);
            if (!longEnough(rendering)) {
              short.add(plan.region);
              continue;
            }
            checkMasked(number, rendering, CONTEXTS[checked % CONTEXTS.length]!);
            checked++;
          }
        }
      }
    }
    expect(PLANS.length).toBeGreaterThan(1_000);
    expect(checked).toBeGreaterThan(10_000);
    // Only small numbering plans have national renderings under 7 digits; they are masked in international form.
    expect([...short].every((r) => /^[A-Z]{2}$/.test(r))).toBe(true);
  });

  it('masks random numbers of random plans in random contexts (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PLANS).chain((plan) => numberOf(plan)),
        fc.constantFrom(...FORMATS),
        fc.constantFrom(...STYLES),
        fc.constantFrom(...CONTEXTS),
        (number, format, style, context) => {
          const rendering = render(number, format, style);
          fc.pre(longEnough(rendering));
          checkMasked(number, rendering, context);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('masks two numbers side by side and numbers inside JSON text', () => {
    expect(maskPhonesInText('2065505404 2065505405')).toBe('********** ********05');
    expect(maskPhonesInText('{"callee":"+12065505404","note":"call back on 020 7946 0018"}')).toBe(
      '{"callee":"+1********04","note":"call back on *** **** **18"}',
    );
  });

  it('never touches ISO 8601 dates and times, in any precision or offset (property)', () => {
    const iso = fc
      .tuple(fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2299-12-31T23:59:59Z'), noInvalidDate: true }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: -12, max: 14 }))
      .map(([d, variant, offset]) => {
        const s = d.toISOString();
        const hh = String(Math.abs(offset)).padStart(2, '0');
        const tz = `${offset < 0 ? '-' : '+'}${hh}:00`;
        return [s, s.slice(0, 10), s.slice(0, 19), `${s.slice(0, 10)} ${s.slice(11, 19)}`, `${s.slice(0, 19)}${tz}`, `${s.slice(0, 23)}${tz.replace(':', '')}`][variant]!;
      });
    fc.assert(
      fc.property(iso, fc.constantFrom(...CONTEXTS.slice(0, 8)), (stamp, [before, after]) => {
        const line = `${before}${stamp}${after}`;
        expect(maskPhonesInText(line)).toBe(line);
        expect(maskedJson({ time: stamp, at: stamp, message: `at ${stamp}` })).toBe(JSON.stringify({ time: stamp, at: stamp, message: `at ${stamp}` }));
      }),
      { numRuns: 2_000 },
    );
  });

  it('never touches UUIDs, ULID-like ids and X-Ray trace ids (property)', () => {
    const ulid = fc.tuple(fc.constantFrom('', 'job_', 'c', 'call-', 'imp'), fc.integer({ min: 0, max: 2 ** 40 })).map(([prefix, ms]) => newId(prefix, ms));
    const trace = fc.tuple(fc.stringMatching(/^[0-9a-f]{8}$/), fc.stringMatching(/^[0-9a-f]{24}$/)).map(([t, r]) => `Root=1-${t}-${r};Sampled=1`);
    fc.assert(
      fc.property(fc.oneof(fc.uuid(), ulid, trace), fc.constantFrom(...CONTEXTS.slice(0, 8)), (id, [before, after]) => {
        const line = `${before}${id}${after}`;
        expect(maskPhonesInText(line)).toBe(line);
      }),
      { numRuns: 3_000 },
    );
    // Ids made only of digits (a UUID or ULID can be) are protected by their shape, not by luck.
    expect(maskPhonesInText('12345678-1234-1234-1234-123456789012')).toBe('12345678-1234-1234-1234-123456789012');
    expect(maskPhonesInText('01234567890123456789012345')).toBe('01234567890123456789012345');
  });

  it('never touches short numbers, durations, versions and digits glued to letters (property)', () => {
    const short = fc.integer({ min: 0, max: 999_999 }).map(String);
    const duration = fc.oneof(fc.nat().map((n) => `${n}ms`), fc.nat({ max: 99 }).map((n) => `PT${n}M${n}S`), fc.tuple(fc.nat({ max: 99 }), fc.nat({ max: 59 })).map(([m, s]) => `00:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`));
    const version = fc.oneof(
      fc.tuple(fc.nat({ max: 99 }), fc.nat({ max: 9_999 }), fc.nat({ max: 999 })).map(([a, b, c]) => `v${a}.${b}.${c}`),
      fc.tuple(fc.nat({ max: 99 }), fc.nat({ max: 9_999 }), fc.nat({ max: 999 })).map(([a, b, c]) => `lib@${a}.${b}.${c}`),
      fc.tuple(fc.nat({ max: 9 }), fc.nat({ max: 999 }), fc.nat({ max: 99 })).map(([a, b, c]) => `${a}.${b}.${c}`),
    );
    const hex = fc.stringMatching(/^[0-9a-f]{32}$/).filter((h) => /[a-f]/.test(h));
    fc.assert(
      fc.property(fc.oneof(short, duration, version, hex), fc.constantFrom(...CONTEXTS.slice(0, 8)), (token, [before, after]) => {
        const line = `${before}${token}${after}`;
        expect(maskPhonesInText(line)).toBe(line);
      }),
      { numRuns: 3_000 },
    );
  });

  it('leaves the account id of ARNs alone', () => {
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:Reachout-Dialer';
    expect(maskPhonesInText(`invoked ${arn}`)).toBe(`invoked ${arn}`);
  });
});

describe('maskedJson', () => {
  it('masks numbers stored as numbers in phone fields, alone or in arrays', () => {
    const out = JSON.parse(maskedJson({ phone: 12065505404, callee: 442079460018, caller: '+12065505404', to: 2065505404, from: '2065505404', e164: '+12065505404', callerNumbers: [12065505404, '+12065505405'] })) as Record<string, unknown>;
    expect(out).toEqual({
      phone: '*********04',
      callee: '**********18',
      caller: '+1********04',
      to: '********04',
      from: '********04',
      e164: '+1********04',
      callerNumbers: ['*********04', '+1********05'],
    });
  });

  it('masks phone fields whatever the value (property): only the last 2 digits and the country code remain', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PLANS).chain((plan) => numberOf(plan)), fc.constantFrom('phone', 'callee', 'ToPhoneNumber', 'from', 'e164', 'contactPhone'), (number, key) => {
        const nsn = number.nationalNumber;
        // Past 2^53 a number loses digits: such values can only be held as bigints.
        const digits = `${number.countryCallingCode}${nsn}`;
        const value = Number.isSafeInteger(Number(digits)) ? Number(digits) : BigInt(digits);
        const asNumber = JSON.parse(maskedJson({ [key]: value })) as Record<string, string>;
        expect(asNumber[key]!.replace(/\D/g, '')).toBe(nsn.slice(-2));
        const asString = JSON.parse(maskedJson({ [key]: number.number })) as Record<string, string>;
        expect(asString[key]!.replace(/\D/g, '')).toBe(`${number.countryCallingCode}${nsn.slice(-2)}`);
      }),
      { numRuns: 1_000 },
    );
  });

  it('never touches epoch milliseconds, durations, counts and versions in fields named like them (property)', () => {
    const timeKey = fc.constantFrom('createdAt', 'updated_at', 'startedAtMs', 'nowMs', 'timestamp', 'time', 'expiresAt', 'waitSeconds', 'durationMs', 'latency', 'elapsed');
    const countKey = fc.constantFrom('count', 'attempts', 'total', 'sizeBytes', 'index', 'offset', 'version', 'schemaVersion', 'callsPerSecond');
    const value = fc.oneof(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 0, max: 4_102_444_800_000 }).map(String));
    const version = fc.tuple(fc.nat({ max: 999 }), fc.nat({ max: 99_999 }), fc.nat({ max: 9_999 })).map(([a, b, c]) => `${a}.${b}.${c}`);
    fc.assert(
      fc.property(fc.oneof(timeKey, countKey), fc.oneof(value, version), (key, v) => {
        const entry = { [key]: v, nested: { [key]: v }, list: [{ [key]: v }] };
        expect(maskedJson(entry)).toBe(JSON.stringify(entry));
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('maskPhone', () => {
  it('keeps the country code and the last 2 digits of international numbers, the last 2 of others', () => {
    expect(maskPhone('+12065505404')).toBe('+1********04');
    expect(maskPhone('+442079460018')).toBe('+44********18');
    expect(maskPhone('+35312345678')).toBe('+353******78');
    expect(maskPhone(12065505404)).toBe('*********04');
    expect(maskPhone('04')).toBe('04');
  });
});

describe('field names', () => {
  it('recognise phone fields', () => {
    for (const key of ['phone', 'Phone', 'phoneNumber', 'phone_number', 'contactPhone', 'callee', 'caller', 'callerNumbers', 'to', 'From', 'ToPhoneNumber', 'FromPhoneNumber', 'e164', 'msisdn']) {
      expect(isPhoneKey(key), key).toBe(true);
    }
    for (const key of ['callId', 'jobId', 'count', 'message', 'total', 'format', 'status']) expect(isPhoneKey(key), key).toBe(false);
  });

  it('recognise time, duration, count and version fields but not words that merely end like them', () => {
    for (const key of ['createdAt', 'created_at', 'nowMs', 'attempts', 'version', 'CALLS_PER_SECOND', 'durationMs']) expect(isNumericKey(key), key).toBe(true);
    for (const key of ['format', 'chat', 'message', 'referenceId', 'note']) expect(isNumericKey(key), key).toBe(false);
  });
});

describe('COUNTRY_CALLING_CODES', () => {
  it('equals the calling codes of libphonenumber-js max metadata, geographic and not', () => {
    const expected = new Set([...Object.keys(raw.country_calling_codes), ...Object.keys(raw.nonGeographic)]);
    expect([...COUNTRY_CALLING_CODES].sort()).toEqual([...expected].sort());
  });

  it('is prefix-free, so the code after a + is read without ambiguity', () => {
    const codes = [...COUNTRY_CALLING_CODES];
    expect(codes.flatMap((a) => codes.filter((b) => a !== b && b.startsWith(a)).map((b) => `${a} ${b}`))).toEqual([]);
  });
});
