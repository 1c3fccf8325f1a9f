import { describe, expect, it } from 'vitest';
import { createApiHandler } from '../../../../functions/api/handler';
import { apiRoutes } from '../../../../functions/api/routes';
import { createApiKey, createInstance } from '../../../../lib/instances/repository';
import { rebuildCampaignResults } from '../../../../lib/results/rebuild';
import { runExport, type ExportWork } from '../../../../lib/results/exports';
import { testDeps } from '../../../support/deps';
import { apiEvent, invoke } from '../../../support/http';
import { seedCampaign } from '../../../lib/results/seed';

async function setup() {
  const t = testDeps();
  const seeded = await seedCampaign(t.deps, { jobs: 30, timeZone: 'Asia/Shanghai' });
  await rebuildCampaignResults(t.deps.store, seeded.instanceId, seeded.campaignId);
  const key = (await createApiKey(t.deps.store, seeded.instanceId, t.clock.now())).apiKey;
  const other = await createInstance(t.deps.store, { name: 'Other' }, t.clock.now());
  const otherKey = (await createApiKey(t.deps.store, other.instanceId, t.clock.now())).apiKey;
  const handler = createApiHandler(t.deps, apiRoutes());
  const call = (method: string, path: string, options: { body?: unknown; key?: string | null } = {}) =>
    invoke(handler, apiEvent(method, path, { ...(options.body !== undefined ? { body: options.body } : {}), headers: options.key === null ? {} : { 'x-api-key': options.key ?? key } }));
  return { ...t, ...seeded, call, otherKey };
}

