import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAnalyticsBench } from './analytics';
import { runBundlesBench } from './bundles';
import { runCampaignSimBench } from './campaign-sim';
import { runImportBench } from './import';
import { runPhoneGeoBench } from './phone-geo';
import { runResultsExportBench } from './results-export';
import { runResultsReadBench } from './results-read';
import { runSmaBench } from './sma';

const here = dirname(fileURLToPath(import.meta.url));

/** Runs one NLU benchmark in its own process (it loads nlp.js, which should not share the heap with the others). */
function nlu(args: string[]): object {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(here, 'nlu.ts'), ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return JSON.parse(out.slice(out.indexOf('{'))) as object;
}

/** `npm run bench`: every benchmark, one JSON summary in bench/results/summary.json (details per benchmark beside it). */
async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const want = (name: string) => only.length === 0 || only.includes(name);
  const summary: Record<string, unknown> = {
    at: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
  };
  if (want('nlu')) {
    process.stderr.write('bench: nlu (phone answers held out, en and zh; older test sets at 10 shots; synthetic 150 intents)\n');
    summary.nlu = {
      phoneHeldOutEn: nlu(['--train', 'builtin:en', '--test', 'bench/data/nlu/phone-heldout.en.jsonl']),
      phoneHeldOutZh: nlu(['--train', 'builtin:zh', '--test', 'bench/data/nlu/phone-heldout.zh.jsonl']),
      en10: nlu(['--train', 'bench/data/nlu/train.en.jsonl', '--test', 'bench/data/nlu/test.en.jsonl', '--shots', '10']),
      zh10: nlu(['--train', 'bench/data/nlu/train.zh.jsonl', '--test', 'bench/data/nlu/test.zh.jsonl', '--shots', '10']),
      synthetic150: nlu(['--synthetic', '150', '--no-peer']),
      // Cross-validation on ../shared/nlu-dev takes tens of minutes with nlp.js: run it on its own (bench/README.md).
    };
  }
  if (want('sma')) {
    process.stderr.write('bench: SMA handler latency per event\n');
    summary.sma = await runSmaBench();
  }
  if (want('import')) {
    process.stderr.write('bench: contact import (100,000 rows, .csv and .xlsx)\n');
    summary.import = await runImportBench();
  }
  if (want('analytics')) {
    process.stderr.write('bench: analytics (Parquet writing, saved queries over 1,000,000 calls)\n');
    summary.analytics = await runAnalyticsBench();
  }
  if (want('results')) {
    process.stderr.write('bench: results reads (statistics, report; 1k to 1M jobs) and exports (1,000,000 rows, .csv and .xlsx)\n');
    summary.results = { read: await runResultsReadBench(), export: await runResultsExportBench() };
  }
  if (want('geo')) {
    process.stderr.write('bench: phone geocoding (data load, per-number cost)\n');
    summary.geo = await runPhoneGeoBench();
  }
  mkdirSync(join(here, 'results'), { recursive: true });
  if (want('campaign')) {
    process.stderr.write('bench: campaign simulation (10,000 contacts, 50 lines, 5 calls/s, discrete-event clock) and its chaos soak\n');
    const progress = (line: string) => process.stderr.write(line + '\n');
    const sim = await runCampaignSimBench({ contacts: 10_000, progress });
    writeFileSync(join(here, 'results', 'campaign-sim-10000.json'), JSON.stringify(sim, null, 2) + '\n');
    const chaos = await runCampaignSimBench({ contacts: 10_000, chaos: true, progress });
    writeFileSync(join(here, 'results', 'campaign-sim-chaos-10000.json'), JSON.stringify(chaos, null, 2) + '\n');
    summary.campaign = {
      schedule: sim.schedule,
      goals: sim.goals,
      cpu: sim.cpu,
      costPer1000Calls: sim.cost.per1000Calls,
      chaos: { violations: chaos.invariants.violations, injected: chaos.chaos?.injected },
    };
  }
  if (want('bundles')) {
    process.stderr.write('bench: Lambda bundles (size, module initialisation)\n');
    const bundles = await runBundlesBench();
    writeFileSync(join(here, 'results', 'bundles.json'), JSON.stringify(bundles, null, 2) + '\n');
    summary.bundles = bundles.functions.map((f) => ({ name: f.name, kb: f.kb, initMs: f.initMs }));
  }
  writeFileSync(join(here, 'results', 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
