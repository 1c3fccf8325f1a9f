import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import * as z from 'zod';
import type { Deps, Services } from '../../lib/core/deps';
import { cursorBinding, cursorKey, openCursor, processCursorKey, sealCursor, type CursorKey } from '../../lib/core/cursor';
import {
  ForbiddenError,
  MethodNotAllowedError,
  PayloadTooLargeError,
  ReachoutError,
  RouteNotFoundError,
  UnsupportedMediaTypeError,
  ValidationError,
  fieldIssues,
  type FieldIssue,
} from '../../lib/core/errors';
import { parsePrincipalMapping, type PrincipalMapping } from '../../lib/instances/principals';
import { authenticate, type Caller } from './auth';
import { idempotencyKeyOf, withIdempotency } from './idempotency';
import type { Route, RouteResponse } from './route';
import { compileRoutes, matchRoute } from './router';

type Result = APIGatewayProxyStructuredResultV2;

/** Largest JSON body by default: the Lambda synchronous payload limit. */
export const MAX_JSON_BODY_BYTES = 6 * 1024 * 1024;
/** Largest element of a top-level array of a JSON body by default (one element, e.g. a contact, is one stored item; items are ≤ 400 KB). */
export const MAX_ELEMENT_BYTES = 64 * 1024;
/** Deepest nesting of a JSON body. */
export const MAX_JSON_DEPTH = 64;

/** Deployment-level options of the API handler (the composition root passes them; see `apiOptionsFromEnv`). */
export interface ApiOptions {
  /**
   * Secret that seals pagination cursors (32+ random bytes, e.g. base64). Every process of a deployment
   * must share it, so deployed it is required; when absent a random per-process secret is used
   * (fine for the local runtime and tests: cursors then do not survive a restart).
   */
  cursorSecret?: string;
  /** Deploy-time IAM principal mapping (merged with grants stored by `PUT /principals`). */
  principals?: PrincipalMapping;
  /** How long an in-progress idempotency claim blocks repeats before it counts as abandoned. */
  idempotencyLeaseMs?: number;
}

/**
 * Options from the environment: `CURSOR_SECRET` (string) and `IAM_PRINCIPALS` (JSON:
 * `{"arn:aws:iam::123456789012:role/Ops": {"instances": ["*"], "admin": true}}`).
 * Throws at start-up when `IAM_PRINCIPALS` is malformed, so a bad deployment fails loudly.
 */
export function apiOptionsFromEnv(env: Record<string, string | undefined> = process.env): ApiOptions {
  return {
    ...(env.CURSOR_SECRET ? { cursorSecret: env.CURSOR_SECRET } : {}),
    principals: parsePrincipalMapping(env.IAM_PRINCIPALS),
  };
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

function json(status: number, body: unknown, headers: Record<string, string> = {}): Result {
  return { statusCode: status, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/**
 * The one place errors become HTTP answers. Every error body is `{error: {code, message, details[], requestId}}`:
 * known errors keep their status, details and headers (`retry-after`, `allow`); zod errors are 400s naming
 * each field; anything else is a logged, generic 500 that reveals nothing.
 */
export function errorResponse(error: unknown, requestId: string, deps: Pick<Deps, 'log'>): Result {
  const body = (code: string, message: string, details: FieldIssue[]) => ({ error: { code, message, details, requestId } });
  if (error instanceof ReachoutError) {
    if (error.status >= 500) {
      deps.log.error('request failed', { error, code: error.code, context: error.context, requestId });
      return json(error.status, body(error.code, 'the request could not be completed; retry later', []), error.headers);
    }
    return json(error.status, body(error.code, error.message, error.details), error.headers);
  }
  if (error instanceof z.ZodError) {
    const details = fieldIssues(error.issues);
    return json(400, body('ValidationError', `invalid input: ${summary(details)}`, details));
  }
  deps.log.error('unhandled error', { error, stack: error instanceof Error ? error.stack : undefined, requestId });
  return json(500, body('InternalError', 'internal error', []));
}

function summary(details: FieldIssue[]): string {
  const shown = details.slice(0, 5).map((d) => `${d.path}: ${d.message}`);
  return `${shown.join('; ')}${details.length > 5 ? `; and ${details.length - 5} more` : ''}`;
}

function parseWith<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const details = fieldIssues(parsed.error.issues).map((d) => ({ ...d, path: d.path === '(body)' ? where : `${where}.${d.path}` }));
    throw new ValidationError(`invalid ${where}: ${summary(details)}`, details);
  }
  return parsed.data;
}

function toResult(response: RouteResponse, route: Route): Result {
  const status = response.status ?? route.status ?? 200;
  const body = response.body;
  if (Buffer.isBuffer(body)) {
    return { statusCode: status, headers: response.headers ?? {}, body: body.toString('base64'), isBase64Encoded: true };
  }
  if (typeof body === 'string' && response.headers?.['content-type']) {
    return { statusCode: status, headers: response.headers, body };
  }
  if (body === undefined) return { statusCode: status, headers: response.headers ?? {}, body: '' };
  return json(status, body, response.headers);
}

const isJsonType = (t: string) => t === 'application/json' || t.endsWith('+json') || t === 'text/plain';

/** Fails fast on bodies nested deeper than the limit (without recursion, so no stack overflow). */
function checkDepth(value: unknown): void {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) {
      throw new ValidationError(`the body is nested deeper than ${MAX_JSON_DEPTH} levels`, [{ path: '(body)', message: `nested deeper than ${MAX_JSON_DEPTH} levels` }]);
    }
    for (const child of Object.values(v as Record<string, unknown>)) stack.push([child, depth + 1]);
  }
}

