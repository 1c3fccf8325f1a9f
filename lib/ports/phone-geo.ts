/**
 * Where phone numbers are (SPEC P2 callee time zone, P8 local presence). The data (libphonenumber's
 * geocoder and time-zone maps) is loaded lazily from files, so the lookup is asynchronous and lives in
 * the I/O layer; the planner receives the results as plain data.
 */

/** A phone number's location, as far as libphonenumber's geocoding data knows it. */
export interface PhoneLocation {
  /** Country calling code (`1`, `86`, …): numbers of different countries never count as local. */
  country: string;
  /** Province, state or region (`Guangdong`, `WA`, `ON`); absent when the data has none. */
  region?: string;
  /**
   * City as the data names it (`Shenzhen`, `Seattle`); a `/`-separated group when one number range
   * serves several cities (`Shenyang/Tieling/Fushun`).
   */
  city?: string;
  /** NANP area code (NPA, e.g. `206`); absent elsewhere (city and region say more there). */
  areaCode?: string;
  /** IANA time zones the number may be in (libphonenumber's time-zone map); absent when unknown. */
  zones?: string[];
}

/** Geocodes phone numbers. Never throws for a number it cannot place: that number is absent from the map. */
export interface PhoneGeo {
  /** Locations of the given E.164 numbers, keyed by number. */
  locate(phones: readonly string[]): Promise<Map<string, PhoneLocation>>;
}
