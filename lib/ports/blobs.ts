/** Blob metadata. */
export interface BlobInfo {
  key: string;
  size: number;
  contentType?: string;
}

/** A presigned upload: the client PUTs the object's bytes to `url`, with `headers`, before `expiresAt`. */
export interface PresignedPut {
  url: string;
  method: 'PUT';
  /** Headers the signature covers: the upload must send them as given. */
  headers: Record<string, string>;
  expiresAt: string;
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
  /**
   * A short-lived URL that uploads (PUTs) the object, so large files go straight to the store instead
   * of through the API; the store's object-created notification then tells the system.
   */
  presignPut(key: string, options: { expiresInSeconds: number; contentType?: string }): Promise<PresignedPut>;
}
