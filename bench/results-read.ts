/**
 * Results read benchmark (SPEC R2, R3): latency of `readStatistics` and `readReport` for campaigns of
 * 1,000 to 1,000,000 jobs on the local store (dynalite through the DynamoDB adapter, as in the local
 * runtime), for the campaign totals and a 7-day range. The aggregate items are seeded directly: the
 * contributions of a sample of synthetic calls, scaled to the campaign size, with the bounded
 * free-text maps filled as a large campaign fills them. Reads never touch jobs or calls, so the
 * latency should not depend on the size.
 *
 *   npx tsx bench/results-read.ts [--iterations 400]
 *
 * Writes bench/results/results-read.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient, DynamoDbStore, tableDefinition } from '../lib/adapters/aws/dynamodb-store';
import { MemoryStore } from '../lib/adapters/memory/store';
import { createCampaign } from '../lib/campaigns/repository';
import { CampaignSettings } from '../lib/campaigns/schema';
import { createInstance } from '../lib/instances/repository';
import { aggregateWrites, applyAggregateWrites, BOUNDED_CAP, callContribution, type JobResultState } from '../lib/results/aggregate';
import { resultKeys } from '../lib/results/keys';
import { readReport } from '../lib/results/report';
import { readStatistics } from '../lib/results/statistics';
import { createScenario, publishScenario } from '../lib/scenarios/repository';
import type { ScenarioDefinition } from '../lib/scenarios/schema';
import { getTemplate } from '../lib/scenarios/templates';
import type { Item, Store } from '../lib/ports/store';
import { keys } from '../lib/store/keys';
import { CallRecord, type StoredTurn } from '../lib/telephony/call-records';
import { ensureTable, startLocalDynamo } from '../local/dynamo';
import { mulberry32 } from '../lib/core/random';

const here = dirname(fileURLToPath(import.meta.url));
const SIZES = [1_000, 10_000, 100_000, 1_000_000];
const SAMPLE_JOBS = 2_000;
const DAYS = 30;

/** A small deterministic generator (mulberry32). */
const rng = mulberry32;

/** Synthetic calls of a payment-reminder campaign: statuses, turns, tags and hang-ups in realistic proportions. */
export function sampleCalls(definition: ScenarioDefinition, jobs: number, seed = 1): { jobId: string; variables: Record<string, string>; calls: { record: CallRecord; turns: StoredTurn[] }[] }[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const nodes = definition.nodes.map((n) => n.id);
  const statuses = ['Succeeded', 'Succeeded', 'Succeeded', 'NoAnswer', 'NoAnswer', 'Busy', 'PoweredOff', 'EmptyNumber', 'Voicemail', 'NotConnected'] as const;
  const intents = ['affirm', 'deny', 'busy', 'pay_date', 'cannot_pay', 'purpose', 'stop', 'not_interested'];
  const start = Date.UTC(2026, 0, 1, 9);
  return Array.from({ length: jobs }, (_, j) => {
    const n = 1 + Math.floor(r() * 3);
    const calls = Array.from({ length: n }, (_, k) => {
      const status = pick(statuses);
      const answered = status === 'Succeeded';
      const at = start + Math.floor(r() * DAYS) * 86_400_000 + Math.floor(r() * 10 * 3_600_000);
      const callId = `c${seed}-${j}-${k}`;
      const turns: StoredTurn[] = answered
        ? Array.from({ length: 1 + Math.floor(r() * 8) }, (_, i) => ({
            callId,
            index: i,
            time: new Date(at + i * 5000).toISOString(),
            nodeId: pick(nodes),
            outcome: pick(['matched', 'matched', 'matched', 'noMatch', 'silence', 'globalQuestion', 'prompt']),
            intent: pick(intents),
            score: 0.8,
            userText: 'x',
          }))
        : [];
      const tags: Record<string, string> = {};
      if (answered && r() < 0.6) tags.promise = pick(['today', 'later', 'refused']);
      if (tags.promise === 'later') tags.promiseDate = pick(['tomorrow', 'next friday', 'monday', 'end of month']);
      if (answered && r() < 0.1) tags.contact = pick(['wrongPerson', 'later', 'optOut']);
      const record = CallRecord.parse({
        callId,
        instanceId: 'i',
        campaignId: 'c',
        jobId: `j${j}`,
        attempt: k + 1,
        dialledAt: new Date(at).toISOString(),
        status,
        answered,
        completed: answered && r() < 0.5,
        transferred: answered && r() < 0.05,
        hangupParty: answered ? pick(['robot', 'person']) : 'system',
        hangupNode: answered ? pick(nodes) : undefined,
        hangupReason: answered ? pick(['node', 'noMatch', 'silence', 'person']) : undefined,
        noMatchHangup: answered && r() < 0.1,
        talkSeconds: answered ? Math.round(r() * 1200) / 10 : 0,
        ringSeconds: Math.round(r() * 300) / 10,
        turns: turns.length,
        tags,
      });
      return { record, turns };
    });
    return { jobId: `j${j}`, variables: { region: pick(['north', 'south', 'east', 'west']) }, calls };
  });
}