describe('result routes', () => {
  it('answer the statistics in seed 001 shape with the twin and the measures', async () => {
    const t = await setup();
    const r = await t.call('GET', `/campaigns/${t.campaignId}/statistics`);
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(['code', 'status', 'message', 'data', 'statistics']);
    expect(Object.keys(r.body.data.answer_rate)).toEqual(['answered', 'noAnswer', 'callCompletetRate', 'taskProgress']);
    expect(r.body.data.intention.map((g: { intention_results: number }) => g.intention_results)).toEqual([1, 2, 3, 4, 5]);
    expect(r.body.data.intention[0].name).toBe('A级(有明确意向)');
    expect(r.body.data.number_status.map((s: { status: number }) => s.status)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(Object.keys(r.body.data.rounds)).toEqual(['1', '2~5', '6~10', '11~20', '>20']);
    expect(r.body.statistics.measures).toMatchObject({ validNumbers: 31, callsPlaced: t.jobs.flatMap((j) => j.calls).length });
    const answeredJobs = t.jobs.filter((j) => j.calls.some((c) => c.record.answered)).length;
    expect(r.body.data.answer_rate.answered).toBe(answeredJobs);
    expect(r.body.data.number_status.reduce((n: number, s: { count: number }) => n + s.count, 0)).toBe(31);
  });

  it('read a day range in the instance zone, from dates, times or seed 001’s date pair', async () => {
    const t = await setup();
    const days = await t.call('GET', `/campaigns/${t.campaignId}/report`);
    const first = days.body.timeline[0].at as string;
    const a = await t.call('GET', `/campaigns/${t.campaignId}/statistics?from=${first}&to=${first}`);
    const b = await t.call('GET', `/campaigns/${t.campaignId}/statistics?date=${encodeURIComponent(`${first} 00:00:00,${first} 23:59:59`)}`);
    expect(a.status).toBe(200);
    expect(a.body.statistics.range).toEqual({ from: first, to: first });
    expect(b.body.data).toEqual(a.body.data);
    expect(a.body.statistics.measures.callsPlaced).toBe(days.body.timeline[0].calls);
    const bad = await t.call('GET', `/campaigns/${t.campaignId}/statistics?from=2026-02-01&to=2026-01-01`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('from');
    const long = await t.call('GET', `/campaigns/${t.campaignId}/report?from=2025-01-01&to=2026-01-01`);
    expect(long.status).toBe(400);
  });

  it('answer the report with the funnel, top lists, tags, variables and flow', async () => {
    const t = await setup();
    const r = await t.call('GET', `/campaigns/${t.campaignId}/report`);
    expect(r.status).toBe(200);
    const calls = t.jobs.flatMap((j) => j.calls.map((c) => c.record));
    expect(r.body.funnel.dialled).toBe(calls.length);
    expect(r.body.funnel.answered).toBe(calls.filter((c) => c.answered).length);
    expect(r.body.topIntents.length).toBeLessThanOrEqual(30);
    expect(r.body.flow.map((n: { nodeId: string }) => n.nodeId)).toContain('identity');
    expect(r.body.tags.map((g: { name: string }) => g.name)).toEqual(expect.arrayContaining(['promise', 'contact']));
    expect(r.body.variables.map((v: { name: string; source: string }) => `${v.source}:${v.name}`)).toEqual(['contact:region', 'captured:promiseDate']);
  });

  it('are 404 for a campaign of another instance and 401 without a key', async () => {
    const t = await setup();
    expect((await t.call('GET', `/campaigns/${t.campaignId}/statistics`, { key: t.otherKey })).status).toBe(404);
    expect((await t.call('GET', `/campaigns/${t.campaignId}/report`, { key: null })).status).toBe(401);
  });

  it('serve the report page and its assets without a key, with a strict content security policy', async () => {
    const t = await setup();
    const page = await t.call('GET', `/campaigns/${t.campaignId}/report.html`, { key: null });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");
    expect(String(page.body)).toContain(`data-campaign="${t.campaignId}"`);
    const chart = await t.call('GET', '/report-assets/chart.umd.js', { key: null });
    expect(chart.status).toBe(200);
    expect(String(chart.body)).toContain('Chart');
    expect((await t.call('GET', '/report-assets/../../etc/passwd', { key: null })).status).toBe(404);
    expect((await t.call('GET', '/report-assets/secrets.js', { key: null })).status).toBe(404);
  });

  it('run an export through the download centre to a short-lived link', async () => {
    const t = await setup();
    const created = await t.call('POST', `/campaigns/${t.campaignId}/exports`, { body: { kind: 'callLog', format: 'csv' } });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ status: 'queued', percent: 0, kind: 'callLog', format: 'csv' });
    const bad = await t.call('POST', `/campaigns/${t.campaignId}/exports`, { body: { kind: 'workbook', format: 'csv' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('body.format');
    await runExport(t.deps, JSON.parse(t.queues.work.sent[0]!.body) as ExportWork);
    const one = await t.call('GET', `/exports/${created.body.exportId}`);
    expect(one.body).toMatchObject({ status: 'completed', percent: 100 });
    expect(one.body.download.url).toMatch(/^memory:\/\/exports\//);
    const list = await t.call('GET', `/campaigns/${t.campaignId}/exports`);
    expect(list.body.items.map((e: { exportId: string }) => e.exportId)).toEqual([created.body.exportId]);
    const centre = await t.call('GET', '/exports');
    expect(centre.body.items).toHaveLength(1);
    expect((await t.call('GET', `/exports/${created.body.exportId}`, { key: t.otherKey })).status).toBe(404);
  });

  it('give the call detail with transcript, node names, tags, hang-up and job', async () => {
    const t = await setup();
    const call = t.jobs.flatMap((j) => j.calls).find((c) => c.turns.length > 0)!;
    const r = await t.call('GET', `/calls/${call.record.callId}/detail`);
    expect(r.status).toBe(200);
    expect(r.body.call.callId).toBe(call.record.callId);
    expect(r.body.transcript).toHaveLength(call.turns.length);
    expect(r.body.job).toMatchObject({ jobId: call.record.jobId });
    expect(r.body.campaign).toMatchObject({ campaignId: t.campaignId });
    expect(r.body.recording).toBeNull();
    expect((await t.call('GET', `/calls/${call.record.callId}/detail`, { key: t.otherKey })).status).toBe(404);
  });

  it('are in the OpenAPI document', async () => {
    const t = await setup();
    const doc = await t.call('GET', '/openapi.json', { key: null });
    for (const p of ['/campaigns/{campaignId}/statistics', '/campaigns/{campaignId}/report', '/campaigns/{campaignId}/exports', '/exports/{exportId}', '/calls/{callId}/detail']) {
      expect(Object.keys(doc.body.paths)).toContain(p);
    }
  });
});
