import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createApiHandler, type ApiOptions } from '../../functions/api/handler';
import type { Route } from '../../functions/api/route';
import { apiRoutes } from '../../functions/api/routes';
import { applyChanges, MemoryStore } from '../../lib/adapters/memory/store';
import { AdapterError, ValidationError } from '../../lib/core/errors';
import { createApiKey, createInstance } from '../../lib/instances/repository';
import type { PrincipalMapping } from '../../lib/instances/principals';
import type { Changes, Condition, Item, ItemKey, Page, Query, Store, WriteResult } from '../../lib/ports/store';
import { putCallRecord, putTurns } from '../../lib/telephony/call-records';
import { TEMPLATES } from '../../lib/scenarios/templates';
import { testDeps } from './deps';
import { apiEvent, invoke } from './http';

/** DynamoDB's item size limit. */
export const DYNAMODB_MAX_ITEM_BYTES = 400 * 1024;

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** Approximate DynamoDB item size: attribute names plus values as JSON (a little above the real size). */
export function itemBytes(item: Record<string, unknown>): number {
  let n = 0;
  for (const [k, v] of Object.entries(item)) if (v !== undefined) n += bytes(k) + bytes(JSON.stringify(v) ?? '');
  return n;
}

const id = (k: ItemKey) => `${k.pk}\u0000${k.sk}`;

/**
 * A Store for API tests: the memory store plus what DynamoDB refuses and the memory store allows
 * (items over 400 KB, empty or oversized key attributes, `limit` below 1, cursors it did not make),
 * failing the way the DynamoDB adapter fails (AdapterError → 500, ValidationError for cursors).
 * It also remembers every key ever written, so a test can snapshot the whole table.
 */
export class CheckedStore implements Store {
  private readonly inner = new MemoryStore();
  private readonly touched = new Map<string, ItemKey>();
  /** Write operations that reached the table. */
  writes = 0;

  private check(item: Item, operation: string): void {
    const problems: string[] = [];
    for (const [name, max] of [['pk', 2048], ['sk', 1024], ['gsi1pk', 2048], ['gsi1sk', 1024], ['gsi2pk', 2048], ['gsi2sk', 1024], ['gsi3pk', 2048], ['gsi3sk', 1024]] as const) {
      const v = item[name];
      if (v === undefined && !name.startsWith('gsi')) problems.push(`missing key attribute ${name}`);
      if (v === undefined) continue;
      if (typeof v !== 'string' || v === '') problems.push(`key attribute ${name} must be a non-empty string`);
      else if (bytes(v) > max) problems.push(`key attribute ${name} is ${bytes(v)} bytes (max ${max})`);
    }
    const size = itemBytes(item);
    if (size > DYNAMODB_MAX_ITEM_BYTES) problems.push(`Item size has exceeded the maximum allowed size (${size} bytes)`);
    if (problems.length) throw new AdapterError('DynamoDB', operation, `ValidationException: ${problems.join('; ')}`);
  }

  private note(key: ItemKey): void {
    this.touched.set(id(key), { pk: key.pk, sk: key.sk });
    this.writes++;
  }

