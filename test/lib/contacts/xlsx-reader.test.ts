import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ContactFileError, xlsxRows } from '../../../lib/contacts/parse';
import { isDateFormat, isoDateCell, xlsxSheetRows, XLSX_LIMITS, type XlsxLimits } from '../../../lib/contacts/xlsx-reader';
import { buildZip, collect, sheet, strings, styles, workbook, workbookParts, type WorkbookOptions } from './xlsx-fixtures';

const read = (file: Buffer, limits: XlsxLimits = XLSX_LIMITS) => collect(xlsxSheetRows(Readable.from([file]), limits));
const readCells = async (o: WorkbookOptions) => (await read(workbook(o))).map((r) => r.cells);
const DAMAGED = /cannot be read: it is damaged or not an Excel workbook/;

/** Resolves with the rows, or rejects with the error; fails the test when the reader takes longer than `ms` (a hang). */
async function settles(file: Buffer, limits: XlsxLimits = XLSX_LIMITS, ms = 5_000): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('the reader did not finish')), ms)));
  try {
    return await Promise.race([read(file, limits).then(() => 'rows', (error: unknown) => error), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const THREE_ROWS = sheet(
  '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>' +
    '<row r="2"><c r="A2"><v>4155550101</v></c><c r="B2" t="s"><v>2</v></c></row>' +
    '<row r="3"><c r="A3" t="inlineStr"><is><t>+1 415 555 0102</t></is></c><c r="B3" t="str"><v>Bob</v></c></row>',
);
const THREE_STRINGS = strings(['<t>phone</t>', '<t>name</t>', '<t>Ann</t>']);
const THREE_EXPECTED = [
  ['phone', 'name'],
  ['4155550101', 'Ann'],
  ['+1 415 555 0102', 'Bob'],
];

describe('xlsxSheetRows', () => {
  it('reports progress through the file while the sheet is read, not all at once when it is buffered', async () => {
    // Random digits compress poorly: the sheet's compressed data spans many 16 KB slices.
    let seed = 7;
    const digits = () => String((seed = (seed * 48271) % 2147483647)).padStart(10, '0');
    const rowsXml = Array.from({ length: 6000 }, (_, i) => `<row r="${i + 1}"><c r="A${i + 1}"><v>${digits()}</v></c><c r="B${i + 1}" t="inlineStr"><is><t>${digits()}</t></is></c></row>`).join('');
    for (const method of [0, 8] as const) {
      const file = workbook({ sheet: sheet(rowsXml), method });
      const seen: { bytes: number; rowsBefore: number }[] = [];
      let rows = 0;
      for await (const _ of xlsxSheetRows(Readable.from([file]), XLSX_LIMITS, (bytes) => seen.push({ bytes, rowsBefore: rows }))) rows++;
      expect(rows).toBe(6000);
      const bytes = seen.map((s) => s.bytes);
      expect(bytes, `method ${method}`).toEqual([...bytes].sort((a, b) => a - b));
      expect(bytes.at(-1)).toBe(file.length);
      // Reports come while rows are still coming out, spread over the read, not one jump to the end.
      const midway = seen.filter((s) => s.rowsBefore > 1000 && s.rowsBefore < 5000);
      expect(midway.length, `method ${method}`).toBeGreaterThan(2);
      expect(midway.every((s) => s.bytes > 0 && s.bytes < file.length)).toBe(true);
    }
  });

  it('reads stored and deflated entries, with and without data descriptors, sheet before or after sharedStrings', async () => {
    for (const method of [0, 8] as const) {
      for (const descriptor of [false, true]) {
        for (const stringsFirst of [false, true]) {
          expect(await readCells({ sheet: THREE_ROWS, strings: THREE_STRINGS, method, descriptor, stringsFirst }), `method ${method} descriptor ${descriptor}`).toEqual(THREE_EXPECTED);
        }
      }
    }
  });

  it('finds the first sheet in workbook order through relative, absolute and dotted relationship targets', async () => {
    const rels = (target1: string, target2: string) =>
      `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rA" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="${target1}"/><Relationship Id="rB" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="${target2}"/></Relationships>`;
    // The workbook lists "second.xml" first: that is the first worksheet, whatever the zip order or file names.
    const wb = '<workbook xmlns:r="r"><sheets><sheet name="Contacts" sheetId="2" r:id="rB"/><sheet name="Old" sheetId="1" r:id="rA"/></sheets></workbook>';
    const extra = [{ name: 'xl/worksheets/second.xml', data: sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>right</t></is></c></row>') }];
    const first = sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>wrong</t></is></c></row>');
    for (const target of ['worksheets/second.xml', '/xl/worksheets/second.xml', './worksheets/../worksheets/second.xml', 'WORKSHEETS/Second.xml']) {
      expect(await readCells({ sheet: first, workbook: wb, workbookRels: rels('worksheets/sheet1.xml', target), extra }), target).toEqual([['right']]);
    }
  });

  it('follows the package relationships to a workbook that is not at xl/workbook.xml', async () => {
    const parts = workbookParts({ sheet: THREE_ROWS, strings: THREE_STRINGS }).map((p) =>
      p.name === 'xl/workbook.xml' ? { ...p, name: 'xl/book.xml' } : p.name === 'xl/_rels/workbook.xml.rels' ? { ...p, name: 'xl/_rels/book.xml.rels' } : p,
    );
    parts[1] = { name: '_rels/.rels', data: '<Relationships><Relationship Id="x" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/xl/book.xml"/></Relationships>' };
    expect((await read(buildZip(parts))).map((r) => r.cells)).toEqual(THREE_EXPECTED);
  });

  it('joins rich text runs and leaves out phonetic runs, keeping spaces, entities and Excel escapes', async () => {
    const items = [
      '<r><rPr><b/></rPr><t>山田</t></r><r><t xml:space="preserve"> 太郎</t></r><rPh sb="0" eb="2"><t>ヤマダ</t></rPh><phoneticPr fontId="1"/>',
      '<t>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos; &#x1F600; &#20013;</t>',
      '<t>line_x000D_\r\nbreak _x005F_x0041_ tab&#9;end</t>',
      '<t><![CDATA[<raw & kept>]]></t>',
      '<t/>',
    ];
    const cells = sheet(`<row r="1">${items.map((_, i) => `<c t="s"><v>${i}</v></c>`).join('')}</row>`);
    expect(await readCells({ sheet: cells, strings: strings(items) })).toEqual([['山田 太郎', 'a & b <c> "d" \'e\' 😀 中', 'line\r\nbreak _x0041_ tab\tend', '<raw & kept>']]);
  });

  it('reads every cell type: numbers with all digits, booleans, errors, formula results, inline rich text, ISO dates', async () => {
    const row =
      '<row r="1">' +
      '<c r="A1"><v>138001380001234</v></c>' +
      '<c r="B1" t="n"><v>12.5</v></c>' +
      '<c r="C1"><v>1.5E+3</v></c>' +
      '<c r="D1" t="b"><v>1</v></c>' +
      '<c r="E1" t="b"><v>0</v></c>' +
      '<c r="F1" t="e"><v>#N/A</v></c>' +
      '<c r="G1" t="str"><f>A1&amp;"x"</f><v>calc</v></c>' +
      '<c r="H1" t="inlineStr"><is><r><t>in</t></r><r><t>line</t></r><rPh><t>x</t></rPh></is></c>' +
      '<c r="I1" t="d"><v>2026-12-07T09:30:00</v></c>' +
      '<c r="J1"><f>1+1</f></c>' +
      '<c r="K1"><v>-0.25</v></c>' +
      '<c r="L1"><v>007</v></c>' +
      '</row>';
    expect(await readCells({ sheet: sheet(row) })).toEqual([['138001380001234', '12.5', '1500', 'true', 'false', '', 'calc', 'inline', '2026-12-07T09:30', '', '-0.25', '7']]);
  });

  it('keeps column positions across gaps, places cells and rows without r after the previous one, and skips blank rows', async () => {
    const rows =
      // A styled cell without a value (F2) does not widen its row.
      '<row r="2"><c r="A2" t="inlineStr"><is><t>a</t></is></c><c r="D2"><v>4</v></c><c r="F2" s="0"/></row>' +
      '<row r="3"><c r="B3" s="0"/><c r="C3" t="inlineStr"><is><t>  </t></is></c></row>' +
      '<row><c t="inlineStr"><is><t>x</t></is></c><c><v>2</v></c><c r="E5"><v>5</v></c><c><v>6</v></c></row>' +
      '<row r="9" spans="1:3"></row>' +
      '<row r="10"><c r="C10"><v>3</v></c></row>';
    expect(await read(workbook({ sheet: sheet(rows) }))).toEqual([
      { row: 2, cells: ['a', '', '', '4'] },
      { row: 4, cells: ['x', '2', '', '', '5', '6'] },
      { row: 10, cells: ['', '', '3'] },
    ]);
  });

  it('turns numbers with date or time formats into ISO dates, built-in and custom, in the 1900 and 1904 systems', async () => {
    const formats = [0, 14, 22, 31, 47, 57, 49, 2, 'yyyy-mm-dd', 'dd/mm/yyyy hh:mm:ss', '[h]:mm', '"h"0.00', '[Red]#,##0', '0.00E+00', 'General', '#,##0 \\d'];
    const row = `<row r="1">${formats.map((_, s) => `<c s="${s}"><v>46363.5</v></c>`).join('')}</row>`;
    const day = '2026-12-07T12:00';
    expect(await readCells({ sheet: sheet(row), styles: styles(formats) })).toEqual([['46363.5', day, day, day, day, day, '46363.5', '46363.5', day, day, day, '46363.5', '46363.5', '46363.5', '46363.5', '46363.5']]);
    const dates = sheet('<row r="1"><c s="1"><v>0</v></c><c s="1"><v>45266</v></c></row>');
    expect(await readCells({ sheet: dates, styles: styles([0, 14]), workbookPr: 'date1904="1"' })).toEqual([['1904-01-01', '2027-12-07']]);
    expect(await readCells({ sheet: dates, styles: styles([0, 14]), workbookPr: 'date1904="false"' })).toEqual([['1899-12-30', '2023-12-06']]);
  });

  it('reads prefixed element names, UTF-16 parts, comments and processing instructions', async () => {
    const prefixed = '<?xml version="1.0"?><!-- made by a .NET tool --><x:worksheet xmlns:x="urn:x"><x:sheetData><x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>ok</x:t></x:is></x:c></x:row></x:sheetData></x:worksheet>';
    expect(await readCells({ sheet: prefixed })).toEqual([['ok']]);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(sheet('<row r="1"><c t="inlineStr"><is><t>张三</t></is></c></row>'), 'utf16le')]);
    expect((await read(buildZip([...workbookParts({ sheet: '' }).filter((p) => !p.name.includes('sheet1')), { name: 'xl/worksheets/sheet1.xml', data: utf16 }]))).map((r) => r.cells)).toEqual([['张三']]);
  });

  it('stops when the consumer stops: return() after the first row ends the reader without reading the rest', async () => {
    const many = sheet(Array.from({ length: 20_000 }, (_, i) => `<row r="${i + 1}"><c t="inlineStr"><is><t>row ${i + 1} ${'x'.repeat(40)}</t></is></c></row>`).join(''));
    const rows = xlsxSheetRows(Readable.from([workbook({ sheet: many })]));
    const first = await rows.next();
    expect(first.value).toEqual({ row: 1, cells: [`row 1 ${'x'.repeat(40)}`] });
    await rows.return(undefined);
    expect((await rows.next()).done).toBe(true);
  });

  it('skips long text it does not read without holding it, and refuses a cell text longer than 1 MB characters', async () => {
    const unread = sheet(`${'x'.repeat(3 << 20)}<row r="1"><c t="inlineStr"><is><t>ok</t></is></c></row>`);
    expect(await readCells({ sheet: unread })).toEqual([['ok']]);
    const long = sheet(`<row r="1"><c t="inlineStr"><is><t>${'y'.repeat(2 << 20)}</t></is></c></row>`);
    await expect(read(workbook({ sheet: long }))).rejects.toThrow(DAMAGED);
  });

  it('names a workbook without a worksheet, and refuses damaged zips and malformed XML with ContactFileError', async () => {
    const noSheets = workbook({ sheet: THREE_ROWS, workbook: '<workbook><sheets/></workbook>' });
    await expect(read(noSheets)).rejects.toThrow('the .xlsx workbook has no worksheet');
    const notAWorkbook = buildZip([{ name: 'word/document.xml', data: '<w:document/>' }]);
    await expect(read(notAWorkbook)).rejects.toThrow('the .xlsx workbook has no worksheet');
    const good = workbook({ sheet: THREE_ROWS, strings: THREE_STRINGS });
    for (const damagedFile of [
      good.subarray(0, good.length - 30), // truncated: no end of central directory
      good.subarray(0, 200),
      Buffer.from('PK\u0003\u0004 not really a zip'),
      workbook({ sheet: sheet('<row r="1"><c t="inlineStr"><is><t>open') }),
      workbook({ sheet: sheet('<row r="1"></c></row>') }),
      workbook({ sheet: '<!DOCTYPE x [<!ENTITY a "aaaa">]><worksheet><sheetData/></worksheet>' }),
      workbook({ sheet: sheet('<row r="1"><c r="ZZZZ1"><v>1</v></c></row>') }),
      workbook({ sheet: sheet('<row r="1"><c r=A1><v>1</v></c></row>') }),
      workbook({ sheet: sheet('') + '<second-root/>' }),
      workbook({ sheet: THREE_ROWS, strings: '<sst><si><t>unclosed</si></sst>' }),
      workbook({ sheet: THREE_ROWS, workbookRels: '<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="missing.xml"/></Relationships>' }),
    ]) {
      const error = await settles(damagedFile);
      expect(error).toBeInstanceOf(ContactFileError);
      expect((error as Error).message).toMatch(DAMAGED);
    }
  });

  it('refuses zip bombs with a clear message before inflating past the limit, and stops a lying size at the declared one', async () => {
    const limits = { fileBytes: 1 << 20, partBytes: 1 << 20, sheetBytes: 4 << 20 };
    const huge = sheet(`<row r="1"><c t="inlineStr"><is><t>${'a'.repeat(8 << 20)}</t></is></c></row>`);
    const bomb = workbook({ sheet: huge });
    expect(bomb.length).toBeLessThan(limits.fileBytes); // ≈ 8 KB compressed, 8 MB inflated
    await expect(read(bomb, limits)).rejects.toThrow(/too large to read: its worksheet would be more than 4 MB uncompressed/);
    const stringsBomb = workbook({ sheet: THREE_ROWS, strings: strings([`<t>${'b'.repeat(2 << 20)}</t>`]) });
    await expect(read(stringsBomb, limits)).rejects.toThrow(/its shared strings would be more than 1 MB/);
    // Headers that claim 1 KB for 8 MB of data: inflating stops at 1 KB, as damage.
    const lying = buildZip(workbookParts({ sheet: huge }).map((p) => (p.name.endsWith('sheet1.xml') ? { ...p, declaredSize: 1024 } : p)));
    await expect(read(lying, limits)).rejects.toThrow(DAMAGED);
    const lyingStrings = buildZip(workbookParts({ sheet: THREE_ROWS, strings: strings([`<t>${'b'.repeat(2 << 20)}</t>`]) }).map((p) => (p.name.endsWith('sharedStrings.xml') ? { ...p, declaredSize: 100 } : p)));
    await expect(read(lyingStrings, limits)).rejects.toThrow(DAMAGED);
    await expect(read(Buffer.alloc(2 << 20, 1), limits)).rejects.toThrow('the .xlsx file is larger than 1 MB; split it into smaller files or save it as .csv');
  });

  it('never throws anything but ContactFileError, and always finishes, when zip bytes are corrupted', async () => {
    const files = [workbook({ sheet: THREE_ROWS, strings: THREE_STRINGS, styles: styles([0, 14]) }), workbook({ sheet: THREE_ROWS, strings: THREE_STRINGS, method: 0, descriptor: true })];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...files),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 12 }),
        fc.option(fc.nat(), { nil: undefined }),
        async (file, flips, cut) => {
          const bytes = Buffer.from(file);
          for (const [at, value] of flips) bytes[at % bytes.length] = value;
          const outcome = await settles(cut === undefined ? bytes : bytes.subarray(0, cut % bytes.length));
          expect(outcome === 'rows' || outcome instanceof ContactFileError, String(outcome)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws anything but ContactFileError, and always finishes, when the XML inside a valid zip is mangled', async () => {
    const parts = { sheet: THREE_ROWS, strings: THREE_STRINGS, styles: styles([0, 14, 'yyyy-mm-dd']) };
    const wbXml = workbookParts({ sheet: '' }).find((p) => p.name === 'xl/workbook.xml')!.data as string;
    const pieces = ['<', '>', '/>', '</c>', '<c r="B', '"', "'", '&', '&#x', '&#99999999;', ']]>', '<![CDATA[', '<!--', '<?', '\u0000', 'r="', ' t="s"', '<v>', '99', '<row>', '</row>', 'x:'];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('sheet' as const, 'strings' as const, 'styles' as const, 'workbook' as const),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom(...pieces)), { minLength: 1, maxLength: 6 }),
        async (which, edits) => {
          let xml = which === 'workbook' ? wbXml : parts[which];
          for (const [at, cut, piece] of edits) {
            const i = at % (xml.length + 1);
            xml = xml.slice(0, i) + piece + xml.slice(i + (cut % 4));
          }
          const outcome = await settles(workbook({ sheet: parts.sheet, strings: parts.strings, styles: parts.styles, [which]: xml }));
          expect(outcome === 'rows' || outcome instanceof ContactFileError, String(outcome)).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('isDateFormat', () => {
  it('sees date and time codes only outside quotes, brackets and escapes', () => {
    for (const code of ['yyyy-mm-dd', 'd-mmm-yy', 'h:mm AM/PM', '[h]:mm:ss', 'YYYY/MM/DD', '[$-409]mmmm d, yyyy', 'yyyy"年"m"月"d"日"', 'mm:ss.0', '[h]', '[ss]', '[Red][h]:mm']) expect(isDateFormat(code), code).toBe(true);
    for (const code of ['General', '0.00', '#,##0', '"h"0', '[Red]#,##0;[Blue]-#,##0', '0.00E+00', '@', '#,##0 \\d\\a\\y\\s', '0_);(0)', '"Monday"0', '* #,##0']) expect(isDateFormat(code), code).toBe(false);
  });
});

describe('isoDateCell', () => {
  it('gives the day, the minute or the second as the cell has them, and empty text for an invalid date instead of throwing', () => {
    expect(isoDateCell(new Date(Date.UTC(2026, 11, 7)))).toBe('2026-12-07');
    expect(isoDateCell(new Date(Date.UTC(2026, 11, 7, 9, 30)))).toBe('2026-12-07T09:30');
    expect(isoDateCell(new Date(Date.UTC(2026, 11, 7, 9, 30, 5)))).toBe('2026-12-07T09:30:05');
    expect(isoDateCell(new Date(Number.NaN))).toBe('');
  });
});

describe('xlsxRows', () => {
  it('names an empty file, an .xls and a non-zip before reading, and passes workbooks to the reader', async () => {
    await expect(collect(xlsxRows(Readable.from([Buffer.alloc(0)])))).rejects.toThrow('the file is empty');
    await expect(collect(xlsxRows(Readable.from([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 1, 2, 3, 4])])))).rejects.toThrow(/old Excel 97–2003 \(\.xls\)/);
    await expect(collect(xlsxRows(Readable.from([Buffer.from('phone\n1\n')])))).rejects.toThrow(/not an \.xlsx workbook/);
    // The file arrives in small chunks, as from S3.
    const file = workbook({ sheet: THREE_ROWS, strings: THREE_STRINGS });
    const chunks = Array.from({ length: Math.ceil(file.length / 7) }, (_, i) => file.subarray(i * 7, i * 7 + 7));
    expect((await collect(xlsxRows(Readable.from(chunks)))).map((r) => r.cells)).toEqual(THREE_EXPECTED);
  });

});
