import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { route } from '../../../functions/api/route';
import { apiRoutes } from '../../../functions/api/routes';
import { ConflictError } from '../../../lib/core/errors';
import { putCallRecord } from '../../../lib/telephony/call-records';
import { apiWorld, type ApiWorld } from '../../support/api-fuzz';

/** The one error shape: exactly code, message, details[], requestId. */
function expectErrorShape(res: { status: number; body: any }, status: number, code?: string) {
  expect(res.status).toBe(status);
  expect(Object.keys(res.body)).toEqual(['error']);
  expect(Object.keys(res.body.error).sort()).toEqual(['code', 'details', 'message', 'requestId']);
  expect(typeof res.body.error.code).toBe('string');
  expect(res.body.error.message.length).toBeGreaterThan(5);
  expect(Array.isArray(res.body.error.details)).toBe(true);
  expect(res.body.error.requestId).toBe('req-1');
  if (code) expect(res.body.error.code).toBe(code);
}

const as = (w: ApiWorld) => ({ tenant: w.a, flavour: 'apiKey' as const });

describe('API edge: error shape', () => {
  it('answers every error with {code, message, details[], requestId}', async () => {
    const w = await apiWorld();
    expectErrorShape(await w.send('GET', '/instance'), 401, 'Unauthorized');
    expectErrorShape(await w.send('GET', '/nope', {}, as(w)), 404, 'NotFound');
    expectErrorShape(await w.send('GET', '/campaigns/cmp_nope', {}, as(w)), 404, 'NotFound');
    const notAllowed = await w.send('DELETE', '/instance', {}, as(w));
    expectErrorShape(notAllowed, 405, 'MethodNotAllowed');
    expect(notAllowed.headers.allow).toContain('GET');
    expectErrorShape(await w.send('POST', '/scenarios', { body: '{"name":' }, as(w)), 400, 'ValidationError');
    expectErrorShape(await w.send('POST', '/instances', { body: { name: 'x' } }, as(w)), 403, 'Forbidden');
  });

  it('answers 409 conflicts with the same shape', async () => {
    const w = await apiWorld();
    await w.send('POST', `/campaigns/${w.a.ids.campaignId}/start`, {}, as(w));
    expectErrorShape(await w.send('POST', `/campaigns/${w.a.ids.campaignId}/start`, {}, as(w)), 409);
  });
});

describe('API edge: malformed input is a 4xx', () => {
  it('answers 400 naming the path segment for malformed percent-encoding', async () => {
    const w = await apiWorld();
    for (const bad of ['%E0%A4%A', '%ZZ', '%', 'abc%2', '%ED%A0%80']) {
      const res = await w.send('GET', `/campaigns/${bad}`, {}, as(w));
      expectErrorShape(res, 400, 'ValidationError');
      expect(res.body.error.details[0].path).toBe('path.campaignId');
      expect(res.body.error.message).toContain('percent-encoding');
    }
  });

  it('answers 415 for a content type the route does not read', async () => {
    const w = await apiWorld();
    const res = await w.send('POST', '/scenarios', { body: '<xml/>', headers: { 'content-type': 'application/xml' } }, as(w));
    expectErrorShape(res, 415, 'UnsupportedMediaType');
    expect(res.body.error.details[0].path).toBe('content-type');
    const upload = await w.send('POST', '/lists/allow/import', { body: { numbers: [] } }, as(w));
    expectErrorShape(upload, 415, 'UnsupportedMediaType');
  });

  it('answers 413 for a scenario too large to store, and 413 above the payload limit', async () => {
    const w = await apiWorld();
    const before = await w.store.snapshot();
    const huge = { name: 'x'.repeat(10), description: 'y'.repeat(500_000) };
    expectErrorShape(await w.send('POST', '/scenarios', { body: huge }, as(w)), 413, 'PayloadTooLarge');
    expectErrorShape(await w.send('POST', '/lists/allow', { body: { numbers: ['1'], note: 'z'.repeat(7 * 1024 * 1024) } }, as(w)), 413, 'PayloadTooLarge');
    expect(await w.store.snapshot()).toBe(before);
  });

  it('answers 400 naming the contact row and field when a contact is too large for an item, writing nothing', async () => {
    const w = await apiWorld();
    const before = await w.store.snapshot();
    const contacts = [
      { phone: '+14155550111', variables: { note: 'ok' } },
      { phone: '+14155550112', variables: { note: 'n'.repeat(450_000) } },
    ];
    const res = await w.send('POST', `/campaigns/${w.a.ids.campaignId}/contacts`, { body: { contacts } }, as(w));
    expectErrorShape(res, 400, 'ValidationError');
    expect(res.body.error.details[0].path).toBe('body.contacts.1.variables.note');
    expect(res.body.error.message).toContain('contacts row 2');
    expect(await w.store.snapshot()).toBe(before);
  });

  it('answers 400 for JSON nested too deeply', async () => {
    const w = await apiWorld();
    const res = await w.send('POST', `/scenarios/${w.a.ids.scenarioId}/debug`, { body: `{"input":{"type":"start"},"state":${'['.repeat(5000)}${']'.repeat(5000)}}` }, as(w));
    expectErrorShape(res, 400, 'ValidationError');
  });
});

