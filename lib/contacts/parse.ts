import { Readable } from 'node:stream';
import { parse as csvParse } from 'csv-parse';
import ExcelJS from 'exceljs';

/**
 * Streaming readers of contact files (SPEC C4): rows come out one at a time, so a 1,000,000-row
 * file is never held in memory; back-pressure comes from the consumer's `for await`.
 */

/** One row of a file: 1-based row number as a spreadsheet shows it, cells as strings. */
export interface RawRow {
  row: number;
  cells: string[];
}

/** File formats accepted for contacts. */
export type ContactFileFormat = 'csv' | 'xlsx';

/** Guesses the format from a content type or file name. */
export function formatOf(contentTypeOrName: string): ContactFileFormat | undefined {
  const s = contentTypeOrName.toLowerCase();
  if (s.includes('spreadsheetml') || s.endsWith('.xlsx') || s.includes('excel')) return 'xlsx';
  if (s.includes('csv') || s.endsWith('.csv') || s.startsWith('text/plain')) return 'csv';
  return undefined;
}

type ByteSource = AsyncIterable<Uint8Array> | Readable;

const toReadable = (source: ByteSource): Readable => (source instanceof Readable ? source : Readable.from(source, { objectMode: false }));

/** Rows of a CSV file (BOM, quotes and ragged rows tolerated). */
export async function* csvRows(source: ByteSource): AsyncGenerator<RawRow> {
  const parser = toReadable(source).pipe(
    csvParse({ bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, trim: true, info: true }),
  );
  for await (const record of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    yield { row: record.info.lines, cells: record.record };
  }
}

/** A cell value from exceljs as text; numbers keep all their digits (phone numbers stored as numbers). */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? value.toFixed(0) : String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    const v = value as { text?: unknown; richText?: { text: string }[]; result?: unknown; hyperlink?: string };
    if (Array.isArray(v.richText)) return v.richText.map((r) => r.text).join('');
    if (v.text !== undefined) return cellText(v.text);
    if (v.result !== undefined) return cellText(v.result);
  }
  return String(value);
}

/** Rows of the first worksheet of an .xlsx file, read with exceljs's streaming WorkbookReader. */
export async function* xlsxRows(source: ByteSource): AsyncGenerator<RawRow> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(toReadable(source), {
    entries: 'emit',
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    worksheets: 'emit',
  });
  for await (const worksheet of reader) {
    for await (const row of worksheet as AsyncIterable<ExcelJS.Row>) {
      const values = row.values as unknown[];
      const cells: string[] = [];
      // exceljs row values are 1-based (index 0 is empty).
      for (let i = 1; i < values.length; i++) cells.push(cellText(values[i]).trim());
      if (cells.every((c) => c === '')) continue;
      yield { row: row.number, cells };
    }
    // Only the first worksheet holds contacts; the rest of the file is not read.
    break;
  }
}

/** Rows of a file in either format. */
export function fileRows(format: ContactFileFormat, source: ByteSource): AsyncGenerator<RawRow> {
  return format === 'xlsx' ? xlsxRows(source) : csvRows(source);
}

/** Counts bytes flowing through a source (import progress on large uploads). */
export function countingSource(source: AsyncIterable<Uint8Array>, onBytes: (n: number) => void): AsyncIterable<Uint8Array> {
  return (async function* () {
    for await (const chunk of source) {
      onBytes(chunk.byteLength);
      yield chunk;
    }
  })();
}
