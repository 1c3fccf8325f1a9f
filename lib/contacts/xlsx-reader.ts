/**
 * Rows of the first worksheet of an .xlsx workbook (SpreadsheetML in a zip), for contact imports.
 * In-house instead of exceljs: exceljs with its streams, zip and SAX libraries was ~600 KB of the api
 * and worker bundles for this one read path; a reader of the few parts a contact list needs is small,
 * and faster (≈ 1.5–2× the rows per second of exceljs's streaming reader on bench/import.ts's file).
 *
 * How it reads (and what it holds in memory):
 * - The compressed file is buffered whole (at most `fileBytes`): a zip is read from its central
 *   directory at the end, and Excel writes the worksheets *before* sharedStrings.xml and styles.xml,
 *   which are needed to read them. Sizes and CRCs come from the central directory, so entries written
 *   with data descriptors (sizes after the data) read like any other; entries are stored or deflated.
 * - The small parts (package and workbook relationships, workbook, styles, shared strings) are
 *   inflated whole, each at most `partBytes` and never more than its declared size (a zip bomb stops
 *   there), and checked against its CRC.
 * - The worksheet is inflated as a stream (`node:zlib`, 16 KB of input at a time) and tokenised chunk
 *   by chunk, so rows come out one at a time and the decompressed sheet is never held whole; it may
 *   be at most `sheetBytes` (a bound on time, not memory).
 *
 * Supported: the first sheet in workbook order that is a worksheet (its part found through the
 * workbook's relationships, absolute or relative targets), `date1904`, shared strings (plain, rich
 * text runs; phonetic `rPh` runs ignored; `_xHHHH_` escapes), inline strings, formula results,
 * booleans, errors (read as empty), ISO `t="d"` cells, numbers (integers with all their digits), and
 * date/time cells by their number format (built-in date formats 14–22, 27–36, 45–47, 50–58, and
 * custom formats with date or time codes outside quotes and brackets); cells and rows without `r`
 * (placed after the previous one); gaps keep column positions. Prefixed element names (`x:c`) and
 * UTF-16 parts are read.
 * Not supported: encrypted workbooks (they are OLE files, refused as .xls before this reader),
 * .xlsb, compression other than deflate, DTDs (SpreadsheetML has none; refused as damaged).
 */
import { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { crc32, createInflateRaw, inflateRawSync } from 'node:zlib';
import { expectOnly } from '../core/errors';
import { ContactFileError } from './file-error';
import type { RawRow } from './parse';

const MB = 1024 * 1024;

/** Bounds on what one workbook may cost. */
export interface XlsxLimits {
  /** Largest .xlsx file (compressed), held in memory while it is read. */
  fileBytes: number;
  /** Largest inflated part other than the worksheet (shared strings, styles, workbook, relationships), each held whole. */
  partBytes: number;
  /** Largest inflated worksheet; it is streamed, so this bounds time, not memory. */
  sheetBytes: number;
}

/** The limits of contact imports: the worker has 2 GB; a million-row contact workbook is ≈ 40–50 MB compressed, ≈ 55 MB of shared strings. */
export const XLSX_LIMITS: Readonly<XlsxLimits> = { fileBytes: 256 * MB, partBytes: 256 * MB, sheetBytes: 2048 * MB };

const DAMAGED = 'the .xlsx workbook cannot be read: it is damaged or not an Excel workbook';
const NO_SHEET = 'the .xlsx workbook has no worksheet';

const damaged = (cause?: unknown) => new ContactFileError(DAMAGED, cause);
const megabytes = (bytes: number) => `${Math.round(bytes / MB)} MB`;

/** Excel's last column (XFD): a cell reference past it is damage, and bounds a row's width. */
const MAX_COLUMNS = 16_384;

// ---- zip ----

interface ZipEntry {
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** Part names are case-insensitive in a package (OPC); some writers use backslashes or a leading slash. */
const partKey = (name: string) => name.replace(/\\/g, '/').replace(/^\/+/, '').toLowerCase();

function u64(buf: Buffer, at: number): number {
  const n = buf.readBigUInt64LE(at);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw damaged();
  return Number(n);
}

/** The end-of-central-directory record: the last signature whose comment fits in the file. */
function findEndOfCentralDirectory(buf: Buffer): number {
  for (let i = buf.length - 22; i >= 0 && i >= buf.length - 22 - 0xffff; i--) {
    if (buf.readUInt32LE(i) === 0x06054b50 && i + 22 + buf.readUInt16LE(i + 20) <= buf.length) return i;
  }
  return -1;
}

/** The entries of a zip by part name, from its central directory (ZIP64 included). */
function centralDirectory(buf: Buffer): Map<string, ZipEntry> {
  const eocd = findEndOfCentralDirectory(buf);
  if (eocd < 0) throw damaged();
  let count = buf.readUInt16LE(eocd + 10);
  let size = buf.readUInt32LE(eocd + 12);
  let offset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator >= 0 && buf.readUInt32LE(locator) === 0x07064b50) {
      const record = u64(buf, locator + 8);
      if (record + 56 > buf.length || buf.readUInt32LE(record) !== 0x06064b50) throw damaged();
      count = u64(buf, record + 32);
      size = u64(buf, record + 40);
      offset = u64(buf, record + 48);
    }
  }
  const end = offset + size;
  if (end > buf.length) throw damaged();
  const entries = new Map<string, ZipEntry>();
  let p = offset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > end || buf.readUInt32LE(p) !== 0x02014b50) throw damaged();
    const nameEnd = p + 46 + buf.readUInt16LE(p + 28);
    const extraEnd = nameEnd + buf.readUInt16LE(p + 30);
    const next = extraEnd + buf.readUInt16LE(p + 32);
    if (next > end) throw damaged();
    const entry: ZipEntry = {
      flags: buf.readUInt16LE(p + 8),
      method: buf.readUInt16LE(p + 10),
      crc: buf.readUInt32LE(p + 16),
      compressedSize: buf.readUInt32LE(p + 20),
      size: buf.readUInt32LE(p + 24),
      localOffset: buf.readUInt32LE(p + 42),
    };
    if (entry.size === 0xffffffff || entry.compressedSize === 0xffffffff || entry.localOffset === 0xffffffff) zip64Sizes(buf, nameEnd, extraEnd, entry);
    entries.set(partKey(buf.toString('utf8', p + 46, nameEnd)), entry);
    p = next;
  }
  return entries;
}

/** The ZIP64 extra field (0x0001) holds, in this order, the 64-bit values of the fields that overflowed. */
function zip64Sizes(buf: Buffer, start: number, end: number, entry: ZipEntry): void {
  for (let q = start; q + 4 <= end; q += 4 + buf.readUInt16LE(q + 2)) {
    if (buf.readUInt16LE(q) !== 0x0001) continue;
    let f = q + 4;
    const fieldEnd = Math.min(end, f + buf.readUInt16LE(q + 2));
    if (entry.size === 0xffffffff && f + 8 <= fieldEnd) {
      entry.size = u64(buf, f);
      f += 8;
    }
    if (entry.compressedSize === 0xffffffff && f + 8 <= fieldEnd) {
      entry.compressedSize = u64(buf, f);
      f += 8;
    }
    if (entry.localOffset === 0xffffffff && f + 8 <= fieldEnd) entry.localOffset = u64(buf, f);
    return;
  }
}

/** The compressed bytes of an entry (after its local header, whose own sizes may be zero: data descriptors). */
function entryData(buf: Buffer, entry: ZipEntry): Buffer {
  const p = entry.localOffset;
  if (p + 30 > buf.length || buf.readUInt32LE(p) !== 0x04034b50) throw damaged();
  if (entry.flags & 1) throw damaged(); // an encrypted entry: not something Excel writes inside an .xlsx
  if (entry.method !== 0 && entry.method !== 8) throw damaged();
  if (entry.method === 0 && entry.compressedSize !== entry.size) throw damaged();
  const start = p + 30 + buf.readUInt16LE(p + 26) + buf.readUInt16LE(p + 28);
  const end = start + entry.compressedSize;
  if (end > buf.length) throw damaged();
  return buf.subarray(start, end);
}

const tooLarge = (what: string, limit: number) =>
  new ContactFileError(`the .xlsx workbook is too large to read: its ${what} would be more than ${megabytes(limit)} uncompressed; split the file or save it as .csv`);

