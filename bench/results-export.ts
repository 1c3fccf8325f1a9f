/**
 * Export throughput benchmark (SPEC R6): 1,000,000 call-log rows (seed 002's columns) written as
 * .csv and .xlsx, in a fresh process each so the peak RSS is the export's own.
 *
 * - `writer`: rows formatted from call records in memory straight into the streamed writer and a
 *   file (FileBlobs, as the local runtime's data bucket) — the writer's own speed;
 * - `render`: the export's real render phase (`runExport`): the collected NDJSON parts (written
 *   beforehand by another process) read back from FileBlobs, parsed and streamed through the writer
 *   into the final file.
 *
 *   npx tsx bench/results-export.ts [--rows 1000000]
 *
 * Writes bench/results/results-export.json. Goals: .csv ≥ 100,000 rows/s, .xlsx ≥ 30,000 rows/s,
 * peak RSS ≤ 300 MB.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MemoryStore } from '../lib/adapters/memory/store';
import type { Job } from '../lib/campaigns/schema';
import { compose } from '../lib/composition';
import type { Deps } from '../lib/core/deps';
import { silentLogger } from '../lib/core/log';
import { systemClock } from '../lib/ports/clock';
import { CALL_LOG_COLUMNS, callLogRow, headers } from '../lib/results/export-rows';
import { runExport, type ExportJob } from '../lib/results/exports';
import { CsvWriter, XlsxWriter } from '../lib/results/writers';
import { keys } from '../lib/store/keys';
import type { CallRecord } from '../lib/telephony/call-records';
import { FileBlobs } from '../local/blobs';

const here = dirname(fileURLToPath(import.meta.url));

/** A realistic call-log row's inputs for index i (a job and one of its calls). */
function jobAndCall(i: number): { job: Job; call: CallRecord } {
  const answered = i % 3 !== 0;
  const at = new Date(Date.UTC(2026, 0, 5, 9) + i * 1000).toISOString();
  const job: Job = {
    jobId: `job_01JH${String(i).padStart(10, '0')}`,
    campaignId: 'cmp_bench',
    instanceId: 'in_bench',
    contact: { phone: `+1206${String(5_000_000 + (i % 4_000_000)).padStart(7, '0')}`, name: `Contact ${i}`, referenceId: `REF-${i}`, variables: {} },
    status: answered ? 'Succeeded' : 'Failed',
    dialState: 'idle',
    attempts: 1,
    tries: 1,
    finishedAttempt: 1,
    answered,
    tags: {},
    createdAt: at,
    updatedAt: at,
    systemAttempts: 0,
    placedCalls: 1,
    answeredCalls: answered ? 1 : 0,
    interacted: answered,
    captured: {},
    version: 3,
  };
  const call: CallRecord = {
    callId: `call_01JH${String(i).padStart(10, '0')}`,
    instanceId: 'in_bench',
    campaignId: 'cmp_bench',
    jobId: job.jobId,
    attempt: 1,
    caller: '+12065559999',
    callee: job.contact.phone,
    plannedAt: at,
    dialledAt: at,
    endedAt: at,
    ringSeconds: (i % 300) / 10,
    talkSeconds: answered ? (i % 1800) / 10 : 0,
    turns: answered ? i % 12 : 0,
    answered,
    completed: answered && i % 2 === 0,
    transferred: false,
    hangupParty: answered ? 'person' : 'system',
    hangupNode: answered ? 'reminder' : undefined,
    status: answered ? 'Succeeded' : 'NoAnswer',
    sipCode: answered ? undefined : 480,
    recordingKey: answered ? `in_bench/2026-01-05/call_${i}/recording.wav` : undefined,
    tags: answered ? { promise: 'later', promiseDate: 'next friday' } : {},
    noMatchHangup: false,
    systemFailure: false,
    placed: true,
    interacted: answered,
    captured: {},
  };
  return { job, call };
}

/** Peak RSS sampled every 20 ms while `work` runs, and the process's own maximum. */
async function measured(work: () => Promise<number>) {
  (globalThis as { gc?: () => void }).gc?.();
  const baseRss = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  let peak = baseRss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const t0 = performance.now();
  const rows = await work();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(timer);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const mb = (b: number) => Math.round((b / 1024 / 1024) * 10) / 10;
  return {
    rows,
    seconds: Math.round(seconds * 100) / 100,
    rowsPerSecond: Math.round(rows / seconds),
    // CPU time of this process (main thread and zlib's pool); rows per CPU-second is what a quiet machine approaches.
    cpuSeconds: Math.round(cpuSeconds * 100) / 100,
    rowsPerCpuSecond: Math.round(rows / cpuSeconds),
    baseRssMb: mb(baseRss),
    peakRssMb: mb(peak),
  };
}

const PART = 20_000;
const partKey = (p: number) => `exports/in_bench/exp_bench/parts/${String(p).padStart(6, '0')}.ndjson`;

/** Writes the collected parts of `rows` call-log rows into `dir` (its own process, so the render's RSS is its own). */
async function prepare(dir: string, rows: number): Promise<object> {
  const blobs = new FileBlobs({ root: dir, baseUrl: 'http://127.0.0.1', secret: 'bench' });
  for (let p = 0; p * PART < rows; p++) {
    const lines: string[] = [];
    for (let i = p * PART; i < Math.min(rows, (p + 1) * PART); i++) {
      const { job, call } = jobAndCall(i);
      lines.push(JSON.stringify(callLogRow(job, call, 'en')));
    }
    await blobs.put(partKey(p), lines.join('\n') + '\n');
  }
  return { rows };
}

