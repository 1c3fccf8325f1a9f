import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { CALL_LOG_COLUMNS, headers } from '../../../lib/results/export-rows';
import { getExport, requestExport, runExport, type ExportRunOptions, type ExportWork } from '../../../lib/results/exports';
import { rebuildCampaignResults } from '../../../lib/results/rebuild';
import { MemoryBlobs, testDeps } from '../../support/deps';
import { seedCampaign } from './seed';

async function setup(jobs = 25) {
  const t = testDeps();
  const seeded = await seedCampaign(t.deps, { jobs, suspended: ['+12065550001', '+12065550002'] });
  await rebuildCampaignResults(t.deps.store, seeded.instanceId, seeded.campaignId);
  return { ...t, ...seeded };
}

/** Runs the export's queued messages until none is left, as the worker would. */
async function drain(t: Awaited<ReturnType<typeof setup>>, options: ExportRunOptions = {}) {
  const results: string[] = [];
  for (let i = 0; i < 500; i++) {
    const message = t.queues.work.sent.shift();
    if (!message) return results;
    results.push(await runExport(t.deps, JSON.parse(message.body) as ExportWork, options));
  }
  throw new Error('export did not finish');
}

async function file(t: Awaited<ReturnType<typeof setup>>, exportId: string) {
  const job = (await getExport(t.deps.store, t.instanceId, exportId))!;
  expect(job.status).toBe('completed');
  const bytes = await (t.deps.blobs.data as MemoryBlobs).get(job.key!);
  return { job, bytes: Buffer.from(bytes!) };
}

