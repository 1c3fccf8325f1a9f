import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { createApiHandler } from '../../../../functions/api/handler';
import { campaignRoutes } from '../../../../functions/api/routes/campaigns';
import { createWorkerHandler } from '../../../../functions/worker';
import { uploadCreatedEvent } from '../../../../lib/contacts/work';
import { createApiKey, createInstance } from '../../../../lib/instances/repository';
import { createScenario, publishScenario } from '../../../../lib/scenarios/repository';
import { getTemplate } from '../../../../lib/scenarios/templates';
import { apiEvent, invoke } from '../../../support/http';
import { MemoryBlobs, testDeps } from '../../../support/deps';
import type { SQSEvent } from 'aws-lambda';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** An instance, a published payment reminder whose `amount` has no default (organization and dueDate keep theirs), and a draft campaign. */
async function setup() {
  const t = testDeps();
  const now = t.clock.now();
  const instance = await createInstance(t.deps.store, { name: 'api' }, now);
  const { apiKey } = await createApiKey(t.deps.store, instance.instanceId, now);
  const definition = getTemplate('payment-reminder')!.definition('en');
  definition.variables = (definition.variables ?? []).map((v) => (v.name === 'amount' ? { name: v.name } : v));
  const scenario = await createScenario(t.deps.store, instance.instanceId, definition, now);
  const { version } = await publishScenario(t.deps.store, instance.instanceId, scenario.scenarioId, now);
  const api = createApiHandler(t.deps, campaignRoutes);
  const call = (method: string, path: string, options: Parameters<typeof apiEvent>[2] = {}) =>
    invoke(api, apiEvent(method, path, { ...options, headers: { 'x-api-key': apiKey, ...(options.headers ?? {}) } }));
  const created = await call('POST', '/campaigns', { body: { name: 'c', scenarioId: scenario.scenarioId, scenarioVersion: version.version } });
  expect(created.status).toBe(201);
  return { ...t, instanceId: instance.instanceId, campaignId: created.body.campaignId as string, campaign: created.body, call };
}

async function workbook(rows: unknown[][], dateColumn?: number): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('contacts');
  for (const r of rows) ws.addRow(r);
  if (dateColumn) ws.getColumn(dateColumn).numFmt = 'yyyy-mm-dd';
  return Buffer.from(await wb.xlsx.writeBuffer());
}

