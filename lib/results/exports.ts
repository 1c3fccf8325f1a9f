/**
 * Exports (SPEC R6), like seed 002's download centre: asynchronous, listed with progress, downloaded
 * by a short-lived link. Kinds: the result workbook (.xlsx, one sheet per section), the call log
 * (.csv/.xlsx, seed 002's columns), unreachable contacts and transcripts (.csv/.xlsx).
 *
 * An export runs on the work queue in two phases. *Collect* walks the campaign's jobs shard by shard
 * (exports are the one place that reads everything), turns them into rows and writes the rows in
 * parts of up to PART_ROWS to the data bucket, committing the cursor with each part; when the time
 * budget of one invocation runs out it hands the rest to a new message. *Render* streams the parts
 * through the CSV or XLSX writer into the final object (flat memory), then the export is completed
 * and `ExportReady` is published. A lease (token + expiry, conditional writes) keeps a duplicated
 * message from running the same export twice; a crashed run is taken over when its lease expires.
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { getCampaign, getProgress, listJobs } from '../campaigns/repository';
import type { Job } from '../campaigns/schema';
import type { Deps, Services } from '../core/deps';
import { buildEvent } from '../events';
import { effectId, type EffectInput } from '../outbox/effects';
import { newId } from '../core/ids';
import { ReachoutError } from '../core/errors';
import { listSuspended } from '../lists';
import { isoAt } from '../ports/clock';
import type { Item, Store } from '../ports/store';
import { keys } from '../store/keys';
import { listCallsOfJob, listTurns } from '../telephony/call-records';
import {
  CALL_LOG_COLUMNS,
  callLogRow,
  headers,
  NO_MATCH_COLUMNS,
  noMatchRows,
  TRANSCRIPT_COLUMNS,
  transcriptRows,
  UNREACHABLE_COLUMNS,
  unreachableRow,
  type ExportLanguage,
} from './export-rows';
import { reportOf, type ReportResponse } from './report';
import { loadResultsSource } from './source';
import { CsvWriter, XlsxWriter, type Cell } from './writers';

/** What can be exported. */
export const ExportKind = z.enum(['workbook', 'callLog', 'unreachable', 'transcripts']);
/** An export kind. */
export type ExportKind = z.infer<typeof ExportKind>;
/** File formats. */
export const ExportFormat = z.enum(['xlsx', 'csv']);
/** A file format. */
export type ExportFormat = z.infer<typeof ExportFormat>;

/** Body of `POST /campaigns/{id}/exports`. */
export const ExportRequest = z
  .object({
    kind: ExportKind,
    /** Default xlsx; the workbook is always xlsx. */
    format: ExportFormat.optional(),
    /** Language of headers, sheet names and yes/no (default en). */
    language: z.enum(['en', 'zh']).optional(),
  })
  .refine((r) => r.kind !== 'workbook' || r.format !== 'csv', { path: ['format'], message: 'the result workbook is an .xlsx file; csv is not available for it' });
/** An export request. */
export type ExportRequest = z.infer<typeof ExportRequest>;

/** Status of an export in the download centre. */
export const ExportStatus = z.enum(['queued', 'running', 'completed', 'failed']);

/** An export as stored and listed. */
export const ExportJob = z.object({
  exportId: z.string(),
  instanceId: z.string(),
  campaignId: z.string(),
  campaignName: z.string(),
  kind: ExportKind,
  format: ExportFormat,
  language: z.enum(['en', 'zh']),
  status: ExportStatus,
  phase: z.enum(['collect', 'render', 'done']),
  /** 0–100. */
  percent: z.number(),
  jobsRead: z.number(),
  jobsTotal: z.number(),
  rows: z.number(),
  fileName: z.string(),
  key: z.string().optional(),
  size: z.number().optional(),
  error: z.string().optional(),
  requestedBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().optional(),
});
/** An export. */
export type ExportJob = z.infer<typeof ExportJob>;

/** An export with its download link when completed. */
export const ExportView = ExportJob.extend({ download: z.object({ url: z.string(), expiresAt: z.string() }).optional() });
/** An export as the API shows it. */
export type ExportView = z.infer<typeof ExportView>;

