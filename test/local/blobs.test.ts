import { mkdtempSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it, expect } from 'vitest';
import { ManualClock } from '../../lib/ports/clock';
import { BlobKeyError, FileBlobs, verifyBlobLink } from '../../local/blobs';

const roots: string[] = [];
afterEach(async () => {
  await Promise.all(roots.splice(0).map((r) => rm(r, { recursive: true, force: true })));
});

function store(options: { prefix?: string; clock?: ManualClock } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'blobs-'));
  roots.push(root);
  return new FileBlobs({ root, baseUrl: 'http://127.0.0.1:4000/', secret: 's3cret', ...options });
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks).toString('utf8');
}

describe('FileBlobs', () => {
  it('round-trips strings, bytes and streams with their content type', async () => {
    const blobs = store();
    await blobs.put('uploads/i1/list.csv', 'phone\n+15550100\n', 'text/csv');
    await blobs.put('uploads/i1/raw.bin', new Uint8Array([0, 1, 2, 255]));
    async function* parts() {
      yield Buffer.from('hello ');
      yield Buffer.from('world');
    }
    await blobs.put('exports/i1/report.txt', parts(), 'text/plain');

    expect(Buffer.from((await blobs.get('uploads/i1/list.csv'))!).toString()).toBe('phone\n+15550100\n');
    expect([...(await blobs.get('uploads/i1/raw.bin'))!]).toEqual([0, 1, 2, 255]);
    expect(await collect((await blobs.stream('exports/i1/report.txt'))!)).toBe('hello world');
    expect(await blobs.head('uploads/i1/list.csv')).toEqual({ key: 'uploads/i1/list.csv', size: 16, contentType: 'text/csv' });
    expect(await blobs.head('uploads/i1/raw.bin')).toEqual({ key: 'uploads/i1/raw.bin', size: 4 });
  });

  it('answers undefined for absent objects, including a folder that only holds other objects', async () => {
    const blobs = store();
    await blobs.put('a/b.txt', 'x');
    expect(await blobs.get('missing')).toBeUndefined();
    expect(await blobs.get('a')).toBeUndefined();
    expect(await blobs.head('a')).toBeUndefined();
    expect(await blobs.stream('a/missing')).toBeUndefined();
    expect(await blobs.get('a/b.txt/c')).toBeUndefined();
  });

  it('replaces an object whole and drops an old content type', async () => {
    const blobs = store();
    await blobs.put('k.json', '{"v":1}', 'application/json');
    await blobs.put('k.json', 'plain');
    expect(await blobs.head('k.json')).toEqual({ key: 'k.json', size: 5 });
  });

  it('leaves no temporary file behind when a stream fails, and keeps the previous object', async () => {
    const blobs = store();
    await blobs.put('k.txt', 'old');
    async function* broken() {
      yield Buffer.from('partial');
      throw new Error('upload aborted');
    }
    await expect(blobs.put('k.txt', broken())).rejects.toThrow(/upload aborted/);
    expect(Buffer.from((await blobs.get('k.txt'))!).toString()).toBe('old');
    expect(readdirSync(join(blobs.root, '.reachout-tmp'))).toEqual([]);
  });

  it('lists by prefix in key order without the store\'s own folders', async () => {
    const blobs = store();
    for (const key of ['b/2.txt', 'b/10.txt', 'a/x.txt', 'b/sub/3.txt', 'bb.txt']) await blobs.put(key, key, 'text/plain');
    expect((await blobs.list('b/')).map((b) => b.key)).toEqual(['b/10.txt', 'b/2.txt', 'b/sub/3.txt']);
    expect((await blobs.list('b')).map((b) => b.key)).toEqual(['b/10.txt', 'b/2.txt', 'b/sub/3.txt', 'bb.txt']);
    expect((await blobs.list('')).map((b) => b.key)).toHaveLength(5);
    expect((await blobs.list('b/sub/'))[0]).toEqual({ key: 'b/sub/3.txt', size: 11, contentType: 'text/plain' });
    expect(await blobs.list('nothing/')).toEqual([]);
  });

  it('rejects keys that would escape the folder or cannot be files', async () => {
    const blobs = store();
    for (const key of ['../etc/passwd', '/abs', 'a/../../b', 'a//b', 'a/', '', 'a\\b', '.reachout-meta/x', './a']) {
      await expect(blobs.put(key, 'x'), key).rejects.toBeInstanceOf(BlobKeyError);
    }
    await expect(blobs.get('../x')).rejects.toBeInstanceOf(BlobKeyError);
  });
});

describe('FileBlobs.link and verifyBlobLink', () => {
  it('signs a link that verifies until it expires', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
    const blobs = store({ clock, prefix: 'data' });
    const url = await blobs.link('exports/i1/report 1.xlsx', 300);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:4000\/_blobs\/data\/exports\/i1\/report%201\.xlsx\?expires=\d+&sig=[\w-]+$/);

    const ok = verifyBlobLink(url, 's3cret', clock.now() + 299_000);
    expect(ok).toEqual({ ok: true, path: 'data/exports/i1/report 1.xlsx' });
    expect(blobs.keyOfLinkPath('data/exports/i1/report 1.xlsx')).toBe('exports/i1/report 1.xlsx');
    expect(blobs.keyOfLinkPath('recordings/x')).toBeUndefined();
    expect(verifyBlobLink(url, 's3cret', clock.now() + 300_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses a link with another secret, a changed key or a changed expiry', async () => {
    const clock = new ManualClock();
    const blobs = store({ clock });
    const url = await blobs.link('a/b.csv', 60);
    const now = clock.now();
    expect(verifyBlobLink(url, 'other', now)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyBlobLink(url.replace('a/b.csv', 'a/c.csv'), 's3cret', now)).toEqual({ ok: false, reason: 'bad-signature' });
    const later = url.replace(/expires=(\d+)/, (_, e: string) => `expires=${Number(e) + 3600}`);
    expect(verifyBlobLink(later, 's3cret', now)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyBlobLink('http://127.0.0.1/_blobs/a/b.csv', 's3cret', now)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyBlobLink('http://127.0.0.1/_blobs/../x?expires=1&sig=x', 's3cret', now)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyBlobLink('/other/a?expires=1&sig=x', 's3cret', now)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('limits link lifetimes to 7 days as S3 presigning does', async () => {
    const blobs = store();
    await expect(blobs.link('a', 0)).rejects.toBeInstanceOf(BlobKeyError);
    await expect(blobs.link('a', 7 * 24 * 3600 + 1)).rejects.toBeInstanceOf(BlobKeyError);
  });
});
