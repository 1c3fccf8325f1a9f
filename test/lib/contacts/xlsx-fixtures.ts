/**
 * Hand-built .xlsx files for the reader's tests: a zip writer with the options real writers use
 * (stored or deflated entries, data descriptors, any entry order) and a minimal workbook around a
 * worksheet, so each test states only the XML it is about.
 */
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';

/** One zip entry. */
export interface ZipPart {
  name: string;
  data: string | Buffer;
  /** 0 stored, 8 deflated (default). */
  method?: 0 | 8;
  /** Sizes and CRC after the data (general purpose bit 3), zeros in the local header. */
  descriptor?: boolean;
  /** Uncompressed size written in the headers instead of the real one (a lying header). */
  declaredSize?: number;
}

/** A zip archive of the parts, in the order given. */
export function buildZip(parts: readonly ZipPart[]): Buffer {
  const out: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const part of parts) {
    const data = typeof part.data === 'string' ? Buffer.from(part.data, 'utf8') : part.data;
    const method = part.method ?? 8;
    const packed = method === 8 ? deflateRawSync(data) : data;
    const crc = crc32(data);
    const size = part.declaredSize ?? data.length;
    const name = Buffer.from(part.name, 'utf8');
    const flags = 0x0800 | (part.descriptor ? 0x0008 : 0);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    if (!part.descriptor) {
      local.writeUInt32LE(crc, 14);
      local.writeUInt32LE(packed.length, 18);
      local.writeUInt32LE(size, 22);
    }
    local.writeUInt16LE(name.length, 26);
    out.push(local, name, packed);
    let length = 30 + name.length + packed.length;
    if (part.descriptor) {
      const d = Buffer.alloc(16);
      d.writeUInt32LE(0x08074b50, 0);
      d.writeUInt32LE(crc, 4);
      d.writeUInt32LE(packed.length, 8);
      d.writeUInt32LE(size, 12);
      out.push(d);
      length += 16;
    }
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(flags, 8);
    c.writeUInt16LE(method, 10);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(packed.length, 20);
    c.writeUInt32LE(size, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt32LE(offset, 42);
    central.push(c, name);
    offset += length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...out, directory, end]);
}

/** The entries of a zip (from its central directory), inflated: enough to rewrite a test file in another order. */
export function unzip(file: Buffer): ZipPart[] {
  let eocd = file.length - 22;
  while (eocd >= 0 && file.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error('not a zip');
  const parts: ZipPart[] = [];
  let p = file.readUInt32LE(eocd + 16);
  for (let i = 0; i < file.readUInt16LE(eocd + 10); i++) {
    const method = file.readUInt16LE(p + 10);
    const compressed = file.readUInt32LE(p + 20);
    const nameLength = file.readUInt16LE(p + 28);
    const name = file.toString('utf8', p + 46, p + 46 + nameLength);
    const local = file.readUInt32LE(p + 42);
    const start = local + 30 + file.readUInt16LE(local + 26) + file.readUInt16LE(local + 28);
    const raw = file.subarray(start, start + compressed);
    parts.push({ name, data: method === 8 ? inflateRawSync(raw) : Buffer.from(raw), method: method === 8 ? 8 : 0 });
    p += 46 + nameLength + file.readUInt16LE(p + 30) + file.readUInt16LE(p + 32);
  }
  return parts;
}

const NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

/** A worksheet part around `sheetData` content. */
export const sheet = (rows: string) => `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet ${NS}><sheetData>${rows}</sheetData></worksheet>`;

/** A sharedStrings part of `<si>` contents. */
export const strings = (items: readonly string[]) =>
  `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="${items.length}" uniqueCount="${items.length}">${items.map((s) => `<si>${s}</si>`).join('')}</sst>`;

/** A styles part: cell style i has number format `formats[i]` (custom codes get ids from 164). */
export function styles(formats: readonly (number | string)[]): string {
  const custom = formats.filter((f): f is string => typeof f === 'string');
  const id = (f: number | string) => (typeof f === 'number' ? f : 164 + custom.indexOf(f));
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="${custom.length}">${custom
    .map((c) => `<numFmt numFmtId="${id(c)}" formatCode="${esc(c)}"/>`)
    .join('')}</numFmts><cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs><cellXfs count="${formats.length}">${formats.map((f) => `<xf numFmtId="${id(f)}" applyNumberFormat="1"/>`).join('')}</cellXfs></styleSheet>`;
}

/** What a test may change in the minimal workbook. */
export interface WorkbookOptions {
  /** The first worksheet's XML. */
  sheet: string;
  strings?: string;
  styles?: string;
  /** `<workbookPr>` attributes, e.g. `date1904="1"`. */
  workbookPr?: string;
  /** Override the whole workbook.xml / its relationships / the package relationships. */
  workbook?: string;
  workbookRels?: string;
  rootRels?: string;
  /** Where the sheet is stored (default xl/worksheets/sheet1.xml). */
  sheetPath?: string;
  /** Extra parts (after the standard ones). */
  extra?: readonly ZipPart[];
  method?: 0 | 8;
  descriptor?: boolean;
  /** Part order: as Excel writes it (sheet first, then strings and styles) unless reversed. */
  stringsFirst?: boolean;
}

/** The parts of a minimal workbook, sheet before sharedStrings and styles as Excel writes them. */
export function workbookParts(o: WorkbookOptions): ZipPart[] {
  const part = (name: string, data: string): ZipPart => ({ name, data, method: o.method ?? 8, descriptor: o.descriptor ?? false });
  const head = [
    part('[Content_Types].xml', '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
    part('_rels/.rels', o.rootRels ?? `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`),
    part('xl/workbook.xml', o.workbook ?? `<?xml version="1.0" encoding="UTF-8"?><workbook ${NS}>${o.workbookPr ? `<workbookPr ${o.workbookPr}/>` : ''}<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`),
    part(
      'xl/_rels/workbook.xml.rels',
      o.workbookRels ??
        `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="${REL}/styles" Target="styles.xml"/></Relationships>`,
    ),
  ];
  const sheetPart = part(o.sheetPath ?? 'xl/worksheets/sheet1.xml', o.sheet);
  const tail = [...(o.strings !== undefined ? [part('xl/sharedStrings.xml', o.strings)] : []), ...(o.styles !== undefined ? [part('xl/styles.xml', o.styles)] : [])];
  return [...head, ...(o.stringsFirst ? [...tail, sheetPart] : [sheetPart, ...tail]), ...(o.extra ?? [])];
}

/** A minimal workbook as bytes. */
export const workbook = (o: WorkbookOptions) => buildZip(workbookParts(o));

/** Collects an async iterable. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of items) out.push(x);
  return out;
}
