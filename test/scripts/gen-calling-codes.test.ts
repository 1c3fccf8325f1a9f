import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getCountries, getCountryCallingCode } from 'libphonenumber-js/min';
import { describe, expect, it } from 'vitest';
import { CALLING_CODES } from '../../lib/core/calling-codes';
import { COUNTRY_OF_CALLING_CODE } from '../../lib/windows/calling-codes';
import { MULTI_ZONE, SINGLE_ZONE } from '../../lib/windows/zone-tables';
import { CALLING_CODES_FILES, generateCallingCodes } from '../../scripts/gen-calling-codes';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('generateCallingCodes', () => {
  it('writes what is committed, so the tables follow libphonenumber-js and the zone tables (run the script when this fails)', () => {
    const generated = generateCallingCodes();
    expect(Object.keys(generated).sort()).toEqual(Object.values(CALLING_CODES_FILES).sort());
    for (const [path, text] of Object.entries(generated)) expect(readFileSync(join(root, path), 'utf8'), path).toBe(text);
  });

  it('lists every geographic calling code, and the country of those a zoned country has to itself', () => {
    const byCode = new Map<string, string[]>();
    for (const c of getCountries()) byCode.set(String(getCountryCallingCode(c)), [...(byCode.get(String(getCountryCallingCode(c))) ?? []), c]);
    expect(CALLING_CODES.split(' ').sort()).toEqual([...byCode.keys()].sort());
    const own = [...byCode].filter(([, countries]) => countries.length === 1 && (SINGLE_ZONE[countries[0]!] ?? MULTI_ZONE[countries[0]!]));
    expect(COUNTRY_OF_CALLING_CODE).toEqual(Object.fromEntries(own.map(([code, [country]]) => [code, country])));
    expect(COUNTRY_OF_CALLING_CODE['86']).toBe('CN');
  });
});
