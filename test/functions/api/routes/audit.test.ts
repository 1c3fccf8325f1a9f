import { describe, expect, it } from 'vitest';
import { createApiHandler } from '../../../../functions/api/handler';
import { apiRoutes } from '../../../../functions/api/routes';
import { createApiKey, createInstance } from '../../../../lib/instances/repository';
import { apiEvent, invoke } from '../../../support/http';
import { testDeps } from '../../../support/deps';

async function api() {
  const t = testDeps();
  const instance = await createInstance(t.deps.store, { name: 'i' }, t.clock.now());
  const { apiKey, keyId } = await createApiKey(t.deps.store, instance.instanceId, t.clock.now());
  const handler = createApiHandler(t.deps, apiRoutes());
  const call = async (method: string, path: string, body?: unknown) => {
    t.clock.advance(1000);
    return invoke(handler as never, apiEvent(method, path, { body, headers: { 'x-api-key': apiKey } }));
  };
  return { call, keyId };
}

describe('GET /audit', () => {
  it('answers 400 naming the field for an entity id without a type or a reversed range', async () => {
    const a = await api();
    const noType = await a.call('GET', '/audit?entityId=S1');
    expect(noType.status).toBe(400);
    expect(noType.body.error.details).toEqual([{ path: 'entityType', message: 'required with entityId' }]);
    const reversed = await a.call('GET', '/audit?from=2026-01-06T00:00:00Z&to=2026-01-05T00:00:00Z');
    expect(reversed.status).toBe(400);
    expect((await a.call('GET', '/audit?entityType=robot')).status).toBe(400);
  });

  it('shows scenario, list and settings changes with who made them', async () => {
    const a = await api();
    const scenario = await a.call('POST', '/templates/notification/instantiate', { language: 'en' });
    expect(scenario.status).toBe(201);
    const id = scenario.body.scenarioId as string;
    expect((await a.call('POST', `/scenarios/${id}/publish`, {})).status).toBe(200);
    expect((await a.call('POST', '/lists/do-not-call', { numbers: ['+12065550123'] })).status).toBe(200);
    expect((await a.call('PATCH', '/instance', { name: 'Renamed' })).status).toBe(200);

    const all = await a.call('GET', '/audit');
    expect(all.body.items.map((e: { action: string }) => e.action)).toEqual(['settings.update', 'list.add', 'scenario.publish', 'scenario.create']);
    expect(all.body.items.every((e: { actor: string }) => e.actor === a.keyId)).toBe(true);
    const [settings, list, publish] = all.body.items;
    expect(settings).toMatchObject({ entityType: 'settings', before: { name: 'i' }, after: { name: 'Renamed' } });
    expect(list).toMatchObject({ entityType: 'list', entityId: 'do-not-call', details: { added: 1, rejected: 0 } });
    expect(publish).toMatchObject({ entityType: 'scenario', entityId: id, after: { publishedVersion: 1 }, details: { version: 1 } });

    const byEntity = await a.call('GET', `/audit?entityType=scenario&entityId=${id}`);
    expect(byEntity.body.items.map((e: { action: string }) => e.action)).toEqual(['scenario.publish', 'scenario.create']);
    const byActor = await a.call('GET', `/audit?actor=${a.keyId}&action=list.`);
    expect(byActor.body.items.map((e: { action: string }) => e.action)).toEqual(['list.add']);
  });
});
