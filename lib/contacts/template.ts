import { columnName, textElement, workbookParts, xmlEscape, ZipStream } from '../core/ooxml';

/** Columns of the contact template (C3): fixed fields, then the campaign's variables. */
export function templateHeader(variables: readonly string[]): string[] {
  return ['phone', 'name', 'honorific', 'referenceId', ...variables];
}

const exampleRow = (variables: readonly string[]) => ['+14155550100', 'Alex Doe', 'Mx.', 'REF-0001', ...variables.map(() => '')];

const csvCell = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** The downloadable template as CSV (UTF-8 with BOM so spreadsheet programs read non-ASCII names). */
export function csvTemplate(variables: readonly string[]): string {
  return '\uFEFF' + [templateHeader(variables), exampleRow(variables)].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

// ---- .xlsx: a two-row workbook written directly (a few hundred bytes of XML; no spreadsheet library in the bundle) ----

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

/**
 * The worksheet: inline strings; column A (and its cells) in style 1, the text format `@`, so that a
 * phone number typed or pasted there keeps its leading zeros and '+' instead of becoming a number.
 */
function sheetXml(rows: readonly string[][]): string {
  const body = rows
    .map((cells, r) => {
      const xml = cells
        .map((value, i) => (value === '' ? '' : `<c r="${columnName(i)}${r + 1}"${i === 0 ? ' s="1"' : ''} t="inlineStr"><is>${textElement(xmlEscape(value))}</is></c>`))
        .join('');
      return `<row r="${r + 1}">${xml}</row>`;
    })
    .join('');
  return `${XML_HEAD}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cols><col min="1" max="1" width="18" style="1" customWidth="1"/><col min="2" max="${Math.max(2, rows[0]?.length ?? 2)}" width="14" customWidth="1"/></cols><sheetData>${body}</sheetData></worksheet>`;
}

/** Style 1 is the built-in text format (numFmtId 49, `@`), for the phone column. */
const TEMPLATE_STYLES = `${XML_HEAD}<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>`;

/** The downloadable template as .xlsx (phone column as text so leading zeros and '+' survive). */
export async function xlsxTemplate(variables: readonly string[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const zip = new ZipStream(async (b) => void chunks.push(b));
  for (const [name, xml] of workbookParts(['contacts'])) await zip.file(name, xml);
  await zip.file('xl/styles.xml', TEMPLATE_STYLES);
  await zip.file('xl/worksheets/sheet1.xml', sheetXml([templateHeader(variables), exampleRow(variables)]));
  await zip.finish();
  return Buffer.concat(chunks);
}