/** The work-queue message of an export. */
export const ExportWork = z.object({ type: z.literal('export'), instanceId: z.string(), exportId: z.string() });
/** An export work message. */
export type ExportWork = z.infer<typeof ExportWork>;

/** Lifetime of a download link. */
export const EXPORT_LINK_SECONDS = 900;
/** Rows per part written by the collect phase. */
export const PART_ROWS = 20_000;
/** Jobs read per page while collecting. */
const PAGE_JOBS = 200;
/** Jobs whose calls are read at the same time. */
const JOB_CONCURRENCY = 16;
/** Default time one invocation works before handing over (the worker Lambda has 15 minutes). */
export const EXPORT_BUDGET_MS = 8 * 60_000;
/** How long a run holds an export without committing (platform clock); a crashed run's export is taken over after it. */
const LEASE_MS = 12 * 60_000;
/** Runs that fail with an unexpected error before the export is marked failed. */
const MAX_FAILURES = 3;

const CONTENT_TYPE: Record<ExportFormat, string> = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv; charset=utf-8',
};

const exportKey = (instanceId: string, exportId: string) => keys.export(instanceId, exportId);
const prefixOf = (instanceId: string, exportId: string) => `exports/${instanceId}/${exportId}`;

const META = new Set(['pk', 'sk', 'type', 'cursor', 'parts', 'seq', 'leaseToken', 'leaseUntil', 'failures']);

function fromItem(item: Item): ExportJob {
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!META.has(k)) rest[k] = v;
  return ExportJob.parse(rest);
}

