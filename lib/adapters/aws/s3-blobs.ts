import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { AdapterError } from '../../core/errors';
import type { BlobInfo, Blobs, PresignedPut } from '../../ports/blobs';
import { describeError, errorName, httpStatus } from './retry';

// One client per module (Lambda execution environment), created on first use so importing is free.
let defaultS3Client: S3Client | undefined;
const defaultClient = () => (defaultS3Client ??= new S3Client({}));

/** Signs a GetObject or PutObject request into a URL (the presigner's getSignedUrl, injectable for tests). */
export type Presign = (client: S3Client, command: GetObjectCommand | PutObjectCommand, options: { expiresIn: number; signableHeaders?: Set<string> }) => Promise<string>;

const defaultPresign: Presign = (client, command, options) => getSignedUrl(client, command, options);

/** Options of the S3 blobs adapter. */
export interface S3BlobsOptions {
  bucket: string;
  /** S3 client; a shared default otherwise. */
  client?: S3Client;
  /** URL signer; the S3 request presigner otherwise. */
  presign?: Presign;
  /** Part size of multipart uploads, and the stream size above which they are used (default 8 MiB; S3's minimum part is 5 MiB). */
  partSize?: number;
}

/** Default multipart part size and threshold. */
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
const MIN_PART_SIZE = 5 * 1024 * 1024;

const isAbsent = (error: unknown) => ['NoSuchKey', 'NotFound'].includes(errorName(error)) || httpStatus(error) === 404;

type Body = { transformToByteArray?: () => Promise<Uint8Array> } & Partial<AsyncIterable<Uint8Array>>;

/** The Blobs port on one S3 bucket. */
export class S3Blobs implements Blobs {
  private readonly bucket: string;
  private readonly client: S3Client;
  private readonly presign: Presign;
  private readonly partSize: number;

  constructor(options: S3BlobsOptions) {
    this.bucket = options.bucket;
    this.client = options.client ?? defaultClient();
    this.presign = options.presign ?? defaultPresign;
    this.partSize = Math.max(options.partSize ?? DEFAULT_PART_SIZE, MIN_PART_SIZE);
  }

  async put(key: string, body: Uint8Array | string | AsyncIterable<Uint8Array>, contentType?: string): Promise<void> {
    if (typeof body === 'string' || body instanceof Uint8Array) return this.putObject(key, body, contentType);
    return this.putStream(key, body, contentType);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const body = await this.getBody(key);
    if (!body) return undefined;
    try {
      if (body.transformToByteArray) return await body.transformToByteArray();
      return await collect(body as AsyncIterable<Uint8Array>);
    } catch (error) {
      throw new AdapterError('S3', 'GetObject', describeError(error), error);
    }
  }

  async stream(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const body = await this.getBody(key);
    if (!body) return undefined;
    if (typeof body[Symbol.asyncIterator] !== 'function') {
      // Browsers' web streams are not async iterable everywhere; Node's Readable always is.
      const bytes = await this.get(key);
      return bytes ? (async function* () { yield bytes; })() : undefined;
    }
    return body as AsyncIterable<Uint8Array>;
  }

  async head(key: string): Promise<BlobInfo | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { key, size: out.ContentLength ?? 0, ...(out.ContentType ? { contentType: out.ContentType } : {}) };
    } catch (error) {
      if (isAbsent(error)) return undefined;
      throw new AdapterError('S3', 'HeadObject', describeError(error), error);
    }
  }

  async list(prefix: string): Promise<BlobInfo[]> {
    const found: BlobInfo[] = [];
    let token: string | undefined;
    try {
      do {
        const out = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }),
        );
        for (const o of out.Contents ?? []) if (o.Key !== undefined) found.push({ key: o.Key, size: o.Size ?? 0 });
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
    } catch (error) {
      throw new AdapterError('S3', 'ListObjectsV2', describeError(error), error);
    }
    return found;
  }

  async link(key: string, expiresInSeconds: number): Promise<string> {
    try {
      return await this.presign(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: expiresInSeconds });
    } catch (error) {
      throw new AdapterError('S3', 'GetObject presign', describeError(error), error);
    }
  }

  async presignPut(key: string, options: { expiresInSeconds: number; contentType?: string }): Promise<PresignedPut> {
    const command = new PutObjectCommand({ Bucket: this.bucket, Key: key, ...(options.contentType ? { ContentType: options.contentType } : {}) });
    try {
      // The content type is signed: the upload must declare what the URL was asked for.
      const url = await this.presign(this.client, command, {
        expiresIn: options.expiresInSeconds,
        ...(options.contentType ? { signableHeaders: new Set(['content-type']) } : {}),
      });
      return {
        url,
        method: 'PUT',
        headers: options.contentType ? { 'content-type': options.contentType } : {},
        expiresAt: new Date(Date.now() + options.expiresInSeconds * 1000).toISOString(),
      };
    } catch (error) {
      throw new AdapterError('S3', 'PutObject presign', describeError(error), error);
    }
  }

  private async getBody(key: string): Promise<Body | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return (out.Body as Body | undefined) ?? (async function* () {})();
    } catch (error) {
      if (isAbsent(error)) return undefined;
      throw new AdapterError('S3', 'GetObject', describeError(error), error);
    }
  }

  private async putObject(key: string, body: Uint8Array | string, contentType?: string): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ...(contentType ? { ContentType: contentType } : {}) }),
      );
    } catch (error) {
      throw new AdapterError('S3', 'PutObject', describeError(error), error);
    }
  }

  /**
   * Streams of up to one part are buffered and written with one PutObject; longer ones go up as a
   * multipart upload, one part in memory at a time. A part is only sent once more bytes are known
   * to follow, so the last part is never empty.
   */
  private async putStream(key: string, body: AsyncIterable<Uint8Array>, contentType?: string): Promise<void> {
    let buffered: Uint8Array[] = [];
    let length = 0;
    let uploadId: string | undefined;
    const parts: { ETag: string | undefined; PartNumber: number }[] = [];
    const sendPart = async (bytes: Uint8Array) => {
      const partNumber = parts.length + 1;
      const out = await this.client.send(
        new UploadPartCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: bytes }),
      );
      parts.push({ ETag: out.ETag, PartNumber: partNumber });
    };
    try {
      for await (const piece of body) {
        buffered.push(piece);
        length += piece.length;
        while (length > this.partSize) {
          const all = Buffer.concat(buffered, length);
          if (uploadId === undefined) {
            const created = await this.client.send(
              new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, ...(contentType ? { ContentType: contentType } : {}) }),
            );
            if (!created.UploadId) throw new Error('CreateMultipartUpload returned no UploadId');
            uploadId = created.UploadId;
          }
          await sendPart(all.subarray(0, this.partSize));
          const rest = all.subarray(this.partSize);
          buffered = [rest];
          length = rest.length;
        }
      }
      if (uploadId === undefined) return await this.putObject(key, Buffer.concat(buffered, length), contentType);
      await sendPart(Buffer.concat(buffered, length));
      await this.client.send(
        new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }),
      );
    } catch (error) {
      if (uploadId !== undefined) {
        // Parts of an abandoned upload are billed until aborted.
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
      }
      if (error instanceof AdapterError) throw error;
      throw new AdapterError('S3', uploadId ? 'multipart upload' : 'PutObject', describeError(error), error);
    }
  }
}

async function collect(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const pieces: Uint8Array[] = [];
  for await (const piece of body) pieces.push(piece);
  return new Uint8Array(Buffer.concat(pieces));
}
