/**
 * Contact import benchmark (SPEC C4): a 100,000-row .xlsx and .csv imported into the local store,
 * rows per second and peak memory, next to the raw parse speed of the same file (the ceiling).
 *
 *   npx tsx bench/import.ts [--rows 100000] [--memory-store] [--format csv|xlsx] [--out file.json]
 *
 * Writes bench/results/import.json. The store is dynalite (DynamoDB's API on LevelDB, in memory)
 * through the DynamoDB adapter, as in the local runtime; `--memory-store` uses MemoryStore instead.
 */
import { createReadStream, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync, createWriteStream } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MemoryStore } from '../lib/adapters/memory/store';
import { createDocumentClient, DynamoDbStore, tableDefinition } from '../lib/adapters/aws/dynamodb-store';
import { createCampaign } from '../lib/campaigns/repository';
import { CampaignSettings } from '../lib/campaigns/schema';
import { beginImport, runImport } from '../lib/contacts/import';
import { fileRows, type ContactFileFormat } from '../lib/contacts/parse';
import { compose } from '../lib/composition';
import type { Deps, Services } from '../lib/core/deps';
import { silentLogger } from '../lib/core/log';
import { createInstance } from '../lib/instances/repository';
import { systemClock } from '../lib/ports/clock';
import type { Condition, Item, Store, WriteResult } from '../lib/ports/store';
import { ensureTable, startLocalDynamo } from '../local/dynamo';

const here = dirname(fileURLToPath(import.meta.url));

/** One row of the generated file: every 100th row has a bad number, every 100th (offset 57) repeats an earlier number. */
function row(i: number): string[] {
  const phone = i % 100 === 7 ? `12${i}` : i % 100 === 57 ? `+1 415 ${String(2_000_000 + i - 51).replace(/^(\d{3})/, '$1 ')}` : `+1 415 ${String(2_000_000 + i).replace(/^(\d{3})/, '$1 ')}`;
  return [phone, `Person ${i}`, i % 2 ? 'Ms.' : 'Mr.', `REF-${i}`, String((i * 37) % 1000), `2026-02-${String((i % 28) + 1).padStart(2, '0')}`];
}
const HEADER = ['phone', 'name', 'honorific', 'referenceId', 'amount', 'dueDate'];

async function writeCsv(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())));
  await write(HEADER.join(',') + '\n');
  for (let i = 1; i <= rows; i++) await write(row(i).join(',') + '\n');
  await new Promise<void>((r) => out.end(() => r()));
}

async function writeXlsx(path: string, rows: number): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: false, useStyles: false });
  const ws = wb.addWorksheet('contacts');
  ws.addRow(HEADER).commit();
  for (let i = 1; i <= rows; i++) ws.addRow(row(i)).commit();
  ws.commit();
  await wb.commit();
}

/** Samples RSS and heap while `work` runs; returns its result with the peaks (MB) above the baseline. */
async function measured<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number; cpuSeconds: number; peakRssMb: number; peakHeapMb: number }> {
  global.gc?.();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 25);
  const start = performance.now();
  const cpu = process.cpuUsage();
  const result = await work();
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  clearInterval(timer);
  const mb = (b: number) => Math.round((b / 1024 / 1024) * 10) / 10;
  return { result, seconds, cpuSeconds: round(cpuSeconds), peakRssMb: mb(peakRss), peakHeapMb: mb(peakHeap - base.heapUsed) };
}

function benchDeps(store: Store): Services {
  const noQueue = { send: async () => {}, sendBatch: async () => ({ failed: [] }) };
  return compose({
    store,
    queues: { dial: noQueue, tick: noQueue, work: noQueue },
    bus: { publish: async () => ({ failed: [] }) },
    blobs: {} as Deps['blobs'],
    telephony: {} as Deps['telephony'],
    workflows: { startCampaignLoop: async () => {} },
    clock: systemClock,
    log: silentLogger,
    config: { eventSource: 'reachout', callsPerSecond: 1, region: 'local' },
  });
}