describe('exports', () => {
  it('writes the call log as CSV with seed 002 columns, one row per call, formulas neutralised', async () => {
    const t = await setup();
    const job = await requestExport(t.deps, t.instanceId, t.campaignId, { kind: 'callLog', format: 'csv', language: 'zh' }, 'tester');
    expect(job.status).toBe('queued');
    expect(await drain(t)).toEqual(['completed']);
    const { bytes, job: done } = await file(t, job.exportId);
    const rows = parse(bytes.toString('utf8'), { bom: true }) as string[][];
    expect(rows[0]).toEqual(headers(CALL_LOG_COLUMNS, 'zh'));
    expect(rows[0]!.slice(0, 18)).toEqual(['JobID', '用户ID', '作业状态', '用户名', 'TaskID', '主叫号码', '被叫号码', '状态', '计划呼出时间', '实际呼出时间', '通话时长', '交互轮次', '对话完结', '挂断方', '振铃时长', '呼叫异常', '录音ID', '对话记录ID']);
    const calls = t.jobs.flatMap((j) => j.calls.map((c) => c.record));
    expect(rows.length - 1).toBe(calls.length);
    expect(done.rows).toBe(calls.length);
    expect(new Set(rows.slice(1).map((r) => r[4]))).toEqual(new Set(calls.map((c) => c.callId)));
    // The contact "=cmd|calc" and phone numbers starting with + are neutralised.
    expect(rows.find((r) => r[0] === 'job0')![3]).toBe("'=cmd|calc");
    expect(rows[1]![6]!.startsWith("'+")).toBe(true);
    expect(done.percent).toBe(100);
    expect(t.events.filter((e) => e.detailType === 'ExportReady')).toHaveLength(1);
    expect(t.events[0]!.detail).toMatchObject({ exportId: job.exportId, kind: 'callLog', format: 'csv', rows: calls.length, apiPath: `/exports/${job.exportId}` });
  });

  it('resumes across invocations when the time budget runs out, without losing or repeating rows', async () => {
    const t = await setup(30);
    const job = await requestExport(t.deps, t.instanceId, t.campaignId, { kind: 'callLog', format: 'xlsx' }, 'tester');
    let clock = 0;
    const results = await drain(t, { budgetMs: 5, wallNow: () => (clock += 10), pageJobs: 4, partRows: 7 });
    expect(results.filter((r) => r === 'continued').length).toBeGreaterThan(3);
    expect(results[results.length - 1]).toBe('completed');
    const { bytes } = await file(t, job.exportId);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(bytes as never);
    const sheet = wb.worksheets[0]!;
    const ids: string[] = [];
    sheet.eachRow((row, n) => {
      if (n > 1) ids.push(String(row.getCell(5).value));
    });
    const calls = t.jobs.flatMap((j) => j.calls.map((c) => c.record.callId));
    expect(ids.sort()).toEqual([...calls].sort());
  });

  it('skips a duplicated message while a run holds the export', async () => {
    const t = await setup(5);
    const job = await requestExport(t.deps, t.instanceId, t.campaignId, { kind: 'unreachable', format: 'csv' }, 'tester');
    const message = JSON.parse(t.queues.work.sent[0]!.body) as ExportWork;
    // Another run holds the lease.
    await t.deps.store.update({ pk: `I#${t.instanceId}#EXP`, sk: `EXP#${job.exportId}` }, { set: { leaseToken: 'other', leaseUntil: t.clock.now() + 60_000 } });
    expect(await runExport(t.deps, message)).toBe('skipped');
    t.clock.advance(13 * 60_000);
    expect(await runExport(t.deps, message)).toBe('completed');
    expect(await runExport(t.deps, message)).toBe('skipped');
  });

  it('writes the result workbook with every sheet filled', async () => {
    const t = await setup(40);
    const job = await requestExport(t.deps, t.instanceId, t.campaignId, { kind: 'workbook' }, 'tester');
    expect(job.format).toBe('xlsx');
    await drain(t);
    const { bytes } = await file(t, job.exportId);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(bytes as never);
    expect(wb.worksheets.map((s) => s.name)).toEqual(['Basic info', 'Execution statistics', 'Tag statistics', 'Intent distribution', 'Flow statistics', 'No-match cases', 'Suspend list']);
    for (const s of wb.worksheets) expect(s.rowCount, s.name).toBeGreaterThan(1);
    const noMatchTurns = t.jobs.flatMap((j) => j.calls.filter((c) => c.record.answered).flatMap((c) => c.turns.filter((x) => x.outcome === 'noMatch'))).length;
    expect(wb.getWorksheet('No-match cases')!.rowCount - 1).toBe(noMatchTurns);
    expect(wb.getWorksheet('Suspend list')!.rowCount - 1).toBe(2);
    expect(wb.getWorksheet('Basic info')!.getRow(2).getCell(2).value).toBe("'=Spring, \"renewal\"");
  });

  it('lists unreachable contacts and transcripts', async () => {
    const t = await setup(20);
    const unreachable = await requestExport(t.deps, t.instanceId, t.campaignId, { kind: 'unreachable', format: 'csv' }, 'tester');
    const transcripts = await requestExport(t.deps, t.instanceId, t.campaignId, { kind: 'transcripts', format: 'csv' }, 'tester');
    await drain(t);
    const u = parse((await file(t, unreachable.exportId)).bytes.toString('utf8'), { bom: true }) as string[][];
    expect(u.length - 1).toBe(t.jobs.filter((j) => !j.calls.some((c) => c.record.answered)).length);
    const tr = parse((await file(t, transcripts.exportId)).bytes.toString('utf8'), { bom: true }) as string[][];
    expect(tr.length - 1).toBe(t.jobs.flatMap((j) => j.calls).reduce((n, c) => n + Math.max(1, c.turns.length), 0));
    // Every row, a call without turns included, has a cell under every header, the recogniser's too.
    expect(tr[0]!.some((h) => h === 'Recogniser' || h === '识别来源')).toBe(true);
    expect(tr.filter((row) => row.length !== tr[0]!.length)).toEqual([]);
  });

  it('refuses a CSV workbook and an unknown campaign', async () => {
    const t = await setup(1);
    const { ExportRequest } = await import('../../../lib/results/exports');
    expect(ExportRequest.safeParse({ kind: 'workbook', format: 'csv' }).success).toBe(false);
    await expect(requestExport(t.deps, t.instanceId, 'nope', { kind: 'callLog' }, 'x')).rejects.toMatchObject({ status: 404 });
  });
});