  get(key: ItemKey) {
    return this.inner.get(key);
  }
  batchGet(keys: ItemKey[]) {
    return this.inner.batchGet(keys);
  }
  async put(item: Item, condition?: Condition): Promise<WriteResult> {
    this.check(item, 'PutItem');
    const r = await this.inner.put(item, condition);
    if (r.ok) this.note(item);
    return r;
  }
  async update(key: ItemKey, changes: Changes, condition?: Condition): Promise<WriteResult> {
    const current = (await this.inner.get(key)) ?? { pk: key.pk, sk: key.sk };
    this.check(applyChanges(current, changes), 'UpdateItem');
    const r = await this.inner.update(key, changes, condition);
    if (r.ok) this.note(key);
    return r;
  }
  async delete(key: ItemKey, condition?: Condition): Promise<WriteResult> {
    const r = await this.inner.delete(key, condition);
    if (r.ok) this.note(key);
    return r;
  }
  async query(q: Query): Promise<Page> {
    if (q.limit !== undefined && (!Number.isInteger(q.limit) || q.limit < 1)) {
      throw new AdapterError('DynamoDB', 'Query', `ValidationException: Limit must be at least 1 (got ${q.limit})`);
    }
    try {
      return await this.inner.query(q);
    } catch (error) {
      // The DynamoDB adapter answers a cursor it cannot decode with this ValidationError.
      if (q.cursor && error instanceof SyntaxError) throw new ValidationError('invalid cursor', [{ path: 'cursor', message: 'not a cursor returned by a previous page' }]);
      throw error;
    }
  }
  async batchPut(items: Item[]): Promise<void> {
    for (const item of items) this.check(item, 'BatchWriteItem');
    await this.inner.batchPut(items);
    for (const item of items) this.note(item);
  }
  async batchDelete(keys: ItemKey[]): Promise<void> {
    await this.inner.batchDelete(keys);
    for (const k of keys) this.note(k);
  }

  /** Every item of the table, in key order, as one string (for before/after comparisons). */
  async snapshot(): Promise<string> {
    const keys = [...this.touched.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, k]) => k);
    const items = await this.inner.batchGet(keys);
    const byId = new Map(items.map((i) => [id(i), i]));
    return JSON.stringify(keys.map((k) => byId.get(id(k)) ?? null).filter(Boolean));
  }
}

/** Ids of one tenant's fixtures, named like the path parameters of the routes. */
export interface TenantIds {
  instanceId: string;
  scenarioId: string;
  version: string;
  campaignId: string;
  importId: string;
  jobId: string;
  callId: string;
  templateId: string;
  list: string;
}

/** One tenant: its ids and credentials in every flavour. */
export interface Tenant {
  ids: TenantIds;
  apiKey: string;
  /** Role whose session ARNs the IAM flavour sends. */
  roleArn: string;
}

/** How a request authenticates. */
export type Flavour = 'apiKey' | 'jwt' | 'iam';

/** Account of the test IAM roles. */
export const ACCOUNT = '123456789012';