/** A whole small part, inflated (never past its declared size) and checked. */
function partBytes(buf: Buffer, entry: ZipEntry, what: string, limit: number): Buffer {
  if (entry.size > limit) throw tooLarge(what, limit);
  const data = entryData(buf, entry);
  if (entry.size === 0) return Buffer.alloc(0);
  // Never more than the declared size: a part that inflates past it (a lying header, a bomb) stops there.
  const bytes = entry.method === 0 ? data : inflateRawSync(data, { maxOutputLength: entry.size });
  if (bytes.length !== entry.size || crc32(bytes) !== entry.crc) throw damaged();
  return bytes;
}

/** XML is UTF-8 unless a byte-order mark says UTF-16 (allowed, rarely written). */
function xmlEncoding(head: Uint8Array): 'utf-8' | 'utf-16le' | 'utf-16be' {
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return 'utf-8';
}

function* slices(buf: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

/** Yields `buf` in slices and reports, as each is taken, how many of its bytes have been taken. */
function* counted(buf: Buffer, size: number, taken?: (bytes: number) => void): Generator<Buffer> {
  for (const slice of slices(buf, size)) {
    yield slice;
    taken?.(slice.byteOffset - buf.byteOffset + slice.length);
  }
}

/**
 * The inflated bytes of an entry as they come. Input goes to zlib 16 KB at a time: zlib inflates a
 * whole input chunk before it looks at backpressure, so this bounds what one step can produce (≈ 16 MB).
 */
async function* inflated(data: Buffer, taken?: (bytes: number) => void): AsyncGenerator<Buffer> {
  const inflate = createInflateRaw({ chunkSize: 64 * 1024 });
  const input = Readable.from(counted(data, 16 * 1024, taken), { objectMode: false });
  input.pipe(inflate);
  try {
    for await (const chunk of inflate as AsyncIterable<Buffer>) yield chunk;
  } finally {
    input.unpipe(inflate);
    input.destroy();
    inflate.destroy();
  }
}

/**
 * The text of an entry, decoded as it is inflated, checked against its declared size and CRC at the end.
 * `progress` hears the share (0–1) of the entry's compressed bytes handed to the inflater so far.
 */
async function* streamedText(buf: Buffer, entry: ZipEntry, limit: number, progress?: (share: number) => void): AsyncGenerator<string> {
  if (entry.size > limit) throw tooLarge('worksheet', limit);
  const data = entryData(buf, entry);
  const taken = progress && data.length > 0 ? (bytes: number) => progress(bytes / data.length) : undefined;
  let decoder: TextDecoder | undefined;
  let size = 0;
  let crc = 0;
  for await (const chunk of entry.method === 0 ? counted(data, 64 * 1024, taken) : inflated(data, taken)) {
    size += chunk.length;
    if (size > entry.size) throw damaged(); // more than declared: a lying header (or a bomb) stops here
    crc = crc32(chunk, crc);
    decoder ??= new TextDecoder(xmlEncoding(chunk));
    yield decoder.decode(chunk, { stream: true });
  }
  if (size !== entry.size || crc !== entry.crc) throw damaged();
  const rest = decoder?.decode() ?? '';
  if (rest) yield rest;
}

// ---- XML ----

/** What a tokenizer reports; text is decoded (entities, line ends) only while `wantText` is set. */
interface XmlHandler {
  wantText: boolean;
  /** An element starts: its local name (prefix dropped), its raw attributes, and whether it is empty (`<x/>`). */
  open(name: string, attributes: string, empty: boolean): void;
  close(name: string): void;
  text(text: string): void;
}

/**
 * Longest unfinished token (a tag, or a text the handler wants) carried from one chunk to the next, in
 * characters: a cell holds at most 32,767, so more is damage; it also bounds the rescans of a token that
 * spans chunks.
 */
const MAX_PENDING = MB;

/**
 * A minimal, fast XML tokenizer for SpreadsheetML parts, fed in chunks: elements, attributes, text,
 * CDATA, comments and processing instructions; the nesting is checked. No DTDs (so no entity
 * expansion), no namespaces beyond dropping element prefixes. Malformed input is `ContactFileError`.
 */
class XmlTokenizer {
  private pending = '';
  private readonly stack: string[] = [];
  private sawRoot = false;

  constructor(private readonly handler: XmlHandler) {}

  /** Tokenises a chunk; an unfinished token waits for the next one (or, on the last chunk, is damage). */
  write(chunk: string, last = false): void {
    const s = this.pending ? this.pending + chunk : chunk;
    const h = this.handler;
    const n = s.length;
    let pos = 0;
    while (pos < n) {
      const lt = s.indexOf('<', pos);
      if (lt < 0) {
        // Text nobody wants (between rows, in elements not read) is dropped now rather than carried.
        if (!h.wantText || this.stack.length === 0) pos = n;
        break;
      }
      if (lt > pos && h.wantText && this.stack.length > 0) h.text(decodeText(s.slice(pos, lt)));
      pos = lt;
      if (lt + 1 >= n) break;
      const c = s.charCodeAt(lt + 1);
      if (c === 47 /* </ */) {
        const gt = s.indexOf('>', lt + 2);
        if (gt < 0) break;
        const qname = s.slice(lt + 2, gt).trimEnd();
        if (this.stack.pop() !== qname) throw damaged();
        h.close(localName(qname));
        pos = gt + 1;
      } else if (c === 63 /* <? */) {
        const end = s.indexOf('?>', lt + 2);
        if (end < 0) break;
        pos = end + 2;
      } else if (c === 33 /* <! */) {
        if (s.startsWith('<!--', lt)) {
          const end = s.indexOf('-->', lt + 4);
          if (end < 0) break;
          pos = end + 3;
        } else if (s.startsWith('<![CDATA[', lt)) {
          const end = s.indexOf(']]>', lt + 9);
          if (end < 0) break;
          if (h.wantText && this.stack.length > 0) h.text(s.slice(lt + 9, end));
          pos = end + 3;
        } else if (n - lt < 9 && !last) {
          break; // perhaps the start of a comment or CDATA cut by the chunk
        } else {
          throw damaged(); // a DTD or other declaration: SpreadsheetML has none
        }
      } else {
        const gt = tagEnd(s, lt + 1);
        if (gt < 0) break;
        const empty = s.charCodeAt(gt - 1) === 47;
        const tagEndAt = empty ? gt - 1 : gt;
        let nameEnd = lt + 1;
        while (nameEnd < tagEndAt && !isSpace(s.charCodeAt(nameEnd))) nameEnd++;
        const qname = s.slice(lt + 1, nameEnd);
        if (!isNameStart(qname.charCodeAt(0)) || (this.stack.length === 0 && this.sawRoot)) throw damaged();
        this.sawRoot = true;
        if (!empty) this.stack.push(qname);
        h.open(localName(qname), s.slice(nameEnd, tagEndAt), empty);
        if (empty) h.close(localName(qname));
        pos = gt + 1;
      }
    }
    this.pending = pos < n ? s.slice(pos) : '';
    if (this.pending.length > MAX_PENDING) throw damaged();
    if (last && (this.stack.length > 0 || !this.sawRoot || this.pending.trim() !== '')) throw damaged();
  }
}

const isSpace = (c: number) => c === 32 || c === 10 || c === 9 || c === 13;
/** A letter (any script), `_` or `:`: what may start an element name; anything else after `<` is damage. */
const isNameStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 58 || c > 127;
const localName = (qname: string) => {
  const colon = qname.indexOf(':');
  return colon < 0 ? qname : qname.slice(colon + 1);
};

/** The `>` that ends a tag starting at `from`, skipping quoted attribute values (which may hold `>`); -1 if not in `s` yet. */
function tagEnd(s: string, from: number): number {
  let quote = 0;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 62) return i;
    else if (c === 34 || c === 39) quote = c;
  }
  return -1;
}

