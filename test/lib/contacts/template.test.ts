import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { xlsxRows } from '../../../lib/contacts/parse';
import { csvTemplate, templateHeader, xlsxTemplate } from '../../../lib/contacts/template';
import { collect } from './xlsx-fixtures';

describe('xlsxTemplate', () => {
  it('writes a workbook exceljs opens, with the header, the example row and column A formatted as text', async () => {
    const variables = ['amount', 'a & b <c>', ...Array.from({ length: 30 }, (_, i) => `v${i}`)];
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await xlsxTemplate(variables)) as never); // exceljs types its Buffer parameter against an older @types/node
    const ws = wb.worksheets[0]!;
    expect(ws.name).toBe('contacts');
    expect((ws.getRow(1).values as unknown[]).slice(1)).toEqual(templateHeader(variables));
    expect((ws.getRow(2).values as unknown[]).slice(1)).toEqual(['+14155550100', 'Alex Doe', 'Mx.', 'REF-0001']);
    // Text format on the column (cells typed later) and on its cells, so leading zeros and '+' survive.
    expect(ws.getColumn(1).numFmt).toBe('@');
    expect(ws.getCell('A1').numFmt).toBe('@');
    expect(ws.getCell('A2').numFmt).toBe('@');
    expect(ws.getCell('B2').numFmt).toBeUndefined();
    expect(ws.getCell('AJ1').value).toBe('v29');
  });

  it('reads back through the contact reader with the same header as the CSV template', async () => {
    const rows = await collect(xlsxRows(Readable.from([await xlsxTemplate(['amount'])])));
    expect(rows).toEqual([
      { row: 1, cells: ['phone', 'name', 'honorific', 'referenceId', 'amount'] },
      { row: 2, cells: ['+14155550100', 'Alex Doe', 'Mx.', 'REF-0001'] },
    ]);
    expect(csvTemplate(['amount']).split('\r\n')[0]).toBe('\uFEFFphone,name,honorific,referenceId,amount');
  });
});
