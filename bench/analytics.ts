/**
 * Analytics benchmark (SPEC R7): Parquet writing throughput of the local writer (lib/analytics/parquet.ts) and the
 * local query time (DuckDB, `npm run query`) of every saved query over 1,000,000 calls of one campaign.
 *
 *   npx tsx bench/analytics.ts [--calls 1000000] [--file-rows 5000] [--runs 3] [--writer-only]
 *
 * Data: generated here, not tuned on: one instance, one campaign, calls spread over 30 days (1–3 attempts per
 * contact, 60 % answered, 1–12 turns per answered call), with their turns and jobs, written as the local writer
 * writes them (Hive partitions instance_id=/dt=, files of at most --file-rows rows, GZIP). A sample of each
 * dataset's rows is validated with the dataset's zod schema first. Writes bench/results/analytics.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DATASET_SCHEMAS, fileColumns, partitionPrefix, type CallsRow, type DatasetName, type JobsRow, type TurnsRow } from '../lib/analytics/datasets';
import { writeParquet } from '../lib/analytics/parquet';
import { SAVED_QUERIES } from '../lib/analytics/queries';
import { GRADES, INTENTS, NODES, prng, STATUSES } from '../lib/analytics/synthetic';
import { openAnalyticsDb } from '../local/query';

const here = dirname(fileURLToPath(import.meta.url));
const INSTANCE = 'in_bench';
const CAMPAIGN = 'cmp_bench';
const DAYS = 30;
const START = Date.UTC(2026, 0, 1, 8);


/** Generates the rows of `calls` calls (and their turns and jobs), in call order, chunk by chunk. */
function* generate(calls: number, seed = 42): Generator<{ calls: CallsRow[]; turns: TurnsRow[]; jobs: JobsRow[] }> {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const weight = STATUSES.reduce((n, s) => n + s[1], 0);
  const iso = (ms: number) => new Date(ms).toISOString();
  let made = 0;
  let job = 0;
  while (made < calls) {
    const chunk = { calls: [] as CallsRow[], turns: [] as TurnsRow[], jobs: [] as JobsRow[] };
    while (chunk.calls.length < 10_000 && made < calls) {
      const jobId = `job_${(job++).toString(36)}`;
      const callee = `+1206${String(5_000_000 + job).padStart(7, '0')}`;
      const attempts = 1 + Math.floor(random() * 3);
      let answeredAny = false;
      let last: CallsRow | undefined;
      for (let a = 1; a <= attempts && !answeredAny && made < calls; a++) {
        const t = START + Math.floor((made / calls) * DAYS * 86_400_000);
        let r = random() * weight;
        let status = 'Succeeded';
        let sip = 200;
        for (const [s, w, code] of STATUSES) if ((r -= w) < 0) {
          status = s;
          sip = code;
          break;
        }
        const answered = status === 'Succeeded' || status === 'Voicemail';
        const callId = `call_${made.toString(36)}`;
        const day = iso(t).slice(0, 10);
        const nTurns = status === 'Succeeded' ? 1 + Math.floor(random() * 12) : 0;
        let userTurns = 0;
        for (let k = 0; k < nTurns; k++) {
          const spoke = random() < 0.8;
          const matched = spoke && random() < 0.75;
          if (spoke) userTurns++;
          chunk.turns.push({
            call_id: callId, turn_index: k, campaign_id: CAMPAIGN, job_id: jobId, turn_time: iso(t + k * 7000), node_id: NODES[Math.min(k, NODES.length - 1)]!,
            prompt: `Prompt ${k}`, user_text: spoke ? `answer ${k}` : null, intent: matched ? pick(INTENTS) : null, score: matched ? random() : null, recognizer: null,
            outcome: matched ? 'matched' : spoke ? 'noMatch' : 'silence', event_id: `e_${callId}`, event_time: iso(t + 90_000), instance_id: INSTANCE, dt: day,
          });
        }
        const party = answered ? (random() < 0.4 ? 'person' : 'robot') : 'system';
        const reason = party === 'person' ? 'person' : answered ? pick(['node', 'noMatch', 'silence']) : status === 'NoAnswer' ? 'maxRing' : null;
        const row: CallsRow = {
          call_id: callId, campaign_id: CAMPAIGN, job_id: jobId, attempt: a, transaction_id: null, caller: '+12065550100', callee, reference_id: `ref-${job}`,
          scenario_id: 'scn_bench', scenario_version: 1, planned_at: iso(t - 1000), dialled_at: iso(t), rung_at: iso(t + 1000), answered_at: answered ? iso(t + 8000) : null,
          ended_at: iso(t + 60_000), ring_seconds: Math.round(random() * 300) / 10, talk_seconds: answered ? Math.round(random() * 900) / 10 : 0, turns: nTurns,
          user_turns: userTurns, answered, completed: reason === 'node', transferred: false, no_match_hangup: reason === 'noMatch', hangup_party: party,
          hangup_node: nTurns ? NODES[Math.min(nTurns - 1, NODES.length - 1)]! : null, hangup_reason: reason, status, sip_code: sip,
          recording_key: answered ? `recordings/${INSTANCE}/${callId}.wav` : null, intent_grade: answered ? pick(GRADES) : null,
          tags: answered ? { interest: pick(['high', 'low']) } : {}, event_id: `e_${callId}`, event_time: iso(t + 61_000), instance_id: INSTANCE, dt: day,
        };
        chunk.calls.push(row);
        last = row;
        answeredAny = answered;
        made++;
      }
      chunk.jobs.push({
        job_id: jobId, campaign_id: CAMPAIGN, status: answeredAny ? 'Succeeded' : 'Failed', failure_reason: answeredAny ? null : 'NoAnswer', attempts: last!.attempt,
        phone: callee, contact_name: `Person ${job}`, reference_id: `ref-${job}`, last_call_id: last!.call_id, last_call_status: last!.status, answered: answeredAny,
        intent_grade: answeredAny ? pick(GRADES) : null, tags: {}, variables: { amount: String(job % 100) }, extras: null, completed_at: last!.ended_at,
        event_id: `j_${jobId}`, event_time: last!.ended_at, instance_id: INSTANCE, dt: last!.dt,
      });
    }
    yield chunk;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Writer throughput on rows already in memory (the generator's cost and garbage kept out of the timing): the rows
 * of `calls` calls are written in files of `fileRows` rows, once to warm up, then `rounds` times; rows/s per round.
 */
export function measureWriter(
  calls: number,
  fileRows: number,
  rounds: number,
): Record<'calls' | 'turns' | 'jobs', { rows: number; columns: number; bytesPerRow: number; rowsPerSecond: number[]; medianRowsPerSecond: number; rowsPerCpuSecond: number[]; medianRowsPerCpuSecond: number }> {
  const data = { calls: [] as Record<string, unknown>[], turns: [] as Record<string, unknown>[], jobs: [] as Record<string, unknown>[] };
  for (const chunk of generate(calls, 7)) {
    data.calls.push(...chunk.calls);
    data.turns.push(...chunk.turns);
    data.jobs.push(...chunk.jobs);
  }
  const out = {} as ReturnType<typeof measureWriter>;
  for (const dataset of ['calls', 'turns', 'jobs'] as const) {
    const rows = data[dataset];
    const columns = fileColumns(dataset);
    // CPU time (user + system, all threads of the process) as well as wall time: other jobs share the cores, and
    // rows per CPU-second is what the writer itself costs whatever the load.
    const once = () => {
      let bytes = 0;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < rows.length; i += fileRows) bytes += writeParquet(columns, rows.slice(i, i + fileRows)).length;
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      return { ms, cpuMs: (cpu.user + cpu.system) / 1000, bytes };
    };
    once();
    const runs = Array.from({ length: rounds }, once);
    const rates = runs.map((r) => Math.round(rows.length / (r.ms / 1000)));
    const cpuRates = runs.map((r) => Math.round(rows.length / (r.cpuMs / 1000)));
    out[dataset] = {
      rows: rows.length,
      columns: columns.length,
      bytesPerRow: round(runs[0]!.bytes / rows.length, 1),
      rowsPerSecond: rates,
      medianRowsPerSecond: median(rates),
      rowsPerCpuSecond: cpuRates,
      medianRowsPerCpuSecond: median(cpuRates),
    };
  }
  return out;
}
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** Runs the benchmark and returns its summary. */
export async function runAnalyticsBench(options: { calls?: number; fileRows?: number; runs?: number } = {}): Promise<object> {
  const calls = options.calls ?? 1_000_000;
  const fileRows = options.fileRows ?? 5_000;
  const runs = options.runs ?? 3;
  const root = mkdtempSync(join(tmpdir(), 'reachout-analytics-bench-'));
  const load = { before: loadavg().map((x) => round(x, 2)) };
  const writer = measureWriter(Math.min(calls, 100_000), fileRows, runs);
  const writing: Record<DatasetName, { rows: number; files: number; bytes: number; writeMs: number }> = {
    calls: { rows: 0, files: 0, bytes: 0, writeMs: 0 },
    turns: { rows: 0, files: 0, bytes: 0, writeMs: 0 },
    jobs: { rows: 0, files: 0, bytes: 0, writeMs: 0 },
    events: { rows: 0, files: 0, bytes: 0, writeMs: 0 },
  };
  const pending: Record<string, Record<string, unknown>[]> = {};
  const write = (dataset: DatasetName, day: string, rows: Record<string, unknown>[]) => {
    const t0 = performance.now();
    const bytes = writeParquet(fileColumns(dataset), rows);
    const w = writing[dataset];
    w.writeMs += performance.now() - t0;
    const dir = join(root, partitionPrefix(dataset, INSTANCE, day));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `reachout-${dataset}-${w.files}.parquet`), bytes);
    w.rows += rows.length;
    w.files++;
    w.bytes += bytes.length;
  };
  const add = (dataset: DatasetName, rows: { dt: string }[]) => {
    for (const row of rows) {
      const key = `${dataset}|${row.dt}`;
      const buffer = (pending[key] ??= []);
      buffer.push(row);
      if (buffer.length >= fileRows) {
        write(dataset, row.dt, buffer);
        pending[key] = [];
      }
    }
  };
  try {
    let validated = false;
    const genStart = performance.now();
    for (const chunk of generate(calls)) {
      if (!validated) {
        for (const [dataset, rows] of [['calls', chunk.calls], ['turns', chunk.turns], ['jobs', chunk.jobs]] as const) {
          for (const row of rows.slice(0, 500)) DATASET_SCHEMAS[dataset].parse(row);
        }
        validated = true;
      }
      add('calls', chunk.calls);
      add('turns', chunk.turns);
      add('jobs', chunk.jobs);
    }
    for (const [key, rows] of Object.entries(pending)) if (rows.length > 0) write(key.split('|')[0] as DatasetName, key.split('|')[1]!, rows);
    const totalSeconds = (performance.now() - genStart) / 1000;

    const db = await openAnalyticsDb(root);
    const queries: Record<string, { ms: number[]; medianMs: number; rows: number }> = {};
    try {
      const params = { instance_id: INSTANCE, campaign_id: CAMPAIGN, from_day: '2026-01-01', to_day: '2026-12-31' };
      const [{ n }] = (await db.query('SELECT count(*) AS n FROM calls')) as [{ n: number }];
      if (n !== calls) throw new Error(`expected ${calls} calls in the files, found ${n}`);
      for (const q of SAVED_QUERIES) {
        const ms: number[] = [];
        let rows = 0;
        for (let r = 0; r < runs; r++) {
          const t0 = performance.now();
          rows = (await db.saved(q.name, params)).length;
          ms.push(round(performance.now() - t0));
        }
        queries[q.name] = { ms, medianMs: median(ms), rows };
      }
    } finally {
      db.close();
    }
    const perDataset = Object.fromEntries(
      (['calls', 'turns', 'jobs'] as const).map((d) => {
        const w = writing[d];
        return [d, { rows: w.rows, files: w.files, columns: fileColumns(d).length, mb: round(w.bytes / 1e6), writeSeconds: round(w.writeMs / 1000, 2), rowsPerSecond: Math.round(w.rows / (w.writeMs / 1000)) }];
      }),
    );
    const allRows = writing.calls.rows + writing.turns.rows + writing.jobs.rows;
    const allMs = writing.calls.writeMs + writing.turns.writeMs + writing.jobs.writeMs;
    const result = {
      at: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      loadavg: { ...load, after: loadavg().map((x) => round(x, 2)) },
      data: `generated (bench/analytics.ts, seed 42): ${calls} calls of one campaign over ${DAYS} days, their turns and jobs; files of at most ${fileRows} rows per partition, GZIP`,
      parquetWriting: {
        goalRowsPerSecond: 150_000,
        method: `rows of ${Math.min(calls, 100_000)} generated calls (and their turns and jobs) held in memory, written in files of ${fileRows} rows (GZIP level 1), one warm-up then ${runs} timed rounds`,
        ...writer,
      },
      querySetup: {
        what: 'the 1,000,000-call data set the queries run on, generated and written in one pass (generator garbage included)',
        files: perDataset,
        allDatasets: { rows: allRows, writeRowsPerSecond: Math.round(allRows / (allMs / 1000)) },
        generateAndWriteSeconds: round(totalSeconds, 1),
      },
      savedQueries: { engine: 'DuckDB (@duckdb/node-api) over the Parquet files, views as in npm run query', calls, runs, ...queries },
    };
    mkdirSync(join(here, 'results'), { recursive: true });
    writeFileSync(join(here, 'results', 'analytics.json'), JSON.stringify(result, null, 2) + '\n');
    return result;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : undefined;
  };
  // --writer-only: the in-memory writer measurement alone (seconds instead of minutes; prints, writes no results file).
  const run = process.argv.includes('--writer-only')
    ? Promise.resolve({ loadavg: loadavg().map((x) => round(x, 2)), ...measureWriter(Math.min(arg('--calls') ?? 100_000, 100_000), arg('--file-rows') ?? 5_000, arg('--runs') ?? 3) })
    : runAnalyticsBench({ calls: arg('--calls'), fileRows: arg('--file-rows'), runs: arg('--runs') });
  run
    .then((r) => process.stdout.write(JSON.stringify(r, null, 2) + '\n'))
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = 1;
    });
}