const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the five XML entities and character references (others are left as written); CR LF and CR become LF, as XML requires. */
function decodeText(raw: string): string {
  let s = raw.indexOf('\r') < 0 ? raw : raw.replace(/\r\n?/g, '\n');
  if (s.indexOf('&') >= 0) {
    s = s.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|lt|gt|amp|quot|apos);/g, (whole, ref: string) => {
      if (ref.charCodeAt(0) !== 35) return NAMED_ENTITIES[ref] ?? whole;
      const code = ref.charCodeAt(1) === 120 ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : '\uFFFD';
    });
  }
  return s;
}

/**
 * Walks the attributes of a tag without allocating (it runs for every row and cell): `next()` moves to
 * the next attribute, `is()` compares its local name (`r:id` → `id`, `xml:space` → `space`), `value()`
 * decodes its value. A malformed attribute list is damage.
 */
class AttributeScanner {
  private raw = '';
  private at = 0;
  private nameStart = 0;
  private nameEnd = 0;
  private valueStart = 0;
  private valueEnd = 0;

  /** Starts on a tag's raw attribute text. */
  reset(raw: string): this {
    this.raw = raw;
    this.at = 0;
    return this;
  }

  next(): boolean {
    const raw = this.raw;
    const n = raw.length;
    let i = this.at;
    while (i < n && isSpace(raw.charCodeAt(i))) i++;
    if (i >= n) return false;
    let nameStart = i;
    while (i < n && raw.charCodeAt(i) !== 61 /* = */ && !isSpace(raw.charCodeAt(i))) {
      if (raw.charCodeAt(i) === 58 /* : */) nameStart = i + 1;
      i++;
    }
    const nameEnd = i;
    while (i < n && isSpace(raw.charCodeAt(i))) i++;
    if (raw.charCodeAt(i) !== 61 || nameEnd === nameStart) throw damaged();
    i++;
    while (i < n && isSpace(raw.charCodeAt(i))) i++;
    const quote = raw.charCodeAt(i);
    if (quote !== 34 && quote !== 39) throw damaged();
    const close = raw.indexOf(quote === 34 ? '"' : "'", i + 1);
    if (close < 0) throw damaged();
    this.nameStart = nameStart;
    this.nameEnd = nameEnd;
    this.valueStart = i + 1;
    this.valueEnd = close;
    this.at = close + 1;
    return true;
  }

