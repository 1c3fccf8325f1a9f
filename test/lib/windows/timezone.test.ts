import fc from 'fast-check';
import { getCountries, getCountryCallingCode, getExampleNumber, parsePhoneNumberFromString as parseWithMax } from 'libphonenumber-js/max';
import maxMetadata from 'libphonenumber-js/metadata.max.json';
import { parsePhoneNumberFromString as parseWithMin } from 'libphonenumber-js/min';
import examples from 'libphonenumber-js/mobile/examples';
import { describe, expect, it } from 'vitest';
import { calleeTimeZones, zonesOfNumber } from '../../../lib/windows/timezone';
import { MULTI_ZONE, SINGLE_ZONE } from '../../../lib/windows/zone-tables';

/**
 * The reference: the zones as they were read before the planning bundles dropped libphonenumber-js, from its parse
 * with the `min` metadata. calleeTimeZones must equal it on every E.164 string.
 */
function referenceZones(e164: string): string[] {
  const parsed = parseWithMin(e164);
  return parsed ? zonesOfNumber({ callingCode: parsed.countryCallingCode, nationalNumber: parsed.nationalNumber, ...(parsed.country ? { country: parsed.country } : {}) }) : [];
}

const countries = getCountries();
const callingCodes = [...new Set(countries.map((c) => String(getCountryCallingCode(c))))];
const zoned = countries.filter((c) => SINGLE_ZONE[c] !== undefined || MULTI_ZONE[c] !== undefined);
const sharedZoned = [...new Set(zoned.map((c) => String(getCountryCallingCode(c))))].filter((code) => countries.filter((c) => String(getCountryCallingCode(c)) === code).length > 1);

/** An E.164 string: `+`, the calling code, digits, at most 15 in all. */
const e164Of = (code: string, digits: string) => `+${code}${digits}`.slice(0, 16);

/** The national prefixes numbers are written with (stripping them is what tells +7 8… or +44 0… apart). */
const prefixes = fc.constantFrom('', '0', '1', '8', '00', '180020', '1831');

describe('calleeTimeZones', () => {
  it('reads the country as the full metadata does, with the small metadata of the reference', () => {
    // The reference parses with libphonenumber's `min` metadata, which decides the country as `max` does, shared
    // calling codes (+1, +7, +44, +590...) included. This fails if an upgrade ever makes them differ.
    fc.assert(
      fc.property(fc.constantFrom(...callingCodes), fc.stringMatching(/^[0-9]{6,12}$/), (code, national) => {
        const e164 = `+${code}${national}`;
        const [full, small] = [parseWithMax(e164), parseWithMin(e164)];
        expect([small?.country, small?.nationalNumber, small?.countryCallingCode]).toEqual([full?.country, full?.nationalNumber, full?.countryCallingCode]);
      }),
      { numRuns: 3000 },
    );
  });

  it('gives the zones libphonenumber gives for any calling code and digits', () => {
    fc.assert(
      fc.property(fc.constantFrom(...callingCodes), prefixes, fc.stringMatching(/^[0-9]{0,14}$/), (code, prefix, digits) => {
        const e164 = e164Of(code, prefix + digits);
        expect(calleeTimeZones(e164)).toEqual(referenceZones(e164));
      }),
      { numRuns: 20_000 },
    );
  });

  it('gives the zones libphonenumber gives for the shared calling codes of zoned countries (+1, +7, +44, +61...)', () => {
    expect(sharedZoned.sort()).toEqual(['1', '212', '358', '39', '44', '47', '61', '7']);
    fc.assert(
      fc.property(fc.constantFrom(...sharedZoned), prefixes, fc.stringMatching(/^[0-9]{0,14}$/), (code, prefix, digits) => {
        const e164 = e164Of(code, prefix + digits);
        expect(calleeTimeZones(e164)).toEqual(referenceZones(e164));
      }),
      { numRuns: 20_000 },
    );
  });

  it('gives the zones libphonenumber gives for any digits after a +', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\+[0-9]{0,15}$/), (e164) => {
        expect(calleeTimeZones(e164)).toEqual(referenceZones(e164));
      }),
      { numRuns: 20_000 },
    );
  });

  it('gives the zones libphonenumber gives for every country\'s example mobile number, with and without a national prefix', () => {
    let zonedExamples = 0;
    for (const country of countries) {
      const example = getExampleNumber(country, examples);
      if (!example) continue;
      const code = String(example.countryCallingCode);
      for (const prefix of ['', '0', '1', '8']) {
        const e164 = e164Of(code, prefix + String(example.nationalNumber));
        expect({ e164, zones: calleeTimeZones(e164) }).toEqual({ e164, zones: referenceZones(e164) });
      }
      if (zoned.includes(country) && referenceZones(String(example.number)).length > 0) zonedExamples++;
    }
    // Every zoned country's example is placed (so the comparison above is not between two empty answers).
    expect(zonedExamples).toBe(zoned.length);
  });

  it('gives the zones libphonenumber gives for fixed-line numbers of every zoned country', () => {
    // libphonenumber-js ships mobile examples only: fixed-line numbers are drawn from the full metadata's pattern.
    const fixedLine = (country: string): string => {
      const types = (maxMetadata.countries as unknown as Record<string, unknown[]>)[country]![11] as [string][] | undefined;
      return types?.[0]?.[0] ?? '';
    };
    for (const country of zoned) {
      const pattern = fixedLine(country);
      if (!pattern) continue;
      const code = String(getCountryCallingCode(country));
      fc.assert(
        fc.property(fc.stringMatching(new RegExp(`^(?:${pattern})$`)), (national) => {
          const e164 = e164Of(code, national);
          expect(calleeTimeZones(e164)).toEqual(referenceZones(e164));
        }),
        { numRuns: 200 },
      );
    }
  });

  it('gives a known NANP area code its zone and a multi-zone country all its zones', () => {
    expect(calleeTimeZones('+12065550123')).toEqual(['America/Los_Angeles']);
    expect(calleeTimeZones('+112065550123')).toEqual(['America/Los_Angeles']);
    expect(calleeTimeZones('+18095550123')).toEqual(['America/Santo_Domingo']);
    expect(calleeTimeZones('+8613510001234')).toEqual(['Asia/Shanghai']);
    expect(calleeTimeZones('+61491570156').length).toBeGreaterThan(1);
    expect(calleeTimeZones('+77011234567')).toEqual(MULTI_ZONE.KZ);
    expect(calleeTimeZones('+78001234567')).toEqual(MULTI_ZONE.RU);
  });

  it('gives no zone when libphonenumber cannot parse the number', () => {
    for (const e164 of ['+999123', '+1', '+12', '+0123456789', '+8001234567', '+']) {
      expect(referenceZones(e164)).toEqual([]);
      expect(calleeTimeZones(e164)).toEqual([]);
    }
  });

  it('gives no zone for what is not E.164 (contacts are normalised at import, lib/contacts/normalize.ts)', () => {
    for (const raw of ['+1 206 555 0123', '12065550123', '+1-206-555-0123', 'tel:+12065550123', '+86135100012341234', '']) expect(calleeTimeZones(raw)).toEqual([]);
  });
});
