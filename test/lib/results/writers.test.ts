import { randomBytes } from 'node:crypto';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { CsvWriter, neutralise, XlsxWriter } from '../../../lib/results/writers';

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
}

describe('neutralise', () => {
  it('prefixes text a spreadsheet would run as a formula, and leaves other text alone', () => {
    for (const t of ['=1+1', '+1 206 555', '-2', '@SUM(A1)', '\tx', '\rx']) expect(neutralise(t)).toBe(`'${t}`);
    for (const t of ['hello', '1+1', 'a=b', '', '你好']) expect(neutralise(t)).toBe(t);
  });
});

describe('CsvWriter', () => {
  it('writes a BOM, quotes what needs quoting, neutralises formulas and leaves numbers as numbers', async () => {
    const w = new CsvWriter();
    const out = collect(w.stream);
    await w.header(['a', 'b', 'c']);
    await w.row(['x,y', 'say "hi"', -3]);
    await w.row(['=HYPERLINK("http://evil")', null, 'line\nbreak']);
    await w.row(['  padded', '中文', 1.5]);
    await w.end();
    const text = (await out).toString('utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    expect(text.slice(1).split('\r\n')).toEqual(['a,b,c', '"x,y","say ""hi""",-3', `"'=HYPERLINK(""http://evil"")",,"line\nbreak"`, '"  padded",中文,1.5', '']);
    expect(w.rows).toBe(3);
  });
});

describe('XlsxWriter', () => {
  it('writes a workbook exceljs opens, with every sheet, text, numbers and neutralised formulas', async () => {
    const w = new XlsxWriter();
    const out = collect(w.stream);
    await w.sheet('Basic info', ['Field', 'Value']);
    await w.row(['Campaign', 'Spring <renewal> & "more"']);
    await w.row(['Calls', 1234]);
    await w.row(['Formula', '=1+2']);
    await w.row(['Control', 'a\u0001b']);
    await w.sheet('Basic info', ['Again']);
    await w.row(['中文']);
    await w.sheet('Empty/sheet?', ['Nothing']);
    await w.end();
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await out) as never);
    expect(wb.worksheets.map((s) => s.name)).toEqual(['Basic info', 'Basic info (2)', 'Empty sheet']);
    const first = wb.worksheets[0]!;
    expect(first.getRow(1).values).toEqual([undefined, 'Field', 'Value']);
    expect(first.getRow(2).getCell(2).value).toBe('Spring <renewal> & "more"');
    expect(first.getRow(3).getCell(2).value).toBe(1234);
    expect(first.getRow(4).getCell(2).value).toBe("'=1+2");
    expect(first.getRow(5).getCell(2).value).toBe('ab');
    expect(first.getRow(1).font?.bold ?? first.getRow(1).getCell(1).font?.bold).toBe(true);
    expect(wb.worksheets[1]!.getRow(2).getCell(1).value).toBe('中文');
    expect(wb.worksheets[2]!.rowCount).toBe(1);
  });

  it('waits for a slow reader instead of buffering (backpressure)', async () => {
    const w = new XlsxWriter();
    await w.sheet('Rows', ['n', 'text']);
    let written = 0;
    let finished = false;
    const writing = (async () => {
      for (let i = 0; i < 20_000; i++) {
        // Incompressible text, so the deflated output (≈4 MB) exceeds what the stream may buffer (1 MB each side).
        await w.row([i, randomBytes(160).toString('base64')]);
        written = i + 1;
      }
      await w.end();
      finished = true;
    })();
    // Nobody reads yet: wait (in event-loop turns, not wall time) until the writer either finishes or waits
    // on a full stream without progress; it must stop long before all rows are in memory.
    let still = 0;
    for (let last = -1; !finished && still < 50; ) {
      await new Promise((r) => setImmediate(r));
      still = written === last && w.stream.writableNeedDrain ? still + 1 : 0;
      last = written;
    }
    expect(finished).toBe(false);
    expect(written).toBeLessThan(20_000);
    expect(w.stream.readableLength + w.stream.writableLength).toBeLessThan(3 << 20);
    const bytes = await collect(w.stream);
    await writing;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(bytes as never);
    expect(wb.worksheets[0]!.rowCount).toBe(20_001);
  });
});

describe('XlsxWriter text', () => {
  it('keeps leading and trailing spaces and line breaks', async () => {
    const w = new XlsxWriter();
    const chunks: Buffer[] = [];
    w.stream.on('data', (c: Buffer) => chunks.push(c));
    await w.sheet('S', ['a']);
    await w.row(['  two spaces  ']);
    await w.row(['line\nbreak']);
    await w.end();
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.concat(chunks) as never);
    expect(wb.worksheets[0]!.getRow(2).getCell(1).value).toBe('  two spaces  ');
    expect(wb.worksheets[0]!.getRow(3).getCell(1).value).toBe('line\nbreak');
  });
});
