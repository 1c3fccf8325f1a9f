import { z } from 'zod';
import type { Route } from './route';

type JsonSchema = Record<string, unknown>;

function schemaOf(type: z.ZodType, io: 'input' | 'output'): JsonSchema {
  try {
    const { $schema: _ignored, ...rest } = z.toJSONSchema(type, { io, unrepresentable: 'any' }) as JsonSchema;
    return rest;
  } catch {
    return {};
  }
}

const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    requestId: z.string().optional(),
  }),
});

/** The OpenAPI 3.1 document, generated from the same zod schemas that validate requests (E3). */
export function openApiDocument(routes: Route[], info: { title?: string; version: string }): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  const errorResponse = { content: { 'application/json': { schema: schemaOf(ErrorBody, 'output') } } };
  for (const r of routes) {
    const parameters: unknown[] = [];
    if (r.params) {
      const s = schemaOf(r.params, 'input') as { properties?: Record<string, JsonSchema> };
      for (const [name, schema] of Object.entries(s.properties ?? {})) parameters.push({ name, in: 'path', required: true, schema });
    } else {
      for (const m of r.path.matchAll(/\{(\w+)\}/g)) parameters.push({ name: m[1], in: 'path', required: true, schema: { type: 'string' } });
    }
    if (r.query) {
      const s = schemaOf(r.query, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
      for (const [name, schema] of Object.entries(s.properties ?? {})) {
        parameters.push({ name, in: 'query', required: s.required?.includes(name) ?? false, schema });
      }
    }
    const content: Record<string, unknown> = {};
    if (r.body) content['application/json'] = { schema: schemaOf(r.body, 'input') };
    for (const ct of r.rawBody?.contentTypes ?? []) content[ct] = { schema: { type: 'string', format: 'binary' } };
    const op: Record<string, unknown> = {
      summary: r.summary,
      tags: r.tags ?? [],
      parameters,
      ...(Object.keys(content).length ? { requestBody: { required: true, content } } : {}),
      responses: {
        [String(r.status ?? 200)]: {
          description: 'OK',
          ...(r.response ? { content: { 'application/json': { schema: schemaOf(r.response, 'output') } } } : {}),
        },
        '400': { description: 'Invalid input; `details` names each offending field', ...errorResponse },
        ...(r.public ? {} : { '401': { description: 'Missing or invalid credentials', ...errorResponse } }),
        '404': { description: 'Not found (also for ids of other instances)', ...errorResponse },
      },
      ...(r.public ? { security: [] } : {}),
    };
    const path = (paths[r.path] ??= {});
    path[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: info.title ?? 'Reachout API', version: info.version },
    components: {
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        jwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      },
    },
    security: [{ apiKey: [] }, { jwt: [] }],
    paths,
  };
}