  is(name: string): boolean {
    return this.nameEnd - this.nameStart === name.length && this.raw.startsWith(name, this.nameStart);
  }

  name(): string {
    return this.raw.slice(this.nameStart, this.nameEnd);
  }

  value(): string {
    return decodeText(this.raw.slice(this.valueStart, this.valueEnd));
  }
}

const scanner = new AttributeScanner();

/** Attributes by local name, values decoded (for the few elements outside the worksheet's cells). */
function attributes(raw: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const a = scanner.reset(raw); a.next(); ) out.set(a.name(), a.value());
  return out;
}

/** Excel's escape for characters XML cannot carry (`_x000D_`); a literal `_x…_` is itself escaped as `_x005F_x…_`. */
function unescapeXstring(s: string): string {
  return s.indexOf('_x') < 0 ? s : s.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** Tokenises a whole part. */
function parseXml(bytes: Buffer, handler: XmlHandler): void {
  new XmlTokenizer(handler).write(new TextDecoder(xmlEncoding(bytes)).decode(bytes), true);
}

/** Collects the start tags of some elements with their attributes (relationships, workbook). */
function elements(bytes: Buffer, names: ReadonlySet<string>): { name: string; attributes: Map<string, string> }[] {
  const found: { name: string; attributes: Map<string, string> }[] = [];
  parseXml(bytes, {
    wantText: false,
    open: (name, raw) => {
      if (names.has(name)) found.push({ name, attributes: attributes(raw) });
    },
    close: () => undefined,
    text: () => undefined,
  });
  return found;
}

interface Relationship {
  type: string;
  target: string;
}

/** Relationships of a part by id, targets resolved to part names (absolute, or relative to the part's folder). */
function relationships(bytes: Buffer | undefined, folder: string): Map<string, Relationship> {
  const out = new Map<string, Relationship>();
  if (!bytes) return out;
  for (const { attributes: a } of elements(bytes, new Set(['Relationship']))) {
    const id = a.get('Id');
    const target = a.get('Target');
    if (id === undefined || target === undefined || a.get('TargetMode') === 'External') continue;
    out.set(id, { type: a.get('Type') ?? '', target: resolvePart(folder, target) });
  }
  return out;
}

function resolvePart(folder: string, target: string): string {
  let decoded = target;
  try {
    decoded = decodeURIComponent(target);
  } catch (error) {
    expectOnly(error, URIError); // a target with a stray `%` is meant literally; keep it as written
  }
  const path = decoded.startsWith('/') ? decoded.slice(1) : folder + decoded;
  const parts: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '..') parts.pop();
    else if (segment !== '.' && segment !== '') parts.push(segment);
  }
  return parts.join('/');
}

const folderOf = (part: string) => part.slice(0, part.lastIndexOf('/') + 1);
const relsOf = (part: string) => `${folderOf(part)}_rels/${part.slice(part.lastIndexOf('/') + 1)}.rels`;
const isType = (rel: Relationship, kind: string) => rel.type.endsWith(`/${kind}`);

