import { beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_EXAMPLES } from '../../../functions/api/examples';
import { routeKey } from '../../../functions/api/openapi';
import type { Route } from '../../../functions/api/route';
import { apiRoutes } from '../../../functions/api/routes';
import { normalisePrincipalArn, parsePrincipalMapping } from '../../../lib/instances/principals';
import { ACCOUNT, apiWorld, fillPath, type ApiWorld, type Flavour, type Tenant, type TenantIds } from '../../support/api-fuzz';
import { apiEvent, invoke } from '../../support/http';

/** Path parameters that name something owned by an instance (so another instance's value must be 404). */
const OWNED = new Set(['instanceId', 'scenarioId', 'version', 'campaignId', 'importId', 'jobId', 'callId']);
const FLAVOURS: Flavour[] = ['apiKey', 'jwt', 'iam'];
const routes = apiRoutes();
const guarded = routes.filter((r) => !r.public);
const owned = guarded.filter((r) => [...r.path.matchAll(/\{(\w+)\}/g)].some((m) => OWNED.has(m[1]!)));

/** The example request of a route, with the path filled with a tenant's ids. */
function request(r: Route, ids: TenantIds | Record<string, string>): [string, Parameters<typeof apiEvent>[2]] {
  const ex = ROUTE_EXAMPLES[routeKey(r)] ?? {};
  const params = { ...ex.params, ...Object.fromEntries(Object.entries(ids).filter(([k]) => OWNED.has(k))) };
  const query = new URLSearchParams(ex.query ?? {}).toString();
  const path = `${fillPath(r.path, params)}${query ? `?${query}` : ''}`;
  if (ex.file) return [path, { rawBody: Buffer.from(ex.file.text), headers: { 'content-type': ex.file.contentType } }];
  return [path, ex.body !== undefined ? { body: ex.body } : {}];
}

function send(w: ApiWorld, r: Route, ids: TenantIds | Record<string, string>, auth: (e: ReturnType<typeof apiEvent>) => void) {
  const [path, opts] = request(r, ids);
  const event = apiEvent(r.method, path, opts);
  auth(event);
  return invoke(w.handler, event);
}