const safeName = (s: string) => s.replace(/[^\p{L}\p{N}._-]+/gu, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'campaign';
const KIND_NAMES: Record<ExportKind, string> = { workbook: 'results', callLog: 'call-log', unreachable: 'unreachable', transcripts: 'transcripts' };

/** Creates an export and queues its work (R6). */
export async function requestExport(deps: Deps, instanceId: string, campaignId: string, request: ExportRequest, principal: string): Promise<ExportJob> {
  const campaign = await getCampaign(deps.store, instanceId, campaignId);
  const now = deps.clock.now();
  const exportId = newId('exp_', now);
  const format = request.kind === 'workbook' ? 'xlsx' : (request.format ?? 'xlsx');
  const job: ExportJob = {
    exportId,
    instanceId,
    campaignId,
    campaignName: campaign.name,
    kind: request.kind,
    format,
    language: request.language ?? 'en',
    status: 'queued',
    phase: 'collect',
    percent: 0,
    jobsRead: 0,
    jobsTotal: 0,
    rows: 0,
    fileName: `${safeName(campaign.name)}-${KIND_NAMES[request.kind]}-${isoAt(now).slice(0, 10)}.${format}`,
    requestedBy: principal,
    createdAt: isoAt(now),
    updatedAt: isoAt(now),
  };
  await deps.store.put({ ...exportKey(instanceId, exportId), type: 'export', ...job, seq: 0, parts: [] }, { notExists: 'pk' });
  await deps.queues.work.send({ body: JSON.stringify({ type: 'export', instanceId, exportId } satisfies ExportWork) });
  return job;
}

/** Reads an export; undefined when the instance has none with this id. */
export async function getExport(store: Store, instanceId: string, exportId: string): Promise<ExportJob | undefined> {
  const item = await store.get(exportKey(instanceId, exportId));
  return item ? fromItem(item) : undefined;
}

/** Lists exports newest first (the download centre), optionally of one campaign. */
export async function listExports(
  store: Store,
  instanceId: string,
  options: { campaignId?: string; limit?: number; cursor?: string } = {},
): Promise<{ items: ExportJob[]; cursor?: string }> {
  const limit = options.limit ?? 50;
  const items: ExportJob[] = [];
  let cursor = options.cursor;
  // Exports of other campaigns are skipped; the partition holds one small item per export.
  do {
    const page = await store.query({ pk: exportKey(instanceId, 'x').pk, beginsWith: 'EXP#', reverse: true, limit: limit - items.length, cursor });
    for (const it of page.items) {
      const job = fromItem(it);
      if (!options.campaignId || job.campaignId === options.campaignId) items.push(job);
    }
    cursor = page.cursor;
  } while (cursor && items.length < limit);
  return { items, ...(cursor ? { cursor } : {}) };
}

/** An export as shown to its owner: with a short-lived download link once completed. */
export async function exportView(deps: Deps, job: ExportJob): Promise<ExportView> {
  if (job.status !== 'completed' || !job.key) return job;
  const url = await deps.blobs.data.link(job.key, EXPORT_LINK_SECONDS);
  return { ...job, download: { url, expiresAt: isoAt(deps.clock.now() + EXPORT_LINK_SECONDS * 1000) } };
}

/** Options of an export run (tests shorten the budget). */
export interface ExportRunOptions {
  /** Wall time one invocation may work before handing over. */
  budgetMs?: number;
  /** Wall clock for the budget (Lambda time is wall time, whatever the platform clock does). */
  wallNow?: () => number;
  /** Jobs read per page (default 200). */
  pageJobs?: number;
  /** Rows per part (default PART_ROWS). */
  partRows?: number;
}

interface Part {
  key: string;
  rows: number;
}

/** Outcome of one run: more work queued, finished, or nothing to do (another run holds the export, or it is over). */
export type ExportRunResult = 'continued' | 'completed' | 'skipped' | 'failed';

/** Runs (part of) an export; hands the rest to a new message when its budget runs out. */
export async function runExport(deps: Services, work: ExportWork, options: ExportRunOptions = {}): Promise<ExportRunResult> {
  const wallNow = options.wallNow ?? (() => performance.now());
  const started = wallNow();
  const budget = options.budgetMs ?? EXPORT_BUDGET_MS;
  const key = exportKey(work.instanceId, work.exportId);
  const token = randomUUID();
  const now = deps.clock.now();
  const claimed = await deps.store.update(
    key,
    { set: { leaseToken: token, leaseUntil: now + LEASE_MS, status: 'running', updatedAt: isoAt(now) } },
    { and: [{ in: ['status', ['queued', 'running']] }, { or: [{ notExists: 'leaseUntil' }, { lt: ['leaseUntil', now] }] }] },
  );
  if (!claimed.ok) return 'skipped';
  let item = claimed.item!;
  const job = fromItem(item);
  const commit = async (set: Record<string, unknown>, effects: EffectInput[] = []) => {
    const seq = Number(item.seq ?? 0);
    const at = deps.clock.now();
    // Every commit also renews the lease, so a long export is not taken over while it makes progress.
    const r = await deps.outbox.commit(
      key,
      { set: { ...set, seq: seq + 1, leaseUntil: at + LEASE_MS, updatedAt: isoAt(at) } },
      { and: [{ eq: ['leaseToken', token] }, { eq: ['seq', seq] }] },
      effects,
    );
    if (!r.ok) throw new LeaseLost();
    item = r.item!;
  };
  try {
    if (item.phase === 'collect') {
      const done = await collect(deps, job, item, token, commit, () => wallNow() - started > budget, options);
      if (!done) {
        await deps.store.update(key, { set: { leaseUntil: 0 } }, { eq: ['leaseToken', token] });
        await deps.queues.work.send({ body: JSON.stringify(work) });
        return 'continued';
      }
    }
    await render(deps, fromItem(item), (item.parts as Part[] | undefined) ?? [], commit);
    return 'completed';
  } catch (error) {
    if (error instanceof LeaseLost) return 'skipped';
    const failures = Number(item.failures ?? 0) + 1;
    const permanent = error instanceof ReachoutError && error.status < 500;
    const giveUp = permanent || failures >= MAX_FAILURES;
    deps.log.error('export failed', { exportId: work.exportId, failures, giveUp, error });
    const message = String((error as Error).message ?? error).slice(0, 500);
    await deps.outbox.commit(
      key,
      { set: { failures, error: message, leaseUntil: 0, ...(giveUp ? { status: 'failed', finishedAt: isoAt(deps.clock.now()) } : {}) } },
      { eq: ['leaseToken', token] },
      giveUp ? [exportReadyEffect(deps, job, 'Failed', { failureReason: message })] : [],
    );
    if (giveUp) return 'failed';
    throw error;
  }
}

class LeaseLost extends Error {
  override readonly name = 'LeaseLost';
}

/** Rows of one job for an export kind. */
async function rowsOfJob(store: Store, job: ExportJob, j: Job): Promise<Cell[][]> {
  if (j.attempts === 0) return [];
  const calls = await listCallsOfJob(store, job.instanceId, j.jobId);
  const mine = calls.filter((c) => c.campaignId === job.campaignId);
  switch (job.kind) {
    case 'callLog':
      return mine.map((c) => callLogRow(j, c, job.language));
    case 'unreachable': {
      const row = unreachableRow(j, mine);
      return row ? [row] : [];
    }
    case 'transcripts': {
      const out: Cell[][] = [];
      for (const c of mine) out.push(...transcriptRows(j, c, await listTurns(store, job.instanceId, c.callId), job.language));
      return out;
    }
    case 'workbook': {
      const out: Cell[][] = [];
      for (const c of mine) if (c.answered) out.push(...noMatchRows(j, c, await listTurns(store, job.instanceId, c.callId)));
      return out;
    }
  }
}

async function mapLimited<T, R>(items: readonly T[], limit: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i]!);
      }
    }),
  );
  return out;
}

