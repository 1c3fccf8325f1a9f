import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { z } from 'zod';
import type { Deps, Services } from '../../lib/core/deps';
import { ReachoutError, UnauthorizedError, ValidationError, fieldIssues } from '../../lib/core/errors';
import { resolveApiKey } from '../../lib/instances/repository';
import { keys } from '../../lib/store/keys';
import type { Route, RouteResponse } from './route';
import { compileRoutes, matchRoute } from './router';

type Result = APIGatewayProxyStructuredResultV2;

/** The caller, resolved from a JWT (people), an IAM principal (services) or an API key. */
interface Caller {
  instanceId: string;
  principal: string;
  admin: boolean;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

function json(status: number, body: unknown, headers: Record<string, string> = {}): Result {
  return { statusCode: status, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/** Maps any error to a response: known errors keep their status and details; unknown ones become a logged, generic 500. */
export function errorResponse(error: unknown, requestId: string, deps: Pick<Deps, 'log'>): Result {
  if (error instanceof ReachoutError) {
    if (error.status >= 500) deps.log.error('request failed', { error, code: error.code, context: error.context, requestId });
    return json(error.status, {
      error: {
        code: error.code,
        message: error.status >= 500 ? 'the request could not be completed' : error.message,
        ...(error.details.length ? { details: error.details } : {}),
        requestId,
      },
    });
  }
  if (error instanceof z.ZodError) {
    return json(400, { error: { code: 'ValidationError', message: 'invalid input', details: fieldIssues(error.issues), requestId } });
  }
  deps.log.error('unhandled error', { error, stack: error instanceof Error ? error.stack : undefined, requestId });
  return json(500, { error: { code: 'InternalError', message: 'internal error', requestId } });
}

function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  return event.headers?.[name] ?? event.headers?.[name.toLowerCase()];
}

async function authenticate(event: APIGatewayProxyEventV2, deps: Deps): Promise<Caller> {
  const ctx = event.requestContext as APIGatewayProxyEventV2['requestContext'] & {
    authorizer?: { jwt?: { claims?: Record<string, unknown> }; iam?: { userArn?: string } };
  };
  const claims = ctx.authorizer?.jwt?.claims;
  if (claims && typeof claims['custom:instanceId'] === 'string') {
    return { instanceId: claims['custom:instanceId'], principal: String(claims.sub ?? 'jwt'), admin: claims['custom:admin'] === 'true' };
  }
  const iam = ctx.authorizer?.iam;
  const instanceHeader = header(event, 'x-reachout-instance');
  if (iam?.userArn && instanceHeader) return { instanceId: instanceHeader, principal: iam.userArn, admin: true };
  const bearer = header(event, 'authorization')?.replace(/^Bearer\s+/i, '');
  const apiKey = header(event, 'x-api-key') ?? bearer;
  if (!apiKey) throw new UnauthorizedError('send an API key in the x-api-key header');
  const resolved = await resolveApiKey(deps.store, apiKey);
  if (!resolved) throw new UnauthorizedError('unknown or revoked API key');
  return { instanceId: resolved.instanceId, principal: resolved.keyId, admin: resolved.admin };
}

function parseWith<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const details = fieldIssues(parsed.error.issues).map((d) => ({ ...d, path: d.path === '(body)' ? where : `${where}.${d.path}` }));
    throw new ValidationError(`invalid ${where}: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
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

/** Idempotency (E3): a POST with an `idempotency-key` header is answered once; repeats replay the first answer. */
async function withIdempotency(
  deps: Services,
  caller: Caller,
  event: APIGatewayProxyEventV2,
  run: () => Promise<Result>,
): Promise<Result> {
  const idemKey = header(event, 'idempotency-key');
  if (!idemKey || event.requestContext.http.method !== 'POST') return run();
  const key = keys.idempotency(caller.instanceId, event.requestContext.http.path, idemKey.slice(0, 200));
  const now = deps.clock.now();
  const claimed = await deps.store.put({ ...key, state: 'inProgress', at: now }, { or: [{ notExists: 'pk' }, { lt: ['at', now - 60_000] }] });
  if (!claimed.ok) {
    const existing = await deps.store.get(key);
    if (existing?.state === 'done') return existing.response as Result;
    return json(409, { error: { code: 'Conflict', message: 'a request with this idempotency key is in progress' } });
  }
  const result = await run();
  if (result.statusCode && result.statusCode < 500) {
    await deps.store.put({ ...key, state: 'done', at: now, response: result });
  } else {
    await deps.store.delete(key);
  }
  return result;
}

/** Builds the API Lambda handler (payload 2.0) for a set of routes. Deployed and local runtimes both use it. */
export function createApiHandler(deps: Services, routes: Route[]) {
  const compiled = compileRoutes(routes);
  const base = async (event: APIGatewayProxyEventV2, context: Context): Promise<Result> => {
    const requestId = event.requestContext?.requestId ?? context?.awsRequestId ?? 'local';
    try {
      const method = event.requestContext.http.method.toUpperCase();
      const path = event.rawPath ?? event.requestContext.http.path;
      if (method === 'OPTIONS') return { statusCode: 204, headers: {} };
      const match = matchRoute(compiled, method, path);
      if (match.kind === 'notFound') return json(404, { error: { code: 'NotFound', message: `no route for ${method} ${path}`, requestId } });
      if (match.kind === 'methodNotAllowed') {
        return json(405, { error: { code: 'MethodNotAllowed', message: `${method} is not allowed on ${path}`, requestId } }, { allow: match.allowed.join(', ') });
      }
      const { route, params } = match;
      const caller: Caller = route.public ? { instanceId: '', principal: 'anonymous', admin: false } : await authenticate(event, deps);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
      const rawBuffer = event.body ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8') : undefined;
      let body: unknown = undefined;
      let rawBody: Buffer | undefined;
      const contentType = (headers['content-type'] ?? '').split(';')[0]!.trim();
      if (route.rawBody && contentType && contentType !== 'application/json') {
        if (!route.rawBody.contentTypes.includes(contentType)) {
          throw new ValidationError(`unsupported content type ${contentType}; send one of ${route.rawBody.contentTypes.join(', ')}`, [
            { path: 'content-type', message: 'unsupported' },
          ]);
        }
        rawBody = rawBuffer;
      } else if (route.body) {
        let value: unknown = {};
        if (rawBuffer && rawBuffer.length) {
          try {
            value = JSON.parse(rawBuffer.toString('utf8'));
          } catch {
            throw new ValidationError('the body is not valid JSON', [{ path: '(body)', message: 'not valid JSON' }]);
          }
        }
        body = parseWith(route.body, value, 'body');
      }
      const parsedParams = route.params ? parseWith(route.params, params, 'path') : params;
      const query = route.query ? parseWith(route.query, event.queryStringParameters ?? {}, 'query') : (event.queryStringParameters ?? {});
      const run = async () =>
        toResult(
          await route.handle(
            { params: parsedParams, query, body, headers, rawBody, instanceId: caller.instanceId, principal: caller.principal, requestId, admin: caller.admin } as never,
            deps,
          ),
          route,
        );
      return route.public ? await run() : await withIdempotency(deps, caller, event, run);
    } catch (error) {
      return errorResponse(error, requestId, deps);
    }
  };
  return middy<APIGatewayProxyEventV2, Result, Error, Context>(base);
}
