import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

/** Builds an API Gateway HTTP API (payload 2.0) event for handler tests. */
export function apiEvent(
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; query?: Record<string, string>; rawBody?: Buffer } = {},
): APIGatewayProxyEventV2 {
  const [rawPath, rawQuery = ''] = path.split('?');
  const query = { ...Object.fromEntries(new URLSearchParams(rawQuery)), ...(options.query ?? {}) };
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  let body: string | undefined;
  let isBase64Encoded = false;
  if (options.rawBody) {
    body = options.rawBody.toString('base64');
    isBase64Encoded = true;
  } else if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: rawPath!,
    rawQueryString: new URLSearchParams(query).toString(),
    headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    requestContext: {
      accountId: '000000000000',
      apiId: 'test',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path: rawPath!, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: 'req-1',
      routeKey: '$default',
      stage: '$default',
      time: '05/Jan/2026:09:00:00 +0000',
      timeEpoch: 0,
    },
    body,
    isBase64Encoded,
  } as APIGatewayProxyEventV2;
}

/** Invokes a payload-2.0 handler and parses the JSON body. */
export async function invoke(
  handler: (e: APIGatewayProxyEventV2, c: Context) => Promise<APIGatewayProxyStructuredResultV2>,
  event: APIGatewayProxyEventV2,
): Promise<{ status: number; body: any; headers: Record<string, unknown> }> {
  const res = await handler(event, { awsRequestId: 'req-1' } as Context);
  const text = res.body ?? '';
  let body: unknown = text;
  try {
    body = text ? JSON.parse(res.isBase64Encoded ? Buffer.from(text, 'base64').toString('utf8') : text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.statusCode ?? 200, body, headers: (res.headers ?? {}) as Record<string, unknown> };
}
