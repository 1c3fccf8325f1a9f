import { gzipSync } from 'node:zlib';

/**
 * A small Parquet writer for the analytics datasets: flat rows of nullable strings, 32-bit integers, doubles,
 * booleans and string-to-string maps, the only shapes the datasets use (see datasets.ts).
 *
 * Why not a general-purpose library: the pure-JS writers on the registry (hyparquet-writer, parquetjs) write the
 * 30-column `calls` rows at 10–50k rows/s on this machine because they are generic (dictionary detection per column,
 * one TextEncoder call and one Uint8Array per string); the WASM writer (parquet-wasm) needs an Arrow table built in
 * JS first, which costs more than the write itself. This writer encodes straight into one growing buffer (PLAIN
 * values, RLE/bit-packed definition and repetition levels, data page v1) and compresses pages with Node's built-in
 * zlib (GZIP, a codec Athena, Firehose and DuckDB all support), so it needs no dependency at all.
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
const Encoding = { PLAIN: 0, RLE: 3 } as const;
const Codec = { UNCOMPRESSED: 0, GZIP: 2 } as const;
const PageType = { DATA_PAGE: 0 } as const;

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
    buf.writeInt32LE(n, this.pos);
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
 * Appends levels in the RLE / bit-packed hybrid encoding: runs of 8 or more equal values as RLE runs, the rest
 * bit-packed in groups of 8 (only the very last group is padded, as the format allows).
 */
function writeLevels(out: Bytes, levels: Uint8Array, count: number, bitWidth: number): void {
  const byteWidth = (bitWidth + 7) >> 3;
  let i = 0;
  let packedStart = -1; // start of the pending bit-packed run
  const flushPacked = (end: number) => {
    if (packedStart < 0) return;
    const n = end - packedStart;
    const groups = Math.ceil(n / 8);
    out.varint((groups << 1) | 1);
    out.ensure(groups * bitWidth);
    let acc = 0;
    let bits = 0;
    for (let k = 0; k < groups * 8; k++) {
      const v = packedStart + k < end ? levels[packedStart + k]! : 0;
      acc |= v << bits;
      bits += bitWidth;
      while (bits >= 8) {
        out.buf[out.pos++] = acc & 0xff;
        acc >>>= 8;
        bits -= 8;
      }
    }
    packedStart = -1;
  };
  while (i < count) {
    const v = levels[i]!;
    let run = 1;
    while (i + run < count && levels[i + run] === v) run++;
    if (run >= 8 && (packedStart < 0 || (i - packedStart) % 8 === 0)) {
      flushPacked(i);
      out.varint(run * 2);
      for (let b = 0; b < byteWidth; b++) out.u8((v >> (8 * b)) & 0xff);
      i += run;
      continue;
    }
    if (packedStart < 0) packedStart = i;
    // Take whole groups of 8 into the bit-packed run (fewer only at the very end).
    i = Math.min(count, i + 8 - ((i - packedStart) % 8));
  }
  flushPacked(count);
}

/** Appends a levels section of a v1 data page: 4-byte length, then the hybrid encoding. */
function writeLevelsSection(out: Bytes, levels: Uint8Array, count: number, maxLevel: number): void {
  const bitWidth = 32 - Math.clz32(maxLevel);
  const lengthAt = out.pos;
  out.i32(0);
  const start = out.pos;
  writeLevels(out, levels, count, bitWidth);
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
  dataPageOffset: number;
  uncompressed: number;
  compressed: number;
}

const MAGIC = Buffer.from('PAR1', 'ascii');

