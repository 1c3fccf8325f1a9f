import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AdapterError, expectOnly, ReachoutError } from '../lib/core/errors';
import type { BlobInfo, Blobs, PresignedPut } from '../lib/ports/blobs';
import { systemClock, type Clock } from '../lib/ports/clock';

/** A key that cannot be stored as a file (absolute, `..`, empty segment, reserved name). */
export class BlobKeyError extends ReachoutError {
  override readonly name = 'BlobKeyError';
  constructor(key: string, reason: string) {
    super('InvalidBlobKey', `blob key ${JSON.stringify(key)} is not valid: ${reason}`, 400, { key });
  }
}

/** Construction options of a file-backed blob store. */
export interface FileBlobsOptions {
  /** Folder holding the objects; created on first write. */
  root: string;
  /** Base of the local HTTP server that serves `/_blobs/...` links; a function when the port is known only later. */
  baseUrl: string | (() => string);
  /** HMAC secret signing the links (shared with the HTTP server). */
  secret: string;
  /** Store name in link paths (`/_blobs/<prefix>/<key>`), like a bucket name; none = `/_blobs/<key>`. */
  prefix?: string;
  /** Clock for link expiry; wall time by default, since links are followed by people. */
  clock?: Clock;
}

/** Where the HTTP server finds a link's object: the link path after `/_blobs/`, decoded. */
export type BlobLinkCheck = { ok: true; path: string } | { ok: false; reason: 'malformed' | 'expired' | 'bad-signature' };

const RESERVED = '.reachout-';
const META_DIR = `${RESERVED}meta`;
const TMP_DIR = `${RESERVED}tmp`;
const MAX_KEY_BYTES = 1024;
const MAX_LINK_SECONDS = 7 * 24 * 60 * 60;

/**
 * Blobs as files under a folder, with S3's key space mapped to relative paths. Writes go to a
 * temporary file first and are renamed into place, so a reader never sees half an object.
 */
export class FileBlobs implements Blobs {
  readonly root: string;
  readonly prefix: string | undefined;
  private readonly baseUrl: () => string;
  private readonly secret: string;
  private readonly clock: Clock;

  constructor(options: FileBlobsOptions) {
    this.root = options.root;
    this.prefix = options.prefix;
    const base = options.baseUrl;
    this.baseUrl = typeof base === 'function' ? base : () => base;
    this.secret = options.secret;
    this.clock = options.clock ?? systemClock;
    if (this.prefix !== undefined) checkKey(this.prefix);
  }

