import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LibphonenumberGeo, splitE164 } from '../../../../lib/adapters/geo/libphonenumber-geo';

// One instance for the file: each data file is read once per process, as in a Lambda container.
const geo = new LibphonenumberGeo();

describe('LibphonenumberGeo', () => {
  it('places Chinese mobile and fixed numbers in their city and province', async () => {
    const found = await geo.locate(['+8613510001234', '+8675582345678', '+8613690001234', '+861065529988']);
    expect(found.get('+8613510001234')).toEqual({ country: '86', city: 'Shenzhen', region: 'Guangdong', zones: ['Asia/Shanghai'] });
    expect(found.get('+8675582345678')).toMatchObject({ city: 'Shenzhen', region: 'Guangdong' });
    expect(found.get('+8613690001234')).toMatchObject({ city: 'Chaozhou', region: 'Guangdong' });
    expect(found.get('+861065529988')).toMatchObject({ city: 'Beijing', region: 'Beijing' });
  });

  it('gives NANP numbers their area code and state, whether the data names a city or only the state', async () => {
    const found = await geo.locate(['+12065280100', '+12065550123', '+13602130123', '+12085550100']);
    expect(found.get('+12065280100')).toEqual({ country: '1', city: 'Seattle', region: 'WA', areaCode: '206', zones: ['America/Los_Angeles'] });
    // 206-555 has no city entry: the data says "Washington State", read as WA.
    expect(found.get('+12065550123')).toEqual({ country: '1', region: 'WA', areaCode: '206', zones: ['America/Los_Angeles'] });
    expect(found.get('+13602130123')).toMatchObject({ city: 'Vancouver', region: 'WA', areaCode: '360' });
    // An area code straddling a zone line keeps both zones.
    expect(found.get('+12085550100')?.zones).toEqual(['America/Boise', 'America/Los_Angeles']);
  });

  it('leaves out what the data does not know and skips what is not E.164', async () => {
    const found = await geo.locate(['+447700900123', 'not a number', '+8619912345678']);
    expect(found.get('+447700900123')).toEqual({ country: '44', zones: ['Europe/Guernsey', 'Europe/Isle_of_Man', 'Europe/London'] });
    expect(found.get('+8619912345678')).toEqual({ country: '86', zones: ['Asia/Shanghai'] });
    expect(found.has('not a number')).toBe(false);
  });

  it('answers with the country only when its data folder is missing', async () => {
    const empty = new LibphonenumberGeo({ dataDir: mkdtempSync(join(tmpdir(), 'geo-')) });
    expect(await empty.locate(['+8613510001234'])).toEqual(new Map([['+8613510001234', { country: '86' }]]));
  });
});

describe('splitE164', () => {
  it('splits the country calling code from the national number', () => {
    expect(splitE164('+8613510001234')).toEqual({ country: '86', national: '13510001234' });
    expect(splitE164('+12065280100')).toEqual({ country: '1', national: '2065280100' });
    expect(splitE164('+35312345678')).toEqual({ country: '353', national: '12345678' });
    expect(splitE164('8613510001234')).toBeUndefined();
  });

  it('agrees with libphonenumber-js on valid numbers', async () => {
    const { parsePhoneNumberFromString, getExampleNumber } = await import('libphonenumber-js/max');
    const examples = (await import('libphonenumber-js/mobile/examples')).default;
    const { getCountries } = await import('libphonenumber-js/max');
    const numbers = getCountries()
      .map((c) => getExampleNumber(c, examples)?.number)
      .filter((n): n is NonNullable<typeof n> => Boolean(n));
    fc.assert(
      fc.property(fc.constantFrom(...numbers), (e164) => {
        const parsed = parsePhoneNumberFromString(e164)!;
        expect(splitE164(e164)).toEqual({ country: String(parsed.countryCallingCode), national: String(parsed.nationalNumber) });
      }),
      { numRuns: 300 },
    );
  });
});
