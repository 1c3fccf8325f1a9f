import type { PhoneLocation } from '../ports/phone-geo';

/**
 * Local presence (SPEC P8): how close a caller number is to a callee, from their geocoded locations.
 * Pure; the locations come from the PhoneGeo port, looked up by the dispatcher.
 */

/** Closeness tiers, best first: same city, same area code, same province/state, same country, nothing known. */
export const PRESENCE = { city: 4, areaCode: 3, region: 2, country: 1, none: 0 } as const;

/** How local a caller is to a callee (a {@link PRESENCE} tier); `none` when either location is unknown. */
export function presenceScore(caller: PhoneLocation | undefined, callee: PhoneLocation | undefined): number {
  if (!caller || !callee || caller.country !== callee.country) return PRESENCE.none;
  if (caller.city && callee.city && sharesCity(caller.city, callee.city) && sameRegion(caller, callee)) return PRESENCE.city;
  if (caller.areaCode && caller.areaCode === callee.areaCode) return PRESENCE.areaCode;
  if (caller.region && caller.region === callee.region) return PRESENCE.region;
  return PRESENCE.country;
}

/** One number range may serve a group of cities (`Shenyang/Tieling/Fushun`): any city in common counts. */
function sharesCity(a: string, b: string): boolean {
  if (a === b) return true;
  const left = new Set(a.split('/'));
  return b.split('/').some((c) => left.has(c));
}

/** Cities of the same name in two provinces (Springfield, IL and MA) are not the same city. */
function sameRegion(a: PhoneLocation, b: PhoneLocation): boolean {
  return a.region === undefined || b.region === undefined || a.region === b.region;
}

/**
 * Splits a geocoder description (libphonenumber's English data) into city and region. The data says
 * `City, Region` (`Shenzhen, Guangdong`, `Seattle, WA`), or one name: a city-province (`Beijing`), a
 * city of a country without regions (`Zurich`), or, in North America, a whole state (`Washington State`,
 * never a city: NANP city entries always carry their state).
 */
export function parseGeocode(country: string, text: string): { city?: string; region?: string } {
  const value = text.trim();
  if (!value) return {};
  const comma = value.lastIndexOf(', ');
  if (comma > 0) return { city: value.slice(0, comma), region: value.slice(comma + 2) };
  return country === '1' ? { region: value } : { city: value, region: value };
}
