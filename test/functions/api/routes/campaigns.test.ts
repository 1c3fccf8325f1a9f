import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { createApiHandler } from '../../../../functions/api/handler';
import { campaignRoutes } from '../../../../functions/api/routes/campaigns';
import { jobRoutes } from '../../../../functions/api/routes/jobs';
import { listRoutes } from '../../../../functions/api/routes/lists';
import { createApiKey, createInstance } from '../../../../lib/instances/repository';
import { createScenario, publishScenario } from '../../../../lib/scenarios/repository';
import { TEMPLATES } from '../../../../lib/scenarios/templates';
import { apiEvent, invoke } from '../../../support/http';
import { testDeps } from '../../../support/deps';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

async function setup() {
  const t = testDeps();
  const now = t.clock.now();
  const instance = await createInstance(t.deps.store, { name: 'api', settings: { callerNumbers: [{ phoneNumber: '+14155550900', periodSeconds: 60 }], windows: { ranges: [{ start: '00:00', end: '23:59' }], weekdaysOnly: false, calleeLocalTime: false } } }, now);
  const { apiKey } = await createApiKey(t.deps.store, instance.instanceId, now);
  const scenario = await createScenario(t.deps.store, instance.instanceId, TEMPLATES[0]!.definition('en'), now);
  const { version } = await publishScenario(t.deps.store, instance.instanceId, scenario.scenarioId, now);
  const api = createApiHandler(t.deps, [...campaignRoutes, ...jobRoutes, ...listRoutes]);
  const call = (method: string, path: string, options: Parameters<typeof apiEvent>[2] = {}) =>
    invoke(api, apiEvent(method, path, { ...options, headers: { 'x-api-key': apiKey, ...(options.headers ?? {}) } }));
  return { ...t, instanceId: instance.instanceId, scenarioId: scenario.scenarioId, version: version.version, call };
}

