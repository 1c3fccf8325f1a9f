/**
 * Generates two modules from libphonenumber-js's `min` metadata:
 * - lib/core/calling-codes.ts: every calling code, geographic and not (phone masking in logs, lib/core/mask.ts; the
 *   phone geocoder's split, lib/adapters/geo/libphonenumber-geo.ts);
 * - lib/windows/calling-codes.ts: the country of each calling code a zoned country (lib/windows/zone-tables.ts) has
 *   to itself, and — for the calling codes several countries share where one of them is zoned — the rules
 *   libphonenumber uses to tell those countries apart (the main country's national prefix for parsing, then each
 *   country's leading digits or number type patterns).
 *
 * The planning bundles (tick, dispatch) then find a callee's country without libphonenumber-js (118 KB with its
 * metadata). libphonenumber stays the source of truth: test/scripts/gen-calling-codes.test.ts checks the committed
 * file equals this script's output, and test/lib/windows/timezone.test.ts that the zones equal libphonenumber's reading.
 *
 *   npx tsx scripts/gen-calling-codes.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import metadataJson from 'libphonenumber-js/metadata.min.json';
import { MULTI_ZONE, SINGLE_ZONE } from '../lib/windows/zone-tables';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The generated modules, relative to the repository root. */
export const CALLING_CODES_FILES = { codes: 'lib/core/calling-codes.ts', zones: 'lib/windows/calling-codes.ts' } as const;

/**
 * A country of libphonenumber's compressed metadata (format 4), by position: 2 national number pattern, 3 possible
 * lengths, 5 national prefix, 7 national prefix for parsing, 8 its transform rule, 10 leading digits, 11 number types
 * (each `[pattern, lengths?]`; `min` metadata keeps them only for countries that share a calling code).
 */
type CountryMetadata = readonly unknown[];
interface Metadata {
  country_calling_codes: Record<string, string[]>;
  countries: Record<string, CountryMetadata>;
  nonGeographic: Record<string, unknown>;
}

const metadata = metadataJson as unknown as Metadata;

const str = (c: CountryMetadata, i: number): string | undefined => (typeof c[i] === 'string' && c[i] !== '' ? (c[i] as string) : undefined);
const lengthsOf = (c: CountryMetadata): number[] => {
  const lengths = c[3];
  if (!Array.isArray(lengths) || lengths.length === 0) throw new Error('a country without possible lengths');
  return lengths as number[];
};

/** How one country of a shared calling code is recognised (libphonenumber's getCountryByNationalNumber). */
interface SharedCountry {
  country: string;
  lengths?: number[];
  leading?: string;
  pattern?: string;
  types?: ([string] | [string, number[]])[];
}

/** A country of a shared calling code; `main` is the calling code's first, whose pattern strips national prefixes. */
function sharedCountry(country: string, main: CountryMetadata): SharedCountry {
  const c = metadata.countries[country]!;
  const isMain = c === main;
  // Lengths only where they differ from the main country's (the reader falls back to those).
  const lengths = isMain || JSON.stringify(lengthsOf(c)) !== JSON.stringify(lengthsOf(main)) ? { lengths: lengthsOf(c) } : {};
  const leading = str(c, 10);
  if (leading) return { country, ...lengths, leading, ...(isMain ? { pattern: str(c, 2)! } : {}) };
  // Without leading digits a country matches when its national pattern and one number type (with the type's lengths,
  // else the country's) match; a type with an empty pattern never does (libphonenumber's isNumberTypeEqualTo).
  // A type's lengths are written only where they are not the country's.
  const types = (Array.isArray(c[11]) ? (c[11] as unknown[]) : [])
    .filter((t): t is [string, number[]?] => Array.isArray(t) && typeof t[0] === 'string' && t[0] !== '')
    .map(([pattern, typeLengths]): [string] | [string, number[]] =>
      typeLengths && JSON.stringify(typeLengths) !== JSON.stringify(lengthsOf(c)) ? [pattern, typeLengths] : [pattern],
    );
  return { country, ...lengths, pattern: str(c, 2)!, types };
}

