import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { ROUTE_EXAMPLES } from '../../../functions/api/examples';
import { ErrorBody, openApiDocument, routeKey } from '../../../functions/api/openapi';
import { apiRoutes } from '../../../functions/api/routes';

const routes = apiRoutes();
const doc = openApiDocument(routes, { version: '1' }) as any;

describe('openApiDocument', () => {
  it('is a valid OpenAPI 3.1 document for a real validator', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    if (!result.valid) console.error(JSON.stringify(result.errors, null, 2).slice(0, 4000));
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('fails the validator when the document is broken (the check can fail)', async () => {
    const broken = structuredClone(doc);
    broken.paths['/health'].get.responses = 'none';
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it('describes every route with success and error responses and at least one example', () => {
    for (const r of routes) {
      const op = doc.paths[r.path]?.[r.method.toLowerCase()];
      expect(op, routeKey(r)).toBeDefined();
      const status = String(r.status ?? 200);
      const success = op.responses[status];
      expect(success, `${routeKey(r)} success`).toBeDefined();
      if (status !== '204') {
        const contents = Object.values(success.content ?? {}) as { schema?: unknown; example?: unknown }[];
        expect(contents.length, `${routeKey(r)} success content`).toBeGreaterThan(0);
        expect(contents.some((c) => c.example !== undefined), `${routeKey(r)} success example`).toBe(true);
      }
      for (const code of ['400', '404', '500', ...(r.public ? [] : ['401'])]) expect(op.responses[code], `${routeKey(r)} ${code}`).toBeDefined();
      if (r.body) expect(op.requestBody.content['application/json'].example, `${routeKey(r)} body example`).toBeDefined();
    }
    expect(doc.components.responses.Error404.content['application/json'].schema.$ref).toBe('#/components/schemas/Error');
    expect(doc.components.schemas.Error.properties.error.required).toEqual(['code', 'message', 'details', 'requestId']);
  });

  it('has examples that match the routes’ own schemas', () => {
    const keys = new Set(routes.map(routeKey));
    expect(Object.keys(ROUTE_EXAMPLES).filter((k) => !keys.has(k))).toEqual([]);
    for (const r of routes) {
      const ex = ROUTE_EXAMPLES[routeKey(r)]!;
      expect(ex, routeKey(r)).toBeDefined();
      const check = (what: string, schema: { safeParse(v: unknown): { success: boolean; error?: unknown } } | undefined, value: unknown) => {
        if (!schema) return;
        const parsed = schema.safeParse(value);
        expect(parsed.success, `${routeKey(r)} ${what}: ${JSON.stringify(parsed.error)}`).toBe(true);
      };
      check('params', r.params, ex.params ?? {});
      check('query', r.query, ex.query ?? {});
      if (r.body) check('body', r.body, ex.body ?? {});
      if (r.response && (r.status ?? 200) !== 204) check('response', r.response, ex.response);
      if (r.rawBody) expect(r.rawBody.contentTypes).toContain(ex.file?.contentType);
    }
    expect(ErrorBody.safeParse({ error: { code: 'X', message: 'm', details: [], requestId: 'r' } }).success).toBe(true);
  });

  it('documents limit and an opaque cursor on every paged list', () => {
    for (const r of routes) {
      const params = (doc.paths[r.path][r.method.toLowerCase()].parameters as { name: string; in: string; description?: string }[]).filter((p) => p.in === 'query');
      const cursor = params.find((p) => p.name === 'cursor');
      if (!cursor) continue;
      expect(cursor.description, routeKey(r)).toMatch(/Opaque/);
      expect(params.find((p) => p.name === 'limit'), `${routeKey(r)} limit`).toBeDefined();
    }
  });
});