/** Runs the benchmark and writes bench/results/import.json. */
export async function runImportBench(options: { rows?: number; memoryStore?: boolean; formats?: ContactFileFormat[]; out?: string } = {}): Promise<object> {
  const rows = options.rows ?? 100_000;
  const dir = mkdtempSync(join(tmpdir(), 'reachout-import-bench-'));
  const files: Record<ContactFileFormat, string> = { csv: join(dir, 'contacts.csv'), xlsx: join(dir, 'contacts.xlsx') };
  await writeCsv(files.csv, rows);
  await writeXlsx(files.xlsx, rows);

  let storeLabel = 'dynalite (local DynamoDB on LevelDB, same process) via DynamoDbStore';
  let close = async () => {};
  let makeStore: () => Promise<Store>;
  if (options.memoryStore) {
    storeLabel = 'MemoryStore (in-process; not the local runtime store)';
    makeStore = async () => new MemoryStore();
  } else {
    // On disk (LevelDB in the temp folder) so the store's data is not counted in this process's heap.
    const dynamo = await startLocalDynamo({ dataDir: join(dir, 'dynamo') });
    const client = new DynamoDBClient(dynamo.clientConfig());
    let n = 0;
    makeStore = async () => {
      const tableName = `bench${n++}`;
      await ensureTable(client, tableName, tableDefinition);
      const doc = createDocumentClient(client);
      return new DynamoDbStore({ tableName, client: doc });
    };
    close = async () => {
      client.destroy();
      await dynamo.close();
    };
  }

  const results: Record<string, unknown> = {};
  try {
    for (const format of options.formats ?? (['csv', 'xlsx'] as const)) {
      const bytes = statSync(files[format]).size;
      const parse = await measured(async () => {
        let n = 0;
        for await (const _ of fileRows(format, createReadStream(files[format]))) n++;
        return n;
      });
      // The same import into a store that discards writes: the importer's own cost (parse, normalise, validate, batch).
      const pipeline = await importInto(new DiscardStore(), format, files[format]);
      const store = await makeStore();
      const imported = await importInto(store, format, files[format]);
      const r = imported.result;
      results[format] = {
        fileMb: Math.round((bytes / 1024 / 1024) * 100) / 100,
        rows,
        parse: { rowsPerSecond: Math.round(parse.result / parse.seconds), seconds: round(parse.seconds), peakRssMb: parse.peakRssMb, peakHeapMb: parse.peakHeapMb },
        import: {
          status: r.status,
          accepted: r.accepted,
          rejected: r.rejected,
          byReason: r.byReason,
          rowsPerSecond: Math.round(r.rowsRead / imported.seconds),
          seconds: round(imported.seconds),
          cpuSeconds: imported.cpuSeconds,
          // Process CPU (importer + in-process dynalite) per row: what one idle core would do, whatever the load.
          rowsPerCpuSecond: Math.round(r.rowsRead / imported.cpuSeconds),
          peakRssMb: imported.peakRssMb,
          peakHeapMb: imported.peakHeapMb,
        },
        pipelineOnly: {
          note: 'same import into a store that discards writes: parse + normalise + validate + batch, no storage',
          rowsPerSecond: Math.round(pipeline.result.rowsRead / pipeline.seconds),
          seconds: round(pipeline.seconds),
          rowsPerCpuSecond: Math.round(pipeline.result.rowsRead / pipeline.cpuSeconds),
          peakRssMb: pipeline.peakRssMb,
          peakHeapMb: pipeline.peakHeapMb,
        },
        importToParseRatio: round(r.rowsRead / imported.seconds / (parse.result / parse.seconds)),
      };
    }
  } finally {
    await close();
    rmSync(dir, { recursive: true, force: true });
  }
  const output = { benchmark: 'contact import', store: storeLabel, node: process.version, at: new Date().toISOString(), loadAverage: loadavg().map((l) => Math.round(l * 100) / 100), cpus: cpus().length, ...results };
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(options.out ?? join(here, 'results', 'import.json'), JSON.stringify(output, null, 2) + '\n');
  return output;
}

const round = (x: number) => Math.round(x * 100) / 100;

/** A store that keeps only what the import reads back (instance, campaign, import record) and drops bulk writes. */
class DiscardStore extends MemoryStore {
  override async put(item: Item, condition?: Condition): Promise<WriteResult> {
    return item.type === 'job' ? { ok: true } : super.put(item, condition);
  }
  override async batchPut(): Promise<void> {}
  override async batchGet(): Promise<never[]> {
    return [];
  }
}

async function importInto(store: Store, format: ContactFileFormat, file: string) {
  const deps = benchDeps(store);
  const now = Date.now();
  const instance = await createInstance(store, { name: 'bench' }, now);
  const campaign = await createCampaign(store, instance.instanceId, CampaignSettings.parse({ name: 'bench', scenarioId: 's', scenarioVersion: 1, requiredVariables: ['amount'] }), now);
  return measured(async () => {
    const report = await beginImport(deps, instance.instanceId, campaign.campaignId, format);
    return runImport(deps, report, { kind: 'rows', rows: fileRows(format, createReadStream(file)) }, { instanceId: instance.instanceId, defaultRegion: 'US', requiredVariables: ['amount'] });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const rowsArg = args.indexOf('--rows');
  const formatArg = args.indexOf('--format');
  const outArg = args.indexOf('--out');
  runImportBench({
    rows: rowsArg >= 0 ? Number(args[rowsArg + 1]) : undefined,
    memoryStore: args.includes('--memory-store'),
    ...(formatArg >= 0 ? { formats: [args[formatArg + 1] as ContactFileFormat] } : {}),
    ...(outArg >= 0 ? { out: args[outArg + 1] } : {}),
  })
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((error) => {
      console.error(error);
      process.exitCode = 1;
    });
}
