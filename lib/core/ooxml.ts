/**
 * Parts shared by the two .xlsx writers (exports, lib/results/writers.ts; the contact template,
 * lib/contacts/template.ts): a zip archive written entry by entry, XML text escaping and column names.
 */
import { once } from 'node:events';
import { createDeflateRaw, crc32, type DeflateRaw } from 'node:zlib';

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
// Characters XML 1.0 cannot carry at all (C0 controls other than tab, line feed, carriage return; lone surrogates; U+FFFE/FFFF).
// eslint-disable-next-line no-control-regex
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// eslint-disable-next-line no-control-regex
const XML_SPECIAL = /[&<>"\u0000-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;

/** Text as XML content: characters XML 1.0 cannot carry are dropped, `& < > "` escaped. */
export function xmlEscape(text: string): string {
  // Most cells are plain text: one scan, no copies.
  if (!XML_SPECIAL.test(text)) return text;
  return text.replace(XML_INVALID, '').replace(/[&<>"]/g, (c) => XML_ESCAPES[c]!);
}

/**
 * A `<t>` element holding already-escaped text. XML readers drop a text's outer whitespace unless the element says
 * `xml:space="preserve"`; only text with outer spaces gets it (21 bytes a cell, written a million times in an export).
 */
export function textElement(escaped: string): string {
  const edge = escaped.length > 0 && (escaped.charCodeAt(0) <= 32 || escaped.charCodeAt(escaped.length - 1) <= 32);
  return edge ? `<t xml:space="preserve">${escaped}</t>` : `<t>${escaped}</t>`;
}

/** The spreadsheet column name of a 0-based index: 0 → `A`, 26 → `AA`. */
export function columnName(i: number): string {
  let n = i + 1;
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

/**
 * The package parts of a workbook whose sheets are `xl/worksheets/sheet1.xml`… in this order and whose styles
 * are `xl/styles.xml`: content types, package relationships, workbook and workbook relationships. The caller
 * writes the sheets and the styles itself.
 */
export function workbookParts(sheetNames: readonly string[]): [name: string, xml: string][] {
  const sheets = sheetNames.map((n, i) => `<sheet name="${xmlEscape(n)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('');
  const sheetRels = sheetNames
    .map((_, i) => `<Relationship Id="rId${i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`)
    .join('');
  const sheetTypes = sheetNames
    .map((_, i) => `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`)
    .join('');
  return [
    [
      '[Content_Types].xml',
      `${XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>${sheetTypes}</Types>`,
    ],
    [
      '_rels/.rels',
      `${XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    ],
    [
      'xl/workbook.xml',
      `${XML_HEAD}<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>${sheets}</sheets></workbook>`,
    ],
    [
      'xl/_rels/workbook.xml.rels',
      `${XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${sheetRels}<Relationship Id="rId${sheetNames.length + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`,
    ],
  ];
}

interface ZipEntry {
  name: Buffer;
  crc: number;
  compressed: number;
  size: number;
  offset: number;
}

/** Largest entry a zip without ZIP64 can describe. */
const MAX_ENTRY = 0xffff_fffe;
const DOS_TIME = 0;
const DOS_DATE = (2020 - 1980) << 9 | 1 << 5 | 1;

/**
 * Streams a zip archive entry by entry (deflated, sizes in data descriptors) to `push`, which may apply
 * backpressure. An entry that would pass 4 GB throws what `tooLarge` makes (the caller's error family).
 */
export class ZipStream {
  private readonly entries: ZipEntry[] = [];
  private offset = 0;
  private current?: { entry: ZipEntry; deflate: DeflateRaw; done: Promise<void> };

  constructor(
    private readonly push: (b: Buffer) => Promise<void>,
    private readonly tooLarge: () => Error = () => new RangeError('a zip entry would exceed 4 GB'),
  ) {}
  private async raw(b: Buffer): Promise<void> {
    this.offset += b.length;
    await this.push(b);
  }

  /** Starts an entry; its bytes follow through `write`, and `end` closes it. */
  async begin(name: string): Promise<void> {
    const nameBytes = Buffer.from(name, 'utf8');
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(0x0808, 6);
    header.writeUInt16LE(8, 8);
    header.writeUInt16LE(DOS_TIME, 10);
    header.writeUInt16LE(DOS_DATE, 12);
    header.writeUInt16LE(nameBytes.length, 26);
    const entry: ZipEntry = { name: nameBytes, crc: 0, compressed: 0, size: 0, offset: this.offset };
    await this.raw(Buffer.concat([header, nameBytes]));
    const deflate = createDeflateRaw({ level: 1 });
    // Compressed bytes go out as they come; the deflater waits while the output is full.
    const done = (async () => {
      for await (const chunk of deflate as AsyncIterable<Buffer>) {
        entry.compressed += chunk.length;
        await this.raw(chunk);
      }
    })();
    // Awaited in end(); this only keeps an early failure from being reported as unhandled meanwhile.
    done.catch(() => undefined);
    this.current = { entry, deflate, done };
  }

  /** Appends to the current entry. */
  async write(data: Buffer): Promise<void> {
    const c = this.current!;
    c.entry.crc = crc32(data, c.entry.crc);
    c.entry.size += data.length;
    if (c.entry.size > MAX_ENTRY) throw this.tooLarge();
    if (!c.deflate.write(data)) await once(c.deflate, 'drain');
  }

  /** Closes the current entry (its data descriptor). */
  async end(): Promise<void> {
    const c = this.current!;
    c.deflate.end();
    await c.done;
    const d = Buffer.alloc(16);
    d.writeUInt32LE(0x08074b50, 0);
    d.writeUInt32LE(c.entry.crc >>> 0, 4);
    d.writeUInt32LE(c.entry.compressed, 8);
    d.writeUInt32LE(c.entry.size, 12);
    await this.raw(d);
    this.entries.push(c.entry);
    this.current = undefined;
  }

  /** A whole entry from text. */
  async file(name: string, content: string): Promise<void> {
    await this.begin(name);
    await this.write(Buffer.from(content, 'utf8'));
    await this.end();
  }

  /** Writes the central directory: the archive is complete. */
  async finish(): Promise<void> {
    const start = this.offset;
    for (const e of this.entries) {
      const h = Buffer.alloc(46);
      h.writeUInt32LE(0x02014b50, 0);
      h.writeUInt16LE(20, 4);
      h.writeUInt16LE(20, 6);
      h.writeUInt16LE(0x0808, 8);
      h.writeUInt16LE(8, 10);
      h.writeUInt16LE(DOS_TIME, 12);
      h.writeUInt16LE(DOS_DATE, 14);
      h.writeUInt32LE(e.crc >>> 0, 16);
      h.writeUInt32LE(e.compressed, 20);
      h.writeUInt32LE(e.size, 24);
      h.writeUInt16LE(e.name.length, 28);
      h.writeUInt32LE(e.offset, 42);
      await this.raw(Buffer.concat([h, e.name]));
    }
    const size = this.offset - start;
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.entries.length, 8);
    end.writeUInt16LE(this.entries.length, 10);
    end.writeUInt32LE(size, 12);
    end.writeUInt32LE(start, 16);
    await this.raw(end);
  }
}
