import { Readable } from 'node:stream';
import { parse as csvParse } from 'csv-parse';
import { ContactFileError } from './file-error';
import { xlsxSheetRows } from './xlsx-reader';
import { expectOnly } from '../core/errors';

export { ContactFileError } from './file-error';
export { isoDateCell } from './xlsx-reader';

/**
 * Streaming readers of contact files (SPEC C4): rows come out one at a time, so a 1,000,000-row
 * file is never held in memory; back-pressure comes from the consumer's `for await`.
 * What real users send is sniffed from the bytes, not trusted from labels: an .xlsx is a zip
 * (`PK`) whatever its content type; a CSV may be UTF-8 or GBK/GB18030 (what Excel saves in China),
 * or UTF-16 ("Unicode text"), delimited by commas, semicolons (European Excel) or tabs.
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
  if (s.includes('csv') || s.endsWith('.csv') || s.endsWith('.txt') || s.startsWith('text/plain') || s.includes('tab-separated')) return 'csv';
  return undefined;
}

/** The format the first bytes show: a zip (`PK\x03\x04`) is an .xlsx, anything else is read as CSV. */
export function sniffFormat(head: Uint8Array): ContactFileFormat {
  return head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04 ? 'xlsx' : 'csv';
}

type ByteSource = AsyncIterable<Uint8Array> | Readable;

/** Reads the first `min` bytes of a source; returns them and a source that replays them before the rest. */
async function peek(source: ByteSource, min: number): Promise<{ head: Uint8Array; source: AsyncIterable<Uint8Array> }> {
  const iterator = (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  const parts: Uint8Array[] = [];
  let size = 0;
  let done = false;
  while (size < min) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    parts.push(chunk);
    size += chunk.byteLength;
  }
  const head = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  return {
    head,
    source: (async function* () {
      if (head.byteLength > 0) yield head;
      if (done) return;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    })(),
  };
}

/** Text encodings of CSV files. */
export type CsvEncoding = 'utf-8' | 'gb18030' | 'utf-16le' | 'utf-16be';

/**
 * The encoding of a CSV from its first bytes: a BOM decides; otherwise bytes that are not valid UTF-8
 * are GB18030 (a superset of GBK and GB2312, what Excel and WPS save in China).
 */
export function sniffEncoding(head: Uint8Array): CsvEncoding {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  try {
    // `stream: true`: a character cut at the end of the sample is not an error.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return 'utf-8';
  } catch (error) {
    expectOnly(error, TypeError); // not UTF-8
    return 'gb18030';
  }
}

/** The delimiter of a CSV from its first line: the most frequent of `,` `;` tab `|` outside quotes (`,` on a tie or none). */
export function sniffDelimiter(text: string): string {
  const counts: Record<string, number> = { ',': 0, ';': 0, '\t': 0, '|': 0 };
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && ch in counts) counts[ch]!++;
  }
  let best = ',';
  for (const d of [';', '\t', '|']) if (counts[d]! > counts[best]!) best = d;
  return best;
}

const SNIFF_BYTES = 64 * 1024;

/** Rows of a CSV file (BOM, quotes and ragged rows tolerated; encoding and delimiter sniffed). */
export async function* csvRows(source: ByteSource): AsyncGenerator<RawRow> {
  const peeked = await peek(source, SNIFF_BYTES);
  const { head } = peeked;
  if (sniffFormat(head) === 'xlsx') throw new ContactFileError('the file is an .xlsx workbook, not CSV text');
  const encoding = sniffEncoding(head);
  if (encoding === 'utf-8' && looksBinary(head)) throw new ContactFileError('the file is not CSV text (it holds binary data); send a .csv or .xlsx file');
  const sample = new TextDecoder(encoding).decode(head.subarray(0, 4096));
  const delimiter = sniffDelimiter(sample.replace(/^\uFEFF/, ''));
  // UTF-8 goes to the parser as bytes (it decodes them itself); other encodings are decoded first.
  const text: AsyncIterable<Uint8Array | string> =
    encoding === 'utf-8'
      ? peeked.source
      : (async function* () {
          const decoder = new TextDecoder(encoding);
          for await (const chunk of peeked.source) yield decoder.decode(chunk, { stream: true });
          const rest = decoder.decode();
          if (rest) yield rest;
        })();
  const parser = Readable.from(text, { objectMode: false }).pipe(
    csvParse({ bom: true, delimiter, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, trim: true, info: true }),
  );
  try {
    for await (const record of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      yield { row: record.info.lines, cells: record.record };
    }
  } catch (error) {
    if (error instanceof ContactFileError) throw error;
    const line = (error as { lines?: number }).lines;
    throw new ContactFileError(`the CSV cannot be read${line ? ` at line ${line}` : ''}: ${csvProblem(error)}`, error);
  }
}

