import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { columnMap, splitManualNumbers, toE164, validateRow } from '../../../lib/contacts/normalize';
import { ContactFileError, csvRows, fileRows, isoDateCell, sniffDelimiter, sniffEncoding, xlsxRows } from '../../../lib/contacts/parse';
import fc from 'fast-check';
import { csvTemplate, xlsxTemplate } from '../../../lib/contacts/template';

const collect = async <T>(it: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

describe('contact files', () => {
  it('streams CSV rows with spreadsheet row numbers, tolerating a BOM and quotes', async () => {
    const rows = await collect(csvRows(Readable.from([Buffer.from('\uFEFFphone,name\n"+1 415 555 0101","Doe, Jane"\n\n4155550102,Bob\n')])));
    expect(rows).toEqual([
      { row: 1, cells: ['phone', 'name'] },
      { row: 2, cells: ['+1 415 555 0101', 'Doe, Jane'] },
      { row: 4, cells: ['4155550102', 'Bob'] },
    ]);
  });

  it('streams xlsx rows and keeps every digit of numbers stored as numbers', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('s');
    ws.addRow(['手机号码', '姓名', 'amount']);
    ws.addRow([13800138000, '张三', 12.5]);
    const buf = Buffer.from(await wb.xlsx.writeBuffer());
    const rows = await collect(xlsxRows(Readable.from([buf])));
    expect(rows).toEqual([
      { row: 1, cells: ['手机号码', '姓名', 'amount'] },
      { row: 2, cells: ['13800138000', '张三', '12.5'] },
    ]);
    const map = columnMap(rows[0]!.cells);
    expect(validateRow(rows[1]!.cells, map, { defaultRegion: 'CN', requiredVariables: ['amount'] })).toEqual({
      ok: true,
      contact: { phone: '+8613800138000', name: '张三', variables: { amount: '12.5' } },
    });
  });

  it('normalises numbers to E.164 with the default region and rejects non-numbers', () => {
    expect(toE164('(415) 555-0101', 'US')).toBe('+14155550101');
    expect(toE164('0044 20 7123 4567', 'US')).toBe('+442071234567');
    expect(toE164('12', 'US')).toBeUndefined();
    expect(splitManualNumbers('1; 2\n3 4,5')).toEqual(['1', '2', '3', '4', '5']);
  });

  it('produces templates whose header round-trips through the parsers', async () => {
    const csv = await collect(csvRows(Readable.from([Buffer.from(csvTemplate(['amount']))])));
    expect(csv[0]!.cells).toEqual(['phone', 'name', 'honorific', 'referenceId', 'amount']);
    const xlsx = await collect(xlsxRows(Readable.from([await xlsxTemplate(['amount'])])));
    expect(xlsx[1]!.cells[0]).toBe('+14155550100');
  });

  it('detects GB18030/GBK, UTF-16 and UTF-8 text from the bytes', async () => {
    const gbk = Buffer.from([...Buffer.from('phone,'), 0xd0, 0xd5, 0xc3, 0xfb, ...Buffer.from('\n4155550101,'), 0xd5, 0xc5, 0xc8, 0xfd, 0x0a]);
    expect(sniffEncoding(gbk)).toBe('gb18030');
    expect(await collect(csvRows(Readable.from([gbk])))).toEqual([{ row: 1, cells: ['phone', '姓名'] }, { row: 2, cells: ['4155550101', '张三'] }]);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('phone\tname\n4155550101\t张三\n', 'utf16le')]);
    expect(await collect(csvRows(Readable.from([utf16])))).toEqual([{ row: 1, cells: ['phone', 'name'] }, { row: 2, cells: ['4155550101', '张三'] }]);
    // A UTF-8 character cut by a chunk boundary is still UTF-8.
    const utf8 = Buffer.from('phone,name\n4155550101,张三\n');
    expect(sniffEncoding(utf8.subarray(0, utf8.length - 3))).toBe('utf-8');
  });

  it('sniffs the delimiter from the header line, ignoring quoted delimiters', async () => {
    expect(sniffDelimiter('phone;name;"a,b,c"\n1,2,3,4,5')).toBe(';');
    expect(sniffDelimiter('phone\tname\tx')).toBe('\t');
    expect(sniffDelimiter('phone')).toBe(',');
    expect(await collect(csvRows(Readable.from([Buffer.from('phone;name;amount\n4155550101;"Doe; Jane";12,50\n')])))).toEqual([
      { row: 1, cells: ['phone', 'name', 'amount'] },
      { row: 2, cells: ['4155550101', 'Doe; Jane', '12,50'] },
    ]);
    await fc.assert(
      fc.property(fc.constantFrom(',', ';', '\t', '|'), fc.array(fc.stringMatching(/^[a-z]{1,8}$/), { minLength: 2, maxLength: 8 }), (d, names) => sniffDelimiter(names.join(d) + '\n') === d),
    );
  });

  it('turns xlsx date cells into ISO dates, with the time when there is one', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('s');
    ws.addRow(['phone', 'day', 'at']);
    ws.addRow(['4155550101', new Date(Date.UTC(2026, 11, 7)), new Date(Date.UTC(2026, 11, 7, 9, 30))]);
    ws.getColumn(2).numFmt = 'yyyy-mm-dd';
    ws.getColumn(3).numFmt = 'yyyy-mm-dd hh:mm';
    const rows = await collect(xlsxRows(Readable.from([Buffer.from(await wb.xlsx.writeBuffer())])));
    expect(rows[1]!.cells).toEqual(['4155550101', '2026-12-07', '2026-12-07T09:30']);
    expect(isoDateCell(new Date(Date.UTC(2026, 0, 2, 3, 4, 5)))).toBe('2026-01-02T03:04:05');
  });

  it('reads by the bytes, not the label, and names what is wrong with a file it cannot read', async () => {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('s').addRow(['phone']);
    const xlsx = Buffer.from(await wb.xlsx.writeBuffer());
    expect(await collect(fileRows('csv', Readable.from([xlsx])))).toEqual([{ row: 1, cells: ['phone'] }]);
    await expect(collect(fileRows('xlsx', Readable.from([Buffer.concat([xlsx.subarray(0, 100), Buffer.alloc(50)])])))).rejects.toBeInstanceOf(ContactFileError);
    await expect(collect(fileRows('xlsx', Readable.from([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0, 0, 0, 0])])))).rejects.toThrow(/\.xls/);
    await expect(collect(csvRows(Readable.from([Buffer.from([0, 1, 2, 3, 0, 0, 0, 9])])))).rejects.toBeInstanceOf(ContactFileError);
  });
});
