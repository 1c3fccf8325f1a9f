/**
 * Streamed spreadsheet writers for exports (SPEC R6): CSV and XLSX, row by row into a byte stream
 * with backpressure, so memory stays flat at a million rows. The XLSX writer streams the zip format
 * itself (deflated entries with data descriptors, inline strings, no shared-strings table), which
 * keeps it fast and its memory independent of the row count; exceljs reads the result back in tests.
 * Text cells that a spreadsheet would run as a formula (`= + - @`, tab, carriage return) are
 * neutralised with a leading apostrophe (OWASP "CSV injection").
 */
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { columnName, textElement, workbookParts, xmlEscape, ZipStream } from '../core/ooxml';
import { ResultsError } from './aggregate';

/** A cell: text, a number, or empty. */
export type Cell = string | number | null | undefined;

/** First characters of such text, as char codes (the hot path checks one character). */
const FORMULA_FIRST = new Set([...'=+-@\t\r'].map((c) => c.charCodeAt(0)));

/** Neutralises text a spreadsheet would run as a formula by prefixing an apostrophe. */
export function neutralise(text: string): string {
  return text.length > 0 && FORMULA_FIRST.has(text.charCodeAt(0)) ? `'${text}` : text;
}

/** Bytes buffered before they are handed to the stream. */
const CHUNK = 256 * 1024;

/** Common part: a byte stream with backpressure. */
abstract class StreamedWriter {
  /** The output; hand it to a consumer (e.g. `Blobs.put`) before writing. */
  readonly stream = new PassThrough({ highWaterMark: 1 << 20 });
  /** Bytes written to `stream` so far. */
  bytes = 0;

  protected async push(chunk: Buffer): Promise<void> {
    if (chunk.length === 0) return;
    this.bytes += chunk.length;
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  /** Ends the stream after an error, so the consumer stops. */
  abort(error: Error): void {
    this.stream.destroy(error);
  }
}

/** CSV (RFC 4180, UTF-8 with a byte-order mark so spreadsheet programs read Chinese text right). */
export class CsvWriter extends StreamedWriter {
  private buf = '\uFEFF';
  rows = 0;

  /** Writes the header row. */
  async header(columns: readonly string[]): Promise<void> {
    await this.row(columns);
    this.rows -= 1;
  }

  /** Writes one row; returns a promise only when the output is full and the caller must wait for it. */
  row(cells: readonly Cell[]): Promise<void> | undefined {
    let line = '';
    for (let i = 0; i < cells.length; i++) {
      if (i) line += ',';
      line += csvField(cells[i]);
    }
    this.buf += line + '\r\n';
    this.rows += 1;
    return this.buf.length >= CHUNK ? this.flush() : undefined;
  }

  private async flush(): Promise<void> {
    const out = Buffer.from(this.buf, 'utf8');
    this.buf = '';
    await this.push(out);
  }