/**
 * Encodes rows as one Parquet file (in memory). Every column is OPTIONAL; values must match their column's type
 * (numbers for int/double, with int checked to be a 32-bit integer; booleans; strings; plain objects of strings for
 * maps) or be null/undefined; anything else throws ParquetValueError naming the column and row.
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
  const page = new Bytes(1 << 20);
  const defs = new Bytes(1 << 16);
  const reps = new Bytes(1 << 16);
  const rowGroups: { chunks: ChunkMeta[]; numRows: number; totalBytes: number }[] = [];

  const writePage = (numValues: number, body: Uint8Array, meta: ChunkMeta) => {
    const compressed = codec === 'GZIP' ? gzipSync(body, { level }) : body;
    const headerStart = out.pos;
    const c = new Compact(out);
    c.top(() => {
      c.i32(1, PageType.DATA_PAGE);
      c.i32(2, body.length);
      c.i32(3, compressed.length);
      c.struct(5, () => {
        c.i32(1, numValues);
        c.i32(2, Encoding.PLAIN);
        c.i32(3, Encoding.RLE);
        c.i32(4, Encoding.RLE);
      });
    });
    const headerSize = out.pos - headerStart;
    out.raw(compressed);
    meta.uncompressed += headerSize + body.length;
    meta.compressed += headerSize + compressed.length;
  };

  for (let g = 0; g < rows.length || (g === 0 && rows.length === 0); g += rowGroupSize) {
    const groupEnd = Math.min(rows.length, g + rowGroupSize);
    const chunks: ChunkMeta[] = [];
    for (const column of columns) {
      const leaves: Leaf[] =
        column.type === 'map<string,string>'
          ? [
              { path: [column.name, 'key_value', 'key'], type: Type.BYTE_ARRAY, maxDef: 2, maxRep: 1 },
              { path: [column.name, 'key_value', 'value'], type: Type.BYTE_ARRAY, maxDef: 3, maxRep: 1 },
            ]
          : [{ path: [column.name], type: physicalOf(column.type), maxDef: 1, maxRep: 0 }];
      for (const [leafIndex, leaf] of leaves.entries()) {
        const meta: ChunkMeta = { leaf, numValues: 0, nullCount: 0, dataPageOffset: out.pos, uncompressed: 0, compressed: 0 };
        for (let p = g; p < groupEnd || (p === g && g === groupEnd); p += pageRows) {
          const pageEnd = Math.min(groupEnd, p + pageRows);
          page.pos = 0;
          defs.pos = 0;
          reps.pos = 0;
          const counted =
            column.type === 'map<string,string>'
              ? encodeMapLeaf(column.name, rows, p, pageEnd, leafIndex === 0 ? 'key' : 'value', page, defs, reps)
              : encodeFlat(column, rows, p, pageEnd, page, defs);
          const body = new Bytes(page.pos + defs.pos + reps.pos + 16);
          if (leaf.maxRep > 0) writeLevelsSection(body, reps.buf, counted.levels, leaf.maxRep);
          writeLevelsSection(body, defs.buf, counted.levels, leaf.maxDef);
          body.raw(page.view());
          writePage(counted.levels, body.view(), meta);
          meta.numValues += counted.levels;
          meta.nullCount += counted.nulls;
          if (pageEnd >= groupEnd) break;
        }
        chunks.push(meta);
      }
    }
    rowGroups.push({ chunks, numRows: groupEnd - g, totalBytes: chunks.reduce((n, c) => n + c.uncompressed, 0) });
    if (groupEnd >= rows.length) break;
  }

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
        c.i64(2, chunk.dataPageOffset);
        c.struct(3, () => {
          c.i32(1, chunk.leaf.type);
          c.listOfI32(2, [Encoding.PLAIN, Encoding.RLE]);
          c.listOfStrings(3, chunk.leaf.path);
          c.i32(4, codec === 'GZIP' ? Codec.GZIP : Codec.UNCOMPRESSED);
          c.i64(5, chunk.numValues);
          c.i64(6, chunk.uncompressed);
          c.i64(7, chunk.compressed);
          c.i64(9, chunk.dataPageOffset);
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

/** Encodes one flat column's values of rows [from, to) as PLAIN into `values`, definition levels into `defs`. */
function encodeFlat(column: ParquetColumn, rows: readonly Record<string, unknown>[], from: number, to: number, values: Bytes, defs: Bytes): { levels: number; nulls: number } {
  const name = column.name;
  const n = to - from;
  defs.ensure(n);
  const d = defs.buf;
  let nulls = 0;
  switch (column.type) {
    case 'string':
      for (let r = from; r < to; r++) {
        const v = rows[r]![name];
        if (v === null || v === undefined) {
          d[r - from] = 0;
          nulls++;
        } else if (typeof v === 'string') {
          d[r - from] = 1;
          values.lengthPrefixedUtf8(v);
        } else throw new ParquetValueError(name, r, v, 'a string');
      }
      break;
    case 'int':
      values.ensure(n * 4);
      for (let r = from; r < to; r++) {
        const v = rows[r]![name];
        if (v === null || v === undefined) {
          d[r - from] = 0;
          nulls++;
        } else if (typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647) {
          d[r - from] = 1;
          values.buf.writeInt32LE(v, values.pos);
          values.pos += 4;
        } else throw new ParquetValueError(name, r, v, 'a 32-bit integer');
      }
      break;
    case 'double':
      values.ensure(n * 8);
      for (let r = from; r < to; r++) {
        const v = rows[r]![name];
        if (v === null || v === undefined) {
          d[r - from] = 0;
          nulls++;
        } else if (typeof v === 'number') {
          d[r - from] = 1;
          values.buf.writeDoubleLE(v, values.pos);
          values.pos += 8;
        } else throw new ParquetValueError(name, r, v, 'a number');
      }
      break;
    case 'boolean': {
      values.ensure(Math.ceil(n / 8));
      let acc = 0;
      let bits = 0;
      for (let r = from; r < to; r++) {
        const v = rows[r]![name];
        if (v === null || v === undefined) {
          d[r - from] = 0;
          nulls++;
        } else if (typeof v === 'boolean') {
          d[r - from] = 1;
          if (v) acc |= 1 << bits;
          if (++bits === 8) {
            values.buf[values.pos++] = acc;
            acc = 0;
            bits = 0;
          }
        } else throw new ParquetValueError(name, r, v, 'a boolean');
      }
      if (bits > 0) values.buf[values.pos++] = acc;
      break;
    }
    case 'map<string,string>':
      throw new Error('maps are encoded by encodeMapLeaf');
  }
  return { levels: n, nulls };
}

