import * as z from 'zod';
import { ERROR_EXAMPLE, ROUTE_EXAMPLES, type RouteExample } from './examples';
import type { Route } from './route';

type JsonSchema = Record<string, unknown>;

/**
 * JSON Schema of a zod schema for OpenAPI 3.1 (JSON Schema 2020-12). Shared definitions (`$defs`) are
 * moved to `components/schemas` and their references rewritten, since a `$ref` in an OpenAPI document
 * resolves against the document, not the schema it sits in.
 */
function schemaOf(type: z.ZodType, io: 'input' | 'output', components: Record<string, JsonSchema>, prefix: string): JsonSchema {
  let generated: JsonSchema;
  try {
    generated = z.toJSONSchema(type, { io, unrepresentable: 'any' }) as JsonSchema;
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    // A schema zod cannot express (a transform without an output type) is documented as any JSON value.
    return { description: 'any JSON value' };
  }
  const { $schema: _s, $defs, ...rest } = generated as JsonSchema & { $defs?: Record<string, JsonSchema> };
  if (!$defs) return rest;
  const renamed = new Map(Object.keys($defs).map((name) => [name, `${prefix}_${name}`.replace(/[^A-Za-z0-9._-]/g, '_')]));
  const rewrite = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(rewrite);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(
      Object.entries(v as JsonSchema).map(([k, child]) => {
        if (k === '$ref' && typeof child === 'string' && child.startsWith('#/$defs/')) {
          return [k, `#/components/schemas/${renamed.get(child.slice('#/$defs/'.length))}`];
        }
        return [k, rewrite(child)];
      }),
    );
  };
  for (const [name, def] of Object.entries($defs)) components[renamed.get(name)!] = rewrite(def) as JsonSchema;
  return rewrite(rest) as JsonSchema;
}

/** The error body of every 4xx and 5xx: `details` and `requestId` are always present. */
export const ErrorBody = z.object({
  error: z.object({
    code: z.string().describe('Stable machine-readable code, e.g. ValidationError, NotFound, InvalidCursor, IdempotencyKeyReused'),
    message: z.string().describe('What is wrong, naming the field, row or header'),
    details: z.array(z.object({ path: z.string(), message: z.string() })).describe('One entry per offending field (possibly empty)'),
    requestId: z.string().describe('Quote it when asking for help'),
  }),
});

const ERRORS: Record<string, string> = {
  '400': 'Invalid input (`details` names each offending field, row, header or the cursor)',
  '401': 'Missing or invalid credentials',
  '403': 'Authenticated, but not allowed (administrators only, or a principal without an instance grant)',
  '404': 'Not found (also for ids of other instances)',
  '409': 'Conflicts with the current state, or a request with this idempotency key is still running (`Retry-After`)',
  '413': 'The body is larger than this route accepts',
  '415': 'The body has a content type this route does not read',
  '422': 'The idempotency key was used before with a different request',
  '500': 'Internal error (nothing about it is revealed; quote the requestId)',
};

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function operationId(r: Route): string {
  const words = r.path
    .split('/')
    .filter(Boolean)
    .map((s) => s.replace(/[{}]/g, ''))
    .map((s) => s.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : '')))
    .map((s) => s.charAt(0).toUpperCase() + s.slice(1));
  return `${r.method.toLowerCase()}${words.join('')}`;
}

/** The first example a zod schema carries in its metadata (`.meta({ examples: [...] })`), if any. */
function metaExample(schema: unknown): unknown {
  const meta = (schema as { meta?: () => { examples?: unknown[] } | undefined } | undefined)?.meta?.();
  return Array.isArray(meta?.examples) ? meta.examples[0] : undefined;
}

/** Key of a route in the examples map. */
export const routeKey = (r: Pick<Route, 'method' | 'path'>) => `${r.method} ${r.path}`;