  /** Flushes and ends the stream. */
  async end(): Promise<void> {
    await this.flush();
    this.stream.end();
  }
}

const NEEDS_QUOTES = /[",\r\n]/;

function csvField(cell: Cell): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : '';
  if (cell.length === 0) return '';
  const text = FORMULA_FIRST.has(cell.charCodeAt(0)) ? `'${cell}` : cell;
  const padded = text.charCodeAt(0) === 32 || text.charCodeAt(text.length - 1) === 32;
  return padded || NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

// ---- XLSX ----

/** Rows per worksheet (Excel's limit is 1,048,576 including the header); longer sheets continue in "name (2)". */
export const XLSX_MAX_ROWS = 1_048_575;
/** Longest text Excel keeps in a cell. */
const MAX_CELL_TEXT = 32_767;

/** Cell text as XML, cut to what a cell holds. */
function xmlText(text: string): string {
  return xmlEscape(text.length > MAX_CELL_TEXT ? text.slice(0, MAX_CELL_TEXT) : text);
}

const COLUMN_NAMES = Array.from({ length: 256 }, (_, i) => columnName(i));
const col = (i: number) => COLUMN_NAMES[i] ?? columnName(i);

/** A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`, unique in the workbook. */
function sheetName(wanted: string, taken: Set<string>): string {
  const base = (wanted.replace(/[[\]:*?/\\]/g, ' ').trim() || 'Sheet').slice(0, 31);
  let name = base;
  for (let i = 2; taken.has(name.toLowerCase()); i++) name = `${base.slice(0, 31 - ` (${i})`.length)} (${i})`;
  taken.add(name.toLowerCase());
  return name;
}

const STYLES = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>`;

/**
 * XLSX, one worksheet after another. `sheet()` starts a worksheet with its header row, `row()`
 * appends, `end()` writes the workbook parts and ends the stream.
 */
export class XlsxWriter extends StreamedWriter {
  private readonly zip = new ZipStream(
    (b) => this.push(b),
    () => new ResultsError('ExportTooLarge', 'a workbook sheet would exceed 4 GB; export fewer rows or use CSV', 400),
  );
  private readonly names: string[] = [];
  private readonly taken = new Set<string>();
  private open?: { name: string; header: readonly string[]; rows: number };
  private buf = '';
  /** Data rows written, all sheets. */
  rows = 0;

  /** Starts a worksheet (closing the previous one) with a bold, frozen header row. */
  async sheet(name: string, header: readonly string[], widths: readonly number[] = []): Promise<void> {
    await this.closeSheet();
    const unique = sheetName(name, this.taken);
    this.names.push(unique);
    await this.zip.begin(`xl/worksheets/sheet${this.names.length}.xml`);
    const cols = header.map((_, i) => `<col min="${i + 1}" max="${i + 1}" width="${widths[i] ?? 18}" customWidth="1"/>`).join('');
    this.buf =
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' +
      '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>' +
      (cols ? `<cols>${cols}</cols>` : '') +
      '<sheetData>';
    this.open = { name, header, rows: 0 };
    this.buf += this.rowXml(header, 1);
  }

  /** Appends a row to the current worksheet (past Excel's row limit it continues in a new one); returns a promise only when the caller must wait. */
  row(cells: readonly Cell[]): Promise<void> | undefined {
    const s = this.open;
    if (!s) throw new ResultsError('NoSheet', 'start a sheet before writing rows', 500);
    if (s.rows >= XLSX_MAX_ROWS) return this.sheet(s.name, s.header).then(() => this.row(cells));
    s.rows += 1;
    this.rows += 1;
    this.buf += this.rowXml(cells, s.rows + 1);
    return this.buf.length >= CHUNK ? this.flush() : undefined;
  }

  private rowXml(cells: readonly Cell[], r: number): string {
    const s = r === 1 ? ' s="1"' : '';
    let x = `<row r="${r}">`;
    for (let i = 0; i < cells.length; i++) {
      const c = cells[i];
      if (c === null || c === undefined || c === '') continue;
      if (typeof c === 'number') {
        if (Number.isFinite(c)) x += `<c r="${col(i)}${r}"${s}><v>${c}</v></c>`;
      } else {
        x += `<c r="${col(i)}${r}"${s} t="inlineStr"><is>${textElement(xmlText(neutralise(c)))}</is></c>`;
      }
    }
    return x + '</row>';
  }

  private async flush(): Promise<void> {
    if (!this.buf) return;
    const out = Buffer.from(this.buf, 'utf8');
    this.buf = '';
    await this.zip.write(out);
  }

  private async closeSheet(): Promise<void> {
    if (!this.open) return;
    this.buf += '</sheetData></worksheet>';
    await this.flush();
    await this.zip.end();
    this.open = undefined;
  }

  /** Writes the workbook parts and ends the stream. */
  async end(): Promise<void> {
    if (this.names.length === 0) await this.sheet('Sheet1', []);
    await this.closeSheet();
    for (const [name, xml] of workbookParts(this.names)) await this.zip.file(name, xml);
    await this.zip.file('xl/styles.xml', STYLES);
    await this.zip.finish();
    this.stream.end();
  }
}
