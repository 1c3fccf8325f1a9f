import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { silentLogger, type Logger } from '../lib/core/log';
import { systemClock, type Clock } from '../lib/ports/clock';
import { verifyBlobLink, type FileBlobs } from './blobs';
import { lambdaContext } from './clock';
import { listen } from './listen';

/** A Lambda handler behind a path prefix; the longest matching prefix wins. */
export interface LocalRoute {
  prefix: string;
  handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2<unknown> | void>;
  /** Function name in the Lambda context and logs. */
  name?: string;
}

/** Options of the local HTTP server. */
export interface HttpServerOptions {
  /** 0 = any free port. */
  port?: number;
  host?: string;
  routes: LocalRoute[];
  /** Serves `/_blobs/...` links signed by these stores with this secret. */
  blobs?: { secret: string; stores: FileBlobs[] | Record<string, FileBlobs> };
  log?: Logger;
  /** Clock for request times and link expiry; wall time by default. */
  clock?: Clock;
  /** Largest request body accepted; larger ones get 413. */
  maxBodyBytes?: number;
  /** Handler timeout reported by the Lambda context (API Gateway integrations time out at 30 s). */
  timeoutSeconds?: number;
}

/** A running local HTTP server. */
export interface LocalHttpServer {
  /** Base URL, e.g. http://127.0.0.1:4000 (no trailing slash). */
  url: string;
  port: number;
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 200 * 1024 * 1024;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Starts an HTTP server that turns each request into an API Gateway HTTP API payload 2.0 event,
 * invokes the route's handler in-process and maps the result back, the way API Gateway's
 * `$default` route and stage do; it also serves signed blob links.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<LocalHttpServer> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const timeoutMs = (options.timeoutSeconds ?? 30) * 1000;
  const routes = [...options.routes].sort((a, b) => b.prefix.length - a.prefix.length);
  const stores = options.blobs ? Object.values(options.blobs.stores) : [];

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log.error('local http server failed', { error, path: req.url });
      if (!res.headersSent) send(res, 500, { message: 'Internal Server Error' });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? '/';
    const queryAt = target.indexOf('?');
    const rawPath = queryAt >= 0 ? target.slice(0, queryAt) : target;
    if (rawPath.startsWith('/_blobs/') && options.blobs) return serveBlob(req, res, target);

    const route = routes.find((r) => matchesPrefix(r.prefix, rawPath));
    if (!route) return send(res, 404, { message: 'Not Found' });

    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBodyBytes) return tooLarge(req, res);
    const body = await readBody(req, maxBodyBytes);
    if (body === 'too-large') return tooLarge(req, res);

    const requestId = randomBytes(10).toString('base64').replace(/=+$/, '=');
    const event = toEvent(req, target, body, requestId, clock.now());
    const context = lambdaContext(route.name ?? 'api', clock, timeoutMs);
    let result: APIGatewayProxyResultV2<unknown> | void;
    try {
      result = await route.handler(event, context);
    } catch (error) {
      // What API Gateway answers when the integration fails.
      log.error('handler failed', { error, path: rawPath, requestId });
      return send(res, 500, { message: 'Internal Server Error' }, { 'apigw-requestid': requestId });
    }
    writeResult(res, result, requestId);
  }

  async function serveBlob(req: IncomingMessage, res: ServerResponse, target: string): Promise<void> {
    if (req.method === 'PUT') return receiveBlob(req, res, target);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { message: 'Method Not Allowed' }, { allow: 'GET, HEAD, PUT' });
    const check = verifyBlobLink(target, options.blobs!.secret, clock.now());
    if (!check.ok) return send(res, 403, { message: check.reason === 'expired' ? 'Request has expired' : 'Access Denied' });
    for (const store of stores) {
      const key = store.keyOfLinkPath(check.path);
      if (key === undefined) continue;
      const info = await store.head(key);
      if (!info) continue;
      const stream = req.method === 'HEAD' ? undefined : await store.stream(key);
      res.writeHead(200, {
        'content-type': info.contentType ?? 'application/octet-stream',
        'content-length': String(info.size),
        'content-disposition': `attachment; filename="${encodeURIComponent(key.split('/').pop()!)}"`,
      });
      if (!stream) return void res.end();
      await pipeline(Readable.from(stream), res);
      return;
    }
    send(res, 404, { message: 'The specified key does not exist.' });
  }

  /** A PUT to a presigned upload URL (FileBlobs.presignPut), as S3 takes one: the body becomes the object. */
  async function receiveBlob(req: IncomingMessage, res: ServerResponse, target: string): Promise<void> {
    const check = verifyBlobLink(target, options.blobs!.secret, clock.now(), 'PUT');
    if (!check.ok) return send(res, 403, { message: check.reason === 'expired' ? 'Request has expired' : 'Access Denied' });
    const store = stores.find((s) => s.keyOfLinkPath(check.path) !== undefined);
    if (!store) return send(res, 404, { message: 'The specified bucket does not exist.' });
    if (Number(req.headers['content-length'] ?? 0) > maxBodyBytes) return tooLarge(req, res);
    const body = await readBody(req, maxBodyBytes);
    if (body === 'too-large') return tooLarge(req, res);
    await store.put(store.keyOfLinkPath(check.path)!, body, req.headers['content-type']);
    res.writeHead(200, { etag: `"${body.length}"` });
    res.end();
  }

  const port = await listen(server, options.port ?? 0, host);
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // fetch keeps connections alive; they would hold the close open.
        server.closeAllConnections();
      })),
  };
}

