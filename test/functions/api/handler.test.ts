import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createApiHandler } from '../../../functions/api/handler';
import { route } from '../../../functions/api/route';
import { allRoutes } from '../../../functions/api/routes';
import { openApiDocument } from '../../../functions/api/openapi';
import { createApiKey, createInstance } from '../../../lib/instances/repository';
import { testDeps } from '../../support/deps';
import { apiEvent, invoke } from '../../support/http';

async function setup() {
  const t = testDeps();
  const now = t.clock.now();
  const a = await createInstance(t.deps.store, { name: 'A', instanceId: 'in_a' }, now);
  const b = await createInstance(t.deps.store, { name: 'B', instanceId: 'in_b' }, now);
  const keyA = (await createApiKey(t.deps.store, a.instanceId, now)).apiKey;
  const admin = (await createApiKey(t.deps.store, a.instanceId, now, { admin: true })).apiKey;
  let calls = 0;
  const extra = [
    route({
      method: 'POST',
      path: '/echo/{name}',
      summary: 'echo',
      params: z.object({ name: z.string().max(5) }),
      body: z.object({ count: z.number().int().positive() }),
      async handle(req) {
        calls++;
        return { status: 201, body: { name: req.params.name, count: req.body.count, instanceId: req.instanceId, calls } };
      },
    }),
    route({
      method: 'GET',
      path: '/boom',
      summary: 'fails',
      async handle() {
        throw new Error('secret internals at /var/task/index.js:1');
      },
    }),
  ];
  const handler = createApiHandler(t.deps, [...allRoutes, ...extra]);
  return { ...t, handler, keyA, admin, a, b };
}

