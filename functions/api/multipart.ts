import { expectOnly, ValidationError } from '../../lib/core/errors';

/** One part of a multipart/form-data body. */
export interface FormPart {
  /** The form field name. */
  name: string;
  /** The file name, when the part is a file. */
  filename?: string;
  contentType?: string;
  body: Buffer;
}

/** The boundary of a `multipart/form-data; boundary=...` content type, or undefined. */
export function multipartBoundary(contentType: string): string | undefined {
  const m = /;\s*boundary=(?:"([^"]{1,200})"|([^\s;]{1,200}))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * Splits a multipart/form-data body (RFC 7578, what `curl -F` and browsers send) into its parts.
 * The body is already in memory (API Gateway delivers it whole), so a small parser over the buffer is
 * enough; malformed bodies are a 400 naming what is wrong.
 */
export function parseMultipart(body: Buffer, contentType: string): FormPart[] {
  const boundary = multipartBoundary(contentType);
  if (!boundary) throw new ValidationError('multipart/form-data needs a boundary parameter in its content type', [{ path: 'content-type', message: 'no boundary' }]);
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: FormPart[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) throw malformed('the body does not contain its boundary');
  for (;;) {
    at += delimiter.length;
    // `--` after a delimiter closes the body.
    if (body[at] === 0x2d && body[at + 1] === 0x2d) break;
    if (body.subarray(at, at + 2).equals(CRLF)) at += 2;
    const headerEnd = body.indexOf(HEADER_END, at);
    if (headerEnd < 0) throw malformed('a part has no header end');
    const headers = parseHeaders(body.subarray(at, headerEnd).toString('utf8'));
    const start = headerEnd + HEADER_END.length;
    const next = body.indexOf(Buffer.concat([CRLF, delimiter]), start);
    if (next < 0) throw malformed('a part is not closed by the boundary (truncated upload?)');
    const disposition = headers['content-disposition'] ?? '';
    const name = param(disposition, 'name');
    if (name === undefined) throw malformed('a part has no content-disposition name');
    const filename = param(disposition, 'filename*') ?? param(disposition, 'filename');
    parts.push({ name, ...(filename !== undefined ? { filename: decodeFilename(filename) } : {}), ...(headers['content-type'] ? { contentType: headers['content-type'] } : {}), body: body.subarray(start, next) });
    at = next + CRLF.length;
  }
  return parts;
}

/** The uploaded file of a form: the part named `file`, else the first part that carries a file name. */
export function formFile(parts: readonly FormPart[]): FormPart {
  const file = parts.find((p) => p.name === 'file' && p.filename !== undefined) ?? parts.find((p) => p.filename !== undefined) ?? parts.find((p) => p.name === 'file');
  if (!file) throw new ValidationError('the form has no file part (send it as -F file=@contacts.csv)', [{ path: 'file', message: 'missing' }]);
  return file;
}

const malformed = (why: string) => new ValidationError(`malformed multipart/form-data body: ${why}`, [{ path: '(body)', message: why }]);

function parseHeaders(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) out[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return out;
}

function param(header: string, name: string): string | undefined {
  const escaped = name.replace(/[*]/g, '\\*');
  const m = new RegExp(`(?:^|;)\\s*${escaped}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;]*))`, 'i').exec(header);
  if (!m) return undefined;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!.trim();
}

/** `filename*=UTF-8''%E5%90%8D.csv` (RFC 5987) or a plain name. */
function decodeFilename(value: string): string {
  const ext = /^([\w-]+)''(.*)$/.exec(value);
  if (!ext) return value;
  try {
    return decodeURIComponent(ext[2]!);
  } catch (error) {
    expectOnly(error, URIError);
    return ext[2]!;
  }
}
