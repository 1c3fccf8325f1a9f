import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getCountries, getCountryCallingCode } from 'libphonenumber-js/min';
import { describe, expect, it } from 'vitest';
import { CALLING_CODE_COUNTRIES } from '../../lib/windows/calling-codes';
import { CALLING_CODES_FILE, generateCallingCodes } from '../../scripts/gen-calling-codes';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('generateCallingCodes', () => {
  it('writes what is committed, so the table follows libphonenumber-js and the zone tables (run the script when this fails)', () => {
    expect(readFileSync(join(root, CALLING_CODES_FILE), 'utf8')).toBe(generateCallingCodes());
  });

  it('lists every geographic calling code with its countries, the main one first', () => {
    const byCode = new Map<string, string[]>();
    for (const c of getCountries()) byCode.set(String(getCountryCallingCode(c)), [...(byCode.get(String(getCountryCallingCode(c))) ?? []), c]);
    expect(Object.keys(CALLING_CODE_COUNTRIES).sort()).toEqual([...byCode.keys()].sort());
    for (const [code, countries] of byCode) expect(CALLING_CODE_COUNTRIES[code]!.split(' ').sort()).toEqual(countries.sort());
    expect(CALLING_CODE_COUNTRIES['1']!.split(' ')[0]).toBe('US');
    expect(CALLING_CODE_COUNTRIES['44']!.split(' ')[0]).toBe('GB');
  });
});