const byteLength = (v: unknown) => Buffer.byteLength(JSON.stringify(v) ?? '', 'utf8');

/** The largest leaf (string, number...) inside a value, as a dotted path and its size. */
function largestLeaf(value: unknown, path: string): { path: string; bytes: number } {
  let best = { path, bytes: 0 };
  const stack: [unknown, string][] = [[value, path]];
  while (stack.length) {
    const [v, p] = stack.pop()!;
    if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v as Record<string, unknown>)) stack.push([child, `${p}.${k}`]);
      // An object's keys count too (many small variables add up).
      const keysBytes = Object.keys(v as object).reduce((n, k) => n + Buffer.byteLength(k), 0);
      if (keysBytes > best.bytes) best = { path: p, bytes: keysBytes };
    } else {
      const bytes = byteLength(v);
      if (bytes > best.bytes) best = { path: p, bytes };
    }
  }
  return best;
}

/** Each element of a top-level array becomes (part of) one stored item: bound its size and name the offender. */
function checkElements(value: unknown, maxBytes: number): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
  const issues: FieldIssue[] = [];
  for (const [field, list] of Object.entries(value as Record<string, unknown>)) {
    if (!Array.isArray(list)) continue;
    list.forEach((element, i) => {
      const bytes = byteLength(element);
      if (bytes <= maxBytes) return;
      const leaf = largestLeaf(element, `body.${field}.${i}`);
      issues.push({
        path: leaf.path,
        message: `${field} row ${i + 1} is ${bytes} bytes, more than the ${maxBytes} bytes one stored item may hold; the largest part is ${leaf.path} (${leaf.bytes} bytes)`,
      });
    });
  }
  if (issues.length) throw new ValidationError(`too large: ${summary(issues)}`, issues);
}

