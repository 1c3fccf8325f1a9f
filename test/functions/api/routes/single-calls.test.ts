import { describe, expect, it } from 'vitest';
import { createApiHandler } from '../../../../functions/api/handler';
import { apiRoutes, allRoutes } from '../../../../functions/api/routes';
import { singleCallRoutes, SingleCallResponse, type PlaceSingleCall } from '../../../../functions/api/routes/single-calls';
import { createApiKey, createInstance } from '../../../../lib/instances/repository';
import { apiEvent, invoke } from '../../../support/http';
import { testDeps } from '../../../support/deps';

describe('POST /calls contract', () => {
  async function api() {
    const t = testDeps();
    const placed: Parameters<PlaceSingleCall>[1][] = [];
    const place: PlaceSingleCall = async (_deps, request) => {
      placed.push(request);
      return { jobId: `J-${request.idempotencyKey}`, callId: `K-${request.idempotencyKey}`, campaignId: 'single-x', status: 'Executing' };
    };
    const instance = await createInstance(t.deps.store, { name: 'i' }, t.clock.now());
    const { apiKey } = await createApiKey(t.deps.store, instance.instanceId, t.clock.now());
    const handler = createApiHandler(t.deps, apiRoutes([...allRoutes, ...singleCallRoutes(place)]));
    const call = (body: unknown, headers: Record<string, string> = {}) => invoke(handler as never, apiEvent('POST', '/calls', { body, headers: { 'x-api-key': apiKey, ...headers } }));
    return { call, placed, instanceId: instance.instanceId };
  }
  const body = { phoneNumber: '+14155550123', scenarioId: 'S1', scenarioVersion: 3, variables: { amount: '12' } };

  it('needs an idempotency key, so a retried request never places a second call', async () => {
    const a = await api();
    const r = await a.call(body);
    expect(r.status).toBe(400);
    expect(r.body.error.details).toEqual([{ path: 'idempotency-key', message: 'required' }]);
    expect(a.placed).toEqual([]);
  });

  it('answers 202 with the job and call ids, once per key', async () => {
    const a = await api();
    const first = await a.call(body, { 'idempotency-key': 'k1' });
    expect(first.status).toBe(202);
    expect(SingleCallResponse.parse(first.body)).toEqual({ jobId: 'J-k1', callId: 'K-k1', campaignId: 'single-x', status: 'Executing' });
    const again = await a.call(body, { 'idempotency-key': 'k1' });
    expect(again.body).toEqual(first.body);
    expect(a.placed).toHaveLength(1);
    expect(a.placed[0]).toMatchObject({ instanceId: a.instanceId, idempotencyKey: 'k1', body: { ...body, whenClosed: 'reject' } });
  });

  it('answers 400 naming the field for a missing scenario version', async () => {
    const a = await api();
    const r = await a.call({ ...body, scenarioVersion: undefined }, { 'idempotency-key': 'k2' });
    expect(r.status).toBe(400);
    expect(r.body.error.details[0].path).toBe('body.scenarioVersion');
  });

  it('is not registered until the dialling behind it exists', () => {
    expect(allRoutes.some((r) => r.method === 'POST' && r.path === '/calls')).toBe(false);
  });
});
