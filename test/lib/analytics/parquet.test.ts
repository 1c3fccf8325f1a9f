import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParquetValueError, writeParquet, type ParquetColumn } from '../../../lib/analytics/parquet';

const COLUMNS: ParquetColumn[] = [
  { name: 's', type: 'string' },
  { name: 'i', type: 'int' },
  { name: 'd', type: 'double' },
  { name: 'b', type: 'boolean' },
  { name: 'm', type: 'map<string,string>' },
];

type Row = { s: string | null; i: number | null; d: number | null; b: boolean | null; m: Record<string, string | null> | null };

const rowArb: fc.Arbitrary<Row> = fc.record({
  s: fc.option(fc.string({ unit: 'grapheme', maxLength: 30 }), { nil: null }),
  i: fc.option(fc.integer({ min: -2147483648, max: 2147483647 }), { nil: null }),
  d: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null }),
  b: fc.option(fc.boolean(), { nil: null }),
  m: fc.option(fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.option(fc.string({ maxLength: 8 }), { nil: null }), { maxKeys: 4 }), { nil: null }),
});

const arrayBufferOf = (bytes: Uint8Array) => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
const gzip = { GZIP: (input: Uint8Array) => new Uint8Array(gunzipSync(input)) };

/** What hyparquet gives back for a row (it leaves null maps out and keeps -0 as 0 only through JSON). */
const normalize = (r: Row) => ({ ...r, m: r.m ?? null, d: Object.is(r.d, -0) ? 0 : r.d });