function matchesPrefix(prefix: string, path: string): boolean {
  if (prefix === '' || prefix === '/') return true;
  const p = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  return path === p || path.startsWith(`${p}/`);
}

/** Buffers the body; past the limit it stops keeping data but keeps reading, so the 413 reaches the client. */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > max) {
        over = true;
        chunks.length = 0;
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function tooLarge(req: IncomingMessage, res: ServerResponse): void {
  send(res, 413, { message: 'Request Entity Too Large' }, { connection: 'close' });
  // Discard the rest of the upload so the client can read the answer.
  req.resume();
}

/** Builds the payload 2.0 event as API Gateway HTTP APIs do for the `$default` route. */
export function toEvent(req: IncomingMessage, target: string, body: Buffer, requestId: string, nowMs: number): APIGatewayProxyEventV2 {
  const queryAt = target.indexOf('?');
  const rawPath = queryAt >= 0 ? target.slice(0, queryAt) : target;
  const rawQueryString = queryAt >= 0 ? target.slice(queryAt + 1) : '';

  // From the raw headers so duplicates are joined with commas as API Gateway does (Node drops some).
  const headers: Record<string, string> = {};
  let cookies: string[] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    if (name === 'cookie') {
      cookies = cookies.concat(value.split(';').map((c) => c.trim()).filter(Boolean));
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  const socket = req.socket;
  const sourceIp = (socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']},${sourceIp}` : sourceIp;
  headers['x-forwarded-port'] = String(socket.localPort ?? '');
  headers['x-forwarded-proto'] = 'http';

  const query: Record<string, string> = {};
  if (rawQueryString) {
    for (const [k, v] of new URLSearchParams(rawQueryString)) query[k] = k in query ? `${query[k]},${v}` : v;
  }

  const domainName = headers.host ?? `127.0.0.1:${socket.localPort ?? ''}`;
  const method = req.method ?? 'GET';
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName,
      domainPrefix: domainName.split('.')[0]!.split(':')[0]!,
      http: {
        method,
        path: rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: '$default',
      stage: '$default',
      time: clfTime(nowMs),
      timeEpoch: nowMs,
    },
    isBase64Encoded: false,
  };
  if (cookies.length > 0) event.cookies = cookies;
  if (rawQueryString) event.queryStringParameters = query;
  if (body.length > 0) {
    const text = isTextType(headers['content-type']);
    event.body = body.toString(text ? 'utf8' : 'base64');
    event.isBase64Encoded = !text;
  }
  return event;
}

/** Content types API Gateway passes as text; everything else (spreadsheets, multipart, octet-stream) arrives base64-encoded. */
export function isTextType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    type === 'application/json' ||
    type.endsWith('+json') ||
    type === 'application/xml' ||
    type.endsWith('+xml') ||
    type === 'application/x-www-form-urlencoded' ||
    type === 'application/javascript' ||
    type === 'application/graphql'
  );
}

/** Maps a handler result back to HTTP, including API Gateway's inference for results without a statusCode. */
function writeResult(res: ServerResponse, result: APIGatewayProxyResultV2<unknown> | void, requestId: string): void {
  const structured =
    typeof result === 'object' && result !== null && 'statusCode' in result
      ? (result as { statusCode?: number; headers?: Record<string, unknown>; body?: string; isBase64Encoded?: boolean; cookies?: string[] })
      : undefined;
  if (!structured) {
    const body = result === undefined ? '' : typeof result === 'string' ? result : JSON.stringify(result);
    res.writeHead(200, { 'content-type': 'application/json', 'apigw-requestid': requestId, 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
    return;
  }
  const headers: Record<string, string | string[]> = { 'apigw-requestid': requestId };
  for (const [k, v] of Object.entries(structured.headers ?? {})) if (v !== undefined && v !== null) headers[k.toLowerCase()] = String(v);
  if (structured.cookies?.length) {
    const existing = headers['set-cookie'];
    headers['set-cookie'] = [...(existing ? [existing].flat() : []), ...structured.cookies];
  }
  const body = structured.body === undefined ? Buffer.alloc(0) : Buffer.from(structured.body, structured.isBase64Encoded ? 'base64' : 'utf8');
  headers['content-length'] = String(body.length);
  res.writeHead(structured.statusCode ?? 200, headers);
  res.end(body);
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/** API Gateway's requestContext.time format, e.g. 12/Mar/2020:19:03:58 +0000. */
function clfTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}
