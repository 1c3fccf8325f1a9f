
/** Columns of the contact template (C3): fixed fields, then the campaign's variables. */
export function templateHeader(variables: readonly string[]): string[] {
  return ['phone', 'name', 'honorific', 'referenceId', ...variables];
}

const csvCell = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** The downloadable template as CSV (UTF-8 with BOM so spreadsheet programs read non-ASCII names). */
export function csvTemplate(variables: readonly string[]): string {
  const header = templateHeader(variables);
  const example = ['+14155550100', 'Alex Doe', 'Mx.', 'REF-0001', ...variables.map(() => '')];
  return '\uFEFF' + [header, example].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** The downloadable template as .xlsx (phone column as text so leading zeros and '+' survive). */
export async function xlsxTemplate(variables: readonly string[]): Promise<Buffer> {
  const { default: ExcelJS } = await import('exceljs');
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('contacts');
  ws.addRow(templateHeader(variables));
  ws.addRow(['+14155550100', 'Alex Doe', 'Mx.', 'REF-0001', ...variables.map(() => '')]);
  ws.getColumn(1).numFmt = '@';
  return Buffer.from(await wb.xlsx.writeBuffer());
}
