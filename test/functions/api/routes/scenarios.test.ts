import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { scenarioRoutes } from '../../../../functions/api/routes/scenarios';
import { ConflictError, NotFoundError, ValidationError } from '../../../../lib/core/errors';
import { sampleScenario } from '../../../lib/dialog/fixtures';
import { testDeps } from '../../../support/deps';

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Calls a route's handle() with its schemas applied, as the API edge does. */
function client(instanceId = 'in_a') {
  const { deps } = testDeps();
  return async (method: string, path: string, input: { params?: Record<string, string>; query?: Record<string, string>; body?: unknown } = {}) => {
    const r = scenarioRoutes.find((x) => x.method === method && x.path === path);
    if (!r) throw new Error(`no route ${method} ${path}`);
    const parse = (schema: z.ZodType | undefined, value: unknown) => (schema ? schema.parse(value) : value);
    const res = await r.handle(
      {
        params: parse(r.params, input.params ?? {}),
        query: parse(r.query, input.query ?? {}),
        body: parse(r.body, input.body),
        headers: {},
        instanceId,
        principal: 'test',
        admin: false,
        requestId: 'req',
      },
      deps,
    );
    return { status: res.status ?? 200, body: res.body as Body };
  };
}

describe('scenario routes', () => {
  it('creates, reads, lists, edits and deletes a scenario', async () => {
    const call = client();
    const created = await call('POST', '/scenarios', { body: sampleScenario() });
    expect(created.status).toBe(201);
    const scenarioId = created.body.scenarioId as string;
    expect((await call('GET', '/scenarios/{scenarioId}', { params: { scenarioId } })).body.status).toBe('draft');
    expect((await call('GET', '/scenarios')).body.items).toHaveLength(1);
    const put = await call('PUT', '/scenarios/{scenarioId}', { params: { scenarioId }, body: { definition: sampleScenario({ name: 'Renamed' }), revision: 1 } });
    expect(put.body).toMatchObject({ name: 'Renamed', revision: 2 });
    await expect(call('PUT', '/scenarios/{scenarioId}', { params: { scenarioId }, body: { definition: sampleScenario(), revision: 1 } })).rejects.toBeInstanceOf(ConflictError);
    expect((await call('DELETE', '/scenarios/{scenarioId}', { params: { scenarioId } })).status).toBe(204);
    await expect(call('GET', '/scenarios/{scenarioId}', { params: { scenarioId } })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('publishes, lists versions, reads one, rolls back, copies, exports and imports', async () => {
    const call = client();
    const { scenarioId } = (await call('POST', '/scenarios', { body: sampleScenario() })).body;
    const p = { params: { scenarioId } };
    expect((await call('POST', '/scenarios/{scenarioId}/publish', { ...p, body: {} })).body.version.version).toBe(1);
    await call('PUT', '/scenarios/{scenarioId}', { ...p, body: { definition: sampleScenario({ name: 'v2' }) } });
    expect((await call('GET', '/scenarios/{scenarioId}', p)).body.status).toBe('publishedEdited');
    await call('POST', '/scenarios/{scenarioId}/publish', { ...p, body: {} });
    expect((await call('GET', '/scenarios/{scenarioId}/versions', p)).body.items.map((v: Body) => v.version)).toEqual([2, 1]);
    expect((await call('GET', '/scenarios/{scenarioId}/versions/{version}', { params: { scenarioId, version: '1' } })).body.definition.name).toBe('Sample');
    await expect(call('GET', '/scenarios/{scenarioId}/versions/{version}', { params: { scenarioId, version: '7' } })).rejects.toBeInstanceOf(NotFoundError);
    const rolled = await call('POST', '/scenarios/{scenarioId}/rollback', { ...p, body: { version: 1 } });
    expect(rolled.body.version).toMatchObject({ version: 3, rolledBackFrom: 1 });
    const copy = await call('POST', '/scenarios/{scenarioId}/copy', { ...p, body: { name: 'Mine' } });
    expect(copy).toMatchObject({ status: 201, body: { name: 'Mine', status: 'draft' } });
    const exported = await call('GET', '/scenarios/{scenarioId}/export', { ...p, query: { version: '2' } });
    expect(exported.body.definition.name).toBe('v2');
    const imported = await call('POST', '/scenarios/import', { body: JSON.parse(JSON.stringify(exported.body)) });
    expect(imported).toMatchObject({ status: 201, body: { name: 'v2', status: 'draft' } });
  });

  it('answers 400 with per-node details when the draft cannot be published', async () => {
    const call = client();
    const broken = sampleScenario({ nodes: [...sampleScenario().nodes!, { id: 'lost', kind: 'action', action: 'hangUp' }] });
    const { scenarioId } = (await call('POST', '/scenarios', { body: broken })).body;
    const err = (await call('POST', '/scenarios/{scenarioId}/publish', { params: { scenarioId }, body: {} }).catch((e: unknown) => e)) as ValidationError;
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.status).toBe(400);
    expect(err.details).toEqual([{ path: 'nodes.6', message: "node 'lost' cannot be reached from the start node 'ask'" }]);
  });

  it('hides scenarios of other instances', async () => {
    const a = client('in_a');
    const { scenarioId } = (await a('POST', '/scenarios', { body: sampleScenario() })).body;
    const b = client('in_b');
    await expect(b('GET', '/scenarios/{scenarioId}', { params: { scenarioId } })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('lists templates and instantiates one in Chinese', async () => {
    const call = client();
    const list = await call('GET', '/templates');
    expect(list.body.items.map((t: Body) => t.templateId)).toEqual(['notification', 'health-screening', 'satisfaction', 'payment-reminder']);
    const made = await call('POST', '/templates/{templateId}/instantiate', { params: { templateId: 'health-screening' }, body: { language: 'zh' } });
    expect(made.body).toMatchObject({ name: '健康筛查问卷', draft: { voice: { language: 'zh' } } });
    const published = await call('POST', '/scenarios/{scenarioId}/publish', { params: { scenarioId: made.body.scenarioId }, body: {} });
    expect(published.body.version.version).toBe(1);
    await expect(call('POST', '/templates/{templateId}/instantiate', { params: { templateId: 'nope' }, body: {} })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('runs a flow debug chat on the draft and on a version, showing node, intent, score and tags', async () => {
    const call = client();
    const { scenarioId } = (await call('POST', '/scenarios', { body: sampleScenario() })).body;
    const p = { params: { scenarioId } };
    const start = await call('POST', '/scenarios/{scenarioId}/debug', { ...p, body: { input: { type: 'start' }, variables: { name: 'Alex' } } });
    expect(start.body).toMatchObject({ hitNode: 'ask', over: false });
    expect(start.body.commands.find((c: Body) => c.type === 'say').text).toBe('Hello Alex, will you pay 10 dollars?');
    const yes = await call('POST', '/scenarios/{scenarioId}/debug', { ...p, body: { state: start.body.state, input: { type: 'text', text: 'yes' } } });
    expect(yes.body).toMatchObject({ answeredAt: 'ask', intent: 'affirm', tags: { answer: 'yes' }, completed: true, over: true, hitNode: 'bye' });
    expect(yes.body.score).toBeGreaterThanOrEqual(0.5);
    await call('POST', '/scenarios/{scenarioId}/publish', { ...p, body: {} });
    const v = await call('POST', '/scenarios/{scenarioId}/debug', { ...p, body: { version: 1, input: { type: 'start' } } });
    const keys = await call('POST', '/scenarios/{scenarioId}/debug', { ...p, body: { version: 1, state: v.body.state, input: { type: 'digits', digits: '2' } } });
    expect(keys.body).toMatchObject({ intent: 'deny', score: 1, tags: { answer: 'no' } });
    await expect(call('POST', '/scenarios/{scenarioId}/debug', { ...p, body: { input: { type: 'silence' } } })).rejects.toBeInstanceOf(ValidationError);
  });
});