async function workbook(rows: unknown[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('contacts');
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

describe('campaign routes', () => {
  it('PATCH changes only what the body mentions (issue 9.2: .partial() filled defaults that reset the rest)', async () => {
    const { call, scenarioId, version } = await setup();
    const strategy = { priority: 'urgent', localPresence: false, retry: { retries: 4, maxRingSeconds: 30 }, guaranteedConcurrency: 2 };
    const created = await call('POST', '/campaigns', { body: { name: 'Reminders', scenarioId, scenarioVersion: version, ...strategy } });
    const id = created.body.campaignId;
    const patched = await call('PATCH', `/campaigns/${id}`, { body: { description: 'd', retry: { intervalSeconds: 600 } } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ ...strategy, requiredVariables: created.body.requiredVariables, description: 'd', retry: { retries: 4, maxRingSeconds: 30, intervalSeconds: 600 } });
    // A copy with overrides keeps the strategy it does not override.
    const copy = await call('POST', `/campaigns/${id}/copy`, { body: { name: 'Copy' } });
    expect(copy.status).toBe(201);
    expect(copy.body).toMatchObject({ ...strategy, requiredVariables: created.body.requiredVariables, name: 'Copy', description: 'd', retry: { intervalSeconds: 600 } });
    // null resets a field; an unknown field is named.
    expect((await call('PATCH', `/campaigns/${id}`, { body: { description: null } })).body.description).toBeUndefined();
    const unknown = await call('PATCH', `/campaigns/${id}`, { body: { prority: 'urgent' } });
    expect(unknown.status).toBe(400);
  });

  it('creates a campaign, imports a spreadsheet with a row-level report, and runs its lifecycle', async () => {
    const { call, scenarioId, version, workflowStarts } = await setup();
    const created = await call('POST', '/campaigns', { body: { name: 'Reminders', scenarioId, scenarioVersion: version, retry: { retries: 1 } } });
    expect(created.status).toBe(201);
    expect(created.body.state).toBe('draft');
    const id = created.body.campaignId as string;
    const vars = created.body.requiredVariables as string[];

    const header = ['phone', 'name', 'referenceId', ...vars];
    const fill = vars.map(() => 'x');
    const file = await workbook([
      header,
      [4155550101, 'Ann', 'R1', ...fill],
      ['+1 415 555 0102', 'Bob', 'R2', ...fill],
      ['12', 'Bad', 'R3', ...fill],
      ['(415) 555-0101', 'Dup', 'R4', ...fill],
    ]);
    const imported = await call('POST', `/campaigns/${id}/imports`, { rawBody: file, headers: { 'content-type': XLSX } });
    expect(imported.status).toBe(200);
    expect(imported.body).toMatchObject({ status: 'completed', accepted: 2, rejected: 2 });
    expect(imported.body.rejections).toEqual([
      { row: 4, reason: 'InvalidNumber', detail: 'not a valid phone number', phone: '12' },
      { row: 5, reason: 'DuplicateInFile', phone: '+14155550101' },
    ]);
    const progressRead = await call('GET', `/campaigns/${id}/imports/${imported.body.importId}`);
    expect(progressRead.body.rowsRead).toBe(4);

    const manual = await call('POST', `/campaigns/${id}/contacts`, { body: { numbers: '4155550103; 4155550104\n4155550101' } });
    expect(manual.body).toMatchObject({ accepted: 2, rejected: 1 });
    expect(manual.body.rejections[0]).toMatchObject({ row: 3, reason: 'DuplicateInCampaign' });

    expect((await call('POST', `/campaigns/${id}/start`)).body.state).toBe('running');
    expect(workflowStarts).toHaveLength(1);
    expect((await call('POST', `/campaigns/${id}/start`)).status).toBe(409);
    expect((await call('POST', `/campaigns/${id}/pause`)).body.state).toBe('paused');
    expect((await call('POST', `/campaigns/${id}/resume`)).body.state).toBe('running');
    const stopped = await call('POST', `/campaigns/${id}/stop`);
    expect(stopped.body.state).toBe('stopped');
    expect(stopped.body.progress.total).toBe(4);

    const byRef = await call('GET', '/jobs?referenceId=R2');
    expect(byRef.body.items).toHaveLength(1);
    const byPhone = await call('GET', '/jobs?phone=(415)%20555-0101');
    expect(byPhone.body.items[0].contact.name).toBe('Ann');
    const detail = await call('GET', `/campaigns/${id}/jobs/${byPhone.body.items[0].jobId}`);
    expect(detail.body.calls).toEqual([]);
    const jobs = await call('GET', `/campaigns/${id}/jobs?limit=2`);
    expect(jobs.body.items).toHaveLength(2);
    expect(jobs.body.cursor).toBeDefined();
  });

  it('answers 404 for a campaign of another instance and 400 for an unpublished scenario version', async () => {
    const { call, scenarioId } = await setup();
    expect((await call('GET', '/campaigns/cmp_nope')).status).toBe(404);
    expect((await call('POST', '/campaigns', { body: { name: 'x', scenarioId, scenarioVersion: 99 } })).status).toBe(400);
  });

  it('downloads a template, suspends numbers and manages the do-not-call list', async () => {
    const { call, scenarioId, version } = await setup();
    const id = (await call('POST', '/campaigns', { body: { name: 'x', scenarioId, scenarioVersion: version } })).body.campaignId;
    const csv = await call('GET', `/campaigns/${id}/contacts/template?format=csv`);
    expect(String(csv.body)).toContain('phone,name,honorific,referenceId');
    await call('POST', `/campaigns/${id}/contacts`, { body: { numbers: '4155550101 4155550102' } });
    const suspended = await call('POST', `/campaigns/${id}/suspended`, { body: { numbers: ['415 555 0101'] } });
    expect(suspended.body).toMatchObject({ added: 1, jobsCancelled: 1 });
    expect((await call('GET', `/campaigns/${id}/progress`)).body).toMatchObject({ total: 2, suspended: 1, completed: 1 });

    expect((await call('POST', '/lists/do-not-call', { body: { numbers: ['4155550199', 'nope'] } })).body).toMatchObject({ added: 1, rejected: [{ value: 'nope' }] });
    const imported = await call('POST', '/lists/allow/import', { rawBody: Buffer.from('phone\n4155550111\n4155550112\n'), headers: { 'content-type': 'text/csv' } });
    expect(imported.body.added).toBe(2);
    expect((await call('GET', '/lists/allow')).body.items.map((i: { phone: string }) => i.phone)).toEqual(['+14155550111', '+14155550112']);
    expect((await call('DELETE', '/lists/do-not-call', { body: { numbers: ['4155550199'] } })).body.removed).toBe(1);
  });
});