/** The collect phase; true when every job was read. */
async function collect(
  deps: Deps,
  job: ExportJob,
  item: Item,
  token: string,
  commit: (set: Record<string, unknown>) => Promise<void>,
  outOfTime: () => boolean,
  options: ExportRunOptions,
): Promise<boolean> {
  const pageJobs = options.pageJobs ?? PAGE_JOBS;
  const partRows = options.partRows ?? PART_ROWS;
  const { store } = deps;
  let jobsTotal = job.jobsTotal;
  if (!jobsTotal) jobsTotal = (await getProgress(store, job.instanceId, job.campaignId)).total;
  let cursor = typeof item.cursor === 'string' ? item.cursor : undefined;
  let parts = [...((item.parts as Part[] | undefined) ?? [])];
  let jobsRead = job.jobsRead;
  let rows = job.rows;
  let seq = Number(item.seq ?? 0);
  let buffer: string[] = [];
  let finished = false;
  const flush = async (last: boolean) => {
    if (buffer.length) {
      const key = `${prefixOf(job.instanceId, job.exportId)}/parts/${String(seq).padStart(6, '0')}-${token.slice(0, 8)}.ndjson`;
      await deps.blobs.data.put(key, buffer.join('\n') + '\n', 'application/x-ndjson');
      parts = [...parts, { key, rows: buffer.length }];
      rows += buffer.length;
      buffer = [];
    }
    seq += 1;
    await commit({
      cursor: last ? undefined : cursor,
      parts,
      rows,
      jobsRead,
      jobsTotal,
      phase: last ? 'render' : 'collect',
      percent: Math.min(90, Math.floor((90 * jobsRead) / Math.max(1, jobsTotal))),
    });
  };
  while (!finished) {
    const page = await listJobs(store, job.instanceId, job.campaignId, { limit: pageJobs, cursor });
    const rowsOfPage = await mapLimited(page.items, JOB_CONCURRENCY, (j) => rowsOfJob(store, job, j));
    for (const r of rowsOfPage) for (const row of r) buffer.push(JSON.stringify(row));
    jobsRead += page.items.length;
    cursor = page.cursor;
    finished = !cursor;
    if (finished || buffer.length >= partRows) await flush(finished);
    if (!finished && outOfTime()) {
      await flush(false);
      return false;
    }
  }
  return true;
}

/** Rows of the collected parts, in order. */
async function* partRows(deps: Deps, parts: readonly Part[]): AsyncGenerator<Cell[]> {
  const decoder = new TextDecoder();
  for (const part of parts) {
    const stream = await deps.blobs.data.stream(part.key);
    if (!stream) throw new ReachoutError('ExportPartMissing', `export part ${part.key} is missing`, 500);
    let rest = '';
    for await (const chunk of stream) {
      rest += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = rest.indexOf('\n')) >= 0) {
        const line = rest.slice(0, nl);
        rest = rest.slice(nl + 1);
        if (line) yield JSON.parse(line) as Cell[];
      }
    }
    rest += decoder.decode();
    if (rest.trim()) yield JSON.parse(rest) as Cell[];
  }
}