  /** Writes an object atomically (temp file, then rename); streams are written as they arrive. */
  async put(key: string, body: Uint8Array | string | AsyncIterable<Uint8Array>, contentType?: string): Promise<void> {
    const target = this.pathOf(key);
    const tmpDir = join(this.root, TMP_DIR);
    await mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, randomUUID());
    try {
      if (typeof body === 'string' || body instanceof Uint8Array) await writeFile(tmp, body);
      else await pipeline(Readable.from(body), createWriteStream(tmp));
      const meta = this.metaPathOf(key);
      if (contentType) {
        await mkdir(dirname(meta), { recursive: true });
        const tmpMeta = `${tmp}.meta`;
        await writeFile(tmpMeta, JSON.stringify({ contentType }));
        await rename(tmpMeta, meta);
      } else {
        await rm(meta, { force: true });
      }
      await mkdir(dirname(target), { recursive: true });
      await rename(tmp, target);
    } catch (error) {
      await rm(tmp, { force: true });
      await rm(`${tmp}.meta`, { force: true });
      throw new AdapterError('blobs', 'put', `${key}: ${(error as Error).message}`, error);
    }
    this.notifyCreated(key);
  }

  private readonly createdListeners: ((key: string) => void)[] = [];

  /**
   * Registers a listener of object-created notifications, the local stand-in for S3 event notifications
   * (asynchronous and after the write, as S3's are; a failing listener never fails the write).
   */
  onObjectCreated(listener: (key: string) => void): void {
    this.createdListeners.push(listener);
  }

  private notifyCreated(key: string): void {
    for (const listener of this.createdListeners) queueMicrotask(() => listener(key));
  }

  /** Reads a whole object, or undefined when absent. */
  async get(key: string): Promise<Uint8Array | undefined> {
    const path = this.pathOf(key);
    try {
      return await readFile(path);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw new AdapterError('blobs', 'get', key, error);
    }
  }

  /** Streams an object, or undefined when absent. */
  async stream(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const path = this.pathOf(key);
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw new AdapterError('blobs', 'stream', key, error);
    }
    if (!(await handle.stat()).isFile()) {
      await handle.close();
      return undefined;
    }
    return handle.createReadStream();
  }

  /** Object metadata, or undefined when absent. */
  async head(key: string): Promise<BlobInfo | undefined> {
    const path = this.pathOf(key);
    try {
      const info = await stat(path);
      if (!info.isFile()) return undefined;
      return this.info(key, info.size);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw new AdapterError('blobs', 'head', key, error);
    }
  }

  /** Lists the objects whose key starts with the prefix, in S3's order (UTF-8 byte order). */
  async list(prefix: string): Promise<BlobInfo[]> {
    if (prefix.includes('\\') || prefix.startsWith('/') || prefix.split('/').slice(0, -1).some((s) => s === '..' || s === '.' || s === '')) {
      return [];
    }
    // Start at the deepest folder the prefix names, not at the root.
    const dir = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const found: { key: string; size: number }[] = [];
    await this.walk(dir, found);
    const keys = found.filter((f) => f.key.startsWith(prefix)).sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
    return Promise.all(keys.map((f) => this.info(f.key, f.size)));
  }

  /** A signed link to `/_blobs/...` on the local HTTP server, valid for `expiresInSeconds` (at most 7 days, as S3). */
  async link(key: string, expiresInSeconds: number): Promise<string> {
    checkKey(key);
    if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_LINK_SECONDS) {
      throw new BlobKeyError(key, `link expiry must be 1–${MAX_LINK_SECONDS} seconds`);
    }
    const path = this.prefix === undefined ? key : `${this.prefix}/${key}`;
    const expires = Math.floor(this.clock.now() / 1000) + expiresInSeconds;
    const encoded = path.split('/').map(encodeURIComponent).join('/');
    return `${this.baseUrl().replace(/\/+$/, '')}/_blobs/${encoded}?expires=${expires}&sig=${sign(this.secret, path, expires)}`;
  }

  /**
   * A signed upload URL to `/_blobs/...` on the local HTTP server (the stand-in of an S3 presigned PUT):
   * a PUT there writes the object, which raises the same object-created notification as any write.
   */
  async presignPut(key: string, options: { expiresInSeconds: number; contentType?: string }): Promise<PresignedPut> {
    checkKey(key);
    if (!Number.isInteger(options.expiresInSeconds) || options.expiresInSeconds < 1 || options.expiresInSeconds > MAX_LINK_SECONDS) {
      throw new BlobKeyError(key, `link expiry must be 1–${MAX_LINK_SECONDS} seconds`);
    }
    const path = this.prefix === undefined ? key : `${this.prefix}/${key}`;
    const expires = Math.floor(this.clock.now() / 1000) + options.expiresInSeconds;
    const encoded = path.split('/').map(encodeURIComponent).join('/');
    return {
      url: `${this.baseUrl().replace(/\/+$/, '')}/_blobs/${encoded}?op=put&expires=${expires}&sig=${sign(this.secret, `PUT ${path}`, expires)}`,
      method: 'PUT',
      headers: options.contentType ? { 'content-type': options.contentType } : {},
      expiresAt: new Date(expires * 1000).toISOString(),
    };
  }

  /** The object's key when a link path (from verifyBlobLink) belongs to this store, else undefined. */
  keyOfLinkPath(path: string): string | undefined {
    if (this.prefix === undefined) return path;
    return path.startsWith(`${this.prefix}/`) ? path.slice(this.prefix.length + 1) : undefined;
  }

  private pathOf(key: string): string {
    checkKey(key);
    return join(this.root, ...key.split('/'));
  }

  private metaPathOf(key: string): string {
    return join(this.root, META_DIR, ...key.split('/')) + '.json';
  }

  private async info(key: string, size: number): Promise<BlobInfo> {
    try {
      const meta = JSON.parse(await readFile(this.metaPathOf(key), 'utf8')) as { contentType?: string };
      return meta.contentType ? { key, size, contentType: meta.contentType } : { key, size };
    } catch (error) {
      // No metadata written (or it is unreadable): the blob without a content type.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') expectOnly(error, SyntaxError);
      return { key, size };
    }
  }

  private async walk(dir: string, found: { key: string; size: number }[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir ? join(this.root, ...dir.split('/')) : this.root, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return;
      throw new AdapterError('blobs', 'list', dir, error);
    }
    for (const entry of entries) {
      if (!dir && entry.name.startsWith(RESERVED)) continue;
      const key = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await this.walk(key, found);
      else if (entry.isFile()) found.push({ key, size: (await stat(join(this.root, ...key.split('/')))).size });
    }
  }
}

