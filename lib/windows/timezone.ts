import { CALLING_CODES } from '../core/calling-codes';
import { COUNTRY_OF_CALLING_CODE, SHARED_CALLING_CODES } from './calling-codes';
import type { SharedCallingCode, SharedCountry } from './shared-calling-code';
import { MULTI_ZONE, NANP_ZONES, SINGLE_ZONE } from './zone-tables';

/**
 * Callee time zone from the phone number (SPEC P2).
 *
 * libphonenumber-js has no time-zone data (Google's Java library's PhoneNumberToTimeZonesMapper is
 * not ported), so this module carries its own tables (lib/windows/zone-tables.ts):
 * - one zone per country for single-zone countries;
 * - for North America (+1), the zone of the area code for the common area codes;
 * - for other multi-zone countries, or an unlisted +1 area code, all the country's zones: a call may
 *   then start only when the window is open in every one of them (the safe intersection; for the US
 *   TCPA 8:00–21:00 rule that is 13:00–21:00 Eastern).
 * Unknown country → no zones: the caller uses the instance zone, as SPEC P2 says.
 *
 * The country is read as libphonenumber-js reads it, without its code and metadata (118 KB of the planning
 * bundles): the calling code's countries, and for a calling code several countries share, libphonenumber's own
 * rules, generated from its metadata (lib/windows/calling-codes.ts, scripts/gen-calling-codes.ts). Tests check the
 * zones equal those of libphonenumber's parse for every E.164 string they try.
 */

/** The zones a callee may be in: one when known, several for a multi-zone country, none when unknown. */
export function calleeTimeZones(e164: string): string[] {
  const parsed = readE164(e164);
  return parsed ? zonesOfNumber(parsed) : [];
}

/** A phone number as the zone rule reads it: calling code, national significant number, country when known. */
export interface ParsedNumber {
  callingCode: string;
  nationalNumber: string;
  country?: string;
}

/** The zone rule on a parsed number (the tests feed it libphonenumber's own parse as the reference). */
export function zonesOfNumber(parsed: ParsedNumber): string[] {
  if (parsed.callingCode === '1') {
    const zone = NANP_ZONES[parsed.nationalNumber.slice(0, 3)];
    if (zone) return [zone];
  }
  const country = parsed.country;
  if (!country) return [];
  const single = SINGLE_ZONE[country];
  if (single) return [single];
  return MULTI_ZONE[country] ?? [];
}

/** libphonenumber's bounds on a national significant number (MIN_LENGTH_FOR_NSN, MAX_LENGTH_FOR_NSN). */
const MIN_NATIONAL = 2;
const MAX_NATIONAL = 17;

/**
 * Calling code, national number and country of an E.164 number (`+` and at most 15 digits: the contacts' form,
 * lib/contacts/normalize.ts), as libphonenumber-js's `parsePhoneNumberFromString` reads them; undefined for what it
 * cannot parse and for anything else. The national number has its national prefix stripped only for the shared
 * calling codes, and the country is exact for the countries the zone tables name (others may come back undefined):
 * that is all the zones depend on.
 */
function readE164(e164: string): ParsedNumber | undefined {
  if (!/^\+[1-9]\d{0,14}$/.test(e164)) return undefined;
  const digits = e164.slice(1);
  // Calling codes are prefix-free: the first 1–3 digits that are one decide (libphonenumber's extractCountryCallingCode).
  let callingCode: string | undefined;
  for (let n = 1; n <= 3 && !callingCode; n++) if (geographicCallingCodes().has(digits.slice(0, n))) callingCode = digits.slice(0, n);
  if (!callingCode) return undefined;
  const rest = digits.slice(callingCode.length);
  const shared = SHARED_CALLING_CODES[callingCode];
  if (!shared) {
    // One country (or none the tables name): only the length decides whether libphonenumber parses it. A stripped
    // national prefix always leaves a possible length (≥ 2, asserted by the generator), and 14 digits are under 17.
    if (rest.length < MIN_NATIONAL) return undefined;
    const country = COUNTRY_OF_CALLING_CODE[callingCode];
    return { callingCode, nationalNumber: rest, ...(country ? { country } : {}) };
  }
  if (rest.length === 0) return undefined;
  const nationalNumber = stripNationalPrefix(shared, rest);
  if (nationalNumber.length < MIN_NATIONAL || nationalNumber.length > MAX_NATIONAL) return undefined;
  const country = countryOf(shared, nationalNumber)?.country;
  return { callingCode, nationalNumber, ...(country ? { country } : {}) };
}

let callingCodes: ReadonlySet<string> | undefined;
/** libphonenumber's geographic calling codes (generated in lib/core/calling-codes.ts), as a set made on first use. */
export function geographicCallingCodes(): ReadonlySet<string> {
  callingCodes ??= new Set(CALLING_CODES.split(' '));
  return callingCodes;
}

const regexps = new Map<string, RegExp>();
/** `source` compiled once, anchored at the start, and at the end too when `whole`. */
function regexp(source: string, whole: boolean): RegExp {
  const key = `${whole ? '$' : '^'}${source}`;
  let re = regexps.get(key);
  if (!re) {
    re = new RegExp(`^(?:${source})${whole ? '$' : ''}`);
    regexps.set(key, re);
  }
  return re;
}

/** libphonenumber's extractNationalNumber: the national prefix goes when what is left still looks like a number. */
function stripNationalPrefix(shared: SharedCallingCode, number: string): string {
  if (!shared.prefix) return number;
  const prefix = regexp(shared.prefix, false);
  const match = prefix.exec(number);
  if (!match) return number;
  const groups = match.length - 1;
  const captured = groups > 0 && Boolean(match[groups]);
  const stripped = shared.transform && captured ? number.replace(prefix, shared.transform) : number.slice(match[0].length);
  if (stripped === number) return number;
  // A number that is valid as it stands keeps its digits when stripping would make it invalid.
  const main = shared.countries[0]!;
  const pattern = regexp(main.pattern!, true);
  if (pattern.test(number) && !pattern.test(stripped)) return number;
  // Too short, or a length between the possible ones, for the country the stripped number would belong to.
  const lengths = countryOf(shared, stripped)?.lengths ?? main.lengths!;
  const [shortest] = lengths;
  if (shortest !== undefined && stripped.length !== shortest) {
    if (stripped.length < shortest) return number;
    if (stripped.length <= lengths[lengths.length - 1]! && lengths.indexOf(stripped.length, 1) < 0) return number;
  }
  return stripped;
}

/** libphonenumber's getCountryByNationalNumber: the first country whose leading digits, else number types, match. */
function countryOf(shared: SharedCallingCode, nationalNumber: string): SharedCountry | undefined {
  for (const c of shared.countries) {
    if (c.leading !== undefined) {
      if (regexp(c.leading, false).test(nationalNumber)) return c;
    } else if (c.pattern !== undefined && regexp(c.pattern, true).test(nationalNumber)) {
      const countryLengths = c.lengths ?? shared.countries[0]!.lengths!;
      const typed = c.types?.some(([pattern, lengths = countryLengths]) => lengths.includes(nationalNumber.length) && regexp(pattern, true).test(nationalNumber));
      if (typed) return c;
    }
  }
  return undefined;
}