/** The render phase: parts (and, for the workbook, the aggregates) into the final file. */
/** Export kinds as the ExportReady event names them (lib/events). */
const EVENT_KIND = { workbook: 'campaignResult', callLog: 'callLog', unreachable: 'unreachableContacts', transcripts: 'transcripts' } as const;

/** The ExportReady event of a finished export, as an effect of the write that finishes it (it cannot be lost). */
function exportReadyEffect(
  deps: Pick<Deps, 'config' | 'clock'>,
  job: ExportJob,
  status: 'Succeeded' | 'Failed',
  extra: { bytes?: number; rows?: number; failureReason?: string },
): EffectInput {
  const now = deps.clock.now();
  return {
    type: 'publish',
    id: effectId(now, 'export', job.exportId, 'ready'),
    event: buildEvent(
      'ExportReady',
      {
        instanceId: job.instanceId,
        exportId: job.exportId,
        kind: EVENT_KIND[job.kind],
        status,
        campaignId: job.campaignId,
        format: job.format,
        fileName: job.fileName,
        ...extra,
        apiPath: `/exports/${job.exportId}`,
      },
      { source: deps.config.eventSource, time: now },
    ),
  };
}

async function render(
  deps: Deps,
  job: ExportJob,
  parts: readonly Part[],
  commit: (set: Record<string, unknown>, effects?: EffectInput[]) => Promise<void>,
): Promise<void> {
  const writer = job.format === 'csv' ? new CsvWriter() : new XlsxWriter();
  const key = `${prefixOf(job.instanceId, job.exportId)}/${job.fileName}`;
  const upload = deps.blobs.data.put(key, writer.stream, CONTENT_TYPE[job.format]);
  // An upload that fails early must not leave the writer waiting for a reader.
  upload.catch((e: unknown) => writer.abort(e instanceof Error ? e : new Error(String(e))));
  const total = parts.reduce((n, p) => n + p.rows, 0);
  let written = 0;
  // Called per row: a promise only every 100,000 rows, when progress is saved.
  const progress = (): Promise<void> | undefined => {
    written += 1;
    return written % 100_000 === 0 ? commit({ percent: 90 + Math.floor((9 * written) / Math.max(1, total)) }) : undefined;
  };
  try {
    if (job.kind === 'workbook') {
      await writeWorkbook(deps, job, writer as XlsxWriter, partRows(deps, parts), progress);
    } else {
      const columns = job.kind === 'callLog' ? CALL_LOG_COLUMNS : job.kind === 'unreachable' ? UNREACHABLE_COLUMNS : TRANSCRIPT_COLUMNS;
      const head = headers(columns, job.language);
      if (writer instanceof XlsxWriter) await writer.sheet(sheetTitle(job), head);
      else await writer.header(head);
      for await (const row of partRows(deps, parts)) {
        const full = writer.row(row);
        if (full) await full;
        const saving = progress();
        if (saving) await saving;
      }
    }
    await writer.end();
  } catch (error) {
    writer.abort(error instanceof Error ? error : new Error(String(error)));
    await upload.catch(() => undefined);
    throw error;
  }
  await upload;
  const now = isoAt(deps.clock.now());
  await commit({ status: 'completed', phase: 'done', percent: 100, key, size: writer.bytes, rows: total, finishedAt: now }, [
    exportReadyEffect(deps, job, 'Succeeded', { bytes: writer.bytes, rows: total }),
  ]);
}

const SHEET_TITLES: Record<ExportKind, [string, string]> = {
  workbook: ['Results', '任务结果'],
  callLog: ['Call log', '呼叫流水'],
  unreachable: ['Unreachable contacts', '未接通列表'],
  transcripts: ['Transcripts', '通话记录'],
};
const sheetTitle = (job: ExportJob) => SHEET_TITLES[job.kind][job.language === 'zh' ? 1 : 0];

const t = (language: ExportLanguage) => (en: string, zh: string) => (language === 'zh' ? zh : en);

