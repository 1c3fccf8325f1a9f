import ExcelJS from 'exceljs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_EXAMPLES } from '../../../functions/api/examples';
import { openApiDocument, routeKey } from '../../../functions/api/openapi';
import type { Route } from '../../../functions/api/route';
import { apiRoutes } from '../../../functions/api/routes';
import { SERVICE_VERSION } from '../../../functions/api/routes/health';
import { ACCOUNT, apiWorld, type ApiWorld } from '../../support/api-fuzz';
import { apiEvent, invoke } from '../../support/http';

/**
 * Fuzzes every route of the generated OpenAPI document through the real handler (issue 9, issue 14):
 * random and malformed paths (percent-encoding, other tenants' ids, long and odd ids), query values,
 * cursors (garbage, forged, altered, another route's), headers (content types, idempotency keys,
 * instance headers, credentials of every flavour), JSON bodies (the example mutated, arbitrary JSON,
 * malformed text, oversized elements) and files (corrupt and truncated .xlsx, odd CSV, random bytes).
 *
 * Properties: no 5xx; every 4xx is `{error: {code, message, details[], requestId}}` with a message naming
 * the problem; a rejected request leaves the table exactly as it was.
 *
 * Deterministic: the seed is FUZZ_SEED (default below) plus the route's index; fast-check prints the
 * seed and the shrunk counterexample on failure. FUZZ_RUNS sets the runs per route.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_105);
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);

const routes = apiRoutes();
const doc = openApiDocument(routes, { version: SERVICE_VERSION }) as { paths: Record<string, Record<string, unknown>> };
const documented: Route[] = Object.entries(doc.paths).flatMap(([path, ops]) =>
  Object.keys(ops).map((method) => routes.find((r) => r.path === path && r.method.toLowerCase() === method)!),
);

const MALFORMED_ENCODINGS = ['%', '%Z', '%ZZ', '%E0%A4%A', '%ED%A0%80', '%C0%AF', '%FF', 'abc%2', '%%41'];
const oddText = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('', ' ', '..', '#', 'I#in_b#CMP', '\u0000', 'null', '-1', '0', '1e309', 'NaN', '9'.repeat(40), '💥', 'x'.repeat(3000)),
);
const numberish = fc.oneof(fc.integer().map(String), fc.double().map(String), fc.constantFrom('1', '2', '50', '500', '1000', '100000'));

describe('API fuzzing: every route of the OpenAPI document', () => {
  let w: ApiWorld;
  let cursors: string[] = [];
  let xlsx: Buffer;

  beforeAll(async () => {
    w = await apiWorld();
    const as = { tenant: w.a, flavour: 'apiKey' as const };
    await w.send('POST', '/lists/do-not-call', { body: { numbers: ['+14155550198', '+14155550197'] } }, as);
    for (const path of ['/lists/do-not-call?limit=1', `/campaigns/${w.a.ids.campaignId}/jobs?limit=1`, '/scenarios?limit=1']) {
      const page = await w.send('GET', path, {}, as);
      if (page.body?.cursor) cursors.push(page.body.cursor);
    }
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('contacts');
    sheet.addRow(['phone', 'name', 'organization', 'message']);
    sheet.addRow([4155550123, 'Ann', 'Org', 'Hi']);
    sheet.addRow([new Date(Date.UTC(2026, 0, 5)), 12, null, { formula: '1+1', result: 2 }]);
    xlsx = Buffer.from(await book.xlsx.writeBuffer());
    cursors = cursors.filter(Boolean);
  }, 60_000);

  it('found every route in the document', () => {
    expect(documented).toHaveLength(routes.length);
    expect(documented.every(Boolean)).toBe(true);
  });

  const cursorArb = () =>
    fc.oneof(
      oddText,
      fc.constantFrom(...MALFORMED_ENCODINGS),
      fc.jsonValue({ maxDepth: 2 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null').toString('base64url')),
      fc.constantFrom(Buffer.from(JSON.stringify('I#in_b#DNC\u0000+14155550199')).toString('base64url'), Buffer.from('[3,null]').toString('base64url')),
      fc.tuple(fc.nat(), fc.nat(255)).map(([i, c]) => {
        const real = cursors[i % Math.max(1, cursors.length)] ?? 'AAAA';
        const at = i % real.length;
        return real.slice(0, at) + String.fromCharCode(65 + (c % 26)) + real.slice(at + 1);
      }),
      fc.nat().map((i) => cursors[i % Math.max(1, cursors.length)] ?? 'x'),
    );

  const segmentArb = (name: string) =>
    fc.oneof(
      { weight: 4, arbitrary: fc.constant(encodeURIComponent((w.a.ids as unknown as Record<string, string>)[name] ?? ROUTE_EXAMPLES['GET /health']!.params?.[name] ?? 'x')) },
      { weight: 2, arbitrary: fc.constant(encodeURIComponent((w.b.ids as unknown as Record<string, string>)[name] ?? 'y')) },
      { weight: 2, arbitrary: oddText.map(encodeURIComponent) },
      { weight: 2, arbitrary: fc.constantFrom(...MALFORMED_ENCODINGS) },
      { weight: 1, arbitrary: oddText.filter((s) => !s.includes('?')) },
    );

  function bodyArb(r: Route) {
    const example = ROUTE_EXAMPLES[routeKey(r)]?.body;
    const base = example && typeof example === 'object' && !Array.isArray(example) ? (example as Record<string, unknown>) : {};
    const keys = Object.keys(base);
    const mutated = fc
      .tuple(fc.constantFrom(...(keys.length ? keys : ['x'])), fc.oneof(fc.jsonValue({ maxDepth: 3 }), oddText, fc.constant(undefined)))
      .map(([k, v]) => JSON.stringify({ ...base, [k]: v }));
    return fc.oneof(
      { weight: 3, arbitrary: fc.constant(JSON.stringify(example ?? {})) },
      { weight: 4, arbitrary: mutated },
      { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null') },
      { weight: 2, arbitrary: fc.constantFrom('{', '{"a":', '[', 'nul', '\u0000', '{"x":1}}', '"\\ud800"', `{"n":${'['.repeat(200)}`, '') },
      { weight: 1, arbitrary: fc.constant(JSON.stringify({ ...base, contacts: [{ phone: '4155550101', variables: { v: 'v'.repeat(70_000) } }] })) },
      { weight: 1, arbitrary: fc.constant(JSON.stringify({ ...base, numbers: Array.from({ length: 30 }, (_, i) => `+1415555${String(1000 + i)}`) })) },
      { weight: 1, arbitrary: fc.constant(JSON.stringify({ ...base, name: 'n'.repeat(400_000) })) },
    );
  }

  function fileArb(r: Route) {
    const example = ROUTE_EXAMPLES[routeKey(r)]?.file;
    return fc.oneof(
      fc.constant(Buffer.from(example?.text ?? 'phone\n4155550101\n')),
      fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.from(b)])),
      fc.nat().map((n) => xlsx.subarray(0, 30 + (n % Math.max(1, xlsx.length - 30)))),
      fc.constant(xlsx),
      fc.constantFrom(
        'phone;name\n4155550101;Ann\n',
        '\uFEFFphone,name\n"415 555 0101","A""nn"\n"unterminated',
        'phone\n' + '9'.repeat(5000) + '\n',
        '',
        'a,b,c\n,,,\n\n',
      ).map((t) => Buffer.from(t)),
      fc.constant(Buffer.from([0xb5, 0xe7, 0xbb, 0xb0, 0x0a, 0x31, 0x33, 0x38, 0x30, 0x30, 0x31, 0x33, 0x38, 0x30, 0x30, 0x30, 0x30])),
    );
  }

  type Auth = { kind: 'apiKey' | 'jwt' | 'iam' | 'iamOther' | 'none' | 'badKey'; instance?: string };
  const authArb: fc.Arbitrary<Auth> = fc.oneof(
    { weight: 10, arbitrary: fc.constant<Auth>({ kind: 'apiKey' }) },
    { weight: 2, arbitrary: fc.constant<Auth>({ kind: 'jwt' }) },
    { weight: 2, arbitrary: fc.constant<Auth>({ kind: 'iam' }) },
    { weight: 1, arbitrary: oddText.map<Auth>((instance) => ({ kind: 'iamOther', instance })) },
    { weight: 1, arbitrary: fc.constantFrom<Auth>({ kind: 'none' }, { kind: 'badKey' }) },
  );

  function requestArb(r: Route) {
    const names = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    const example = ROUTE_EXAMPLES[routeKey(r)] ?? {};
    const queryNames = [...new Set([...Object.keys((r.query as unknown as { shape?: object })?.shape ?? {}), 'cursor', 'limit'])];
    const queryArb = fc.dictionary(
      fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...queryNames) }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) }),
      fc.oneof(oddText, numberish, fc.constantFrom(...Object.values(example.query ?? { x: '1' })), cursorArb()),
      { maxKeys: 4 },
    );
    const contentTypes = [...(r.rawBody?.contentTypes ?? []), 'application/json', 'text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16'];
    return fc.record({
      segments: fc.tuple(...names.map(segmentArb), fc.constant('')),
      query: fc.oneof(fc.constant(example.query ?? {}), queryArb),
      auth: authArb,
      contentType: fc.oneof(fc.constant(undefined), fc.constantFrom(...contentTypes), fc.string({ maxLength: 20 })),
      idempotencyKey: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.oneof(fc.uuid(), fc.constantFrom('k-1', 'k-2'), oddText) }),
      json: bodyArb(r),
      file: fileArb(r),
      asFile: fc.boolean(),
    });
  }

  function build(r: Route, input: fc.Arbitrary<unknown> extends never ? never : any) {
    let i = 0;
    const path = r.path.replace(/\{(\w+)\}/g, () => input.segments[i++]);
    const event = apiEvent(r.method, '/', { query: input.query });
    event.rawPath = path;
    event.requestContext.http.path = path;
    const headers: Record<string, string> = {};
    if (input.contentType !== undefined) headers['content-type'] = input.contentType;
    if (input.idempotencyKey !== undefined) headers['idempotency-key'] = input.idempotencyKey;
    const ctx = event.requestContext as unknown as Record<string, unknown>;
    const auth = input.auth as Auth;
    if (auth.kind === 'apiKey') headers['x-api-key'] = w.a.apiKey;
    if (auth.kind === 'badKey') headers['x-api-key'] = 'ro_forged';
    if (auth.kind === 'jwt') ctx.authorizer = { jwt: { claims: { sub: 'fuzz', 'custom:instanceId': 'in_a' } } };
    if (auth.kind === 'iam' || auth.kind === 'iamOther') {
      ctx.authorizer = { iam: { userArn: `arn:aws:sts::${ACCOUNT}:assumed-role/${auth.kind === 'iam' ? 'svc-in_a' : 'ops'}/fuzz` } };
      headers['x-reachout-instance'] = auth.kind === 'iam' ? 'in_a' : (auth.instance ?? '');
    }
    if (r.rawBody && input.asFile) {
      event.body = (input.file as Buffer).toString('base64');
      event.isBase64Encoded = true;
    } else if (r.method !== 'GET') {
      event.body = input.json;
    }
    event.headers = headers;
    return event;
  }

  it.each(documented.map((r, i) => [routeKey(r), r, i] as const))('%s: no 5xx, well-formed 4xx, no partial writes', async (_k, r, index) => {
    await fc.assert(
      fc.asyncProperty(requestArb(r), async (input) => {
        const before = await w.store.snapshot();
        const res = await invoke(w.handler, build(r, input));
        expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
        if (res.status < 400) return;
        expect(Object.keys(res.body ?? {})).toEqual(['error']);
        const e = res.body.error;
        expect(Object.keys(e).sort()).toEqual(['code', 'details', 'message', 'requestId']);
        expect(e.code).toMatch(/^[A-Z][A-Za-z]+$/);
        expect(e.message.length).toBeGreaterThan(8);
        expect(e.requestId).toBe('req-1');
        expect(Array.isArray(e.details)).toBe(true);
        for (const d of e.details) {
          expect(typeof d.path).toBe('string');
          expect(typeof d.message).toBe('string');
        }
        if ([400, 413, 415, 422].includes(res.status)) expect(e.details.length, e.message).toBeGreaterThan(0);
        expect(await w.store.snapshot(), `${res.status} ${e.code} changed the table`).toBe(before);
      }),
      { numRuns: RUNS, seed: SEED + index, endOnFailure: true },
    );
  }, 60_000);
});
