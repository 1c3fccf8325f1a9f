import { gzipSync } from 'node:zlib';

/**
 * A small Parquet writer for the analytics datasets: flat rows of nullable strings, 32-bit integers, doubles,
 * booleans and string-to-string maps, the only shapes the datasets use (see datasets.ts).
 *
 * Why not a general-purpose library: the pure-JS writers on the registry (hyparquet-writer, parquetjs) write the
 * 30-column `calls` rows at 10–50k rows/s on this machine because they are generic (dictionary detection per column,
 * one TextEncoder call and one Uint8Array per string); the WASM writer (parquet-wasm) needs an Arrow table built in
 * JS first, which costs more than the write itself. This writer collects each column chunk into reused scratch
 * arrays, then encodes it into one growing buffer (PLAIN values, or a dictionary page and RLE_DICTIONARY indices
 * for strings that repeat; RLE/bit-packed definition and repetition levels; data page v1) and compresses pages
 * with Node's built-in zlib (GZIP, a codec Athena, Firehose and DuckDB all support), so it needs no dependency.
 * Dictionary pages are PLAIN and data pages RLE_DICTIONARY, as the format recommends (PLAIN_DICTIONARY is
 * deprecated) and as pyarrow writes by default; Athena (Trino), Hive's parquet-mr and DuckDB read them.
 * Files are checked by two independent readers in the tests (DuckDB and hyparquet).
 *
 * Format reference: https://parquet.apache.org/docs/file-format/ and parquet.thrift (Thrift compact protocol).
 */

/** Column types the writer supports, named as in Hive/Glue. */
export type ParquetColumnType = 'string' | 'int' | 'double' | 'boolean' | 'map<string,string>';

/** One column of a file: name and type; every column is nullable (as Firehose writes them). */
export interface ParquetColumn {
  readonly name: string;
  readonly type: ParquetColumnType;
}

/** Page compression. */
export type ParquetCodec = 'GZIP' | 'UNCOMPRESSED';

/** Options of writeParquet. */
export interface ParquetWriteOptions {
  /** Page compression (default GZIP). */
  codec?: ParquetCodec;
  /** zlib level for GZIP, 1 (fast) to 9 (small); default 1 (files about 15 % larger than level 6, written twice as fast). */
  gzipLevel?: number;
  /** Rows per row group (default 100,000). */
  rowGroupSize?: number;
  /** Rows per data page (default 20,000). */
  pageRows?: number;
  /** `created_by` in the footer. */
  createdBy?: string;
  /** Key/value metadata in the footer. */
  metadata?: Record<string, string>;
}

/** A value that does not fit its column; names the column and the row. */
export class ParquetValueError extends Error {
  override readonly name = 'ParquetValueError';
  constructor(
    readonly column: string,
    readonly row: number,
    readonly value: unknown,
    expected: string,
  ) {
    super(`parquet column ${column}, row ${row}: expected ${expected}, got ${describe(value)}`);
  }
}

const describe = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : Array.isArray(v) ? 'an array' : `${typeof v} ${String(v).slice(0, 40)}`);

// parquet.thrift enums
const Type = { BOOLEAN: 0, INT32: 1, DOUBLE: 5, BYTE_ARRAY: 6 } as const;
const Repetition = { REQUIRED: 0, OPTIONAL: 1, REPEATED: 2 } as const;
const Converted = { UTF8: 0, MAP: 1 } as const;
const Encoding = { PLAIN: 0, RLE: 3, RLE_DICTIONARY: 8 } as const;
const Codec = { UNCOMPRESSED: 0, GZIP: 2 } as const;
const PageType = { DATA_PAGE: 0, DICTIONARY_PAGE: 2 } as const;

// Thrift compact protocol types
const CT = { I32: 5, I64: 6, BINARY: 8, LIST: 9, STRUCT: 12 } as const;