/** The aggregate items of a campaign of `jobs` jobs: a sample's contributions scaled, free-text maps filled. */
async function aggregateItems(definition: ScenarioDefinition, instanceId: string, campaignId: string, jobs: number): Promise<Item[]> {
  const memory = new MemoryStore();
  const sample = sampleCalls(definition, Math.min(SAMPLE_JOBS, jobs), jobs);
  for (const job of sample) {
    let previous: JobResultState | undefined;
    for (const { record, turns } of job.calls) {
      const delta = callContribution({ ...record, instanceId, campaignId }, turns, { scenario: definition, timeZone: 'UTC', job: { variables: job.variables, previous } });
      previous = delta.job;
      await applyAggregateWrites(memory, aggregateWrites(instanceId, campaignId, record.callId, delta));
    }
  }
  const factor = jobs / Math.min(SAMPLE_JOBS, jobs);
  const page = await memory.query({ pk: resultKeys.partition(instanceId, campaignId), limit: 100_000 });
  const distinct = Math.min(BOUNDED_CAP, Math.round(jobs / 20));
  return page.items.map((item) => {
    const out: Item = { ...item };
    for (const [k, v] of Object.entries(item)) if (typeof v === 'number' && k !== 'distinct') out[k] = Math.round(v * factor);
    // A large campaign's free-text answers fill the bounded map up to its cap.
    if (String(item.sk).endsWith('H#ft')) {
      const n = String(item.sk).startsWith('A#') ? distinct : Math.max(1, Math.round(distinct / 3));
      for (let i = 0; i < n; i++) out[`t:promiseDate=answer number ${i} from the free text`] = 1 + (i % 17);
      out['t~promiseDate'] = Math.round(jobs / 50);
      out.distinct = n;
    }
    return out;
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function time(iterations: number, f: () => Promise<unknown>) {
  for (let i = 0; i < 30; i++) await f();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await f();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 100) / 100;
  return { p50: r(percentile(samples, 50)), p95: r(percentile(samples, 95)), p99: r(percentile(samples, 99)), max: r(samples[samples.length - 1]!) };
}

/** Runs the benchmark and writes bench/results/results-read.json. */
export async function runResultsReadBench(options: { iterations?: number } = {}): Promise<object> {
  const iterations = options.iterations ?? 400;
  const dynamo = await startLocalDynamo({});
  const client = new DynamoDBClient(dynamo.clientConfig());
  await ensureTable(client, 'bench', tableDefinition);
  const store: Store = new DynamoDbStore({ tableName: 'bench', client: createDocumentClient(client) });
  const now = Date.UTC(2026, 0, 1);
  const out: Record<string, unknown> = {};
  try {
    const instance = await createInstance(store, { name: 'bench' }, now);
    const instanceId = instance.instanceId;
    const template = getTemplate('payment-reminder')!.definition('en');
    const definition: ScenarioDefinition = { ...template, reporting: { ...template.reporting, variables: ['region'] } };
    const scenario = await createScenario(store, instanceId, definition, now);
    const { version } = await publishScenario(store, instanceId, scenario.scenarioId, now);
    for (const jobs of SIZES) {
      const campaign = await createCampaign(store, instanceId, CampaignSettings.parse({ name: `c${jobs}`, scenarioId: scenario.scenarioId, scenarioVersion: version.version }), now);
      const campaignId = campaign.campaignId;
      const items = await aggregateItems(definition, instanceId, campaignId, jobs);
      await store.batchPut(items);
      await store.update(keys.campaignCounters(instanceId, campaignId, 0), { add: { total: jobs, completed: Math.round(jobs * 0.9), dialled: jobs } });
      const totals = items.filter((i) => String(i.sk).startsWith('A#'));
      const bytes = (xs: Item[]) => xs.reduce((n, i) => n + JSON.stringify(i).length, 0);
      const largest = Math.max(...items.map((i) => JSON.stringify(i).length));
      const range = { from: '2026-01-10', to: '2026-01-16' };
      const inRange = items.filter((i) => /^D#[CH]#2026-01-1[0-6]#/.test(String(i.sk)));
      process.stderr.write(`  results read: ${jobs.toLocaleString('en')} jobs, ${items.length} aggregate items\n`);
      out[String(jobs)] = {
        jobs,
        aggregateItems: items.length,
        totalsItems: totals.length,
        totalsKb: Math.round(bytes(totals) / 1024),
        largestItemKb: Math.round(largest / 1024),
        rangeItems: inRange.length,
        rangeKb: Math.round(bytes(inRange) / 1024),
        statisticsMs: await time(iterations, () => readStatistics(store, instanceId, campaignId)),
        reportMs: await time(iterations, () => readReport(store, instanceId, campaignId)),
        statistics7DaysMs: await time(iterations, () => readStatistics(store, instanceId, campaignId, range)),
        report7DaysMs: await time(iterations, () => readReport(store, instanceId, campaignId, range)),
      };
    }
  } finally {
    client.destroy();
    await dynamo.close();
  }
  const result = {
    benchmark: 'results read (statistics and report)',
    store: 'dynalite (local DynamoDB, in memory, same process) via DynamoDbStore',
    node: process.version,
    at: new Date().toISOString(),
    iterations,
    goal: 'p99 ≤ 10 ms, flat from 1k to 1M jobs',
    sizes: out,
  };
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'results-read.json'), JSON.stringify(result, null, 2) + '\n');
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { iterations: { type: 'string' } } });
  runResultsReadBench({ iterations: values.iterations ? Number(values.iterations) : undefined }).then(
    (r) => process.stdout.write(JSON.stringify(r, null, 2) + '\n'),
    (e) => {
      process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