// ---- styles, dates, strings ----

/** Built-in number formats that show dates or times (ECMA-376 18.8.30, with the CJK ones Excel uses). */
const BUILTIN_DATE_FORMATS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54, 55, 56, 57, 58]);

/**
 * Whether a format code shows a date or time: y m d h s (or b, Buddhist years) outside quotes, escapes,
 * `_x`, `*x` and brackets (colours, conditions, locales), elapsed-time brackets (`[h]`, `[mm]`) counting.
 */
export function isDateFormat(code: string): boolean {
  return /[ymdhsb]/i.test(code.replace(/"[^"]*"|\[(?![hms]+\])[^\]]*\]|\\.|_.|\*./gi, ''));
}

/** Per cell style (`s`), whether its number format is a date or time. */
function dateStyles(bytes: Buffer | undefined): boolean[] {
  if (!bytes) return [];
  const custom = new Map<number, string>();
  const formats: number[] = [];
  let inCellXfs = false;
  parseXml(bytes, {
    wantText: false,
    open: (name, raw, empty) => {
      if (name === 'numFmt') {
        const a = attributes(raw);
        custom.set(Number(a.get('numFmtId')), a.get('formatCode') ?? '');
      } else if (name === 'cellXfs') inCellXfs = !empty;
      else if (name === 'xf' && inCellXfs) formats.push(Number(attributes(raw).get('numFmtId') ?? 0));
    },
    close: (name) => {
      if (name === 'cellXfs') inCellXfs = false;
    },
    text: () => undefined,
  });
  return formats.map((id) => {
    const code = custom.get(id);
    return code !== undefined ? isDateFormat(code) : BUILTIN_DATE_FORMATS.has(id);
  });
}

/** The shared strings, in order: the text of each `<si>` (its runs joined, phonetic runs left out). */
function sharedStrings(bytes: Buffer | undefined): string[] {
  if (!bytes) return [];
  const strings: string[] = [];
  let item = '';
  let run = '';
  let phonetic = 0;
  const handler: XmlHandler = {
    wantText: false,
    open: (name, _raw, empty) => {
      if (name === 'si') item = '';
      else if (name === 'rPh' && !empty) phonetic++;
      else if (name === 't' && phonetic === 0) {
        run = '';
        handler.wantText = true;
      }
    },
    close: (name) => {
      if (name === 't' && handler.wantText) {
        item += unescapeXstring(run);
        handler.wantText = false;
      } else if (name === 'rPh') phonetic = Math.max(0, phonetic - 1);
      else if (name === 'si') strings.push(item);
    },
    text: (text) => {
      run += text;
    },
  };
  parseXml(bytes, handler);
  return strings;
}

/** An ISO date (`yyyy-mm-dd`), with the time (`Thh:mm` or `Thh:mm:ss`) when the cell has one; '' for an invalid date. */
export function isoDateCell(date: Date): string {
  if (Number.isNaN(date.getTime())) return '';
  const iso = date.toISOString(); // the cell's wall time, carried as UTC
  const [day, time] = [iso.slice(0, 10), iso.slice(11, 19)];
  if (time === '00:00:00') return day;
  return time.endsWith(':00') ? `${day}T${time.slice(0, 5)}` : `${day}T${time}`;
}

/** A number as text: integers with all their digits (phone numbers stored as numbers), others as JavaScript prints them. */
const numberText = (n: number) => (Number.isInteger(n) ? n.toFixed(0) : String(n));

const PLAIN_INTEGER = /^(?:0|-?[1-9][0-9]*)$/;

/** An Excel serial date (days since 1899-12-30, or 1904-01-01) as the cell's wall time in UTC. */
const serialDate = (serial: number, date1904: boolean) => new Date(Math.round((serial - 25569 + (date1904 ? 1462 : 0)) * 86_400_000));

/** A `t="d"` cell: ISO 8601 text, read as wall time (no time zone shift). */
function isoText(text: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?/.exec(text);
  if (!m) return text;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), Number((m[7] ?? '0').padEnd(3, '0'))));
  return isoDateCell(date) || text;
}