describe('API edge: cursors', () => {
  async function twoPages(w: ApiWorld) {
    await w.send('POST', '/scenarios/import', { body: (await w.send('GET', `/scenarios/${w.a.ids.scenarioId}/export`, {}, as(w))).body }, as(w));
    const first = await w.send('GET', '/scenarios?limit=1', {}, as(w));
    expect(first.status).toBe(200);
    expect(first.body.cursor).toBeDefined();
    return first.body.cursor as string;
  }

  it('pages through with the cursor it gave', async () => {
    const w = await apiWorld();
    const cursor = await twoPages(w);
    const second = await w.send('GET', `/scenarios?limit=1&cursor=${encodeURIComponent(cursor)}`, {}, as(w));
    expect(second.status).toBe(200);
    expect(second.body.items).toHaveLength(1);
  });

  it('answers 400 InvalidCursor for garbage, altered and forged cursors', async () => {
    const w = await apiWorld();
    const cursor = await twoPages(w);
    const altered = cursor.slice(0, 10) + (cursor[10] === 'A' ? 'B' : 'A') + cursor.slice(11);
    const forged = Buffer.from(JSON.stringify(`I#in_b#SCN\u0000SCN#x`)).toString('base64url');
    for (const bad of ['garbage', '%%%', altered, forged, 'eyJ9', 'x'.repeat(1999)]) {
      const res = await w.send('GET', `/scenarios?cursor=${encodeURIComponent(bad)}`, {}, as(w));
      expectErrorShape(res, 400, 'InvalidCursor');
      expect(res.body.error.details[0].path).toBe('query.cursor');
    }
    for (const path of [`/campaigns/${w.a.ids.campaignId}/jobs`, '/calls', '/lists/do-not-call', '/campaigns']) {
      expectErrorShape(await w.send('GET', `${path}?cursor=garbage`, {}, as(w)), 400, 'InvalidCursor');
    }
  });

  it('refuses a cursor reused with another query, route or instance', async () => {
    const w = await apiWorld();
    const cursor = encodeURIComponent(await twoPages(w));
    expectErrorShape(await w.send('GET', `/campaigns?cursor=${cursor}`, {}, as(w)), 400, 'InvalidCursor');
    expectErrorShape(await w.send('GET', `/scenarios?cursor=${cursor}`, {}, { tenant: w.b, flavour: 'apiKey' }), 400, 'InvalidCursor');
    expectErrorShape(await w.send('GET', `/scenarios/${w.a.ids.scenarioId}/versions?cursor=${cursor}`, {}, as(w)), 400, 'InvalidCursor');
  });

  it('binds call-history cursors to their filters', async () => {
    const w = await apiWorld();
    const at = Date.parse('2026-01-05T08:00:00Z');
    for (let i = 0; i < 5; i++) {
      await putCallRecord(w.store, {
        callId: `c${i}`, instanceId: 'in_a', campaignId: 'cmp_x', jobId: `j${i}`, attempt: 1, callee: '+14155550101',
        dialledAt: new Date(at + i * 60_000).toISOString(), ringSeconds: 0, talkSeconds: 0, turns: 0, answered: false,
        completed: false, transferred: false, status: 'NoAnswer', tags: {}, noMatchHangup: false,
      });
    }
    const first = await w.send('GET', '/calls?limit=2&status=NoAnswer', {}, as(w));
    expect(first.body.cursor).toBeDefined();
    const reused = await w.send('GET', `/calls?limit=2&status=Busy&cursor=${encodeURIComponent(first.body.cursor)}`, {}, as(w));
    expectErrorShape(reused, 400, 'InvalidCursor');
  });
});

