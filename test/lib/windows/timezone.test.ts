import fc from 'fast-check';
import { getCountries, getCountryCallingCode, parsePhoneNumberFromString as parseWithMax } from 'libphonenumber-js/max';
import { parsePhoneNumberFromString as parseWithMin } from 'libphonenumber-js/min';
import { describe, expect, it } from 'vitest';
import { calleeTimeZones } from '../../../lib/windows/timezone';

describe('calleeTimeZones', () => {
  it('reads the country as the full metadata does, with the small metadata it bundles', () => {
    // timezone.ts parses with libphonenumber's `min` metadata (80 KB less in the planning bundles): it needs only
    // the calling code, national number and country, and min decides the country as max does, shared calling
    // codes (+1, +7, +44, +590...) included. This fails if an upgrade ever makes them differ.
    const codes = [...new Set(getCountries().map((c) => String(getCountryCallingCode(c))))];
    fc.assert(
      fc.property(fc.constantFrom(...codes), fc.stringMatching(/^[0-9]{6,12}$/), (code, national) => {
        const e164 = `+${code}${national}`;
        const [full, small] = [parseWithMax(e164), parseWithMin(e164)];
        expect([small?.country, small?.nationalNumber, small?.countryCallingCode]).toEqual([full?.country, full?.nationalNumber, full?.countryCallingCode]);
      }),
      { numRuns: 3000 },
    );
  });

  it('gives a known NANP area code its zone and a multi-zone country all its zones', () => {
    expect(calleeTimeZones('+12065550123')).toEqual(['America/Los_Angeles']);
    expect(calleeTimeZones('+8613510001234')).toEqual(['Asia/Shanghai']);
    expect(calleeTimeZones('+61491570156').length).toBeGreaterThan(1);
    expect(calleeTimeZones('+999123')).toEqual([]);
  });
});
