/**
 * The shape of the generated rules for calling codes several countries share (lib/windows/calling-codes.ts, written by
 * scripts/gen-calling-codes.ts from libphonenumber-js's metadata), as lib/windows/timezone.ts reads them.
 */

/** How libphonenumber tells apart the countries of a shared calling code (getCountryByNationalNumber). */
export interface SharedCountry {
  /** ISO 3166 country code. */
  readonly country: string;
  /** Possible lengths of its national numbers, when they are not the main country's. */
  readonly lengths?: readonly number[];
  /** Leading digits that decide the country, when it has them (a regular expression's source). */
  readonly leading?: string;
  /** Its national number pattern: the main country's strips national prefixes; one without leading digits must match it and ... */
  readonly pattern?: string;
  /** ... one of these number types: pattern, and possible lengths when they are not the country's. */
  readonly types?: readonly (readonly [pattern: string, lengths?: readonly number[]])[];
}

/** A calling code several countries share, one of which the zone tables name, as libphonenumber reads its numbers. */
export interface SharedCallingCode {
  /** National prefix the main country's numbers may carry (a regular expression's source). */
  readonly prefix?: string;
  /** Replacement for the prefix, when it is rewritten rather than stripped. */
  readonly transform?: string;
  /** The countries in libphonenumber's order, the main one first, up to the last one that can matter. */
  readonly countries: readonly SharedCountry[];
}