function multipart(filename: string, contentType: string, content: Buffer): { body: Buffer; type: string } {
  const boundary = '----reachout7MA4YWxkTrZu0gW';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${contentType}\r\n\r\n`),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, type: `multipart/form-data; boundary=${boundary}` };
}

describe('contact import routes', () => {
  it('demands as columns only the variables without a scenario default', async () => {
    const { campaign } = await setup();
    expect(campaign.requiredVariables).toEqual(['amount']);
  });

  it('checks manually entered numbers for the variables the prompts need, like uploads', async () => {
    const { call, campaignId } = await setup();
    const r = await call('POST', `/campaigns/${campaignId}/contacts`, { body: { numbers: '4155550101, 4155550102' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ accepted: 0, rejected: 2, byReason: { MissingVariable: 2 } });
  });

  it('accepts multipart/form-data (curl -F, browsers), GBK text and semicolons', async () => {
    const { call, campaignId } = await setup();
    const gbk = Buffer.from([
      ...Buffer.from('phone;'), 0xd0, 0xd5, 0xc3, 0xfb, ...Buffer.from(';amount\n4155550101;'), 0xd5, 0xc5, 0xc8, 0xfd, ...Buffer.from(';12\n'),
    ]); // "phone;姓名;amount" / "...;张三;12" in GBK
    const form = multipart('名单.csv', 'text/csv', gbk);
    const r = await call('POST', `/campaigns/${campaignId}/imports`, { rawBody: form.body, headers: { 'content-type': form.type } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'completed', accepted: 1, rejected: 0 });
    const jobs = await call('GET', `/campaigns/${campaignId}/imports`);
    expect(jobs.status).toBe(200);
    expect(jobs.body.items).toHaveLength(1);
  });

  it('reads an .xlsx labelled text/csv as a workbook, with date cells as ISO dates', async () => {
    const { call, campaignId, deps, instanceId } = await setup();
    const file = await workbook([['phone', 'amount', 'dueDate'], ['4155550101', '12', new Date(Date.UTC(2026, 11, 7))]], 3);
    const r = await call('POST', `/campaigns/${campaignId}/imports`, { rawBody: file, headers: { 'content-type': 'text/csv' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'completed', accepted: 1 });
    const { listJobs } = await import('../../../../lib/campaigns/repository');
    const [job] = (await listJobs(deps.store, instanceId, campaignId, {})).items;
    expect(job!.contact.variables).toEqual({ amount: '12', dueDate: '2026-12-07' });
  });

  it('answers 400 naming the problem for a corrupt workbook, never a library message or a 500', async () => {
    const { call, campaignId } = await setup();
    const good = await workbook([['phone', 'amount'], ['4155550101', '1']]);
    const corrupt = Buffer.concat([good.subarray(0, 200), Buffer.alloc(300, 7)]);
    for (const [body, type] of [[corrupt, XLSX], [Buffer.from('definitely not a zip'), XLSX], [Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 1, 2, 3, 4]), 'application/vnd.ms-excel']] as const) {
      const r = await call('POST', `/campaigns/${campaignId}/imports`, { rawBody: body, headers: { 'content-type': type } });
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'InvalidFile', details: [expect.objectContaining({ message: expect.any(String) })], requestId: expect.any(String) });
      expect(String(r.body.error.message)).toMatch(/xlsx|xls/);
      expect(String(r.body.error.message)).not.toMatch(/End of data|Corrupted zip|invalid signature/i);
    }
  });

  it('answers a large CSV at once with 202 and the import id; the worker imports it', async () => {
    const { call, campaignId, queues, deps } = await setup();
    const lines = ['phone,amount', ...Array.from({ length: 3_000 }, (_, i) => `+1415${2_000_000 + i},${i}`)];
    const r = await call('POST', `/campaigns/${campaignId}/imports`, { rawBody: Buffer.from(lines.join('\n')), headers: { 'content-type': 'text/csv' } });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ status: 'running', rowsRead: 0 });
    const work = queues.work.bodies();
    expect(work).toEqual([expect.objectContaining({ type: 'import', importId: r.body.importId })]);
    await createWorkerHandler(deps)({ Records: queues.work.sent.map((m, i) => ({ messageId: `m${i}`, body: m.body })) } as unknown as SQSEvent);
    const done = await call('GET', `/campaigns/${campaignId}/imports/${r.body.importId}`);
    expect(done.body).toMatchObject({ status: 'completed', accepted: 3_000 });
  });

  it('hands out a presigned upload whose object-created event starts the import', async () => {
    const { call, campaignId, instanceId, deps, queues } = await setup();
    const r = await call('POST', `/campaigns/${campaignId}/imports/uploads`, { body: { filename: 'big.csv' } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ format: 'csv', key: `uploads/${instanceId}/${campaignId}/${r.body.importId}.csv`, upload: { method: 'PUT' } });
    // The client PUTs the file; S3 (or the local blobs) raises the event, EventBridge puts it on the work queue.
    await (deps.blobs.data as MemoryBlobs).put(r.body.key, 'phone,amount\n4155550101,1\n4155550102,2\n');
    const event = uploadCreatedEvent('data-bucket', r.body.key, 40, new Date(0).toISOString());
    const worker = createWorkerHandler(deps);
    const sqs = { Records: [{ messageId: 'a', body: JSON.stringify(event) }, { messageId: 'b', body: JSON.stringify(event) }] } as unknown as SQSEvent;
    expect(await worker(sqs)).toEqual({ batchItemFailures: [] });
    const imports = await call('GET', `/campaigns/${campaignId}/imports`);
    expect(imports.body.items).toEqual([expect.objectContaining({ importId: r.body.importId, status: 'completed', accepted: 2, totalBytes: 40 })]);
    const campaign = await call('GET', `/campaigns/${campaignId}`);
    expect(campaign.body.importsRunning).toBe(0);
    expect(queues.work.sent).toHaveLength(0);
  });
});