/** Checks a link from FileBlobs.link (GET) or FileBlobs.presignPut (PUT): shape, signature, then expiry against `nowMs`. */
export function verifyBlobLink(url: string | URL, secret: string, nowMs: number, method: 'GET' | 'PUT' = 'GET'): BlobLinkCheck {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url, 'http://127.0.0.1') : url;
  } catch (error) {
    expectOnly(error, TypeError);
    return { ok: false, reason: 'malformed' };
  }
  if (!parsed.pathname.startsWith('/_blobs/')) return { ok: false, reason: 'malformed' };
  let path: string;
  try {
    path = parsed.pathname.slice('/_blobs/'.length).split('/').map(decodeURIComponent).join('/');
    checkKey(path);
  } catch (error) {
    expectOnly(error, URIError, BlobKeyError);
    return { ok: false, reason: 'malformed' };
  }
  const expiresText = parsed.searchParams.get('expires') ?? '';
  const sig = parsed.searchParams.get('sig') ?? '';
  if (!/^\d+$/.test(expiresText) || !sig) return { ok: false, reason: 'malformed' };
  const expires = Number(expiresText);
  // A download link never uploads, nor an upload link downloads: the method is part of what is signed.
  if ((parsed.searchParams.get('op') === 'put') !== (method === 'PUT')) return { ok: false, reason: 'bad-signature' };
  const expected = Buffer.from(sign(secret, method === 'PUT' ? `PUT ${path}` : path, expires));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad-signature' };
  if (nowMs >= expires * 1000) return { ok: false, reason: 'expired' };
  return { ok: true, path };
}

function sign(secret: string, path: string, expires: number): string {
  return createHmac('sha256', secret).update(`${path}\n${expires}`).digest('base64url');
}

/** S3 keys are free-form; these are the ones a folder cannot hold safely. */
function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new BlobKeyError(String(key), 'must not be empty');
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw new BlobKeyError(key, `must be at most ${MAX_KEY_BYTES} bytes`);
  if (key.startsWith('/')) throw new BlobKeyError(key, 'must be relative');
  if (key.includes('\\') || key.includes('\0')) throw new BlobKeyError(key, 'must not contain backslashes or NUL');
  if (sep !== '/' && key.includes(sep)) throw new BlobKeyError(key, 'must not contain path separators');
  const segments = key.split('/');
  if (segments.some((s) => s === '..' || s === '.')) throw new BlobKeyError(key, 'must not contain . or .. segments');
  if (segments.some((s) => s === '')) throw new BlobKeyError(key, 'must not contain empty segments or end with /');
  if (segments[0]!.startsWith(RESERVED)) throw new BlobKeyError(key, `must not start with ${RESERVED}`);
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}