/** The result workbook: one sheet per section of seed 002's 任务结果. */
async function writeWorkbook(deps: Deps, job: ExportJob, w: XlsxWriter, noMatch: AsyncIterable<Cell[]>, progress: () => Promise<void> | undefined): Promise<void> {
  const tr = t(job.language);
  const source = await loadResultsSource(deps.store, job.instanceId, job.campaignId);
  const report: ReportResponse = reportOf(source, 1000);
  const { campaign } = source;

  await w.sheet(tr('Basic info', '任务基本信息'), [tr('Field', '字段'), tr('Value', '值')], [28, 60]);
  const basic: [string, Cell][] = [
    [tr('Campaign', '任务名称'), campaign.name],
    [tr('Campaign id', '任务ID'), campaign.campaignId],
    [tr('State', '任务状态'), campaign.state],
    [tr('Scenario', '场景'), `${report.scenario.name ?? campaign.scenarioId} (v${campaign.scenarioVersion})`],
    [tr('Created at', '创建时间'), campaign.createdAt],
    [tr('Started at', '开始时间'), campaign.startedAt ?? ''],
    [tr('Finished at', '结束时间'), campaign.finishedAt ?? ''],
    [tr('Valid numbers (deduplicated)', '有效电话数（去重）'), report.measures.validNumbers],
    [tr('Retries', '重拨次数'), campaign.retry.retries],
    [tr('Retry interval (s)', '重拨间隔（秒）'), campaign.retry.intervalSeconds],
    [tr('Success means', '成功定义'), report.measures.successDefinition],
    [tr('Exported at', '导出时间'), isoAt(deps.clock.now())],
  ];
  for (const row of basic) await w.row(row);

  await w.sheet(tr('Execution statistics', '任务执行情况统计'), [tr('Section', '类别'), tr('Measure', '指标'), tr('Value', '数值'), tr('Of', '基数'), tr('Rate %', '比率%')], [22, 36, 12, 12, 10]);
  const e = report.execution;
  const m = report.measures;
  const exec: Cell[][] = [
    [tr('Execution', '执行'), tr('Job completion', '外呼作业完成'), e.jobCompletion.completed, e.jobCompletion.total, e.jobCompletion.rate],
    [tr('Execution', '执行'), tr('Answer rate (calls)', '接通率'), e.answerRate.answered, e.answerRate.placed, e.answerRate.rate],
    [tr('Execution', '执行'), tr('Dialog completion', '对话完结'), e.dialogCompletion.completed, e.dialogCompletion.answered, e.dialogCompletion.rate],
    [tr('Execution', '执行'), tr('Transfer rate', '转人工率'), e.transferRate.transferred, e.transferRate.answered, e.transferRate.rate],
    [tr('Measures', '指标'), tr('Calls placed (with retries)', '电话呼出量'), m.callsPlaced, null, null],
    [tr('Measures', '指标'), tr('Numbers answered', '接听号码数'), m.numbersAnswered, m.validNumbers, m.answerRate],
    [tr('Measures', '指标'), tr('Numbers succeeded', '成功号码数'), m.numbersSucceeded, m.validNumbers, m.successRate],
  ];
  const f = report.funnel;
  const funnel: [string, string, number][] = [
    ['Dialled', '外呼量', f.dialled],
    ['Answered', '接通量', f.answered],
    ['Not answered', '未接通量', f.notAnswered],
    ['Silent hang-up', '无响应挂断量', f.silentHangup],
    ['Effective interaction', '有效交互量', f.effectiveInteraction],
    ['Main flow completed', '主流程完成量', f.mainFlowCompleted],
    ['Main flow hang-up', '主流程挂断量', f.mainFlowHangup],
    ['User hang-up', '用户主动挂断量', f.userHangup],
    ['No-match hang-up', '拒识挂断量', f.noMatchHangup],
    ['Timeout hang-up', '超时挂断量', f.timeoutHangup],
    ['Other end', '其他结束', f.otherEnd],
  ];
  for (const [en, zh, n] of funnel) exec.push([tr('Funnel', '漏斗'), tr(en, zh), n, f.dialled, f.dialled ? Math.round((10_000 * n) / f.dialled) / 100 : 0]);
  for (const g of report.intentions) exec.push([tr('Intention', '意向'), g.name, g.total, null, g.percent]);
  for (const [bucket, n] of Object.entries(report.rounds)) exec.push([tr('Rounds', '对话轮次'), bucket, n, null, null]);
  for (const row of exec) await w.row(row);

  await w.sheet(tr('Tag statistics', '变量标签统计'), [tr('Type', '类型'), tr('Tag group / variable', '标签组/变量'), tr('Value', '值'), tr('Count', '数量'), tr('Percent', '占比%')], [14, 24, 30, 10, 10]);
  for (const d of report.tags) {
    for (const v of d.values) await w.row([tr('Tag', '标签'), d.name, v.value, v.count, v.percent]);
    if (d.other) await w.row([tr('Tag', '标签'), d.name, tr('(other)', '（其他）'), d.other, null]);
  }
  for (const d of report.variables) {
    const type = d.source === 'contact' ? tr('Contact variable', '联系人变量') : tr('Captured answer', '采集变量');
    for (const v of d.values) await w.row([type, d.name, v.value, v.count, v.percent]);
    if (d.other) await w.row([type, d.name, tr('(other)', '（其他）'), d.other, null]);
  }

  await w.sheet(tr('Intent distribution', '意图分布统计'), [tr('List', '列表'), tr('Intent / node', '意图/节点'), tr('Count', '数量'), tr('Percent', '占比%')], [28, 30, 10, 10]);
  for (const i of report.topIntents) await w.row([tr('Intents', '意图'), i.label, i.count, i.percent]);
  for (const i of report.topIntentsAfterNoMatch) await w.row([tr('Intents after a no-match', '拒识后意图'), i.label, i.count, i.percent]);
  for (const i of report.topHangupNodes) await w.row([tr('Hang-up nodes', '挂断节点'), i.label, i.count, i.percent]);

  await w.sheet(
    tr('Flow statistics', '对话流程统计'),
    [tr('Node', '节点'), tr('Name', '名称'), tr('Kind', '类型'), tr('Reached', '到达通话数'), tr('Turns', '轮次'), tr('Matched', '命中'), tr('No match', '拒识'), tr('Silence', '静默'), tr('Global question', '全局问题'), tr('Calls ended here', '挂断'), tr('Person hung up here', '用户挂断')],
    [18, 24, 10, 12, 10, 10, 10, 10, 14, 14, 16],
  );
  for (const n of report.flow) await w.row([n.nodeId, n.name, n.kind, n.reached, n.turns, n.matched, n.noMatch, n.silence, n.globalQuestion, n.hangup, n.userHangup]);

  await w.sheet(tr('No-match cases', '拒识case'), headers(NO_MATCH_COLUMNS, job.language), [26, 16, 16, 24, 16, 40, 40, 16, 8]);
  for await (const row of noMatch) {
    await w.row(row);
    await progress();
  }

  await w.sheet(tr('Suspend list', '止呼名单'), [tr('Phone', '号码'), tr('Added at', '添加时间')], [20, 26]);
  let cursor: string | undefined;
  do {
    const page = await listSuspended(deps.store, job.instanceId, job.campaignId, { limit: 500, cursor });
    for (const s of page.items) await w.row([s.phone, s.addedAt]);
    cursor = page.cursor;
  } while (cursor);
}

/** Parses and runs an export work message (the worker's handler for `type: "export"`). */
export function createExportWorkHandlers(options: ExportRunOptions = {}): Record<string, (deps: Services, message: Record<string, unknown>) => Promise<void>> {
  return {
    export: async (deps, message) => {
      const parsed = ExportWork.safeParse(message);
      if (!parsed.success) {
        deps.log.error('export message dropped', { issues: parsed.error.issues.map((i) => i.message).join('; ') });
        return;
      }
      await runExport(deps, parsed.data, options);
    },
  };
}

/** Work handlers to register with the worker (`createWorkerHandler(deps, exportWorkHandlers)`, local `workHandlers`). */
export const exportWorkHandlers = createExportWorkHandlers();