/**
 * Encodes one leaf (key or value) of a map column for rows [from, to): a null map is one level entry (def 0), an
 * empty map one entry (def 1), each pair one entry (def 2 for keys; 2 or 3 for values, 3 when the value is set).
 */
function encodeMapLeaf(
  name: string,
  rows: readonly Record<string, unknown>[],
  from: number,
  to: number,
  which: 'key' | 'value',
  values: Bytes,
  defs: Bytes,
  reps: Bytes,
): { levels: number; nulls: number } {
  let levels = 0;
  let nulls = 0;
  const push = (def: number, rep: number) => {
    defs.ensure(1);
    reps.ensure(1);
    defs.buf[levels] = def;
    reps.buf[levels] = rep;
    defs.pos = reps.pos = ++levels;
  };
  for (let r = from; r < to; r++) {
    const v = rows[r]![name];
    if (v === null || v === undefined) {
      push(0, 0);
      nulls++;
      continue;
    }
    if (typeof v !== 'object' || Array.isArray(v)) throw new ParquetValueError(name, r, v, 'an object of strings');
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 0) {
      push(1, 0);
      nulls++;
      continue;
    }
    entries.forEach(([key, value], i) => {
      if (value !== null && value !== undefined && typeof value !== 'string') throw new ParquetValueError(name, r, value, `a string value for key ${key}`);
      if (which === 'key') {
        push(2, i === 0 ? 0 : 1);
        values.lengthPrefixedUtf8(key);
      } else if (value === null || value === undefined) {
        push(2, i === 0 ? 0 : 1);
        nulls++;
      } else {
        push(3, i === 0 ? 0 : 1);
        values.lengthPrefixedUtf8(value);
      }
    });
  }
  return { levels, nulls };
}
