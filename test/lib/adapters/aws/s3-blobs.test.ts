import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { S3Blobs, type Presign } from '../../../../lib/adapters/aws/s3-blobs';
import { AdapterError } from '../../../../lib/core/errors';

const s3 = mockClient(S3Client);
const MiB = 1024 * 1024;
const blobs = (presign?: Presign) => new S3Blobs({ bucket: 'data', client: s3 as unknown as S3Client, presign });

async function* pieces(sizes: number[]): AsyncIterable<Uint8Array> {
  let n = 0;
  for (const size of sizes) yield new Uint8Array(size).fill(n++ % 256);
}
const bodyOf = (bytes: Uint8Array) => Readable.from([Buffer.from(bytes)]) as never;
const text = (bytes: Uint8Array | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

beforeEach(() => s3.reset());

describe('S3Blobs', () => {
  it('writes a string or bytes with one PutObject and its content type', async () => {
    s3.on(PutObjectCommand).resolves({});
    await blobs().put('exports/a.csv', 'a,b\n', 'text/csv');
    await blobs().put('raw/b.bin', new Uint8Array([1, 2]));
    const [first, second] = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(first).toEqual({ Bucket: 'data', Key: 'exports/a.csv', Body: 'a,b\n', ContentType: 'text/csv' });
    expect(second).toEqual({ Bucket: 'data', Key: 'raw/b.bin', Body: new Uint8Array([1, 2]) });
  });

  it('buffers a stream of up to 8 MiB into one PutObject', async () => {
    s3.on(PutObjectCommand).resolves({});
    await blobs().put('uploads/list.xlsx', pieces([3 * MiB, 3 * MiB, 2 * MiB]), 'application/octet-stream');
    expect(s3.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
    const input = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect((input.Body as Uint8Array).length).toBe(8 * MiB);
    expect(input.ContentType).toBe('application/octet-stream');
  });

  it('uploads a longer stream in 8 MiB parts and completes the upload with every part', async () => {
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-1' });
    s3.on(UploadPartCommand).callsFake((input: { PartNumber: number }) => ({ ETag: `"etag-${input.PartNumber}"` }));
    s3.on(CompleteMultipartUploadCommand).resolves({});
    await blobs().put('analytics/calls.parquet', pieces([5 * MiB, 5 * MiB, 5 * MiB, 2 * MiB]), 'application/vnd.apache.parquet');
    expect(s3.commandCalls(CreateMultipartUploadCommand)[0]!.args[0].input).toEqual({
      Bucket: 'data',
      Key: 'analytics/calls.parquet',
      ContentType: 'application/vnd.apache.parquet',
    });
    const parts = s3.commandCalls(UploadPartCommand).map((c) => c.args[0].input);
    expect(parts.map((p) => [p.PartNumber, (p.Body as Uint8Array).length, p.UploadId])).toEqual([
      [1, 8 * MiB, 'up-1'],
      [2, 8 * MiB, 'up-1'],
      [3, 1 * MiB, 'up-1'],
    ]);
    // Bytes keep their order across part boundaries: part 2 starts with the rest of piece 1.
    expect((parts[1]!.Body as Uint8Array)[0]).toBe(1);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)[0]!.args[0].input).toEqual({
      Bucket: 'data',
      Key: 'analytics/calls.parquet',
      UploadId: 'up-1',
      MultipartUpload: {
        Parts: [
          { ETag: '"etag-1"', PartNumber: 1 },
          { ETag: '"etag-2"', PartNumber: 2 },
          { ETag: '"etag-3"', PartNumber: 3 },
        ],
      },
    });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('aborts the multipart upload when a part fails', async () => {
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-2' });
    s3.on(UploadPartCommand).resolvesOnce({ ETag: '"1"' }).rejects(new Error('connection reset'));
    s3.on(AbortMultipartUploadCommand).resolves({});
    await expect(blobs().put('big.bin', pieces([9 * MiB, 9 * MiB]))).rejects.toBeInstanceOf(AdapterError);
    expect(s3.commandCalls(AbortMultipartUploadCommand)[0]!.args[0].input).toEqual({ Bucket: 'data', Key: 'big.bin', UploadId: 'up-2' });
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });

  it('reads a whole object and maps NoSuchKey to undefined', async () => {
    s3.on(GetObjectCommand, { Key: 'a.txt' }).resolves({ Body: bodyOf(Buffer.from('hello')) });
    s3.on(GetObjectCommand, { Key: 'b.txt' }).resolves({
      Body: Object.assign(bodyOf(Buffer.from('ignored')), { transformToByteArray: async () => new Uint8Array(Buffer.from('mixin')) }),
    });
    s3.on(GetObjectCommand, { Key: 'missing.txt' }).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }));
    expect(text(await blobs().get('a.txt'))).toBe('hello');
    expect(text(await blobs().get('b.txt'))).toBe('mixin');
    expect(await blobs().get('missing.txt')).toBeUndefined();
    expect(await blobs().stream('missing.txt')).toBeUndefined();
  });

  it('streams an object', async () => {
    s3.on(GetObjectCommand).resolves({ Body: Readable.from([Buffer.from('ab'), Buffer.from('cd')]) as never });
    const stream = await blobs().stream('x');
    const got: string[] = [];
    for await (const piece of stream!) got.push(Buffer.from(piece).toString());
    expect(got.join('')).toBe('abcd');
  });

  it('throws an AdapterError for other read failures', async () => {
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    await expect(blobs().get('x')).rejects.toBeInstanceOf(AdapterError);
  });

  it('reads metadata and maps NotFound to undefined', async () => {
    s3.on(HeadObjectCommand, { Key: 'a.csv' }).resolves({ ContentLength: 42, ContentType: 'text/csv' });
    s3.on(HeadObjectCommand, { Key: 'gone' }).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
    expect(await blobs().head('a.csv')).toEqual({ key: 'a.csv', size: 42, contentType: 'text/csv' });
    expect(await blobs().head('gone')).toBeUndefined();
  });

  it('lists every page under a prefix', async () => {
    s3.on(ListObjectsV2Command)
      .resolvesOnce({ Contents: [{ Key: 'r/1', Size: 1 }, { Key: 'r/2', Size: 2 }], IsTruncated: true, NextContinuationToken: 't1' })
      .resolvesOnce({ Contents: [{ Key: 'r/3', Size: 3 }], IsTruncated: false });
    expect(await blobs().list('r/')).toEqual([
      { key: 'r/1', size: 1 },
      { key: 'r/2', size: 2 },
      { key: 'r/3', size: 3 },
    ]);
    const inputs = s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input);
    expect(inputs).toEqual([
      { Bucket: 'data', Prefix: 'r/' },
      { Bucket: 'data', Prefix: 'r/', ContinuationToken: 't1' },
    ]);
  });

  it('signs a GetObject link through the injected presigner', async () => {
    const calls: unknown[] = [];
    const presign: Presign = async (_client, command, options) => {
      calls.push([command.input, options]);
      return 'https://signed.example/x';
    };
    expect(await blobs(presign).link('exports/a.xlsx', 300)).toBe('https://signed.example/x');
    expect(calls).toEqual([[{ Bucket: 'data', Key: 'exports/a.xlsx' }, { expiresIn: 300 }]]);
  });

  it('signs a real link offline with the default presigner', async () => {
    const client = new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
    const url = new URL(await new S3Blobs({ bucket: 'data', client }).link('exports/a b.xlsx', 300));
    expect(url.hostname).toBe('data.s3.eu-west-1.amazonaws.com');
    expect(url.pathname).toBe('/exports/a%20b.xlsx');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });
});
