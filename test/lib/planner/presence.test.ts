import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseGeocode, PRESENCE, presenceScore } from '../../../lib/planner/presence';
import type { PhoneLocation } from '../../../lib/ports/phone-geo';

const shenzhen: PhoneLocation = { country: '86', city: 'Shenzhen', region: 'Guangdong' };
const foshan: PhoneLocation = { country: '86', city: 'Foshan', region: 'Guangdong' };
const beijing: PhoneLocation = { country: '86', city: 'Beijing', region: 'Beijing' };
const seattle: PhoneLocation = { country: '1', city: 'Seattle', region: 'WA', areaCode: '206' };

describe('presenceScore', () => {
  it('ranks same city over same province over same country', () => {
    expect(presenceScore(shenzhen, { ...shenzhen })).toBe(PRESENCE.city);
    expect(presenceScore(shenzhen, foshan)).toBe(PRESENCE.region);
    expect(presenceScore(beijing, foshan)).toBe(PRESENCE.country);
    expect(presenceScore(seattle, shenzhen)).toBe(PRESENCE.none);
  });

  it('ranks the same NANP area code over the same state', () => {
    expect(presenceScore(seattle, { country: '1', region: 'WA', areaCode: '206' })).toBe(PRESENCE.areaCode);
    expect(presenceScore(seattle, { country: '1', city: 'Vancouver', region: 'WA', areaCode: '360' })).toBe(PRESENCE.region);
  });

  it('matches a city inside a group of cities, but not a namesake in another province', () => {
    expect(presenceScore({ country: '86', city: 'Shenyang/Tieling/Fushun', region: 'Liaoning' }, { country: '86', city: 'Tieling', region: 'Liaoning' })).toBe(PRESENCE.city);
    expect(presenceScore({ country: '1', city: 'Springfield', region: 'IL', areaCode: '217' }, { country: '1', city: 'Springfield', region: 'MA', areaCode: '413' })).toBe(PRESENCE.country);
  });

  it('knows nothing without both locations', () => {
    expect(presenceScore(undefined, shenzhen)).toBe(PRESENCE.none);
    expect(presenceScore(shenzhen, undefined)).toBe(PRESENCE.none);
  });

  it('is symmetric and never ranks another country above nothing', () => {
    const loc = fc.record(
      { country: fc.constantFrom('1', '86'), city: fc.constantFrom('A', 'B', 'A/B'), region: fc.constantFrom('X', 'Y'), areaCode: fc.constantFrom('206', '415') },
      { requiredKeys: ['country'] },
    );
    fc.assert(
      fc.property(loc, loc, (a, b) => {
        expect(presenceScore(a, b)).toBe(presenceScore(b, a));
        if (a.country !== b.country) expect(presenceScore(a, b)).toBe(PRESENCE.none);
      }),
    );
  });
});

describe('parseGeocode', () => {
  it('splits `City, Region` and reads a single name as a city-province outside North America', () => {
    expect(parseGeocode('86', 'Shenzhen, Guangdong')).toEqual({ city: 'Shenzhen', region: 'Guangdong' });
    expect(parseGeocode('86', 'Beijing')).toEqual({ city: 'Beijing', region: 'Beijing' });
    expect(parseGeocode('1', 'Seattle, WA')).toEqual({ city: 'Seattle', region: 'WA' });
  });

  it('reads a single North American name as a state, never a city', () => {
    expect(parseGeocode('1', 'Washington State')).toEqual({ region: 'Washington State' });
    expect(parseGeocode('1', '')).toEqual({});
  });
});
