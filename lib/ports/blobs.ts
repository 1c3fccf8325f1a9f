/** Blob metadata. */
export interface BlobInfo {
  key: string;
  size: number;
  contentType?: string;
}

/** The blob port (S3 semantics: keys with slashes, whole-object writes, signed links). */
export interface Blobs {
  /** Writes an object. */
  put(key: string, body: Uint8Array | string | AsyncIterable<Uint8Array>, contentType?: string): Promise<void>;
  /** Reads a whole object, or undefined when absent. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Streams an object, or undefined when absent. */
  stream(key: string): Promise<AsyncIterable<Uint8Array> | undefined>;
  /** Object metadata, or undefined when absent. */
  head(key: string): Promise<BlobInfo | undefined>;
  /** Lists objects under a prefix. */
  list(prefix: string): Promise<BlobInfo[]>;
  /** A short-lived link that downloads the object. */
  link(key: string, expiresInSeconds: number): Promise<string>;
}
