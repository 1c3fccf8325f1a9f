import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listJobs } from '../../lib/campaigns/repository';
import { readAggregates } from '../../lib/results/read';
import { getScenarioVersion } from '../../lib/scenarios/repository';
import { listCallsOfJob, listTurns, type CallRecord, type StoredTurn } from '../../lib/telephony/call-records';
import { demoContacts } from '../../local/demo';
import { startLocalPlatform, type Platform } from '../../local/platform';
import { comparable, recompute, type OracleJob } from '../lib/results/oracle';

/**
 * After a demo-sized campaign on the local platform (the real SMA handler driven by the telephony
 * simulator's scripted people), the statistics, the report, the call history and every export
 * agree with each other and with the call records.
 * The aggregates checked are the live ones, written by each call's end (task `call.aggregate`).
 */
let platform: Platform;
let peopleDir: string;
/** The scripted people of local/people.json plus one who answers nothing the robot understands (no-match cases). */
const MUMBLER_PREFIX = '+1206570';
beforeAll(async () => {
  const people = JSON.parse(readFileSync(new URL('../../local/people.json', import.meta.url), 'utf8')) as { people: Record<string, unknown>; numbers: { prefix: string; person: string }[] };
  people.people.mumbles = { description: 'answers off topic', ringSeconds: 2, replies: ['purple elephants dance', 'the sky is green', 'bananas on the moon'] };
  people.numbers.push({ prefix: MUMBLER_PREFIX, person: 'mumbles' });
  peopleDir = mkdtempSync(join(tmpdir(), 'reachout-people-'));
  writeFileSync(join(peopleDir, 'people.json'), JSON.stringify(people));
  platform = await startLocalPlatform({ memory: true, port: 0, speed: 60, start: Date.UTC(2026, 0, 5, 9, 0, 0), callsPerSecond: 5, peopleFile: join(peopleDir, 'people.json') });
}, 60_000);
afterAll(async () => {
  await platform?.close();
  if (peopleDir) rmSync(peopleDir, { recursive: true, force: true });
});