describe('writeParquet', () => {
  let dir: string;
  let db: DuckDBInstance;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parquet-'));
    db = await DuckDBInstance.create(':memory:');
  });
  afterAll(() => {
    db.closeSync();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes files two independent readers (hyparquet, DuckDB) read back unchanged, over random rows and page/row-group splits', async () => {
    const connection = await db.connect();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(rowArb, { maxLength: 60 }), fc.integer({ min: 1, max: 25 }), fc.integer({ min: 1, max: 9 }), fc.constantFrom('GZIP', 'UNCOMPRESSED' as const), async (rows, rowGroupSize, pageRows, codec) => {
        const bytes = writeParquet(COLUMNS, rows, { rowGroupSize, pageRows, codec });
        const back = (await parquetReadObjects({ file: arrayBufferOf(bytes), compressors: gzip })) as Partial<Row>[];
        expect(back.map((r) => ({ s: r.s ?? null, i: r.i ?? null, d: r.d === undefined || r.d === null ? null : Object.is(r.d, -0) ? 0 : r.d, b: r.b ?? null, m: r.m ?? null }))).toEqual(rows.map(normalize));

        const file = join(dir, `p${n++}.parquet`);
        writeFileSync(file, bytes);
        const reader = await connection.runAndReadAll(`SELECT s, i, d, b, m FROM read_parquet('${file}')`);
        const duck = reader.getRowObjectsJS().map((r) => ({
          s: r.s ?? null,
          i: r.i ?? null,
          d: r.d === null ? null : Object.is(r.d, -0) ? 0 : r.d,
          b: r.b ?? null,
          m: r.m === null ? null : Object.fromEntries((r.m as { key: string; value: string | null }[]).map((e) => [e.key, e.value])),
        }));
        expect(duck).toEqual(rows.map(normalize));
      }),
      { numRuns: 40 },
    );
    connection.closeSync();
  });

  it('declares the schema the readers expect: optional UTF8 strings, INT32, DOUBLE, BOOLEAN and a MAP group, with the codec', () => {
    const bytes = writeParquet(COLUMNS, [{ s: 'a', i: 1, d: 1.5, b: true, m: { k: 'v' } }]);
    const meta = parquetMetadata(arrayBufferOf(bytes));
    expect(meta.schema.map((e) => [e.name, e.type ?? null, e.repetition_type ?? null, e.converted_type ?? null])).toEqual([
      ['schema', null, null, null],
      ['s', 'BYTE_ARRAY', 'OPTIONAL', 'UTF8'],
      ['i', 'INT32', 'OPTIONAL', null],
      ['d', 'DOUBLE', 'OPTIONAL', null],
      ['b', 'BOOLEAN', 'OPTIONAL', null],
      ['m', null, 'OPTIONAL', 'MAP'],
      ['key_value', null, 'REPEATED', null],
      ['key', 'BYTE_ARRAY', 'REQUIRED', 'UTF8'],
      ['value', 'BYTE_ARRAY', 'OPTIONAL', 'UTF8'],
    ]);
    expect(meta.row_groups[0]!.columns.every((c) => c.meta_data?.codec === 'GZIP')).toBe(true);
    expect(Number(meta.num_rows)).toBe(1);
  });

  it('writes a valid empty file', async () => {
    const bytes = writeParquet(COLUMNS, []);
    expect(await parquetReadObjects({ file: arrayBufferOf(bytes), compressors: gzip })).toEqual([]);
  });

  it('compresses: a repetitive column is far smaller with GZIP', () => {
    const rows = Array.from({ length: 5000 }, (_, k) => ({ s: `campaign-${k % 3}`, i: k % 7, d: null, b: k % 2 === 0, m: { grade: 'A' } }));
    const gz = writeParquet(COLUMNS, rows).length;
    const raw = writeParquet(COLUMNS, rows, { codec: 'UNCOMPRESSED' }).length;
    expect(gz * 5).toBeLessThan(raw);
  });

  /** The encodings each leaf column's chunk declares (first row group), by dotted path. */
  const encodingsOf = (bytes: Uint8Array) =>
    Object.fromEntries(
      parquetMetadata(arrayBufferOf(bytes)).row_groups[0]!.columns.map((c) => [c.meta_data!.path_in_schema.join('.'), { encodings: c.meta_data!.encodings, dictionary: c.meta_data!.dictionary_page_offset !== undefined }]),
    );

  /** Reads a file back with DuckDB, rows in file order. */
  const readWithDuckDb = async (bytes: Uint8Array, select: string) => {
    const file = join(dir, `d${Math.random().toString(36).slice(2)}.parquet`);
    writeFileSync(file, bytes);
    const connection = await db.connect();
    try {
      return (await connection.runAndReadAll(`SELECT ${select} FROM read_parquet('${file}')`)).getRowObjectsJS();
    } finally {
      connection.closeSync();
    }
  };

  it('dictionary-encodes a repeating string column with nulls, and both readers read it back unchanged', async () => {
    const statuses = ['Succeeded', 'Failed', 'Busy', 'NoAnswer', 'Voicemail', 'Ünïcode ✓', ''];
    const rows = Array.from({ length: 5000 }, (_, k) => ({ s: k % 11 === 0 ? null : statuses[(k * 7) % statuses.length]!, m: k % 13 === 0 ? null : k % 5 === 0 ? {} : { grade: 'ABCDE'[k % 5]!, note: k % 3 === 0 ? null : 'same' } }));
    const bytes = writeParquet(COLUMNS, rows, { pageRows: 1500, rowGroupSize: 4000 });
    expect(encodingsOf(bytes)).toMatchObject({
      s: { encodings: ['PLAIN', 'RLE', 'RLE_DICTIONARY'], dictionary: true },
      'm.key_value.key': { encodings: ['PLAIN', 'RLE', 'RLE_DICTIONARY'], dictionary: true },
      'm.key_value.value': { encodings: ['PLAIN', 'RLE', 'RLE_DICTIONARY'], dictionary: true },
    });
    const back = (await parquetReadObjects({ file: arrayBufferOf(bytes), compressors: gzip })) as Partial<Row>[];
    expect(back.map((r) => ({ s: r.s ?? null, m: r.m ?? null }))).toEqual(rows);
    const duck = await readWithDuckDb(bytes, 's, m');
    expect(duck.map((r) => ({ s: r.s, m: r.m === null ? null : Object.fromEntries((r.m as { key: string; value: string | null }[]).map((e) => [e.key, e.value])) }))).toEqual(rows);
  });

  it('writes a high-cardinality string column PLAIN, and an all-null one without a dictionary', async () => {
    const rows = Array.from({ length: 3000 }, (_, k) => ({ s: `call_${k.toString(36)}`, m: null }));
    const bytes = writeParquet(COLUMNS, rows);
    expect(encodingsOf(bytes)).toMatchObject({ s: { encodings: ['PLAIN', 'RLE'], dictionary: false }, 'm.key_value.key': { encodings: ['PLAIN', 'RLE'], dictionary: false } });
    expect((await readWithDuckDb(bytes, 's')).map((r) => r.s)).toEqual(rows.map((r) => r.s));
  });

  it('keeps a dictionary of more than 256 entries (indices wider than a byte) readable', async () => {
    // 307 entries, each first seen slowly enough to stay under the give-up limit; indices of 9 bits, bit-packed
    // (the interleaving breaks runs) and RLE runs of 2-byte values (the last rows).
    const rows = Array.from({ length: 3000 }, (_, k) => ({ s: k % 97 === 0 ? null : k % 3 === 0 || k > 2900 ? `v${Math.floor(k / 10)}` : `w${k % 7}` }));
    const bytes = writeParquet(COLUMNS, rows, { pageRows: 700 });
    expect(encodingsOf(bytes).s).toEqual({ encodings: ['PLAIN', 'RLE', 'RLE_DICTIONARY'], dictionary: true });
    expect((await readWithDuckDb(bytes, 's')).map((r) => r.s)).toEqual(rows.map((r) => r.s));
  });

  it('reads back arbitrary strings whatever the encoding chosen (dictionary or PLAIN), over page and row-group splits', async () => {
    const connection = await db.connect();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: 'grapheme', maxLength: 12 }), { minLength: 1, maxLength: 200 }),
        fc.array(fc.nat(), { maxLength: 400 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 120 }),
        async (pool, picks, rowGroupSize, pageRows) => {
          // Picks from a pool of 1–200 strings, some null: both a dictionary and the give-up path are reached.
          const rows = picks.map((k) => ({ s: k % 17 === 16 ? null : pool[k % pool.length]! }));
          const bytes = writeParquet(COLUMNS, rows, { rowGroupSize, pageRows });
          const back = (await parquetReadObjects({ file: arrayBufferOf(bytes), compressors: gzip })) as Partial<Row>[];
          expect(back.map((r) => r.s ?? null)).toEqual(rows.map((r) => r.s));
          const file = join(dir, `a${n++}.parquet`);
          writeFileSync(file, bytes);
          const duck = (await connection.runAndReadAll(`SELECT s FROM read_parquet('${file}')`)).getRowObjectsJS();
          expect(duck.map((r) => r.s)).toEqual(rows.map((r) => r.s));
        },
      ),
      { numRuns: 60 },
    );
    connection.closeSync();
  });

  it('reads each column by its name whatever the name and the rows\' shapes (keys missing, other order, extra keys)', async () => {
    // Quotes, a backslash, a line separator, a template placeholder: none may change what the extractor reads.
    const odd = 'it\'s "odd" \\ \u2028 `${x}` 名';
    const columns: ParquetColumn[] = [
      { name: odd, type: 'string' },
      { name: 'n', type: 'int' },
    ];
    const rows: Record<string, unknown>[] = [{ [odd]: 'a', n: 1 }, { n: 2, [odd]: 'b' }, { n: 3 }, { extra: true, [odd]: null, n: null }, Object.assign(Object.create(null) as object, { [odd]: 'e', n: 5 })];
    const back = (await parquetReadObjects({ file: arrayBufferOf(writeParquet(columns, rows)), compressors: gzip })) as Record<string, unknown>[];
    expect(back.map((r) => [r[odd] ?? null, r.n ?? null])).toEqual([['a', 1], ['b', 2], [null, 3], [null, null], ['e', 5]]);
  });

  it('rejects a value of the wrong type, naming the column and row', () => {
    expect(() => writeParquet(COLUMNS, [{ s: 'ok', i: 1 }, { s: 'ok', i: 2.5 }])).toThrow(ParquetValueError);
    expect(() => writeParquet(COLUMNS, [{ s: 'ok', i: 1 }, { s: 'ok', i: 2.5 }])).toThrow(/column i, row 1: expected a 32-bit integer/);
    expect(() => writeParquet(COLUMNS, [{ s: 1 }])).toThrow(/column s, row 0: expected a string/);
    expect(() => writeParquet(COLUMNS, [{ m: { k: 1 } }])).toThrow(/column m, row 0: expected a string value for key k/);
    expect(() => writeParquet(COLUMNS, [{ b: 'yes' }])).toThrow(/column b/);
  });
});