/** The OpenAPI 3.1 document, generated from the same zod schemas that validate requests (E3). */
export function openApiDocument(routes: Route[], info: { title?: string; version: string }): JsonSchema {
  const components: Record<string, JsonSchema> = {};
  components.Error = schemaOf(ErrorBody, 'output', components, 'Error');
  const responses: Record<string, unknown> = {};
  for (const [code, description] of Object.entries(ERRORS)) {
    responses[`Error${code}`] = { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' }, example: ERROR_EXAMPLE } } };
  }
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const id = operationId(r);
    // An example from the examples map, else from the schemas' own `.meta({ examples })`.
    const given: RouteExample = ROUTE_EXAMPLES[routeKey(r)] ?? {};
    const example: RouteExample = {
      ...given,
      ...(given.response === undefined && metaExample(r.response) !== undefined ? { response: metaExample(r.response) } : {}),
      ...(given.body === undefined && metaExample(r.body) !== undefined ? { body: metaExample(r.body) } : {}),
    };
    const parameters: unknown[] = [];
    const pathSchemas = r.params ? ((schemaOf(r.params, 'input', components, id) as { properties?: Record<string, JsonSchema> }).properties ?? {}) : {};
    for (const m of r.path.matchAll(/\{(\w+)\}/g)) {
      const name = m[1]!;
      parameters.push({ name, in: 'path', required: true, schema: pathSchemas[name] ?? { type: 'string' }, ...(example.params?.[name] ? { example: example.params[name] } : {}) });
    }
    if (r.query) {
      const s = schemaOf(r.query, 'input', components, id) as { properties?: Record<string, JsonSchema>; required?: string[] };
      for (const [name, schema] of Object.entries(s.properties ?? {})) {
        const description = name === 'cursor' ? 'Opaque cursor from the previous page; valid only with the same route, filters and instance' : name === 'limit' ? 'At most this many items' : undefined;
        parameters.push({
          name,
          in: 'query',
          required: s.required?.includes(name) ?? false,
          schema,
          ...(description ? { description } : {}),
          ...(example.query?.[name] ? { example: example.query[name] } : {}),
        });
      }
    }
    if (!r.public && MUTATING.has(r.method)) {
      parameters.push({
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description: 'Run this request at most once per key (24 h); repeats get the first answer. 1–255 printable ASCII characters.',
        schema: { type: 'string', minLength: 1, maxLength: 255 },
      });
    }
    if (!r.public) {
      parameters.push({
        name: 'x-reachout-instance',
        in: 'header',
        required: false,
        description: 'Service (IAM) callers: the instance to act on; must be one the principal is granted',
        schema: { type: 'string', maxLength: 100 },
      });
    }
    const content: Record<string, unknown> = {};
    if (r.body) content['application/json'] = { schema: schemaOf(r.body, 'input', components, `${id}Body`), ...(example.body !== undefined ? { example: example.body } : {}) };
    for (const ct of r.rawBody?.contentTypes ?? []) {
      content[ct] = { schema: { type: 'string', format: 'binary' }, ...(example.file?.contentType === ct ? { example: example.file.text } : {}) };
    }
    const status = String(r.status ?? 200);
    const success: Record<string, unknown> = { description: r.summary };
    if (r.response) {
      success.content = { 'application/json': { schema: schemaOf(r.response, 'output', components, `${id}Response`), ...(example.response !== undefined ? { example: example.response } : {}) } };
    } else if (r.produces ?? example.produces) {
      success.content = Object.fromEntries((r.produces ?? example.produces)!.map((ct) => [ct, { schema: { type: 'string', format: 'binary' }, ...(example.download?.contentType === ct ? { example: example.download.text } : {}) }]));
    }
    const errors = ['400', ...(r.public ? [] : ['401', '403']), '404', ...(MUTATING.has(r.method) && !r.public ? ['409', '422'] : []), ...(r.body || r.rawBody ? ['413', '415'] : []), '500'];
    const op: Record<string, unknown> = {
      operationId: id,
      summary: r.summary,
      tags: r.tags ?? [],
      parameters,
      ...(Object.keys(content).length ? { requestBody: { required: !r.body || !r.body.safeParse(undefined).success, content } } : {}),
      responses: {
        [status]: success,
        ...Object.fromEntries(errors.map((code) => [code, { $ref: `#/components/responses/Error${code}` }])),
      },
      ...(r.public ? { security: [] } : {}),
    };
    const path = (paths[r.path] ??= {});
    path[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: info.title ?? 'Reachout API',
      version: info.version,
      description:
        'Outbound voice robot. Every error is `{error: {code, message, details[], requestId}}`. Lists page with `limit` (at most that many items) and an opaque `cursor`.',
    },
    components: {
      schemas: components,
      responses,
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        jwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Cognito ID token carrying custom:instanceId' },
        iam: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'AWS Signature Version 4 (service API); name the instance in x-reachout-instance' },
      },
    },
    security: [{ apiKey: [] }, { jwt: [] }, { iam: [] }],
    paths,
  };
}
