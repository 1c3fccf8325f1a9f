import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { ANALYTICS_PREFIX, DATASET_NAMES, datasetColumns, type DatasetName } from '../lib/analytics/datasets';
import { QUERY_PARAMETERS, SAVED_QUERIES, queryValues, savedQuery, type QueryParameter } from '../lib/analytics/queries';
import type { ParquetColumnType } from '../lib/analytics/parquet';

/**
 * The local side of SPEC R7: DuckDB over the Parquet files the local platform writes (local/analytics.ts), with
 * one view per dataset named like its Glue table and reading the same Hive layout
 * (`<blob root>/analytics/<dataset>/instance_id=<id>/dt=<day>/*.parquet`).
 *
 * `npm run query -- "SQL"` runs any SQL; `npm run query -- --saved NAME --campaign ID` runs a saved query
 * (lib/analytics/queries.ts) with its parameters; `npm run query -- --list` lists them.
 */

const DUCKDB_TYPES: Record<ParquetColumnType, string> = {
  string: 'VARCHAR',
  int: 'INTEGER',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  'map<string,string>': 'MAP(VARCHAR, VARCHAR)',
};

/** A plain JS value of a result cell: bigints become numbers when they fit, maps become objects. */
export type Cell = null | boolean | number | string | Cell[] | { [key: string]: Cell };

/** An open analytics database over a blob folder. */
export interface AnalyticsDb {
  /** Runs SQL (with `?` values) and returns the rows as plain objects. */
  query(sql: string, values?: (string | number | boolean | null)[]): Promise<Record<string, Cell>[]>;
  /** Runs a saved query by name with its named parameters. */
  saved(name: string, parameters: Record<QueryParameter, string>): Promise<Record<string, Cell>[]>;
  /** Re-creates the views (after new files were written). */
  refresh(): Promise<void>;
  close(): void;
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Whether a folder holds a Parquet file anywhere below it. */
function hasParquet(dir: string): boolean {
  if (!existsSync(dir)) return false;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.parquet')) return true;
    if (entry.isDirectory() && hasParquet(join(dir, entry.name))) return true;
  }
  return false;
}

/** The SQL of a dataset's view: its columns in schema order over the files, or an empty typed relation when there are none. */
export function datasetViewSql(dataset: DatasetName, blobRoot: string): string {
  const columns = datasetColumns(dataset);
  const dir = join(blobRoot, ANALYTICS_PREFIX, dataset);
  if (!hasParquet(dir)) {
    const cols = columns.map((c) => `CAST(NULL AS ${DUCKDB_TYPES[c.type]}) AS ${c.name}`).join(', ');
    return `CREATE OR REPLACE VIEW ${dataset} AS SELECT ${cols} WHERE false`;
  }
  const glob = join(dir, 'instance_id=*', 'dt=*', '*.parquet');
  const hiveTypes = `{'instance_id': 'VARCHAR', 'dt': 'VARCHAR'}`;
  return `CREATE OR REPLACE VIEW ${dataset} AS SELECT ${columns.map((c) => c.name).join(', ')}
FROM read_parquet(${quote(glob)}, hive_partitioning = true, hive_types = ${hiveTypes}, hive_types_autocast = false, union_by_name = true)`;
}

function plain(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (Array.isArray(value)) {
    // DuckDB maps come back as [{key, value}]; give them as objects.
    if (value.every((e) => typeof e === 'object' && e !== null && 'key' in e && 'value' in e && Object.keys(e).length === 2)) {
      return Object.fromEntries(value.map((e: { key: unknown; value: unknown }) => [String(e.key), plain(e.value)]));
    }
    return value.map(plain);
  }
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value as Cell;
}

