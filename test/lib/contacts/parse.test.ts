import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { columnMap, splitManualNumbers, toE164, validateRow } from '../../../lib/contacts/normalize';
import { csvRows, xlsxRows } from '../../../lib/contacts/parse';
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
});
