import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterEach, describe, it, expect } from 'vitest';
import { ManualClock } from '../../lib/ports/clock';
import { FileBlobs } from '../../local/blobs';
import { startHttpServer, type LocalHttpServer, type LocalRoute } from '../../local/http';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function serve(routes: LocalRoute[], extra: Partial<Parameters<typeof startHttpServer>[0]> = {}): Promise<LocalHttpServer> {
  const server = await startHttpServer({ port: 0, routes, ...extra });
  cleanup.push(() => server.close());
  return server;
}

/** A route that records the events it receives and answers with a fixed result. */
function recorder(result: unknown = { statusCode: 204 }) {
  const events: APIGatewayProxyEventV2[] = [];
  const route: LocalRoute = {
    prefix: '/',
    handler: async (event) => {
      events.push(event);
      return result as never;
    },
  };
  return { events, route };
}

/** Sends a request with raw header pairs (fetch cannot send a header twice). */
function rawRequest(url: string, path: string, headers: string[]): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    // With raw header pairs Node adds no Host header, which HTTP/1.1 requires.
    const req = request({ hostname, port, path, method: 'GET', headers: ['Host', `${hostname}:${port}`, ...headers] }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('startHttpServer', () => {
  it('builds a payload 2.0 event for the $default route', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 9, 3, 58));
    const { events, route } = recorder();
    const server = await serve([route], { clock });
    const response = await fetch(`${server.url}/v1/campaigns/c%201?status=running&tag=a&tag=b&q=hello%20world`, {
      headers: { 'X-Api-Key': 'k1', Cookie: 'session=abc; theme=dark', 'User-Agent': 'vitest' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('apigw-requestid')).toBeTruthy();

    const event = events[0]!;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/v1/campaigns/c%201',
      rawQueryString: 'status=running&tag=a&tag=b&q=hello%20world',
      cookies: ['session=abc', 'theme=dark'],
      queryStringParameters: { status: 'running', tag: 'a,b', q: 'hello world' },
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: new URL(server.url).host,
        http: { method: 'GET', path: '/v1/campaigns/c%201', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
        routeKey: '$default',
        stage: '$default',
        time: '05/Jan/2026:09:03:58 +0000',
        timeEpoch: clock.now(),
      },
    });
    expect(event.headers['x-api-key']).toBe('k1');
    expect(event.headers.cookie).toBeUndefined();
    expect(event.headers['x-forwarded-proto']).toBe('http');
    expect(event.body).toBeUndefined();
    expect(event.requestContext.requestId).toEqual(expect.any(String));
  });

  it('lower-cases header names and joins repeated headers with commas', async () => {
    const { events, route } = recorder();
    const server = await serve([route]);
    expect(await rawRequest(server.url, '/x', ['X-Dup', 'one', 'x-dup', 'two', 'Content-Type', 'text/plain'])).toBe(204);
    expect(events[0]!.headers).toMatchObject({ 'x-dup': 'one,two', 'content-type': 'text/plain' });
    expect(events[0]!.rawQueryString).toBe('');
    expect(events[0]!.queryStringParameters).toBeUndefined();
  });

  it('passes text bodies as text and spreadsheets, multipart and octet-stream as base64', async () => {
    const { events, route } = recorder();
    const server = await serve([route]);
    const bytes = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x00, 0xff, 0x10]);
    await fetch(`${server.url}/uploads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Zoë"}' });
    await fetch(`${server.url}/uploads`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
      body: bytes,
    });
    await fetch(`${server.url}/uploads`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
    const form = new FormData();
    form.append('file', new Blob([bytes]), 'list.xlsx');
    await fetch(`${server.url}/uploads`, { method: 'POST', body: form });

    expect(events[0]).toMatchObject({ body: '{"name":"Zoë"}', isBase64Encoded: false });
    for (const event of events.slice(1, 3)) {
      expect(event.isBase64Encoded).toBe(true);
      expect([...Buffer.from(event.body!, 'base64')]).toEqual([...bytes]);
    }
    expect(events[3]!.isBase64Encoded).toBe(true);
    expect(events[3]!.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(Buffer.from(events[3]!.body!, 'base64').includes(Buffer.from(bytes))).toBe(true);
  });

  it('maps a structured result back: status, headers, cookies and a base64 body', async () => {
    const payload = Buffer.from([1, 2, 3, 250]);
    const { route } = recorder({
      statusCode: 201,
      headers: { 'Content-Type': 'application/octet-stream', 'X-Count': 3 },
      cookies: ['a=1; Path=/', 'b=2; HttpOnly'],
      body: payload.toString('base64'),
      isBase64Encoded: true,
    });
    const server = await serve([route]);
    const response = await fetch(`${server.url}/export`);
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(response.headers.get('x-count')).toBe('3');
    expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; HttpOnly']);
    expect([...new Uint8Array(await response.arrayBuffer())]).toEqual([...payload]);
  });

  it('answers 200 JSON for a result without statusCode, as API Gateway infers', async () => {
    const { route } = recorder({ ok: true });
    const server = await serve([route]);
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ ok: true });
  });

  it('answers 500 when the handler throws and 404 when no route matches', async () => {
    const server = await serve([
      { prefix: '/api', handler: async () => ({ statusCode: 200, body: 'api' }) },
      { prefix: '/api/admin', handler: async () => Promise.reject(new Error('boom')) },
    ]);
    expect(await (await fetch(`${server.url}/api/things`)).text()).toBe('api');
    expect(await (await fetch(`${server.url}/api`)).text()).toBe('api');
    const failed = await fetch(`${server.url}/api/admin/x`);
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ message: 'Internal Server Error' });
    const missing = await fetch(`${server.url}/apix`);
    expect(missing.status).toBe(404);
    await missing.arrayBuffer();
  });

  it('refuses a body above the limit with 413 without calling the handler', async () => {
    const { events, route } = recorder();
    const server = await serve([route], { maxBodyBytes: 1024 });
    const declared = await fetch(`${server.url}/u`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(2048) });
    expect(declared.status).toBe(413);
    await declared.arrayBuffer();
    const streamed = await fetch(`${server.url}/u`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 4; i++) controller.enqueue(new TextEncoder().encode('y'.repeat(600)));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    await streamed.arrayBuffer();
    expect(events).toEqual([]);
    const ok = await fetch(`${server.url}/u`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'small' });
    expect(ok.status).toBe(204);
  });

  it('serves signed blob links until they expire and refuses tampered ones', async () => {
    const root = mkdtempSync(join(tmpdir(), 'http-blobs-'));
    cleanup.push(() => rm(root, { recursive: true, force: true }));
    const clock = new ManualClock();
    let base = '';
    const data = new FileBlobs({ root: join(root, 'data'), baseUrl: () => base, secret: 'k', prefix: 'data', clock });
    const recordings = new FileBlobs({ root: join(root, 'rec'), baseUrl: () => base, secret: 'k', prefix: 'recordings', clock });
    const server = await serve([recorder().route], { blobs: { secret: 'k', stores: { data, recordings } }, clock });
    base = server.url;
    await data.put('exports/i1/report.csv', 'a,b\n1,2\n', 'text/csv');
    await recordings.put('i1/call.wav', new Uint8Array([82, 73, 70, 70]));

    const link = await data.link('exports/i1/report.csv', 60);
    const response = await fetch(link);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv');
    expect(await response.text()).toBe('a,b\n1,2\n');

    const wav = await fetch(await recordings.link('i1/call.wav', 60));
    expect(response.headers.get('content-disposition')).toContain('report.csv');
    expect(wav.headers.get('content-type')).toBe('application/octet-stream');
    expect([...new Uint8Array(await wav.arrayBuffer())]).toEqual([82, 73, 70, 70]);

    const head = await fetch(link, { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe('8');

    const tampered = await fetch(link.replace('report.csv', 'other.csv'));
    expect(tampered.status).toBe(403);
    await tampered.arrayBuffer();
    const missing = await fetch(await data.link('exports/i1/none.csv', 60));
    expect(missing.status).toBe(404);
    await missing.arrayBuffer();

    clock.advance(60_000);
    const expired = await fetch(link);
    expect(expired.status).toBe(403);
    expect(await expired.json()).toEqual({ message: 'Request has expired' });
  });

  it('takes a PUT to a presigned upload URL as S3 does, raising the object-created notification; a download link never uploads', async () => {
    const root = mkdtempSync(join(tmpdir(), 'http-upload-'));
    cleanup.push(() => rm(root, { recursive: true, force: true }));
    const clock = new ManualClock();
    let base = '';
    const data = new FileBlobs({ root: join(root, 'data'), baseUrl: () => base, secret: 'k', prefix: 'data', clock });
    const server = await serve([recorder().route], { blobs: { secret: 'k', stores: { data } }, clock });
    base = server.url;
    const created: string[] = [];
    data.onObjectCreated((key) => created.push(key));
    const upload = await data.presignPut('uploads/i1/c1/imp_1.csv', { expiresInSeconds: 60, contentType: 'text/csv' });
    const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: 'phone\n4155550101\n' });
    expect(put.status).toBe(200);
    await put.arrayBuffer();
    expect(Buffer.from((await data.get('uploads/i1/c1/imp_1.csv'))!).toString()).toBe('phone\n4155550101\n');
    await new Promise<void>((r) => setImmediate(r));
    expect(created).toEqual(['uploads/i1/c1/imp_1.csv']);

    const asDownload = await fetch(upload.url);
    expect(asDownload.status).toBe(403);
    await asDownload.arrayBuffer();
    const asUpload = await fetch(await data.link('uploads/i1/c1/imp_1.csv', 60), { method: 'PUT', body: 'x' });
    expect(asUpload.status).toBe(403);
    await asUpload.arrayBuffer();
    clock.advance(60_000);
    const late = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: 'x' });
    expect(late.status).toBe(403);
    await late.arrayBuffer();
  });
});
