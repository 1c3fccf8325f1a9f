import type { BlobInfo, Blobs, PresignedPut } from '../../ports/blobs';

/** Options of the in-memory blob store. */
export interface MemoryBlobsOptions {
  /**
   * Objects larger than this keep only their size (a simulation of thousands of calls needs to know recordings
   * arrived, not their audio). Default: every object is kept whole.
   */
  keepBytesUpTo?: number;
}

/**
 * Blobs held in memory (tests, the SMA benchmark, `npm run replay`, the campaign simulation), announcing each new
 * object to `onObjectCreated` listeners the way S3 notifications do deployed.
 */
export class MemoryBlobs implements Blobs {
  /** The objects by key. */
  readonly objects = new Map<string, { body: Uint8Array; size: number; contentType?: string }>();
  private readonly listeners: ((key: string) => void)[] = [];

  constructor(private readonly options: MemoryBlobsOptions = {}) {}

  async put(key: string, body: Uint8Array | string | AsyncIterable<Uint8Array>, contentType?: string): Promise<void> {
    let bytes: Uint8Array;
    if (typeof body === 'string') bytes = Buffer.from(body);
    else if (body instanceof Uint8Array) bytes = body;
    else {
      const chunks: Uint8Array[] = [];
      for await (const c of body) chunks.push(c);
      bytes = Buffer.concat(chunks);
    }
    const keep = this.options.keepBytesUpTo === undefined || bytes.length <= this.options.keepBytesUpTo;
    this.objects.set(key, { body: keep ? bytes : new Uint8Array(0), size: bytes.length, ...(contentType ? { contentType } : {}) });
    for (const l of this.listeners) queueMicrotask(() => l(key));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.objects.get(key)?.body;
  }

  async stream(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const o = this.objects.get(key);
    if (!o) return undefined;
    return (async function* () {
      yield o.body;
    })();
  }

  async head(key: string): Promise<BlobInfo | undefined> {
    const o = this.objects.get(key);
    return o ? { key, size: o.size, ...(o.contentType ? { contentType: o.contentType } : {}) } : undefined;
  }

  async list(prefix: string): Promise<BlobInfo[]> {
    return [...this.objects.entries()].filter(([k]) => k.startsWith(prefix)).map(([key, o]) => ({ key, size: o.size }));
  }

  async presignPut(key: string, options: { expiresInSeconds: number; contentType?: string }): Promise<PresignedPut> {
    return {
      url: `memory://${key}?op=put&expires=${options.expiresInSeconds}`,
      method: 'PUT',
      headers: options.contentType ? { 'content-type': options.contentType } : {},
      expiresAt: new Date(options.expiresInSeconds * 1000).toISOString(),
    };
  }

  async link(key: string, expiresInSeconds: number): Promise<string> {
    return `memory://${key}?expires=${expiresInSeconds}`;
  }

  /** Calls `listener` with the key of every object written from now on (after the write, asynchronously). */
  onObjectCreated(listener: (key: string) => void): void {
    this.listeners.push(listener);
  }
}