async function api(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${platform.url}${path}`, {
    method,
    headers: { 'x-api-key': platform.apiKey, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

async function download(url: string): Promise<Buffer> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

/** Requests an export over the API and waits for the local worker to finish it. */
async function runExport(campaignId: string, body: Record<string, unknown>): Promise<Buffer> {
  const created = await api('POST', `/campaigns/${campaignId}/exports`, body);
  await platform.idle();
  const view = await api('GET', `/exports/${created.exportId}`);
  if (view.status === 'failed') throw new Error(`export failed: ${view.error}`);
  expect(view.status).toBe('completed');
  return download(view.download.url);
}

describe('results after a demo campaign on the local platform', () => {
  it('statistics, report, history and every export agree with each other and with the call records', async () => {
    await api('PATCH', '/instance', {
      settings: { maxConcurrency: 20, windows: { ranges: [{ start: '00:00', end: '23:59' }], weekdaysOnly: false, calleeLocalTime: false }, callerNumbers: [{ phoneNumber: '+12065559999' }], dailyCapPerCallee: 5 },
    });
    const scenario = await api('POST', '/templates/payment-reminder/instantiate', { language: 'en', name: 'Results demo' });
    const published = await api('POST', `/scenarios/${scenario.scenarioId}/publish`, {});
    const campaign = await api('POST', '/campaigns', {
      name: 'Results demo',
      scenarioId: scenario.scenarioId,
      scenarioVersion: published.version.version,
      retry: { retries: 1, intervalSeconds: 60, maxRingSeconds: 45 },
      callerNumbers: ['+12065559999'],
    });
    const campaignId: string = campaign.campaignId;
    const contacts = [
      ...demoContacts(45),
      ...[1, 2, 3, 4, 5, 6].map((i) => ({ phone: `${MUMBLER_PREFIX}000${i}`, name: `Mumbler ${i}`, referenceId: `m-${i}`, variables: { organization: 'City Bank', amount: '20 dollars', dueDate: 'March 1st' } })),
    ];
    await api('POST', `/campaigns/${campaignId}/contacts`, { contacts });
    await api('POST', `/campaigns/${campaignId}/suspended`, { numbers: [contacts[50]!.phone] });
    await api('POST', `/campaigns/${campaignId}/start`, {});
    let state = '';
    for (let i = 0; i < 1200 && state !== 'completed'; i++) {
      await platform.idle();
      state = (await api('GET', `/campaigns/${campaignId}`)).state;
      if (state !== 'completed') await new Promise((r) => setTimeout(r, 100));
    }
    expect(state).toBe('completed');
    await platform.idle();
    // The simulator refuses what Chime would refuse: no response of the handler was invalid.
    const refused = platform.telephony.finished.filter((c) => c.events.includes('INVALID_LAMBDA_RESPONSE'));
    expect(refused.map((c) => c.actions.join(' ')).slice(0, 3)).toEqual([]);

    // The call records, straight from the store.
    const { store } = platform.deps;
    const instanceId = platform.instanceId;
    const jobs: OracleJob[] = [];
    const jobRows: { jobId: string; answered: boolean; attempts: number; status: string }[] = [];
    let cursor: string | undefined;
    do {
      const page = await listJobs(store, instanceId, campaignId, { limit: 200, cursor });
      for (const job of page.items) {
        const calls = (await listCallsOfJob(store, instanceId, job.jobId)).sort((a, b) => a.attempt - b.attempt);
        const withTurns: { record: CallRecord; turns: StoredTurn[] }[] = [];
        for (const record of calls) withTurns.push({ record, turns: await listTurns(store, instanceId, record.callId) });
        jobs.push({ jobId: job.jobId, variables: job.contact.variables, calls: withTurns });
        jobRows.push({ jobId: job.jobId, answered: calls.some((c) => c.answered), attempts: calls.length, status: job.status });
      }
      cursor = page.cursor;
    } while (cursor);
    const records = jobs.flatMap((j) => j.calls.map((c) => c.record));
    const dialledJobs = jobs.filter((j) => j.calls.length > 0);
    expect(records.length).toBeGreaterThan(50);

    // Aggregates = a recomputation from the records.
    const definition = (await getScenarioVersion(store, instanceId, scenario.scenarioId, published.version.version))!.definition;
    expect(comparable(await readAggregates(store, instanceId, campaignId))).toEqual(recompute(dialledJobs, definition, 'UTC'));

    // Statistics and report agree with the records and with each other.
    const stats = await api('GET', `/campaigns/${campaignId}/statistics`);
    const report = await api('GET', `/campaigns/${campaignId}/report`);
    const answeredJobs = jobRows.filter((j) => j.answered).length;
    expect(stats.statistics.measures.validNumbers).toBe(51);
    expect(stats.statistics.measures.callsPlaced).toBe(records.length);
    expect(report.funnel.dialled).toBe(records.length);
    expect(report.funnel.answered).toBe(records.filter((r) => r.answered).length);
    expect(report.funnel.mainFlowCompleted).toBe(records.filter((r) => r.answered && r.completed).length);
    expect(stats.data.answer_rate.answered).toBe(answeredJobs);
    expect(stats.data.answer_rate.noAnswer).toBe(dialledJobs.length - answeredJobs);
    expect(stats.data.number_status.reduce((n: number, s: { count: number }) => n + s.count, 0)).toBe(51);
    expect(stats.data.intention.reduce((n: number, g: { total: number }) => n + g.total, 0)).toBe(answeredJobs);
    expect(report.measures).toEqual(stats.statistics.measures);
    expect(report.execution.answerRate).toMatchObject({ answered: report.funnel.answered, placed: report.funnel.dialled });

    // The call history finds every call of the campaign, and its filters agree with the funnel.
    const history = async (query: string) => {
      const ids: string[] = [];
      let c: string | undefined;
      do {
        const page = await api('GET', `/calls?campaignId=${campaignId}&from=2026-01-01T00:00:00Z&to=2026-01-20T00:00:00Z&limit=200${query}${c ? `&cursor=${c}` : ''}`);
        ids.push(...page.items.map((x: { callId: string }) => x.callId));
        c = page.cursor;
      } while (c);
      return ids;
    };
    expect((await history('')).sort()).toEqual(records.map((r) => r.callId).sort());
    expect((await history('&answered=true')).length).toBe(report.funnel.answered);
    expect((await history('&answered=true&completed=true')).length).toBe(report.funnel.mainFlowCompleted);
    expect((await history('&jobStatus=Succeeded')).length).toBe(records.filter((r) => jobRows.find((j) => j.jobId === r.jobId)!.status === 'Succeeded').length);

    // Every export agrees with the records.
    const callLog = parse((await runExport(campaignId, { kind: 'callLog', format: 'csv' })).toString('utf8'), { bom: true }) as string[][];
    expect(callLog.length - 1).toBe(records.length);
    expect(new Set(callLog.slice(1).map((r) => r[4]))).toEqual(new Set(records.map((r) => r.callId)));
    const unreachable = parse((await runExport(campaignId, { kind: 'unreachable', format: 'csv' })).toString('utf8'), { bom: true }) as string[][];
    expect(unreachable.length - 1).toBe(stats.data.answer_rate.noAnswer);
    const transcripts = new ExcelJS.Workbook();
    await transcripts.xlsx.load((await runExport(campaignId, { kind: 'transcripts', format: 'xlsx' })) as never);
    expect(transcripts.worksheets[0]!.rowCount - 1).toBe(jobs.flatMap((j) => j.calls).reduce((n, c) => n + Math.max(1, c.turns.length), 0));
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await runExport(campaignId, { kind: 'workbook' })) as never);
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['Basic info', 'Execution statistics', 'Tag statistics', 'Intent distribution', 'Flow statistics', 'No-match cases', 'Suspend list']);
    for (const sheet of workbook.worksheets) expect(sheet.rowCount, sheet.name).toBeGreaterThan(1);
    const noMatchTurns = jobs.flatMap((j) => j.calls).filter((c) => c.record.answered).flatMap((c) => c.turns).filter((t) => t.outcome === 'noMatch').length;
    expect(workbook.getWorksheet('No-match cases')!.rowCount - 1).toBe(noMatchTurns);
    const exports = await api('GET', `/campaigns/${campaignId}/exports`);
    expect(exports.items.map((e: { status: string }) => e.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
  }, 600_000);
});