describe('API edge: pagination and phone filters', () => {
  it('/calls?limit=N returns at most N items and pages through all of them once', async () => {
    const w = await apiWorld();
    const at = Date.parse('2026-01-05T08:00:00Z');
    for (let i = 0; i < 7; i++) {
      await putCallRecord(w.store, {
        callId: `c${i}`, instanceId: 'in_a', campaignId: 'cmp_x', jobId: `j${i}`, attempt: 1, callee: '+14155550101',
        dialledAt: new Date(at + i * 60_000).toISOString(), ringSeconds: 0, talkSeconds: 0, turns: 0, answered: false,
        completed: false, transferred: false, status: 'NoAnswer', tags: {}, noMatchHangup: false,
      });
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const res = await w.send('GET', `/calls?limit=2&status=NoAnswer${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, {}, as(w));
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((c: { callId: string }) => c.callId));
      cursor = res.body.cursor;
      if (!cursor) break;
    }
    expect(seen).toEqual(['c6', 'c5', 'c4', 'c3', 'c2', 'c1', 'c0']);
  });

  it('/calls?phone= and /jobs?phone= accept national formats and name phone when invalid', async () => {
    const w = await apiWorld();
    for (const phone of ['(415) 555-0101', '415.555.0101', '+1 415 555 0101', '4155550101']) {
      const calls = await w.send('GET', `/calls?phone=${encodeURIComponent(phone)}`, {}, as(w));
      expect(calls.status).toBe(200);
      expect(calls.body.items.map((c: { callId: string }) => c.callId)).toEqual(['call_in_a']);
      const jobs = await w.send('GET', `/jobs?phone=${encodeURIComponent(phone)}`, {}, as(w));
      expect(jobs.status).toBe(200);
      expect(jobs.body.items).toHaveLength(1);
    }
    for (const path of ['/calls', '/jobs']) {
      const res = await w.send('GET', `${path}?phone=12`, {}, as(w));
      expectErrorShape(res, 400, 'ValidationError');
      expect(res.body.error.details[0].path).toBe('query.phone');
    }
  });
});

describe('API edge: idempotency keys', () => {
  async function world() {
    let runs = 0;
    let failNext: 'none' | '500' | '409' = 'none';
    let gate: Promise<void> | undefined;
    const extra = [
      route({
        method: 'POST',
        path: '/things',
        summary: 'test',
        body: z.object({ n: z.number() }),
        status: 201,
        async handle(req, deps) {
          if (gate) await gate;
          if (failNext === '500') {
            failNext = 'none';
            throw new Error('boom');
          }
          if (failNext === '409') {
            failNext = 'none';
            throw new ConflictError('not now');
          }
          runs++;
          await deps.store.put({ pk: `I#${req.instanceId}#THING`, sk: String(runs), n: req.body.n });
          return { body: { runs, n: req.body.n } };
        },
      }),
    ];
    const w = await apiWorld({ routes: [...apiRoutes(), ...extra] });
    const post = (body: unknown, key = 'k-1', tenant = w.a) =>
      w.send('POST', '/things', { body, headers: { 'idempotency-key': key } }, { tenant, flavour: 'apiKey' });
    return {
      w,
      post,
      runs: () => runs,
      fail: (f: '500' | '409') => (failNext = f),
      hold: () => {
        let open!: () => void;
        gate = new Promise<void>((r) => (open = r));
        return () => {
          gate = undefined;
          open();
        };
      },
    };
  }

  it('replays the first answer for 24 hours, also after 60 seconds', async () => {
    const { w, post, runs } = await world();
    const first = await post({ n: 1 });
    expect(first.status).toBe(201);
    w.clock.advance(61_000);
    const again = await post({ n: 1 });
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    w.clock.advance(23 * 3600_000);
    expect((await post({ n: 1 })).body).toEqual(first.body);
    expect(runs()).toBe(1);
    w.clock.advance(3600_000);
    expect((await post({ n: 1 })).body.runs).toBe(2);
  });

  it('answers 422 IdempotencyKeyReused when the same key comes with another body', async () => {
    const { post } = await world();
    await post({ n: 1 });
    const res = await post({ n: 2 });
    expectErrorShape(res, 422, 'IdempotencyKeyReused');
    expect(res.body.error.details[0].path).toBe('idempotency-key');
  });

  it('treats the same JSON with other key order or spacing as the same request', async () => {
    const { w, post, runs } = await world();
    await post('{"n":1}');
    const again = await w.send('POST', '/things', { body: '{ "n" : 1 }', headers: { 'idempotency-key': 'k-1' } }, { tenant: w.a, flavour: 'apiKey' });
    expect(again.status).toBe(201);
    expect(runs()).toBe(1);
  });

  it('releases the key when the request fails, so the retry runs', async () => {
    const { post, fail, runs } = await world();
    fail('500');
    expect((await post({ n: 1 })).status).toBe(500);
    const retry = await post({ n: 1 });
    expect(retry.status).toBe(201);
    fail('409');
    expect((await post({ n: 3 }, 'k-2')).status).toBe(409);
    expect((await post({ n: 3 }, 'k-2')).status).toBe(201);
    expect((await post({ n: 'bad' }, 'k-3')).status).toBe(400);
    expect((await post({ n: 4 }, 'k-3')).status).toBe(201);
    expect(runs()).toBe(3);
  });

  it('answers 409 with Retry-After while the first request runs, then its answer', async () => {
    const { post, hold, runs } = await world();
    const open = hold();
    const first = post({ n: 1 });
    await new Promise((r) => setImmediate(r));
    const during = await post({ n: 1 });
    expectErrorShape(during, 409, 'IdempotencyKeyInProgress');
    expect(Number(during.headers['retry-after'])).toBeGreaterThan(0);
    open();
    expect((await first).status).toBe(201);
    expect((await post({ n: 1 })).status).toBe(201);
    expect(runs()).toBe(1);
  });

  it('scopes keys by instance and route', async () => {
    const { w, post, runs } = await world();
    await post({ n: 1 }, 'shared');
    await post({ n: 1 }, 'shared', w.b);
    expect(runs()).toBe(2);
    const other = await w.send('POST', '/scenarios', { body: { name: 'x' }, headers: { 'idempotency-key': 'shared' } }, as(w));
    expect(other.status).not.toBe(422);
  });

  it('lets an identical retry take over a claim whose lease ran out (the first process died)', async () => {
    const { w, post, hold, runs } = await world();
    const open = hold();
    const first = post({ n: 1 });
    await new Promise((r) => setImmediate(r));
    w.clock.advance(121_000);
    open();
    const retry = await post({ n: 1 });
    expect(retry.status).toBe(201);
    await first;
    expect(runs()).toBe(2);
    // The answer remembered is the one of the claim that still held it.
    expect((await post({ n: 1 })).body).toEqual(retry.body);
  });

  it('replays large answers (compressed, or from the data bucket past what an item holds)', async () => {
    let size = 0;
    const big = route({
      method: 'POST',
      path: '/big',
      summary: 'test',
      body: z.object({ n: z.number() }),
      async handle(req) {
        size++;
        const text = req.body.n === 1 ? 'a'.repeat(300_000) : randomBytes(450_000).toString('base64');
        return { body: { text, calls: size } };
      },
    });
    const w = await apiWorld({ routes: [...apiRoutes(), big] });
    for (const n of [1, 2]) {
      const send = () => w.send('POST', '/big', { body: { n }, headers: { 'idempotency-key': `big-${n}` } }, as(w));
      const first = await send();
      const again = await send();
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
    }
    expect(size).toBe(2);
    expect([...(w.deps.blobs.data as unknown as { objects: Map<string, unknown> }).objects.keys()].some((k) => k.startsWith('idempotency/in_a/'))).toBe(true);
  });

  it('rejects keys that are too long instead of truncating them', async () => {
    const { post } = await world();
    const res = await post({ n: 1 }, 'k'.repeat(300));
    expectErrorShape(res, 400, 'ValidationError');
    expect(res.body.error.details[0].path).toBe('idempotency-key');
  });
});