/** NUL bytes or many control characters: not a text file. */
function looksBinary(head: Uint8Array): boolean {
  let control = 0;
  const n = Math.min(head.byteLength, 4096);
  for (let i = 0; i < n; i++) {
    const b = head[i]!;
    if (b === 0) return true;
    if (b < 0x09 || (b > 0x0d && b < 0x20)) control++;
  }
  return n > 0 && control / n > 0.1;
}

function csvProblem(error: unknown): string {
  const code = (error as { code?: string }).code ?? '';
  if (code.includes('QUOTE')) return 'a quoted cell is not closed';
  if (code.includes('RECORD_INCONSISTENT')) return 'rows have different numbers of columns';
  return 'its text is not valid CSV';
}

/**
 * Rows of the first worksheet of an .xlsx file, read by the in-house streaming reader
 * (`./xlsx-reader.ts`): date-formatted cells arrive as ISO dates, not as Excel serial numbers, and
 * numbers keep all their digits.
 */
export async function* xlsxRows(source: ByteSource, progress?: (bytesDone: number) => void): AsyncGenerator<RawRow> {
  const peeked = await peek(source, 8);
  const { head } = peeked;
  if (head.byteLength === 0) throw new ContactFileError('the file is empty');
  if (head[0] === 0xd0 && head[1] === 0xcf && head[2] === 0x11 && head[3] === 0xe0) {
    throw new ContactFileError('the file is an old Excel 97–2003 (.xls) workbook; save it as .xlsx or .csv');
  }
  if (sniffFormat(head) !== 'xlsx') throw new ContactFileError('the file is not an .xlsx workbook (an .xlsx file is a zip archive)');
  yield* xlsxSheetRows(peeked.source, undefined, progress);
}

/**
 * Rows of a file: the bytes decide between .xlsx and CSV, whatever `format` (a label) says.
 * `progress` (import progress on large uploads) hears how many of the file's bytes are done: for a CSV
 * the bytes read so far; for an .xlsx, which is buffered whole first, the file's share of the
 * worksheet read so far (see `xlsxSheetRows`).
 */
export async function* fileRows(format: ContactFileFormat | undefined, source: ByteSource, progress?: (bytesDone: number) => void): AsyncGenerator<RawRow> {
  const peeked = await peek(source, 4);
  const { head } = peeked;
  const ole = head[0] === 0xd0 && head[1] === 0xcf && head[2] === 0x11 && head[3] === 0xe0; // .xls, whatever its name
  const actual = sniffFormat(head) === 'xlsx' || ole || format === 'xlsx' ? 'xlsx' : 'csv';
  yield* actual === 'xlsx' ? xlsxRows(peeked.source, progress) : csvRows(progress ? counting(peeked.source, progress) : peeked.source);
}

/** A source that reports the running total of bytes taken from it. */
function counting(source: AsyncIterable<Uint8Array>, progress: (bytesDone: number) => void): AsyncIterable<Uint8Array> {
  return (async function* () {
    let total = 0;
    for await (const chunk of source) {
      total += chunk.byteLength;
      progress(total);
      yield chunk;
    }
  })();
}