const jwt = (instanceId?: string) => (e: ReturnType<typeof apiEvent>) => {
  (e.requestContext as any).authorizer = { jwt: { claims: { sub: 'u1', ...(instanceId ? { 'custom:instanceId': instanceId } : {}) }, scopes: null } };
};
const iam = (role: string, instance?: string) => (e: ReturnType<typeof apiEvent>) => {
  (e.requestContext as any).authorizer = { iam: { userArn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/s-1`, accountId: ACCOUNT } };
  if (instance) e.headers['x-reachout-instance'] = instance;
};
const asTenant = (t: Tenant, flavour: Flavour) => (e: ReturnType<typeof apiEvent>) => {
  if (flavour === 'apiKey') e.headers['x-api-key'] = t.apiKey;
  if (flavour === 'jwt') jwt(t.ids.instanceId)(e);
  if (flavour === 'iam') iam(`svc-${t.ids.instanceId}`, t.ids.instanceId)(e);
};

describe('authorisation matrix (every route × JWT, IAM, API key)', () => {
  let w: ApiWorld;
  beforeAll(async () => {
    w = await apiWorld();
  }, 60_000);

  it('covers every route of the API', () => {
    expect(guarded.length + routes.filter((r) => r.public).length).toBe(routes.length);
    // The report page and its scripts hold no data: the page asks for credentials and calls the guarded JSON API.
    expect(routes.filter((r) => r.public).map(routeKey).sort()).toEqual(['GET /campaigns/{campaignId}/report.html', 'GET /health', 'GET /openapi.json', 'GET /report-assets/{file}']);
    expect(owned.length).toBeGreaterThan(30);
  });

  it.each(guarded.map((r) => [routeKey(r), r] as const))('%s refuses callers without valid credentials', async (_k, r) => {
    const before = await w.store.snapshot();
    const none = await send(w, r, w.a.ids, () => {});
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('Unauthorized');
    expect((await send(w, r, w.a.ids, (e) => (e.headers['x-api-key'] = 'ro_not-a-key'))).status).toBe(401);
    expect((await send(w, r, w.a.ids, (e) => (e.headers.authorization = 'Bearer nope'))).status).toBe(401);
    // Authenticated by the gateway, but tied to no instance: refused, never let through.
    expect((await send(w, r, w.a.ids, jwt())).status).toBe(403);
    expect((await send(w, r, w.a.ids, iam('stranger', 'in_a'))).status).toBe(403);
    // A service principal naming an instance outside its grant finds nothing there.
    const other = await send(w, r, w.a.ids, iam('svc-in_b', 'in_a'));
    expect(other.status).toBe(404);
    expect(other.body.error.message).toContain('in_a');
    expect(await w.store.snapshot()).toBe(before);
  });

  it.each(owned.flatMap((r) => FLAVOURS.map((f) => [`${routeKey(r)} as ${f}`, r, f] as const)))(
    '%s: another instance’s ids are 404, not 403, and change nothing',
    async (_k, r, flavour) => {
      const before = await w.store.snapshot();
      const res = await send(w, r, w.b.ids, asTenant(w.a, flavour));
      expect(res.status, JSON.stringify(res.body)).toBe(404);
      expect(res.body.error.code).toBe('NotFound');
      expect(JSON.stringify(res.body)).not.toContain('Tenant in_b');
      expect(await w.store.snapshot()).toBe(before);
    },
  );

  it.each(guarded.filter((r) => !owned.includes(r)).flatMap((r) => FLAVOURS.map((f) => [`${routeKey(r)} as ${f}`, r, f] as const)))(
    '%s: answers within the caller’s instance only',
    async (_k, r, flavour) => {
      const res = await send(w, r, w.a.ids, asTenant(w.a, flavour));
      expect(res.status).toBeLessThan(500);
      const text = JSON.stringify(res.body ?? '');
      for (const id of [w.b.ids.scenarioId, w.b.ids.campaignId, w.b.ids.jobId, w.b.ids.callId, 'ref-in_b', 'Tenant in_b']) expect(text).not.toContain(id);
      if (r.adminOnly) expect(res.status).toBe(403);
    },
  );
});

describe('IAM principals', () => {
  it('normalises assumed-role session ARNs to their role', () => {
    expect(normalisePrincipalArn('arn:aws:sts::123456789012:assumed-role/Ops/alice@example.com')).toBe('arn:aws:iam::123456789012:role/Ops');
    expect(normalisePrincipalArn('arn:aws-cn:sts::123456789012:assumed-role/Ops/i-0abc')).toBe('arn:aws-cn:iam::123456789012:role/Ops');
    expect(normalisePrincipalArn('arn:aws:iam::123456789012:role/service-role/team/Ops')).toBe('arn:aws:iam::123456789012:role/Ops');
    expect(normalisePrincipalArn('arn:aws:iam::123456789012:user/ci/deployer')).toBe('arn:aws:iam::123456789012:user/ci/deployer');
  });

  it('parses the deploy-time mapping and fails loudly on a bad one', () => {
    expect(parsePrincipalMapping('{"arn:aws:iam::123456789012:role/x/Ops":{"instances":["*"],"admin":true}}')).toEqual({
      'arn:aws:iam::123456789012:role/Ops': { instances: ['*'], admin: true },
    });
    expect(parsePrincipalMapping(undefined)).toEqual({});
    expect(() => parsePrincipalMapping('{"nope":{}}')).toThrow(/IAM_PRINCIPALS/);
    expect(() => parsePrincipalMapping('{')).toThrow(/IAM_PRINCIPALS/);
  });

  it('makes a principal administrator only when its grant says so', async () => {
    const w = await apiWorld();
    const get = (auth: (e: ReturnType<typeof apiEvent>) => void, path: string) => {
      const e = apiEvent('GET', path);
      auth(e);
      return invoke(w.handler, e);
    };
    expect((await get(iam('svc-in_a', 'in_a'), '/instances/in_b')).status).toBe(404);
    expect((await get(iam('ops', 'in_a'), '/instances/in_b')).status).toBe(200);
    expect((await get(iam('ops', 'in_b'), '/instance')).body.instanceId).toBe('in_b');
    // The header may be left out when the grant names one instance.
    expect((await get(iam('svc-in_a'), '/instance')).body.instanceId).toBe('in_a');
    const missing = await get(iam('ops'), '/instance');
    expect(missing.status).toBe(400);
    expect(missing.body.error.details[0].path).toBe('x-reachout-instance');
  });

  it('lets an administrator grant and revoke instances through /principals', async () => {
    const w = await apiWorld();
    const call = (method: string, path: string, body: unknown, auth: (e: ReturnType<typeof apiEvent>) => void) => {
      const e = apiEvent(method, path, body === undefined ? {} : { body });
      auth(e);
      return invoke(w.handler, e);
    };
    const newcomer = iam('reporting', 'in_b');
    expect((await call('GET', '/instance', undefined, newcomer)).status).toBe(403);
    expect((await call('PUT', '/principals', { principal: `arn:aws:iam::${ACCOUNT}:role/reporting`, instances: ['in_b'] }, iam('svc-in_a', 'in_a'))).status).toBe(403);
    const unknown = await call('PUT', '/principals', { principal: `arn:aws:iam::${ACCOUNT}:role/reporting`, instances: ['in_b', 'in_zz'] }, iam('ops', 'in_a'));
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details[0].path).toBe('body.instances.1');
    const granted = await call('PUT', '/principals', { principal: `arn:aws:sts::${ACCOUNT}:assumed-role/reporting/x`, instances: ['in_b'] }, iam('ops', 'in_a'));
    expect(granted.body).toEqual({ principal: `arn:aws:iam::${ACCOUNT}:role/reporting`, instances: ['in_b'], admin: false });
    expect((await call('GET', '/instance', undefined, newcomer)).body.instanceId).toBe('in_b');
    expect((await call('GET', '/instance', undefined, iam('reporting', 'in_a'))).status).toBe(404);
    const listed = await call('GET', '/principals', undefined, iam('ops', 'in_a'));
    expect(listed.body.items.map((g: { principal: string }) => g.principal)).toEqual([`arn:aws:iam::${ACCOUNT}:role/reporting`]);
    const revoke = apiEvent('DELETE', `/principals?principal=${encodeURIComponent(`arn:aws:iam::${ACCOUNT}:role/reporting`)}`);
    iam('ops', 'in_a')(revoke);
    expect((await invoke(w.handler, revoke)).status).toBe(204);
    expect((await call('GET', '/instance', undefined, newcomer)).status).toBe(403);
  });
});