/** The modules' source texts, by path (CALLING_CODES_FILES). */
export function generateCallingCodes(): Record<string, string> {
  const zoned = new Set([...Object.keys(SINGLE_ZONE), ...Object.keys(MULTI_ZONE)]);
  const codes = Object.entries(metadata.country_calling_codes)
    .map(([code, countries]) => [code, countries.filter((c) => c !== '001')] as const)
    .filter(([, countries]) => countries.length > 0)
    .sort((a, b) => Number(a[0]) - Number(b[0]));
  for (const [, countries] of codes) {
    // A national number shorter than 2 digits fails libphonenumber's parse; the reader relies on no stripped
    // national prefix ever leaving one (a prefix is stripped only when a possible length remains).
    for (const c of countries) if (lengthsOf(metadata.countries[c]!)[0]! < 2) throw new Error(`${c}: a possible length under 2`);
  }
  const own = codes.filter(([, countries]) => countries.length === 1 && zoned.has(countries[0]!));
  const shared: string[] = [];
  for (const [code, countries] of codes) {
    const last = countries.reduce((at, c, i) => (zoned.has(c) ? i : at), -1);
    if (countries.length < 2 || last < 0) continue;
    const main = metadata.countries[countries[0]!]!;
    // Countries after the last zoned one never make a zoned answer; they matter only for the lengths checked when a
    // national prefix is stripped, so they are left out only when their lengths are the main country's.
    const mainLengths = JSON.stringify(lengthsOf(main));
    const tailSame = countries.slice(last + 1).every((c) => JSON.stringify(lengthsOf(metadata.countries[c]!)) === mainLengths);
    const kept = tailSame ? countries.slice(0, last + 1) : countries;
    const prefix = str(main, 7) ?? str(main, 5);
    const rule = {
      ...(prefix ? { prefix } : {}),
      ...(str(main, 8) ? { transform: str(main, 8)! } : {}),
      countries: kept.map((c) => sharedCountry(c, main)),
    };
    shared.push(`  '${code}': ${JSON.stringify(rule)},`);
  }
  const version = (JSON.parse(readFileSync(join(root, 'node_modules/libphonenumber-js/package.json'), 'utf8')) as { version: string }).version;
  const header = `// Generated by scripts/gen-calling-codes.ts from libphonenumber-js ${version} (metadata.min.json): do not edit, run the script.
// test/scripts/gen-calling-codes.test.ts fails when this file and the script's output differ.
`;
  const nonGeographic = Object.keys(metadata.nonGeographic).sort((a, b) => Number(a) - Number(b));
  const core = `${header}
/** Every geographic calling code (libphonenumber's getCountries), space-separated. */
export const CALLING_CODES = '${codes.map(([code]) => code).join(' ')}';

/** The calling codes of no country (+800 freephone, +882 international networks...), space-separated. */
export const NON_GEOGRAPHIC_CALLING_CODES = '${nonGeographic.join(' ')}';
`;
  const zones = `${header}
import type { SharedCallingCode } from './shared-calling-code';

/** The country of each calling code a country the zone tables name has to itself. */
export const COUNTRY_OF_CALLING_CODE: Readonly<Record<string, string>> = {
${own.map(([code, countries]) => `  '${code}': '${countries[0]}',`).join('\n')}
};

/** The shared calling codes that need telling apart, by calling code. */
export const SHARED_CALLING_CODES: Readonly<Record<string, SharedCallingCode>> = {
${shared.join('\n')}
};
`;
  return { [CALLING_CODES_FILES.codes]: core, [CALLING_CODES_FILES.zones]: zones };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [path, text] of Object.entries(generateCallingCodes())) {
    writeFileSync(join(root, path), text);
    process.stdout.write(`wrote ${path}\n`);
  }
}