/** The writer on its own: rows formatted from records in memory, streamed to a file. */
async function writer(dir: string, format: 'csv' | 'xlsx', rows: number): Promise<object> {
  const blobs = new FileBlobs({ root: dir, baseUrl: 'http://127.0.0.1', secret: 'bench' });
  const r = await measured(async () => {
    const w = format === 'csv' ? new CsvWriter() : new XlsxWriter();
    const upload = blobs.put(`out.${format}`, w.stream);
    const head = headers(CALL_LOG_COLUMNS, 'en');
    if (w instanceof XlsxWriter) await w.sheet('Call log', head);
    else await w.header(head);
    for (let i = 0; i < rows; i++) {
      const { job, call } = jobAndCall(i);
      const full = w.row(callLogRow(job, call, 'en'));
      if (full) await full;
    }
    await w.end();
    await upload;
    return rows;
  });
  return { ...r, fileMb: Math.round(statSync(join(dir, `out.${format}`)).size / 1024 / 102.4) / 10 };
}

/** The export's real render phase (`runExport`) over parts written by `prepare`. */
async function render(dir: string, format: 'csv' | 'xlsx', rows: number): Promise<object> {
  const blobs = new FileBlobs({ root: dir, baseUrl: 'http://127.0.0.1', secret: 'bench' });
  const store = new MemoryStore();
  const parts = Array.from({ length: Math.ceil(rows / PART) }, (_, p) => ({ key: partKey(p), rows: Math.min(PART, rows - p * PART) }));
  const now = new Date().toISOString();
  const job: ExportJob = {
    exportId: 'exp_bench',
    instanceId: 'in_bench',
    campaignId: 'cmp_bench',
    campaignName: 'bench',
    kind: 'callLog',
    format,
    language: 'en',
    status: 'running',
    phase: 'render',
    percent: 90,
    jobsRead: rows,
    jobsTotal: rows,
    rows,
    fileName: `bench.${format}`,
    requestedBy: 'bench',
    createdAt: now,
    updatedAt: now,
  };
  await store.put({ ...keys.export('in_bench', 'exp_bench'), type: 'export', ...job, parts, seq: 0 });
  const noQueue = { send: async () => {}, sendBatch: async () => ({ failed: [] }) };
  const deps = compose({
    store,
    queues: { dial: noQueue, tick: noQueue, work: noQueue },
    bus: { publish: async () => ({ failed: [] }) },
    blobs: { data: blobs, recordings: blobs },
    telephony: {} as Deps['telephony'],
    workflows: { startCampaignLoop: async () => {} },
    clock: systemClock,
    log: silentLogger,
    config: { eventSource: 'reachout', callsPerSecond: 1, region: 'local' },
  });
  const r = await measured(async () => {
    const outcome = await runExport(deps, { type: 'export', instanceId: 'in_bench', exportId: 'exp_bench' });
    if (outcome !== 'completed') throw new Error(`render ended ${outcome}`);
    return rows;
  });
  return { ...r, fileMb: Math.round(statSync(join(dir, 'exports', 'in_bench', 'exp_bench', `bench.${format}`)).size / 1024 / 102.4) / 10 };
}

/** Runs the benchmark (each case in its own process) and writes bench/results/results-export.json. */
export async function runResultsExportBench(options: { rows?: number } = {}): Promise<object> {
  const rows = options.rows ?? 1_000_000;
  const cases: Record<string, unknown> = {};
  const dir = mkdtempSync(join(tmpdir(), 'reachout-export-bench-'));
  const run = (args: string[]) => {
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, 'results-export.ts'), '--dir', dir, '--rows', String(rows), ...args], {
      encoding: 'utf8',
      maxBuffer: 16 << 20,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return JSON.parse(out.slice(out.indexOf('{'))) as object;
  };
  try {
    for (const format of ['csv', 'xlsx'] as const) {
      process.stderr.write(`  export: writer ${format}, ${rows.toLocaleString('en')} rows\n`);
      cases[`writer-${format}`] = run(['--child', 'writer', '--format', format]);
    }
    process.stderr.write('  export: collected parts for the render phase\n');
    run(['--child', 'prepare']);
    for (const format of ['csv', 'xlsx'] as const) {
      process.stderr.write(`  export: render ${format}, ${rows.toLocaleString('en')} rows\n`);
      cases[`render-${format}`] = run(['--child', 'render', '--format', format]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const result = {
    benchmark: 'export throughput (call log)',
    blobs: 'FileBlobs (local runtime data bucket) in a temporary folder',
    node: process.version,
    at: new Date().toISOString(),
    rows,
    goals: { csvRowsPerSecond: 100_000, xlsxRowsPerSecond: 30_000, peakRssMb: 300 },
    cases,
  };
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'results-export.json'), JSON.stringify(result, null, 2) + '\n');
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { rows: { type: 'string' }, child: { type: 'string' }, format: { type: 'string' }, dir: { type: 'string' } } });
  const rows = values.rows ? Number(values.rows) : 1_000_000;
  const format = (values.format ?? 'csv') as 'csv' | 'xlsx';
  const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'reachout-export-bench-'));
  const run =
    values.child === 'prepare' ? prepare(dir, rows)
    : values.child === 'writer' ? writer(dir, format, rows)
    : values.child === 'render' ? render(dir, format, rows)
    : runResultsExportBench({ rows });
  run.then(
    (r) => process.stdout.write(JSON.stringify(r, null, 2) + '\n'),
    (e) => {
      process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
