import { describe, expect, it } from 'vitest';
import { createApiHandler } from '../../../../functions/api/handler';
import { apiRoutes } from '../../../../functions/api/routes';
import { createApiKey, createInstance } from '../../../../lib/instances/repository';
import type { Services } from '../../../../lib/core/deps';
import { isSecret } from '../../../../lib/webhooks/signing';
import { apiEvent, invoke } from '../../../support/http';
import { RecordingQueue, testDeps } from '../../../support/deps';

async function api(options: { region?: string; webhookQueue?: boolean } = {}) {
  const t = testDeps();
  const webhooks = new RecordingQueue();
  const deps: Services = {
    ...t.deps,
    config: { ...t.deps.config, region: options.region ?? 'local' },
    queues: { dial: t.deps.queues.dial, tick: t.deps.queues.tick, work: t.deps.queues.work, ...(options.webhookQueue !== false ? { webhooks } : {}) },
  };
  const instance = await createInstance(deps.store, { name: 'i' }, t.clock.now());
  const { apiKey, keyId } = await createApiKey(deps.store, instance.instanceId, t.clock.now());
  const handler = createApiHandler(deps, apiRoutes());
  const call = (method: string, path: string, body?: unknown) => invoke(handler as never, apiEvent(method, path, { body, headers: { 'x-api-key': apiKey } }));
  return { call, clock: t.clock, keyId, instanceId: instance.instanceId, webhooks };
}

describe('webhook routes', () => {
  it('creates a webhook and shows its secret once', async () => {
    const a = await api();
    const created = await a.call('POST', '/webhooks', { url: 'https://crm.example.com/hook', eventTypes: ['JobComplete'] });
    expect(created.status).toBe(201);
    expect(isSecret(created.body.secret)).toBe(true);
    expect(created.body.webhook).toMatchObject({ url: 'https://crm.example.com/hook', eventTypes: ['JobComplete'], state: 'active', version: 1, createdBy: a.keyId });
    const id = created.body.webhook.webhookId as string;
    const read = await a.call('GET', `/webhooks/${id}`);
    expect(read.status).toBe(200);
    expect(JSON.stringify(read.body)).not.toContain(created.body.secret);
    const list = await a.call('GET', '/webhooks');
    expect(list.body.items.map((w: { webhookId: string }) => w.webhookId)).toEqual([id]);
    expect(JSON.stringify(list.body)).not.toContain('whsec_');
  });

  it('subscribes to every event type by default', async () => {
    const a = await api();
    const created = await a.call('POST', '/webhooks', { url: 'https://crm.example.com/hook' });
    expect(created.body.webhook.eventTypes).toHaveLength(9);
  });

  it('answers 400 naming the field for a bad endpoint or event type', async () => {
    const deployed = await api({ region: 'us-east-1' });
    const http = await deployed.call('POST', '/webhooks', { url: 'http://127.0.0.1:3000/hook' });
    expect(http.status).toBe(400);
    expect(http.body.error.details).toEqual([{ path: 'url', message: 'must use https' }]);
    const local = await api();
    expect((await local.call('POST', '/webhooks', { url: 'http://127.0.0.1:3000/hook' })).status).toBe(201);
    const badType = await local.call('POST', '/webhooks', { url: 'https://x.example.com', eventTypes: ['CallEnded'] });
    expect(badType.status).toBe(400);
    expect(badType.body.error.details[0].path).toBe('body.eventTypes.0');
  });

  it('rotates the secret with a grace period, pauses and resumes, updates with a version check, and deletes', async () => {
    const a = await api();
    const created = await a.call('POST', '/webhooks', { url: 'https://crm.example.com/hook' });
    const id = created.body.webhook.webhookId as string;
    const rotated = await a.call('POST', `/webhooks/${id}/rotate-secret`, { graceSeconds: 3600 });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(created.body.secret);
    expect(rotated.body.webhook.previousSecretExpiresAt).toBe(a.clock.now() + 3_600_000);
    const paused = await a.call('POST', `/webhooks/${id}/pause`);
    expect(paused.body.state).toBe('paused');
    expect((await a.call('POST', `/webhooks/${id}/resume`)).body.state).toBe('active');
    const stale = await a.call('PATCH', `/webhooks/${id}`, { description: 'x', version: 1 });
    expect(stale.status).toBe(409);
    const updated = await a.call('PATCH', `/webhooks/${id}`, { description: 'CRM', eventTypes: ['CallFinished'], version: 4 });
    expect(updated.body).toMatchObject({ description: 'CRM', eventTypes: ['CallFinished'], version: 5 });
    expect((await a.call('DELETE', `/webhooks/${id}`)).status).toBe(204);
    expect((await a.call('GET', `/webhooks/${id}`)).status).toBe(404);
  });

  it('lists deliveries and dead letters and redelivers (none yet), and says when redelivery is not wired', async () => {
    const a = await api();
    const id = (await a.call('POST', '/webhooks', { url: 'https://crm.example.com/hook' })).body.webhook.webhookId as string;
    expect((await a.call('GET', `/webhooks/${id}/deliveries?status=delivered`)).body).toEqual({ items: [] });
    expect((await a.call('GET', `/webhooks/${id}/dead-letters`)).body).toEqual({ items: [] });
    expect((await a.call('POST', `/webhooks/${id}/redeliver`, {})).body).toEqual({ redelivered: [], remaining: false });
    const unwired = await api({ webhookQueue: false });
    const other = (await unwired.call('POST', '/webhooks', { url: 'https://crm.example.com/hook' })).body.webhook.webhookId as string;
    const r = await unwired.call('POST', `/webhooks/${other}/redeliver`, {});
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe('NotConfigured');
  });

  it('audits every change of a webhook, never with its secret', async () => {
    const a = await api();
    const created = await a.call('POST', '/webhooks', { url: 'https://crm.example.com/hook' });
    const id = created.body.webhook.webhookId as string;
    for (const [method, path] of [['POST', 'rotate-secret'], ['POST', 'pause'], ['DELETE', '']] as const) {
      a.clock.advance(1000);
      await a.call(method, `/webhooks/${id}${path ? `/${path}` : ''}`, method === 'POST' ? {} : undefined);
    }
    const audit = await a.call('GET', `/audit?entityType=webhook&entityId=${id}`);
    expect(audit.status).toBe(200);
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(['webhook.delete', 'webhook.pause', 'webhook.rotateSecret', 'webhook.create']);
    expect(audit.body.items.every((e: { actor: string }) => e.actor === a.keyId)).toBe(true);
    expect(JSON.stringify(audit.body)).not.toContain('whsec_');
  });

  it('does not show another instance its webhooks', async () => {
    const a = await api();
    const id = (await a.call('POST', '/webhooks', { url: 'https://crm.example.com/hook' })).body.webhook.webhookId as string;
    const b = await api();
    expect((await b.call('GET', `/webhooks/${id}`)).status).toBe(404);
  });
});