/** The 0-based column of a cell reference (`B7` → 1), or -1 without letters. */
function columnOf(ref: string): number {
  let n = 0;
  let i = 0;
  for (; i < ref.length; i++) {
    const c = ref.charCodeAt(i) | 0x20; // lower case
    if (c < 97 || c > 122) break;
    n = n * 26 + (c - 96);
    if (n > MAX_COLUMNS) throw damaged();
  }
  return i === 0 ? -1 : n - 1;
}

// ---- worksheet ----

interface SheetContext {
  strings: string[];
  dates: boolean[];
  date1904: boolean;
}

/** Turns worksheet tokens into rows; finished rows wait in `rows` until the reader takes them. */
class SheetRows implements XmlHandler {
  wantText = false;
  readonly rows: RawRow[] = [];
  private inSheetData = false;
  private rowNumber = 0;
  private cells: string[] | undefined;
  private width = 0;
  private column = -1;
  private type = '';
  private style = 0;
  private value = '';
  private hasValue = false;
  private inString = false;
  private phonetic = 0;

  constructor(private readonly context: SheetContext) {}

  open(name: string, raw: string, empty: boolean): void {
    switch (name) {
      case 'sheetData':
        this.inSheetData = true;
        break;
      case 'row': {
        if (!this.inSheetData) break;
        let r = NaN;
        for (const a = scanner.reset(raw); a.next(); ) if (a.is('r')) r = Number(a.value());
        this.rowNumber = Number.isSafeInteger(r) && r > 0 ? r : this.rowNumber + 1;
        this.cells = [];
        this.width = 0;
        this.column = -1;
        break;
      }
      case 'c': {
        if (!this.cells) break;
        let column = -1;
        this.type = 'n';
        this.style = 0;
        for (const a = scanner.reset(raw); a.next(); ) {
          if (a.is('r')) column = columnOf(a.value());
          else if (a.is('t')) this.type = a.value();
          else if (a.is('s')) this.style = Number(a.value());
        }
        this.column = column >= 0 ? column : this.column + 1;
        if (this.column >= MAX_COLUMNS) throw damaged();
        this.value = '';
        this.hasValue = false;
        this.inString = false;
        break;
      }
      case 'v':
        if (!this.cells || this.inString) break;
        this.hasValue = true;
        this.value = '';
        this.wantText = !empty;
        break;
      case 'is':
        if (!this.cells) break;
        this.hasValue = true;
        this.value = '';
        this.inString = !empty;
        this.phonetic = 0;
        break;
      case 't':
        if (this.inString && this.phonetic === 0) this.wantText = !empty;
        break;
      case 'rPh':
        if (this.inString && !empty) this.phonetic++;
        break;
    }
  }

  close(name: string): void {
    switch (name) {
      case 'v':
      case 't':
        this.wantText = false;
        break;
      case 'rPh':
        if (this.phonetic > 0) this.phonetic--;
        break;
      case 'is':
        this.inString = false;
        break;
      case 'c':
        if (this.cells) this.endCell(this.cells);
        break;
      case 'row':
        if (this.cells) this.endRow(this.cells);
        this.cells = undefined;
        break;
      case 'sheetData':
        this.inSheetData = false;
        break;
    }
  }

  text(text: string): void {
    this.value += text;
  }

  private endCell(cells: string[]): void {
    this.wantText = false;
    if (!this.hasValue) return; // a styled empty cell
    const text = this.cellText();
    if (text === undefined) return;
    cells[this.column] = text.trim();
    if (this.column >= this.width) this.width = this.column + 1;
  }

  /** The cell's text; undefined for an empty shared string (no value, as exceljs had it: it does not widen the row). */
  private cellText(): string | undefined {
    const v = this.value;
    switch (this.type) {
      case 's': {
        const s = this.context.strings[Number.parseInt(v, 10)];
        return s === undefined || s === '' ? undefined : s;
      }
      case 'inlineStr':
      case 'str':
        return unescapeXstring(v);
      case 'b': {
        const t = v.trim();
        return t === '1' || t === 'true' ? 'true' : t === '0' || t === 'false' ? 'false' : t;
      }
      case 'e':
        return '';
      case 'd':
        return isoText(v.trim());
      default: {
        // Most numbers are integers of up to 15 digits (phone numbers): their text is already what toFixed(0) would give.
        if (v.length <= 15 && !this.context.dates[this.style] && PLAIN_INTEGER.test(v)) return v;
        const n = Number.parseFloat(v);
        if (!Number.isFinite(n)) return v;
        if (this.context.dates[this.style]) {
          const date = serialDate(n, this.context.date1904);
          if (!Number.isNaN(date.getTime())) return isoDateCell(date);
        }
        return numberText(n);
      }
    }
  }