/** JSON with sorted keys, for hashing requests (key order and whitespace do not make two requests different). */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const o = value as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .filter((k) => o[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(',')}}`;
}

function hasCursor(route: Route): boolean {
  const shape = (route.query as unknown as { shape?: Record<string, unknown> } | undefined)?.shape;
  return !!shape && 'cursor' in shape;
}

interface ParsedBody {
  body: unknown;
  rawBody?: Buffer;
  /** What the idempotency hash covers. */
  canonical: Buffer | string;
}

function readBody(event: APIGatewayProxyEventV2, headers: Record<string, string>, route: Route): ParsedBody {
  if (!route.body && !route.rawBody) return { body: undefined, canonical: '' };
  const buffer = event.body ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
  const contentType = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const raw = route.rawBody && (contentType ? !isJsonType(contentType) || !route.body : true);
  if (raw && route.rawBody) {
    const type = contentType || 'application/octet-stream';
    if (!route.rawBody.contentTypes.includes(type)) throw new UnsupportedMediaTypeError(type, route.rawBody.contentTypes);
    if (route.maxBodyBytes !== undefined && buffer.length > route.maxBodyBytes) throw new PayloadTooLargeError(buffer.length, route.maxBodyBytes);
    return { body: undefined, rawBody: buffer, canonical: buffer };
  }
  const limit = route.maxBodyBytes ?? MAX_JSON_BODY_BYTES;
  if (buffer.length > limit) throw new PayloadTooLargeError(buffer.length, limit);
  if (buffer.length > 0 && contentType && !isJsonType(contentType)) throw new UnsupportedMediaTypeError(contentType, ['application/json']);
  let value: unknown = {};
  if (buffer.length > 0) {
    try {
      value = JSON.parse(buffer.toString('utf8'));
    } catch (error) {
      if (!(error instanceof SyntaxError || error instanceof RangeError)) throw error;
      throw new ValidationError(`the body is not valid JSON: ${error.message}`, [{ path: '(body)', message: `not valid JSON: ${error.message}` }]);
    }
  }
  checkDepth(value);
  checkElements(value, route.maxElementBytes ?? MAX_ELEMENT_BYTES);
  return { body: parseWith(route.body!, value, 'body'), canonical: canonicalJson(value) };
}

/** Builds the API Lambda handler (payload 2.0) for a set of routes. Deployed and local runtimes both use it. */
export function createApiHandler(deps: Services, routes: Route[], options: ApiOptions = {}) {
  const compiled = compileRoutes(routes);
  const key: CursorKey = options.cursorSecret ? cursorKey(options.cursorSecret) : processCursorKey();
  const principals = options.principals ?? {};

  const base = async (event: APIGatewayProxyEventV2, context: Context): Promise<Result> => {
    const requestId = event.requestContext?.requestId ?? context?.awsRequestId ?? 'local';
    try {
      const method = event.requestContext.http.method.toUpperCase();
      const path = event.rawPath ?? event.requestContext.http.path;
      if (method === 'OPTIONS') return { statusCode: 204, headers: {} };
      const match = matchRoute(compiled, method, path);
      if (match.kind === 'notFound') throw new RouteNotFoundError(method, path);
      if (match.kind === 'methodNotAllowed') throw new MethodNotAllowedError(method, path, match.allowed);
      const { route, params } = match;

      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
      const caller: Caller = route.public
        ? { instanceId: '', principal: 'anonymous', admin: false, via: 'public' }
        : await authenticate(event, headers, deps, principals);
      if (route.adminOnly && !caller.admin) throw new ForbiddenError(`only administrators may ${route.method} ${route.path}`);

      const { body, rawBody, canonical } = readBody(event, headers, route);
      const parsedParams = route.params ? parseWith(route.params, params, 'path') : params;

      const rawQuery: Record<string, string> = { ...(event.queryStringParameters ?? {}) } as Record<string, string>;
      const cursored = hasCursor(route);
      const binding = () => {
        const { cursor: _c, limit: _l, ...filters } = rawQuery;
        return cursorBinding({ instanceId: caller.instanceId, route: `${route.method} ${route.path}`, params, filters });
      };
      if (cursored && rawQuery.cursor !== undefined && rawQuery.cursor !== '') rawQuery.cursor = openCursor(key, binding(), rawQuery.cursor);
      if (rawQuery.cursor === '') delete rawQuery.cursor;
      const query = route.query ? parseWith(route.query, rawQuery, 'query') : rawQuery;

      const idemKey = route.public ? undefined : idempotencyKeyOf(method, headers);
      const run = async (): Promise<Result> => {
        const response = await route.handle(
          { params: parsedParams, query, body, headers, rawBody, instanceId: caller.instanceId, principal: caller.principal, requestId, admin: caller.admin } as never,
          deps,
        );
        if (cursored && response.body && typeof response.body === 'object' && !Buffer.isBuffer(response.body)) {
          const page = response.body as { cursor?: unknown };
          if (typeof page.cursor === 'string') response.body = { ...page, cursor: sealCursor(key, binding(), page.cursor) };
        }
        return toResult(response, route);
      };
      const execute = async () => {
        try {
          return await run();
        } catch (error) {
          return errorResponse(error, requestId, deps);
        }
      };
      if (!idemKey) return await execute();
      const canonicalQuery = Object.keys(event.queryStringParameters ?? {})
        .sort()
        .map((k) => `${k}=${event.queryStringParameters![k]}`)
        .join('&');
      return await withIdempotency(
        deps,
        idemKey,
        { instanceId: caller.instanceId, method, route: route.path, path, query: canonicalQuery, body: canonical },
        execute,
        { leaseMs: options.idempotencyLeaseMs },
      );
    } catch (error) {
      return errorResponse(error, requestId, deps);
    }
  };
  return middy<APIGatewayProxyEventV2, Result, Error, Context>(base);
}