/** Puts a tenant's credentials of a flavour on an event. */
export function authenticateAs(event: APIGatewayProxyEventV2, tenant: Tenant, flavour: Flavour): APIGatewayProxyEventV2 {
  const ctx = event.requestContext as unknown as Record<string, unknown>;
  if (flavour === 'apiKey') event.headers = { ...event.headers, 'x-api-key': tenant.apiKey };
  if (flavour === 'jwt') ctx.authorizer = { jwt: { claims: { sub: `user-${tenant.ids.instanceId}`, 'custom:instanceId': tenant.ids.instanceId }, scopes: null } };
  if (flavour === 'iam') {
    const role = tenant.roleArn.split('/').pop();
    ctx.authorizer = { iam: { userArn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/session-1`, accountId: ACCOUNT } };
    event.headers = { ...event.headers, 'x-reachout-instance': tenant.ids.instanceId };
  }
  return event;
}

/** Replaces `{name}` placeholders of a route path with a tenant's ids (percent-encoded). */
export function fillPath(path: string, ids: Partial<Record<string, string>>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(ids[name] ?? `x-${name}`));
}

/**
 * Two tenants (`in_a`, `in_b`) with a published scenario, a campaign with contacts (so jobs and an
 * import), a call record with turns and a recording, and a do-not-call entry, all made through the API
 * (except the call record, which the telephony side writes), behind the real handler with every route.
 */
export async function apiWorld(options: { routes?: Route[]; api?: ApiOptions } = {}) {
  const store = new CheckedStore();
  const t = testDeps({ store });
  const now = t.clock.now();
  const principals: PrincipalMapping = {
    [`arn:aws:iam::${ACCOUNT}:role/svc-in_a`]: { instances: ['in_a'], admin: false },
    [`arn:aws:iam::${ACCOUNT}:role/svc-in_b`]: { instances: ['in_b'], admin: false },
    [`arn:aws:iam::${ACCOUNT}:role/ops`]: { instances: ['*'], admin: true },
  };
  const routes = options.routes ?? apiRoutes();
  const handler = createApiHandler(t.deps, routes, { cursorSecret: 'test cursor secret', principals, ...options.api });
  const send = (method: string, path: string, opts: Parameters<typeof apiEvent>[2] = {}, as?: { tenant: Tenant; flavour: Flavour }) => {
    const event = apiEvent(method, path, opts);
    return invoke(handler, as ? authenticateAs(event, as.tenant, as.flavour) : event);
  };

  async function tenant(instanceId: string): Promise<Tenant> {
    await createInstance(
      store,
      {
        name: `Tenant ${instanceId}`,
        instanceId,
        settings: {
          callerNumbers: [{ phoneNumber: '+14155550900', periodSeconds: 60 }],
          windows: { ranges: [{ start: '00:00', end: '23:59' }], weekdaysOnly: false, calleeLocalTime: false },
        },
      },
      now,
    );
    const { apiKey } = await createApiKey(store, instanceId, now);
    const roleArn = `arn:aws:iam::${ACCOUNT}:role/svc-${instanceId}`;
    const me: Tenant = { apiKey, roleArn, ids: { instanceId } as TenantIds };
    const ok = async (method: string, path: string, body?: unknown) => {
      const res = await send(method, path, { body }, { tenant: me, flavour: 'apiKey' });
      if (res.status >= 300) throw new Error(`fixture ${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body;
    };
    const scenario = await ok('POST', '/scenarios', TEMPLATES[0]!.definition('en'));
    const published = await ok('POST', `/scenarios/${scenario.scenarioId}/publish`, {});
    const campaign = await ok('POST', '/campaigns', { name: 'Fixture', scenarioId: scenario.scenarioId, scenarioVersion: published.version.version });
    const variables = Object.fromEntries((campaign.requiredVariables as string[]).map((v) => [v, 'x']));
    const imported = await ok('POST', `/campaigns/${campaign.campaignId}/contacts`, {
      contacts: [
        { phone: '+14155550101', name: 'Ann', referenceId: `ref-${instanceId}`, variables },
        { phone: '+14155550102', name: 'Bob', variables },
      ],
    });
    const jobs = await ok('GET', `/campaigns/${campaign.campaignId}/jobs`);
    // The call record below belongs to Ann's job (the history finds calls of a number through its jobs).
    const jobId = (jobs.items as { jobId: string; contact: { phone: string } }[]).find((j) => j.contact.phone === '+14155550101')!.jobId;
    const callId = `call_${instanceId}`;
    await putCallRecord(store, {
      callId,
      instanceId,
      campaignId: campaign.campaignId,
      jobId,
      attempt: 1,
      callee: '+14155550101',
      referenceId: `ref-${instanceId}`,
      dialledAt: new Date(now - 3600_000).toISOString(),
      ringSeconds: 4,
      talkSeconds: 30,
      turns: 1,
      answered: true,
      completed: true,
      transferred: false,
      status: 'Succeeded',
      tags: {},
      noMatchHangup: false,
      recordingKey: `${instanceId}/rec/${callId}.wav`,
    });
    await putTurns(store, instanceId, callId, [{ index: 0, at: now - 3590_000, nodeId: 'greet', prompt: 'Hello', outcome: 'prompt' }]);
    await t.deps.blobs.recordings.put(`${instanceId}/rec/${callId}.wav`, new Uint8Array([1, 2, 3]));
    await ok('POST', '/lists/do-not-call', { numbers: ['+14155550199'] });
    me.ids = {
      instanceId,
      scenarioId: scenario.scenarioId,
      version: String(published.version.version),
      campaignId: campaign.campaignId,
      importId: imported.importId,
      jobId,
      callId,
      templateId: TEMPLATES[0]!.id,
      list: 'do-not-call',
    };
    return me;
  }

  const a = await tenant('in_a');
  const b = await tenant('in_b');
  return { ...t, store, handler, routes, send, a, b, principals };
}

/** The world's type. */
export type ApiWorld = Awaited<ReturnType<typeof apiWorld>>;