/** Opens DuckDB (in memory) with a view per dataset over the Parquet files under `blobRoot` (the data blob folder). */
export async function openAnalyticsDb(blobRoot: string): Promise<AnalyticsDb> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection: DuckDBConnection = await instance.connect();
  const refresh = async () => {
    for (const dataset of DATASET_NAMES) await connection.run(datasetViewSql(dataset, blobRoot));
  };
  await refresh();
  const query = async (sql: string, values: (string | number | boolean | null)[] = []) => {
    const reader = await connection.runAndReadAll(sql, values.length > 0 ? values : undefined);
    return reader.getRowObjectsJS().map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, plain(v)])));
  };
  return {
    query,
    saved: async (name, parameters) => {
      const q = savedQuery(name);
      if (!q) throw new Error(`no saved query ${name}; saved queries: ${SAVED_QUERIES.map((s) => s.name).join(', ')}`);
      return query(q.sql, queryValues(q, parameters));
    },
    refresh,
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** The data blob folder of a local data directory (see local/platform.ts). */
export const blobRootOf = (dataDir: string) => join(dataDir, 'blobs', 'data');

const USAGE = `usage:
  npm run query -- "SELECT ... FROM calls ..."         any SQL over the views ${DATASET_NAMES.join(', ')}
  npm run query -- --saved NAME --campaign ID [--instance ID] [--from YYYY-MM-DD] [--to YYYY-MM-DD]
  npm run query -- --list                              the saved queries
options: --data-dir DIR (default .reachout), --json (one JSON object per line)`;

/** Parses the CLI arguments. */
export function parseQueryArgs(argv: string[]): {
  sql?: string;
  saved?: string;
  list: boolean;
  json: boolean;
  dataDir: string;
  values: Partial<Record<QueryParameter, string>>;
} {
  const out = { list: false, json: false, dataDir: '.reachout', values: {} as Partial<Record<QueryParameter, string>> } as ReturnType<typeof parseQueryArgs>;
  const flags: Record<string, QueryParameter> = { '--instance': 'instance_id', '--campaign': 'campaign_id', '--from': 'from_day', '--to': 'to_day' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === '--saved') out.saved = next();
    else if (a === '--list') out.list = true;
    else if (a === '--json') out.json = true;
    else if (a === '--data-dir') out.dataDir = next();
    else if (flags[a]) out.values[flags[a]!] = next();
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}\n${USAGE}`);
    else out.sql = out.sql ? `${out.sql} ${a}` : a;
  }
  return out;
}

/** Renders rows as an aligned text table. */
export function renderTable(rows: Record<string, Cell>[]): string {
  if (rows.length === 0) return '(no rows)';
  const cols = Object.keys(rows[0]!);
  const text = (v: Cell) => (v === null ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => text(r[c] ?? null).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(cols), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => text(r[c] ?? null))))].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const args = parseQueryArgs(argv);
  if (args.list) {
    for (const q of SAVED_QUERIES) process.stdout.write(`${q.name.padEnd(30)} ${q.description}\n`);
    return;
  }
  if (!args.sql && !args.saved) throw new Error(USAGE);
  const dataDir = resolve(args.dataDir);
  const db = await openAnalyticsDb(blobRootOf(dataDir));
  try {
    let rows: Record<string, Cell>[];
    if (args.saved) {
      const credentials = join(dataDir, 'credentials.json');
      const defaultInstance = existsSync(credentials) ? (JSON.parse(readFileSync(credentials, 'utf8')) as { instanceId?: string }).instanceId : undefined;
      const values: Record<QueryParameter, string> = {
        instance_id: args.values.instance_id ?? defaultInstance ?? '',
        from_day: args.values.from_day ?? '0000-01-01',
        to_day: args.values.to_day ?? '9999-12-31',
        campaign_id: args.values.campaign_id ?? '',
      };
      const missing = QUERY_PARAMETERS.filter((p) => values[p] === '');
      if (missing.length > 0) throw new Error(`--saved ${args.saved} needs ${missing.map((m) => `--${m.replace(/_id$/, '')}`).join(', ')}\n${USAGE}`);
      rows = await db.saved(args.saved, values);
    } else {
      rows = await db.query(args.sql!);
    }
    process.stdout.write(args.json ? rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '') : `${renderTable(rows)}\n`);
  } finally {
    db.close();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // `npm run query -- ... | head`: a closed pipe ends the output, not with a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
