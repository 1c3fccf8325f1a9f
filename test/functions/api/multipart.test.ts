import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formFile, multipartBoundary, parseMultipart } from '../../../functions/api/multipart';
import { ValidationError } from '../../../lib/core/errors';

const form = (boundary: string, parts: { name: string; filename?: string; body: Buffer }[]) =>
  Buffer.concat([
    ...parts.flatMap((p) => [
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}\r\n\r\n`),
      p.body,
      Buffer.from('\r\n'),
    ]),
    Buffer.from(`--${boundary}--\r\n`),
  ]);

describe('parseMultipart', () => {
  it('takes the file part of a form as curl -F sends it', () => {
    const body = form('xyz', [{ name: 'note', body: Buffer.from('hi') }, { name: 'file', filename: 'a.csv', body: Buffer.from('phone\r\n4155550101\r\n') }]);
    const file = formFile(parseMultipart(body, 'multipart/form-data; boundary=xyz'));
    expect(file).toMatchObject({ name: 'file', filename: 'a.csv' });
    expect(file.body.toString()).toBe('phone\r\n4155550101\r\n');
    expect(multipartBoundary('multipart/form-data; boundary="a b"')).toBe('a b');
  });

  it('round-trips any binary file content, nearly-delimiters included', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.stringMatching(/^[A-Za-z0-9]{8,30}$/), (bytes, boundary) => {
        // Senders pick a boundary that does not follow a CRLF in the content (RFC 2046); nearly-delimiters are content.
        const content = Buffer.concat([Buffer.from(bytes), Buffer.from(`--${boundary}\r\n--`)]);
        fc.pre(!content.includes(`\r\n--${boundary}`));
        const parts = parseMultipart(form(boundary, [{ name: 'file', filename: 'f.xlsx', body: content }]), `multipart/form-data; boundary=${boundary}`);
        return formFile(parts).body.equals(content);
      }),
    );
  });

  it('refuses a malformed or truncated form with a 400 naming the problem', () => {
    const body = form('xyz', [{ name: 'file', filename: 'a.csv', body: Buffer.from('phone') }]);
    for (const [b, type] of [[body, 'multipart/form-data'], [body.subarray(0, body.length - 12), 'multipart/form-data; boundary=xyz'], [Buffer.from('nothing'), 'multipart/form-data; boundary=xyz']] as const) {
      expect(() => parseMultipart(b, type)).toThrow(ValidationError);
    }
    expect(() => formFile(parseMultipart(form('q', [{ name: 'x', body: Buffer.from('1') }]), 'multipart/form-data; boundary=q'))).toThrow(/file/);
  });
});
