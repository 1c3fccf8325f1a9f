/**
 * Lambda bundle benchmark (issue 14): bundles every function's entry the way the CDK app does
 * (NodejsFunction with ReachoutFunction's options: ESM, node24, minified, everything bundled, module
 * before main, the createRequire banner), then times the module initialisation (`import()` of the
 * bundle) in fresh Node processes. Goals: ≤ 500 KB and ≤ 100 ms per function. For each function it
 * lists the heaviest packages (esbuild metafile) and the SDK clients the bundle carries.
 *
 *   npx tsx bench/bundles.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { deployedBuildOptions } from '../infra/bundling';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

/** The functions of the stack: construct, entry and exported handler (infra/constructs/*.ts). */
export const FUNCTIONS = [
  { name: 'api', entry: 'functions/api/index.ts', handler: 'handler' },
  { name: 'dialer', entry: 'functions/dialer.ts', handler: 'handler' },
  { name: 'tick', entry: 'functions/scheduler.ts', handler: 'tickHandler' },
  { name: 'dispatch', entry: 'functions/scheduler.ts', handler: 'dispatchHandler' },
  { name: 'sweep', entry: 'functions/sweep.ts', handler: 'handler' },
  { name: 'worker', entry: 'functions/worker.ts', handler: 'handler' },
  { name: 'sma', entry: 'functions/sma.ts', handler: 'handler' },
  { name: 'recordings', entry: 'functions/recordings.ts', handler: 'handler' },
  { name: 'webhookDelivery', entry: 'functions/webhook-delivery.ts', handler: 'handler' },
  { name: 'analyticsTransform', entry: 'functions/analytics-transform.ts', handler: 'handler' },
  { name: 'recognizerHook', entry: 'functions/recognizer-hook.ts', handler: 'handler' },
] as const;

const SIZE_GOAL = 500 * 1024;
const INIT_GOAL_MS = 100;

/** Bundles one entry with ReachoutFunction's esbuild options (infra/constructs/reachout-function.ts). */
async function bundle(entry: string, outfile: string): Promise<Metafile> {
  // A deployment without recognition providers (the default).
  const result = await build({ ...deployedBuildOptions(root), entryPoints: [join(root, entry)], outfile, metafile: true });
  return result.metafile;
}

/** Package of a bundled input path (`node_modules/@aws-sdk/client-s3/...` → `@aws-sdk/client-s3`), or the project folder. */
function packageOf(path: string): string {
  const i = path.lastIndexOf('node_modules/');
  if (i < 0) return path.split('/').slice(0, 2).join('/');
  const rest = path.slice(i + 'node_modules/'.length).split('/');
  return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
}

/** Median CPU time of the module initialisation over `runs` fresh processes (import of the bundle, then the handler looked up). */
function initMs(file: string, exportName: string, runs = 5): { median: number; all: number[] } {
  // CPU time (user + system) of the import: on a shared machine wall time mostly measures the queue for a core.
  const script = `const c=process.cpuUsage();const m=await import(${JSON.stringify(file)});if(typeof m[${JSON.stringify(exportName)}]!=='function')throw new Error('no handler');const d=process.cpuUsage(c);process.stdout.write(String((d.user+d.system)/1000));`;
  const all: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, AWS_REGION: 'us-east-1', TABLE_NAME: 't', EVENT_BUS_NAME: 'b', NODE_OPTIONS: '' },
    });
    all.push(Number(out));
  }
  const sorted = [...all].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)]!, all: all.map((x) => Math.round(x * 10) / 10) };
}

/** Bundles and times every function. */
export async function runBundlesBench() {
  const dir = mkdtempSync(join(tmpdir(), 'reachout-bundles-'));
  const load = { before: loadavg().map((x) => Math.round(x * 100) / 100) };
  const byEntry = new Map<string, { file: string; bytes: number; metafile: Metafile }>();
  const functions = [];
  let reference: { emptyModuleInitMs: number; zodOnly: { kb: number; initMs: number } } | undefined;
  try {
    for (const f of FUNCTIONS) {
      let b = byEntry.get(f.entry);
      if (!b) {
        const out = join(dir, f.entry.replace(/[/.]/g, '_'), 'index.mjs');
        mkdirSync(dirname(out), { recursive: true });
        const metafile = await bundle(f.entry, out);
        b = { file: out, bytes: statSync(out).size, metafile };
        byEntry.set(f.entry, b);
      }
      const packages = new Map<string, number>();
      const output = Object.values(b.metafile.outputs).find((o) => o.entryPoint);
      for (const [path, input] of Object.entries(output?.inputs ?? {})) packages.set(packageOf(path), (packages.get(packageOf(path)) ?? 0) + input.bytesInOutput);
      const heaviest = [...packages.entries()].sort((a, b2) => b2[1] - a[1]).slice(0, 10).map(([pkg, bytes]) => ({ pkg, kb: Math.round(bytes / 102.4) / 10 }));
      const sdkClients = [...packages.keys()].filter((p) => p.startsWith('@aws-sdk/client-')).sort();
      const init = initMs(b.file, f.handler);
      functions.push({
        name: f.name,
        entry: f.entry,
        kb: Math.round(b.bytes / 102.4) / 10,
        initMs: Math.round(init.median * 10) / 10,
        initRuns: init.all,
        sizeOk: b.bytes <= SIZE_GOAL,
        initOk: init.median <= INIT_GOAL_MS,
        sdkClients,
        heaviest,
      });
      process.stderr.write(`  ${f.name}: ${Math.round(b.bytes / 1024)} KB, init ${init.median.toFixed(0)} ms, SDK clients ${sdkClients.join(' ') || 'none'}\n`);
    }
    // Reference under the same load: a bundle of zod alone (the floor of every function that validates input) and an empty module.
    const empty = join(dir, 'empty.mjs');
    writeFileSync(empty, 'export const handler = async () => {};\n');
    const zodOnly = join(dir, 'zod-only', 'index.mjs');
    mkdirSync(dirname(zodOnly), { recursive: true });
    const zodEntry = join(dir, 'zod-entry.ts');
    writeFileSync(zodEntry, "import * as z from 'zod';\nexport const handler = async (e: unknown) => z.object({ a: z.string() }).safeParse(e);\n");
    await build({ entryPoints: [zodEntry], outfile: zodOnly, bundle: true, platform: 'node', format: 'esm', target: 'node24', minify: true, nodePaths: [join(root, 'node_modules')], logLevel: 'silent' });
    reference = { emptyModuleInitMs: Math.round(initMs(empty, 'handler').median * 10) / 10, zodOnly: { kb: Math.round(statSync(zodOnly).size / 102.4) / 10, initMs: Math.round(initMs(zodOnly, 'handler').median * 10) / 10 } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    at: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    load: { ...load, after: loadavg().map((x) => Math.round(x * 100) / 100) },
    goals: { kb: SIZE_GOAL / 1024, initMs: INIT_GOAL_MS },
    reference,
    functions,
  };
}

async function main(): Promise<void> {
  const report = await runBundlesBench();
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'bundles.json'), JSON.stringify(report, null, 2) + '\n');
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    process.stderr.write(`bundles failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
