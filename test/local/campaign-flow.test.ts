import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driveClock, SteppedClock } from '../../local/clock';
import { startLocalPlatform, type Platform } from '../../local/platform';

/**
 * Campaign flow against the local runtime over HTTP: create, import a spreadsheet with good and
 * bad rows, start, pause, resume, stop, and every job ends in a terminal state.
 *
 * The platform runs on a stepped clock: time stands still while the test talks to the API and moves on
 * only when every piece of work has settled (driveClock), so what happens depends on the clock and the
 * scripted people, not on how loaded the machine is; the calls dialled before the stop run their whole
 * course in clock time without any wall-clock wait.
 */
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const TERMINAL = ['Succeeded', 'Failed', 'Cancelled'];

let platform: Platform;
const clock = new SteppedClock(Date.UTC(2026, 0, 5, 9, 0, 0));
beforeAll(async () => {
  platform = await startLocalPlatform({ memory: true, port: 0, clock });
}, 30_000);
afterAll(async () => {
  await platform?.close();
});

async function api(method: string, path: string, body?: unknown, contentType = 'application/json') {
  const res = await fetch(`${platform.url}${path}`, {
    method,
    headers: { 'x-api-key': platform.apiKey, ...(body !== undefined ? { 'content-type': contentType } : {}) },
    body: body === undefined ? undefined : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as any) : undefined };
}

describe('campaign flow on the local runtime', () => {
  it('creates, imports with a row-level report, starts, pauses, resumes and stops; jobs end in the right states', async () => {
    await api('PATCH', '/instance', {
      settings: { windows: { ranges: [{ start: '00:00', end: '23:59' }] }, callerNumbers: [{ phoneNumber: '+14155550900' }], maxConcurrency: 2 },
    });
    const scenario = await api('POST', '/templates/notification/instantiate', { language: 'en' });
    expect(scenario.status).toBe(201);
    const published = await api('POST', `/scenarios/${scenario.body.scenarioId}/publish`, {});
    expect(published.status).toBe(200);
    const created = await api('POST', '/campaigns', { name: 'Local flow', scenarioId: scenario.body.scenarioId, scenarioVersion: published.body.version.version, retry: { retries: 0 } });
    expect(created.status).toBe(201);
    const id = created.body.campaignId as string;
    const vars = created.body.requiredVariables as string[];

    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('contacts');
    ws.addRow(['phone', 'name', 'referenceId', ...vars]);
    const good = ['+14155550101', '+14155550102', '+14155550103', '+14155550104', '+14155550105', '+14155550106'];
    good.forEach((p, i) => ws.addRow([p, `Person ${i}`, `R${i}`, ...vars.map(() => 'v')]));
    ws.addRow(['555', 'Bad number', 'RX', ...vars.map(() => 'v')]);
    ws.addRow(['+14155550101', 'Duplicate', 'RY', ...vars.map(() => 'v')]);
    if (vars.length > 0) ws.addRow(['+14155550107', 'No variables', 'RZ']);
    const imported = await api('POST', `/campaigns/${id}/imports`, Buffer.from(await wb.xlsx.writeBuffer()), XLSX);
    expect(imported.status).toBe(200);
    expect(imported.body).toMatchObject({ status: 'completed', accepted: 6 });
    const reasons = (imported.body.rejections as { row: number; reason: string }[]).map((r) => [r.row, r.reason]);
    expect(reasons).toEqual([[8, 'InvalidNumber'], [9, 'DuplicateInFile'], ...(vars.length > 0 ? [[10, 'MissingVariable']] : [])]);

    expect((await api('POST', `/campaigns/${id}/start`)).body.state).toBe('running');
    expect((await api('POST', `/campaigns/${id}/pause`)).body.state).toBe('paused');
    expect((await api('POST', `/campaigns/${id}/resume`)).body.state).toBe('running');
    const stopped = await api('POST', `/campaigns/${id}/stop`);
    expect(stopped.body.state).toBe('stopped');
    // Let the calls dialled before the stop run their course on the clock, until every job has ended.
    await driveClock(clock, {
      busy: () => platform.busy(),
      done: async () => {
        if (platform.telephony.active > 0) return false;
        const items = (await api('GET', `/campaigns/${id}/jobs?limit=100`)).body.items as { status: string }[];
        return items.every((j) => TERMINAL.includes(j.status));
      },
      maxClockMs: 6 * 60 * 60_000,
    });
    await platform.idle();

    const jobs = (await api('GET', `/campaigns/${id}/jobs?limit=100`)).body.items as { status: string; attempts: number; failureReason?: string }[];
    expect(jobs).toHaveLength(6);
    for (const job of jobs) {
      expect(TERMINAL).toContain(job.status);
      // Jobs never dialled were cancelled by the stop; dialled ones ended with their call.
      if (job.attempts === 0) expect(job).toMatchObject({ status: 'Cancelled', failureReason: 'Stopped' });
    }
    const progress = (await api('GET', `/campaigns/${id}/progress`)).body;
    expect(progress).toMatchObject({ total: 6, completed: 6, notStarted: 0 });
  }, 60_000);
});