/** A growable little-endian byte buffer. */
class Bytes {
  buf: Buffer;
  pos = 0;
  constructor(capacity = 1 << 16) {
    this.buf = Buffer.allocUnsafe(capacity);
  }
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }
  i32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32LE(v, this.pos);
    this.pos += 4;
  }
  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }
  /** Unsigned LEB128 of a non-negative safe integer. */
  varint(v: number): void {
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }
  /** PLAIN BYTE_ARRAY: 4-byte length, then the UTF-8 bytes, written in place. */
  lengthPrefixedUtf8(s: string): void {
    const length = s.length;
    this.ensure(4 + length * 3);
    const buf = this.buf;
    const start = this.pos + 4;
    let n = 0;
    // Most values are short ASCII (ids, statuses, ISO times): copying code units beats Buffer#write's call overhead.
    if (length <= 64) {
      for (; n < length; n++) {
        const c = s.charCodeAt(n);
        if (c >= 0x80) break;
        buf[start + n] = c;
      }
    }
    if (n < length) n += buf.write(s.slice(n), start + n);
    // The length by hand: Buffer#writeInt32LE's argument checks cost more than the stores, once per value.
    const at = this.pos;
    buf[at] = n & 0xff;
    buf[at + 1] = (n >>> 8) & 0xff;
    buf[at + 2] = (n >>> 16) & 0xff;
    buf[at + 3] = n >>> 24;
    this.pos = start + n;
  }
  view(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

/** Thrift compact protocol writer for the few structs of the Parquet footer and page headers. */
class Compact {
  private readonly last: number[] = [0];
  constructor(readonly out: Bytes) {}
  private header(type: number, id: number): void {
    const delta = id - this.last[this.last.length - 1]!;
    if (delta > 0 && delta <= 15) this.out.u8((delta << 4) | type);
    else {
      this.out.u8(type);
      this.zigzag(id);
    }
    this.last[this.last.length - 1] = id;
  }
  private zigzag(v: number): void {
    this.out.varint(v >= 0 ? v * 2 : -v * 2 - 1);
  }
  i32(id: number, v: number): void {
    this.header(CT.I32, id);
    this.zigzag(v);
  }
  i64(id: number, v: number): void {
    this.header(CT.I64, id);
    this.zigzag(v);
  }
  string(id: number, s: string): void {
    this.header(CT.BINARY, id);
    this.binaryValue(s);
  }
  private binaryValue(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.out.varint(bytes.length);
    this.out.raw(bytes);
  }
  struct(id: number, body: () => void): void {
    this.header(CT.STRUCT, id);
    this.structValue(body);
  }
  private structValue(body: () => void): void {
    this.last.push(0);
    body();
    this.out.u8(0); // stop
    this.last.pop();
  }
  private listHeader(id: number, elemType: number, size: number): void {
    this.header(CT.LIST, id);
    if (size < 15) this.out.u8((size << 4) | elemType);
    else {
      this.out.u8(0xf0 | elemType);
      this.out.varint(size);
    }
  }
  listOfStructs<T>(id: number, items: readonly T[], body: (item: T) => void): void {
    this.listHeader(id, CT.STRUCT, items.length);
    for (const item of items) this.structValue(() => body(item));
  }
  listOfI32(id: number, items: readonly number[]): void {
    this.listHeader(id, CT.I32, items.length);
    for (const v of items) this.zigzag(v);
  }
  listOfStrings(id: number, items: readonly string[]): void {
    this.listHeader(id, CT.BINARY, items.length);
    for (const s of items) this.binaryValue(s);
  }
  /** Writes a top-level struct (the footer, a page header). */
  top(body: () => void): void {
    this.structValue(body);
  }
}

/**
 * Appends values[from, to) in the RLE / bit-packed hybrid encoding (levels and dictionary indices): runs of 8 or
 * more equal values as RLE runs, the rest bit-packed in groups of 8 (only the very last group is padded, as the
 * format allows). bitWidth is at most 16, so the packing accumulator stays within 32-bit integer arithmetic.
 */
function writeHybrid(out: Bytes, values: Uint8Array | Uint16Array, from: number, to: number, bitWidth: number): void {
  const byteWidth = (bitWidth + 7) >> 3;
  let i = from;
  let packedStart = -1; // start of the pending bit-packed run
  const flushPacked = (end: number) => {
    if (packedStart < 0) return;
    const groups = Math.ceil((end - packedStart) / 8);
    out.varint((groups << 1) | 1);
    out.ensure(groups * bitWidth);
    const buf = out.buf;
    let pos = out.pos;
    let acc = 0;
    let bits = 0;
    for (let k = packedStart, last = packedStart + groups * 8; k < last; k++) {
      acc |= (k < end ? values[k]! : 0) << bits;
      bits += bitWidth;
      while (bits >= 8) {
        buf[pos++] = acc & 0xff;
        acc >>>= 8;
        bits -= 8;
      }
    }
    out.pos = pos;
    packedStart = -1;
  };
  while (i < to) {
    const v = values[i]!;
    let run = 1;
    while (i + run < to && values[i + run] === v) run++;
    if (run >= 8 && (packedStart < 0 || (i - packedStart) % 8 === 0)) {
      flushPacked(i);
      out.varint(run * 2);
      for (let b = 0; b < byteWidth; b++) out.u8((v >> (8 * b)) & 0xff);
      i += run;
      continue;
    }
    if (packedStart < 0) packedStart = i;
    // Take whole groups of 8 into the bit-packed run (fewer only at the very end).
    i = Math.min(to, i + 8 - ((i - packedStart) % 8));
  }
  flushPacked(to);
}

/** Appends a levels section of a v1 data page: 4-byte length, then the hybrid encoding of levels[from, to). */
function writeLevelsSection(out: Bytes, levels: Uint8Array, from: number, to: number, maxLevel: number): void {
  const lengthAt = out.pos;
  out.i32(0);
  const start = out.pos;
  writeHybrid(out, levels, from, to, 32 - Math.clz32(maxLevel));
  out.buf.writeInt32LE(out.pos - start, lengthAt);
}

/** One leaf column of the schema (a map contributes two: key and value). */
interface Leaf {
  path: string[];
  type: number;
  maxDef: number;
  maxRep: number;
}

interface ChunkMeta {
  leaf: Leaf;
  numValues: number;
  nullCount: number;
  /** Offset of the dictionary page, or -1 when the chunk is PLAIN only. */
  dictionaryPageOffset: number;
  dataPageOffset: number;
  uncompressed: number;
  compressed: number;
}

const MAGIC = Buffer.from('PAR1', 'ascii');

/**
 * Dictionary limits. A chunk gives up on its dictionary as soon as it holds more than 64 + n/8 entries after n
 * values: an id or timestamp column gives up within about 70 values (so trying costs next to nothing), while a
 * column that keeps repeating (status, campaign, hang-up party…) stays, each entry used about 8 times or more on
 * average, where indices of a few bits plus the dictionary are far smaller than the PLAIN strings, and GZIP gets
 * less to do. The price: a column whose many distinct values all turn up early is written PLAIN (larger, still
 * correct). 2^16 entries at most: 16-bit indices (Uint16Array, packing within 32-bit integers); 1 Mi characters
 * at most (parquet-mr's default dictionary page size is 1 MiB).
 */
const DICTIONARY_SLACK = 64;
const DICTIONARY_MAX_ENTRIES = 1 << 16;
const DICTIONARY_MAX_CHARS = 1 << 20;

const newU8 = (n: number) => new Uint8Array(n);
const newU16 = (n: number) => new Uint16Array(n);
const grow = <T extends Uint8Array | Uint16Array>(array: T, need: number, make: (n: number) => T): T => {
  if (need <= array.length) return array;
  const next = make(Math.max(need, array.length * 2));
  next.set(array);
  return next;
};

/**
 * The levels and non-null values of one leaf over a row group, collected before any page is written: the choice
 * between a dictionary and PLAIN needs the whole chunk, and the dictionary page comes before the data pages.
 * Scratch reused from chunk to chunk (arrays only grow), so collecting allocates nothing per value.
 */
class LeafChunk {
  /** Level entries (one per row for a flat column, one per pair, null or empty map for a map leaf). */
  levels = 0;
  /** Non-null values collected. */
  values = 0;
  /** Level entries without a value (the null_count statistic). */
  nulls = 0;
  defs = new Uint8Array(1 << 12);
  reps = new Uint8Array(1 << 12);
  /** BYTE_ARRAY values. */
  readonly strings: string[] = [];
  /** INT32 / DOUBLE values, already PLAIN-encoded. */
  readonly fixed = new Bytes(1 << 12);
  /** BOOLEAN values, one byte each (bit-packed per page). */
  bools = new Uint8Array(1 << 12);
  /** Level and value index where each page starts, plus one closing entry. */
  readonly pageLevels: number[] = [];
  readonly pageValues: number[] = [];
  /** The dictionary (value → index, in insertion order) and each value's index, when encodeDictionary accepted it. */
  readonly dictionary = new Map<string, number>();
  indices = new Uint16Array(1 << 12);

  reset(): void {
    this.levels = this.values = this.nulls = 0;
    this.fixed.pos = 0;
    this.pageLevels.length = this.pageValues.length = 0;
    this.dictionary.clear();
  }
  /** Marks where a page starts (and, last, where the last page ends). */
  markPage(): void {
    this.pageLevels.push(this.levels);
    this.pageValues.push(this.values);
  }
  /** Room for n more level entries. */
  reserveLevels(n: number): void {
    const need = this.levels + n;
    this.defs = grow(this.defs, need, newU8);
    this.reps = grow(this.reps, need, newU8);
  }
  /**
   * Dictionary-encodes the collected strings when they repeat enough (see DICTIONARY_SLACK); returns the number of
   * entries, or 0 when the chunk is to be written PLAIN (no values, or too many distinct ones).
   */
  encodeDictionary(): number {
    const { strings, dictionary } = this;
    const n = this.values;
    this.indices = grow(this.indices, n, newU16);
    const indices = this.indices;
    let chars = 0;
    // Repeating columns often repeat the previous row (one campaign, one caller): a string comparison, no hashing.
    let previous: string | undefined;
    let previousIndex = 0;
    for (let i = 0; i < n; i++) {
      const v = strings[i]!;
      if (v === previous) {
        indices[i] = previousIndex;
        continue;
      }
      let index = dictionary.get(v);
      if (index === undefined) {
        index = dictionary.size;
        chars += v.length;
        if (index >= DICTIONARY_SLACK + (i >> 3) || index >= DICTIONARY_MAX_ENTRIES || chars > DICTIONARY_MAX_CHARS) {
          dictionary.clear();
          return 0;
        }
        dictionary.set(v, index);
      }
      indices[i] = index;
      previous = v;
      previousIndex = index;
    }
    return dictionary.size;
  }
}

/**
 * Encodes rows as one Parquet file (in memory). Every column is OPTIONAL; values must match their column's type
 * (numbers for int/double, with int checked to be a 32-bit integer; booleans; strings; plain objects of strings for
 * maps) or be null/undefined; anything else throws ParquetValueError naming the column and row. String columns
 * (and map keys and values) whose values repeat are dictionary-encoded per column chunk, the others PLAIN.
 */
export function writeParquet(columns: readonly ParquetColumn[], rows: readonly Record<string, unknown>[], options: ParquetWriteOptions = {}): Uint8Array {
  const codec = options.codec ?? 'GZIP';
  const level = options.gzipLevel ?? 1;
  const rowGroupSize = Math.max(1, options.rowGroupSize ?? 100_000);
  const pageRows = Math.max(1, options.pageRows ?? 20_000);
  const names = new Set<string>();
  for (const c of columns) {
    if (names.has(c.name)) throw new Error(`parquet: duplicate column ${c.name}`);
    names.add(c.name);
  }

  const out = new Bytes(1 << 20);
  out.raw(MAGIC);
  const body = new Bytes(1 << 20);
  const first = new LeafChunk();
  const second = new LeafChunk(); // a map's value leaf, collected in the same pass as its keys
  const cells: unknown[] = [];
  const rowGroups: { chunks: ChunkMeta[]; numRows: number; totalBytes: number }[] = [];

  /** Compresses `body` and appends it as a page: a data page (of numValues level entries) or the dictionary page. */
  const writePage = (kind: 'data' | 'dictionary', numValues: number, encoding: number, meta: ChunkMeta) => {
    const raw = body.view();
    const compressed = codec === 'GZIP' ? gzipSync(raw, { level }) : raw;
    const headerStart = out.pos;
    const c = new Compact(out);
    c.top(() => {
      c.i32(1, kind === 'data' ? PageType.DATA_PAGE : PageType.DICTIONARY_PAGE);
      c.i32(2, raw.length);
      c.i32(3, compressed.length);
      if (kind === 'data') {
        c.struct(5, () => {
          c.i32(1, numValues);
          c.i32(2, encoding);
          c.i32(3, Encoding.RLE);
          c.i32(4, Encoding.RLE);
        });
      } else {
        c.struct(7, () => {
          c.i32(1, numValues);
          c.i32(2, encoding);
        });
      }
    });
    const headerSize = out.pos - headerStart;
    out.raw(compressed);
    meta.uncompressed += headerSize + raw.length;
    meta.compressed += headerSize + compressed.length;
  };

  /** Writes one leaf's collected chunk: the dictionary page if it has one, then a data page per marked page. */
  const writeChunk = (leaf: Leaf, chunk: LeafChunk): ChunkMeta => {
    const meta: ChunkMeta = { leaf, numValues: chunk.levels, nullCount: chunk.nulls, dictionaryPageOffset: -1, dataPageOffset: 0, uncompressed: 0, compressed: 0 };
    const entries = leaf.type === Type.BYTE_ARRAY ? chunk.encodeDictionary() : 0;
    if (entries > 0) {
      meta.dictionaryPageOffset = out.pos;
      body.pos = 0;
      for (const s of chunk.dictionary.keys()) body.lengthPrefixedUtf8(s);
      writePage('dictionary', entries, Encoding.PLAIN, meta);
    }
    meta.dataPageOffset = out.pos;
    // Bit width 1 at least: some readers reject 0 for a one-entry dictionary.
    const bitWidth = Math.max(1, 32 - Math.clz32(entries - 1));
    for (let p = 0; p + 1 < chunk.pageLevels.length; p++) {
      const l0 = chunk.pageLevels[p]!;
      const l1 = chunk.pageLevels[p + 1]!;
      const v0 = chunk.pageValues[p]!;
      const v1 = chunk.pageValues[p + 1]!;
      body.pos = 0;
      if (leaf.maxRep > 0) writeLevelsSection(body, chunk.reps, l0, l1, leaf.maxRep);
      writeLevelsSection(body, chunk.defs, l0, l1, leaf.maxDef);
      if (entries > 0) {
        body.u8(bitWidth);
        writeHybrid(body, chunk.indices, v0, v1, bitWidth);
      } else writePlain(body, leaf.type, chunk, v0, v1);
      writePage('data', l1 - l0, entries > 0 ? Encoding.RLE_DICTIONARY : Encoding.PLAIN, meta);
    }
    return meta;
  };

  for (let g = 0; g < rows.length || (g === 0 && rows.length === 0); g += rowGroupSize) {
    const groupEnd = Math.min(rows.length, g + rowGroupSize);
    const chunks: ChunkMeta[] = [];
    for (const column of columns) {
      if (column.type === 'map<string,string>') {
        collectMap(column.name, rows, g, groupEnd, pageRows, first, second, cells);
        chunks.push(writeChunk({ path: [column.name, 'key_value', 'key'], type: Type.BYTE_ARRAY, maxDef: 2, maxRep: 1 }, first));
        chunks.push(writeChunk({ path: [column.name, 'key_value', 'value'], type: Type.BYTE_ARRAY, maxDef: 3, maxRep: 1 }, second));
      } else {
        collectFlat(column, rows, g, groupEnd, pageRows, first, cells);
        chunks.push(writeChunk({ path: [column.name], type: physicalOf(column.type), maxDef: 1, maxRep: 0 }, first));
      }
    }
    rowGroups.push({ chunks, numRows: groupEnd - g, totalBytes: chunks.reduce((n, c) => n + c.uncompressed, 0) });
    if (groupEnd >= rows.length) break;
  }
  // Let the rows' strings go with the file, not with the scratch.
  first.strings.length = second.strings.length = cells.length = 0;

  const footerStart = out.pos;
  const c = new Compact(out);
  c.top(() => {
    c.i32(1, 1);
    const schema: (() => void)[] = [
      () => {
        c.string(4, 'schema');
        c.i32(5, columns.length);
      },
    ];
    for (const column of columns) {
      if (column.type === 'map<string,string>') {
        schema.push(
          () => {
            c.i32(3, Repetition.OPTIONAL);
            c.string(4, column.name);
            c.i32(5, 1);
            c.i32(6, Converted.MAP);
          },
          () => {
            c.i32(3, Repetition.REPEATED);
            c.string(4, 'key_value');
            c.i32(5, 2);
          },
          () => {
            c.i32(1, Type.BYTE_ARRAY);
            c.i32(3, Repetition.REQUIRED);
            c.string(4, 'key');
            c.i32(6, Converted.UTF8);
          },
          () => {
            c.i32(1, Type.BYTE_ARRAY);
            c.i32(3, Repetition.OPTIONAL);
            c.string(4, 'value');
            c.i32(6, Converted.UTF8);
          },
        );
      } else {
        schema.push(() => {
          c.i32(1, physicalOf(column.type));
          c.i32(3, Repetition.OPTIONAL);
          c.string(4, column.name);
          if (column.type === 'string') c.i32(6, Converted.UTF8);
        });
      }
    }
    c.listOfStructs(2, schema, (write) => write());
    c.i64(3, rows.length);
    c.listOfStructs(4, rowGroups, (rg) => {
      c.listOfStructs(1, rg.chunks, (chunk) => {
        const dictionary = chunk.dictionaryPageOffset >= 0;
        c.i64(2, dictionary ? chunk.dictionaryPageOffset : chunk.dataPageOffset);
        c.struct(3, () => {
          c.i32(1, chunk.leaf.type);
          c.listOfI32(2, dictionary ? [Encoding.PLAIN, Encoding.RLE, Encoding.RLE_DICTIONARY] : [Encoding.PLAIN, Encoding.RLE]);
          c.listOfStrings(3, chunk.leaf.path);
          c.i32(4, codec === 'GZIP' ? Codec.GZIP : Codec.UNCOMPRESSED);
          c.i64(5, chunk.numValues);
          c.i64(6, chunk.uncompressed);
          c.i64(7, chunk.compressed);
          c.i64(9, chunk.dataPageOffset);
          if (dictionary) c.i64(11, chunk.dictionaryPageOffset);
          c.struct(12, () => c.i64(3, chunk.nullCount));
        });
      });
      c.i64(2, rg.totalBytes);
      c.i64(3, rg.numRows);
    });
    const metadata = Object.entries(options.metadata ?? {});
    if (metadata.length > 0) {
      c.listOfStructs(5, metadata, ([key, value]) => {
        c.string(1, key);
        c.string(2, value);
      });
    }
    c.string(6, options.createdBy ?? 'reachout analytics writer');
  });
  out.i32(out.pos - footerStart);
  out.raw(MAGIC);
  return out.view();
}

function physicalOf(type: ParquetColumnType): number {
  switch (type) {
    case 'string':
      return Type.BYTE_ARRAY;
    case 'int':
      return Type.INT32;
    case 'double':
      return Type.DOUBLE;
    case 'boolean':
      return Type.BOOLEAN;
    case 'map<string,string>':
      throw new Error('a map is a group, not a physical type');
  }
}

/** Appends the PLAIN encoding of the chunk's values [from, to). */
function writePlain(out: Bytes, type: number, chunk: LeafChunk, from: number, to: number): void {
  switch (type) {
    case Type.BYTE_ARRAY:
      for (let i = from; i < to; i++) out.lengthPrefixedUtf8(chunk.strings[i]!);
      break;
    case Type.INT32:
      out.raw(chunk.fixed.buf.subarray(from * 4, to * 4));
      break;
    case Type.DOUBLE:
      out.raw(chunk.fixed.buf.subarray(from * 8, to * 8));
      break;
    case Type.BOOLEAN: {
      out.ensure(Math.ceil((to - from) / 8));
      const bools = chunk.bools;
      let acc = 0;
      let bits = 0;
      for (let i = from; i < to; i++) {
        acc |= bools[i]! << bits;
        if (++bits === 8) {
          out.buf[out.pos++] = acc;
          acc = 0;
          bits = 0;
        }
      }
      if (bits > 0) out.buf[out.pos++] = acc;
      break;
    }
  }
}

/** Copies `rows[r][name]` of rows [from, to) into cells[0, to - from). */
type Extractor = (rows: readonly Record<string, unknown>[], from: number, to: number, cells: unknown[]) => void;

const extractors = new Map<string, Extractor>();

/**
 * The extractor of a column, compiled once per column name. Why generated code: reading `rows[r][name]` with a
 * name that changes from column to column makes that one property access megamorphic (a hash lookup per value, a
 * fifth of the time for the 33-column calls rows); in a function of its own per column, with the name as a literal,
 * the access gets V8's inline cache on the rows' shared shape. The name enters the source only as a JSON string
 * literal, so no name can change what the code does.
 */
function extractorOf(name: string): Extractor {
  let extract = extractors.get(name);
  if (extract === undefined) {
    extract = new Function('rows', 'from', 'to', 'cells', `for (let r = from; r < to; r++) cells[r - from] = rows[r][${JSON.stringify(name)}];`) as Extractor;
    extractors.set(name, extract);
  }
  return extract;
}

/**
 * Collects a flat column's rows [from, to) into `chunk` (reset first), a page every pageRows rows; `cells` is
 * scratch for the column's values.
 */
function collectFlat(column: ParquetColumn, rows: readonly Record<string, unknown>[], from: number, to: number, pageRows: number, chunk: LeafChunk, cells: unknown[]): void {
  chunk.reset();
  chunk.reserveLevels(to - from);
  extractorOf(column.name)(rows, from, to, cells);
  for (let p = from; p === from || p < to; p += pageRows) {
    chunk.markPage();
    collectFlatRows(column, cells, from, p, Math.min(to, p + pageRows), chunk);
  }
  chunk.markPage();
}

/**
 * Collects a flat column's rows [from, to), whose values are cells[r - base]: one definition level per row, the
 * non-null values.
 */
function collectFlatRows(column: ParquetColumn, cells: readonly unknown[], base: number, from: number, to: number, chunk: LeafChunk): void {
  const name = column.name;
  const d = chunk.defs;
  let level = chunk.levels;
  let n = chunk.values;
  let nulls = 0;
  switch (column.type) {
    case 'string': {
      const strings = chunk.strings;
      for (let r = from; r < to; r++) {
        const v = cells[r - base];
        if (v === null || v === undefined) {
          d[level++] = 0;
          nulls++;
        } else if (typeof v === 'string') {
          d[level++] = 1;
          strings[n++] = v;
        } else throw new ParquetValueError(name, r, v, 'a string');
      }
      break;
    }
    case 'int': {
      const fixed = chunk.fixed;
      fixed.ensure((to - from) * 4);
      for (let r = from; r < to; r++) {
        const v = cells[r - base];
        if (v === null || v === undefined) {
          d[level++] = 0;
          nulls++;
        } else if (typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647) {
          d[level++] = 1;
          fixed.buf.writeInt32LE(v, fixed.pos);
          fixed.pos += 4;
          n++;
        } else throw new ParquetValueError(name, r, v, 'a 32-bit integer');
      }
      break;
    }
    case 'double': {
      const fixed = chunk.fixed;
      fixed.ensure((to - from) * 8);
      for (let r = from; r < to; r++) {
        const v = cells[r - base];
        if (v === null || v === undefined) {
          d[level++] = 0;
          nulls++;
        } else if (typeof v === 'number') {
          d[level++] = 1;
          fixed.buf.writeDoubleLE(v, fixed.pos);
          fixed.pos += 8;
          n++;
        } else throw new ParquetValueError(name, r, v, 'a number');
      }
      break;
    }
    case 'boolean': {
      chunk.bools = grow(chunk.bools, n + to - from, newU8);
      const bools = chunk.bools;
      for (let r = from; r < to; r++) {
        const v = cells[r - base];
        if (v === null || v === undefined) {
          d[level++] = 0;
          nulls++;
        } else if (typeof v === 'boolean') {
          d[level++] = 1;
          bools[n++] = v ? 1 : 0;
        } else throw new ParquetValueError(name, r, v, 'a boolean');
      }
      break;
    }
    case 'map<string,string>':
      throw new Error('maps are collected by collectMap');
  }
  chunk.levels = level;
  chunk.values = n;
  chunk.nulls += nulls;
}

/**
 * Collects a map column's rows [from, to) into its key leaf and value leaf in one pass (both reset first), a page
 * every pageRows rows (`cells`: scratch for the column's values). A null map is one level entry (def 0) in each leaf, an empty map one entry (def 1), each pair
 * one entry (def 2 for keys; 2 or 3 for values, 3 when the value is set); the repetition level is 1 for every pair
 * after a map's first.
 */
function collectMap(name: string, rows: readonly Record<string, unknown>[], from: number, to: number, pageRows: number, keys: LeafChunk, values: LeafChunk, cells: unknown[]): void {
  keys.reset();
  values.reset();
  extractorOf(name)(rows, from, to, cells);
  const level = (leaf: LeafChunk, def: number, rep: number) => {
    leaf.reserveLevels(1);
    leaf.defs[leaf.levels] = def;
    leaf.reps[leaf.levels++] = rep;
  };
  for (let p = from; p === from || p < to; p += pageRows) {
    keys.markPage();
    values.markPage();
    for (let r = p, end = Math.min(to, p + pageRows); r < end; r++) {
      const v = cells[r - from];
      if (v === null || v === undefined) {
        level(keys, 0, 0);
        level(values, 0, 0);
        keys.nulls++;
        values.nulls++;
        continue;
      }
      if (typeof v !== 'object' || Array.isArray(v)) throw new ParquetValueError(name, r, v, 'an object of strings');
      const map = v as Record<string, unknown>;
      const mapKeys = Object.keys(map);
      if (mapKeys.length === 0) {
        level(keys, 1, 0);
        level(values, 1, 0);
        keys.nulls++;
        values.nulls++;
        continue;
      }
      for (let i = 0; i < mapKeys.length; i++) {
        const key = mapKeys[i]!;
        const value = map[key];
        const rep = i === 0 ? 0 : 1;
        level(keys, 2, rep);
        keys.strings[keys.values++] = key;
        if (value === null || value === undefined) {
          level(values, 2, rep);
          values.nulls++;
        } else if (typeof value === 'string') {
          level(values, 3, rep);
          values.strings[values.values++] = value;
        } else throw new ParquetValueError(name, r, value, `a string value for key ${key}`);
      }
    }
  }
  keys.markPage();
  values.markPage();
}