describe('createApiHandler', () => {
  it('answers GET /health without credentials', async () => {
    const { handler } = await setup();
    const res = await invoke(handler, apiEvent('GET', '/health'));
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
  });

  it('rejects requests without an API key with 401', async () => {
    const { handler } = await setup();
    const res = await invoke(handler, apiEvent('GET', '/instance'));
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('Unauthorized');
  });

  it('reads the caller instance when the API key is valid', async () => {
    const { handler, keyA } = await setup();
    const res = await invoke(handler, apiEvent('GET', '/instance', { headers: { 'x-api-key': keyA } }));
    expect(res.status).toBe(200);
    expect(res.body.instanceId).toBe('in_a');
    expect(res.body.settings.dailyCapPerCallee).toBe(3);
  });

  it('answers 404, not 403, for another instance id (SPEC I2)', async () => {
    const { handler, keyA } = await setup();
    const res = await invoke(handler, apiEvent('GET', '/instances/in_b', { headers: { 'x-api-key': keyA } }));
    expect(res.status).toBe(404);
    expect(JSON.stringify(res.body)).not.toContain('"name":"B"');
  });

  it('takes the instance from JWT claims when deployed behind the Cognito authoriser', async () => {
    const { handler } = await setup();
    const event = apiEvent('GET', '/instance');
    (event.requestContext as any).authorizer = { jwt: { claims: { sub: 'user-1', 'custom:instanceId': 'in_b' } } };
    const res = await invoke(handler, event);
    expect(res.body.instanceId).toBe('in_b');
  });

  it('validates settings updates and names the offending field', async () => {
    const { handler, keyA } = await setup();
    const res = await invoke(
      handler,
      apiEvent('PATCH', '/instance', { headers: { 'x-api-key': keyA }, body: { settings: { dailyCapPerCallee: 9 } } }),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('body.settings.dailyCapPerCallee');
  });

  it('merges settings updates and bumps the version', async () => {
    const { handler, keyA } = await setup();
    const res = await invoke(
      handler,
      apiEvent('PATCH', '/instance', { headers: { 'x-api-key': keyA }, body: { settings: { maxConcurrency: 4, timeZone: 'Asia/Shanghai' } } }),
    );
    expect(res.status).toBe(200);
    expect(res.body.settings).toMatchObject({ maxConcurrency: 4, timeZone: 'Asia/Shanghai', dailyCapPerCallee: 3 });
    expect(res.body.version).toBe(2);
  });

  it('keeps the settings a PATCH does not mention (issue 9.2: a PATCH of windows emptied the caller numbers)', async () => {
    const { handler, keyA } = await setup();
    const patch = (body: unknown) => invoke(handler, apiEvent('PATCH', '/instance', { headers: { 'x-api-key': keyA }, body }));
    const callerNumbers = [{ phoneNumber: '+14155550900', periodSeconds: 60 }];
    expect((await patch({ settings: { callerNumbers, maxConcurrency: 7 } })).status).toBe(200);
    const res = await patch({ settings: { windows: { ranges: [{ start: '08:00', end: '21:00' }] } } });
    expect(res.status).toBe(200);
    expect(res.body.settings).toMatchObject({ callerNumbers, maxConcurrency: 7, windows: { ranges: [{ start: '08:00', end: '21:00' }] } });
    expect((await patch({ name: 'renamed' })).body.settings).toMatchObject({ callerNumbers, maxConcurrency: 7 });
  });

  it('rejects malformed JSON with a 400 and no stack trace', async () => {
    const { handler, keyA } = await setup();
    const res = await invoke(handler, apiEvent('POST', '/echo/x', { headers: { 'x-api-key': keyA }, body: '{"count":' }));
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/not valid JSON/);
  });

  it('validates path parameters and bodies with field paths', async () => {
    const { handler, keyA } = await setup();
    const res = await invoke(handler, apiEvent('POST', '/echo/toolong', { headers: { 'x-api-key': keyA }, body: { count: -1 } }));
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: any) => d.path)).toEqual(['body.count']);
    const res2 = await invoke(handler, apiEvent('POST', '/echo/toolong', { headers: { 'x-api-key': keyA }, body: { count: 1 } }));
    expect(res2.body.error.details[0].path).toBe('path.name');
  });

  it('hides unknown errors behind a generic 500', async () => {
    const { handler, keyA } = await setup();
    const res = await invoke(handler, apiEvent('GET', '/boom', { headers: { 'x-api-key': keyA } }));
    expect(res.status).toBe(500);
    expect(JSON.stringify(res.body)).not.toContain('/var/task');
  });

  it('answers 404 for unknown routes and 405 for wrong methods', async () => {
    const { handler, keyA } = await setup();
    expect((await invoke(handler, apiEvent('GET', '/nope', { headers: { 'x-api-key': keyA } }))).status).toBe(404);
    const res = await invoke(handler, apiEvent('DELETE', '/instance', { headers: { 'x-api-key': keyA } }));
    expect(res.status).toBe(405);
    expect(res.headers.allow).toContain('GET');
  });

  it('replays the first answer for a repeated idempotency key', async () => {
    const { handler, keyA } = await setup();
    const headers = { 'x-api-key': keyA, 'idempotency-key': 'k1' };
    const first = await invoke(handler, apiEvent('POST', '/echo/x', { headers, body: { count: 1 } }));
    const second = await invoke(handler, apiEvent('POST', '/echo/x', { headers, body: { count: 1 } }));
    expect(first.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.body.calls).toBe(1);
  });

  it('lets only administrators create instances', async () => {
    const { handler, keyA, admin } = await setup();
    const denied = await invoke(handler, apiEvent('POST', '/instances', { headers: { 'x-api-key': keyA }, body: { name: 'C' } }));
    expect(denied.status).toBe(403);
    const made = await invoke(handler, apiEvent('POST', '/instances', { headers: { 'x-api-key': admin }, body: { name: 'C' } }));
    expect(made.status).toBe(201);
    const own = await invoke(handler, apiEvent('GET', '/instance', { headers: { 'x-api-key': made.body.apiKey } }));
    expect(own.body.name).toBe('C');
  });
});

describe('openApiDocument', () => {
  it('describes every route with schemas generated from zod', () => {
    const doc = openApiDocument(allRoutes, { version: '1' }) as any;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/instance'].patch.requestBody.content['application/json'].schema.properties.settings).toBeDefined();
    expect(doc.paths['/health'].get.security).toEqual([]);
  });
});