  private endRow(cells: string[]): void {
    let blank = true;
    const out = new Array<string>(this.width);
    for (let i = 0; i < this.width; i++) {
      const c = cells[i] ?? '';
      out[i] = c;
      if (c !== '') blank = false;
    }
    if (!blank) this.rows.push({ row: this.rowNumber, cells: out });
  }
}

// ---- the workbook ----

async function buffered(source: AsyncIterable<Uint8Array>, limit: number): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of source) {
    size += chunk.byteLength;
    if (size > limit) throw new ContactFileError(`the .xlsx file is larger than ${megabytes(limit)}; split it into smaller files or save it as .csv`);
    parts.push(chunk);
  }
  return Buffer.concat(parts, size);
}

/** Finds the first worksheet and reads what its cells refer to (shared strings, styles, date system). */
function openWorkbook(file: Buffer, limits: XlsxLimits): { sheet: ZipEntry; context: SheetContext } {
  const entries = centralDirectory(file);
  const part = (name: string, what: string) => {
    const entry = entries.get(partKey(name));
    return entry && partBytes(file, entry, what, limits.partBytes);
  };
  const rootRels = relationships(part('_rels/.rels', 'relationships'), '');
  const workbookPart = [...rootRels.values()].find((r) => isType(r, 'officeDocument'))?.target ?? 'xl/workbook.xml';
  const workbook = part(workbookPart, 'workbook');
  if (!workbook) throw new ContactFileError(NO_SHEET);
  const rels = relationships(part(relsOf(workbookPart), 'relationships'), folderOf(workbookPart));
  let date1904 = false;
  let sheetPart: string | undefined;
  for (const { name, attributes: a } of elements(workbook, new Set(['sheet', 'workbookPr']))) {
    if (name === 'workbookPr') date1904 = ['1', 'true'].includes(a.get('date1904') ?? '');
    const rel = name === 'sheet' ? rels.get(a.get('id') ?? '') : undefined;
    if (rel && !sheetPart && isType(rel, 'worksheet')) sheetPart = rel.target;
  }
  if (!sheetPart) throw new ContactFileError(NO_SHEET);
  const sheet = entries.get(partKey(sheetPart));
  if (!sheet) throw damaged();
  const related = (kind: string, fallback: string) => [...rels.values()].find((r) => isType(r, kind))?.target ?? folderOf(workbookPart) + fallback;
  return {
    sheet,
    context: {
      strings: sharedStrings(part(related('sharedStrings', 'sharedStrings.xml'), 'shared strings')),
      dates: dateStyles(part(related('styles', 'styles.xml'), 'styles')),
      date1904,
    },
  };
}

/**
 * Rows of the first worksheet of an .xlsx file: 1-based row numbers as a spreadsheet shows them, cells
 * as trimmed text, blank rows left out. Anything unreadable is a `ContactFileError`.
 * `progress` hears how many of the file's bytes count as done: the file is buffered whole before the
 * first row, so bytes received would say 100 % at once; instead the file's size is shared out by how
 * much of the worksheet's compressed data has been read (the sheet is almost all of a contact file).
 */
export async function* xlsxSheetRows(
  source: AsyncIterable<Uint8Array>,
  limits: Readonly<XlsxLimits> = XLSX_LIMITS,
  progress?: (bytesDone: number) => void,
): AsyncGenerator<RawRow> {
  try {
    const file = await buffered(source, limits.fileBytes);
    const { sheet, context } = openWorkbook(file, limits);
    const rows = new SheetRows(context);
    const tokenizer = new XmlTokenizer(rows);
    const share = progress ? (done: number) => progress(Math.round(file.length * done)) : undefined;
    for await (const text of streamedText(file, sheet, limits.sheetBytes, share)) {
      tokenizer.write(text);
      // Rows of this chunk go out before the next is inflated: the consumer's pace is the reader's.
      for (const row of rows.rows) yield row;
      rows.rows.length = 0;
    }
    tokenizer.write('', true);
    for (const row of rows.rows) yield row;
    progress?.(file.length);
  } catch (error) {
    throw error instanceof ContactFileError ? error : damaged(error);
  }
}
