/**
 * NLU benchmark (SPEC S9): the built-in recogniser against nlp.js on the same data.
 *
 *   npm run bench:nlu -- --train FILE|builtin:en|builtin:zh --test FILE [--shots N] [--threshold T] [--no-peer] [--out FILE]
 *   npm run bench:nlu -- --cv K --shots N --data FILE [--intents 10,30,150] [--oos-labels 0.2] [--shuffle] [--no-peer] [--out FILE]
 *   npm run bench:nlu -- --synthetic 150 --no-peer
 *
 * FILEs are JSON lines `{"text","label"}`; label `oos` marks out-of-scope answers (no intent should
 * match). `builtin:en` trains on the built-in intents of that language (what a scenario gets).
 * `--cv K` is K-fold cross-validation inside one file: per label in file order (`--shuffle`: a fixed
 * shuffle), fold k trains on the N examples starting at k·N and tests on all the others; `--intents` repeats it with that many
 * labels (a seeded sample) for per-intent-count figures; `--oos-labels P` also runs every fold with
 * a share P of the labels left out of training, their test items counted as out-of-scope.
 * Prints one JSON document (and writes it to `--out`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { buildRecognizer, DEFAULT_THRESHOLD, type CompiledRecognizer } from '../lib/nlu/recognizer';
import { builtinIntents, builtinIntentsBilingual } from '../lib/nlu/builtin-intents';
import { detectLanguage } from '../lib/nlu/normalize';
import type { IntentDefinition } from '../lib/nlu/types';
import { mulberry32 } from '../lib/core/random';

interface Row {
  text: string;
  label: string;
}

const OOS = 'oos';

function parseArgs(argv: string[]): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) continue;
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      out[a.slice(2)] = next;
      i++;
    } else out[a.slice(2)] = true;
  }
  return out;
}

function readJsonl(file: string): Row[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as Row);
}

function takeShots(rows: Row[], shots: number | undefined): Row[] {
  if (shots === undefined) return rows;
  const seen = new Map<string, number>();
  return rows.filter((r) => {
    const n = seen.get(r.label) ?? 0;
    seen.set(r.label, n + 1);
    return n < shots;
  });
}

function toIntents(rows: Row[]): IntentDefinition[] {
  const by = new Map<string, string[]>();
  for (const r of rows) {
    if (r.label === OOS) continue;
    by.set(r.label, [...(by.get(r.label) ?? []), r.text]);
  }
  return [...by].map(([name, examples]) => ({ name, examples }));
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

function latency(ms: number[]): { p50Ms: number; p99Ms: number; meanMs: number } {
  const s = [...ms].sort((a, b) => a - b);
  const round = (x: number): number => Math.round(x * 10000) / 10000;
  return { p50Ms: round(percentile(s, 50)), p99Ms: round(percentile(s, 99)), meanMs: round(s.reduce((a, b) => a + b, 0) / Math.max(1, s.length)) };
}

interface Prediction {
  label: string;
  /** Decision after the system's own no-match threshold (`oos` when unmatched). */
  decided: string;
  /** Best intent ignoring the threshold. */
  top1: string;
  lang: 'en' | 'zh';
}

function metrics(preds: Prediction[]): Record<string, number | undefined> {
  const inScope = preds.filter((p) => p.label !== OOS);
  const oos = preds.filter((p) => p.label === OOS);
  const frac = (xs: Prediction[], f: (p: Prediction) => boolean): number | undefined =>
    xs.length === 0 ? undefined : Math.round((xs.filter(f).length / xs.length) * 10000) / 10000;
  return {
    n: preds.length,
    inScope: inScope.length,
    oos: oos.length,
    /** Over every item, with the no-match decision (an `oos` item is right when unmatched). */
    accuracy: frac(preds, (p) => p.decided === p.label),
    /** In-scope items only, best intent ignoring the threshold (pure classification). */
    top1Accuracy: frac(inScope, (p) => p.top1 === p.label),
    /** In-scope items only, with the threshold (an unmatched in-scope item is wrong). */
    inScopeAccuracy: frac(inScope, (p) => p.decided === p.label),
    oosRecall: frac(oos, (p) => p.decided === OOS),
  };
}

function byLanguage(preds: Prediction[]): Record<string, Record<string, number | undefined>> {
  const out: Record<string, Record<string, number | undefined>> = {};
  for (const lang of ['en', 'zh'] as const) {
    const xs = preds.filter((p) => p.lang === lang);
    if (xs.length > 0) out[lang] = metrics(xs);
  }
  return out;
}

function runOurs(train: Row[], test: Row[], threshold: number): { preds: Prediction[]; buildMs: number; rec: CompiledRecognizer } {
  const t0 = performance.now();
  const rec = buildRecognizer(toIntents(train), { threshold });
  const buildMs = performance.now() - t0;
  const preds = test.map((r) => {
    const out = rec.recognize(r.text);
    return { label: r.label, decided: out.matched && out.best ? out.best.intent : OOS, top1: out.best?.intent ?? OOS, lang: detectLanguage(r.text) };
  });
  return { preds, buildMs, rec };
}

interface NlpLike {
  addLanguage(l: string | string[]): void;
  addDocument(locale: string, text: string, intent: string): void;
  train(): Promise<unknown>;
  process(locale: string, text: string): Promise<{ intent: string; score: number; classifications?: { intent: string; score: number }[] }>;
}

async function runPeer(train: Row[], test: Row[]): Promise<{ preds: Prediction[]; ms: number[]; trainMs: number }> {
  const require = createRequire(import.meta.url);
  const { containerBootstrap } = require('@nlpjs/core') as { containerBootstrap: () => Promise<{ use(x: unknown): void; get(n: string, s?: unknown): unknown }> };
  const { Nlp } = require('@nlpjs/nlp') as { Nlp: unknown };
  const { LangEn } = require('@nlpjs/lang-en') as { LangEn: unknown };
  const { LangZh } = require('@nlpjs/lang-zh') as { LangZh: unknown };
  const container = await containerBootstrap();
  container.use(Nlp);
  container.use(LangEn);
  container.use(LangZh);
  const nlp = container.get('nlp', { autoSave: false, autoLoad: false, modelFileName: null, calculateSentiment: false }) as NlpLike & { settings: Record<string, unknown> };
  // The container merges its own defaults over constructor settings; set these after construction.
  Object.assign(nlp.settings, { autoSave: false, autoLoad: false, modelFileName: null, calculateSentiment: false });
  nlp.addLanguage(['en', 'zh']);
  for (const r of train) if (r.label !== OOS) nlp.addDocument(detectLanguage(r.text), r.text, r.label);
  // nlp.js logs every training epoch to stdout; keep stdout for the JSON result.
  const log = console.log;
  console.log = () => undefined;
  const t0 = performance.now();
  try {
    await nlp.train();
  } finally {
    console.log = log;
  }
  const trainMs = performance.now() - t0;
  for (const r of test) await nlp.process(detectLanguage(r.text), r.text);
  const ms: number[] = [];
  const preds: Prediction[] = [];
  for (const r of test) {
    const lang = detectLanguage(r.text);
    const s = performance.now();
    const out = await nlp.process(lang, r.text);
    ms.push(performance.now() - s);
    // nlp.js answers intent "None" below its own threshold (0.5) or when no token is known.
    const top = out.classifications?.[0]?.intent ?? out.intent;
    preds.push({ label: r.label, decided: out.intent === 'None' ? OOS : out.intent, top1: top === 'None' ? OOS : top, lang });
  }
  return { preds, ms, trainMs };
}


/** A synthetic intent library of `count` intents × 10 examples (half English, half Chinese) plus probe utterances. */
function syntheticSet(count: number): { intents: IntentDefinition[]; probes: string[] } {
  const rnd = mulberry32(150);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const syll = ['ka', 'lo', 'mi', 'ter', 'sun', 'ble', 'dra', 'pen', 'vor', 'quin', 'sha', 'tal', 'rex', 'mon', 'fi', 'gra'];
  const word = (): string => pick(syll) + pick(syll) + (rnd() < 0.5 ? pick(syll) : '');
  const hanPool = '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质';
  const enFrames = ['i want to {a} {b}', 'can you {a} my {b}', 'please {a} the {b} now', 'how do i {a} {b}', '{a} {b} for me', 'is it possible to {a} {b}', 'i need {a} {b} today', 'help me {a} {b}', 'what about {a} {b}', 'tell me about {a} {b}'];
  const intents: IntentDefinition[] = [];
  for (let i = 0; i < count; i++) {
    const a = word();
    const b = word();
    const c = Array.from({ length: 3 }, () => pick([...hanPool])).join('');
    const examples: string[] = [];
    for (let k = 0; k < 5; k++) examples.push(pick(enFrames).replace('{a}', a).replace('{b}', rnd() < 0.7 ? b : word()));
    for (let k = 0; k < 5; k++) examples.push(`${pick(['我想', '请帮我', '能不能', '关于', '我要'])}${c}${Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => pick([...hanPool])).join('')}`);
    intents.push({ name: `synthetic_${i}`, examples });
  }
  const probes: string[] = [];
  for (let k = 0; k < 2000; k++) {
    const intent = pick(intents);
    const ex = pick(intent.examples);
    // Perturb: drop or swap a character, add a filler, so probes are not exact copies.
    const chars = [...ex];
    const at = Math.floor(rnd() * chars.length);
    if (rnd() < 0.5) chars.splice(at, 1);
    else chars.splice(at, 0, pick(chars));
    probes.push((rnd() < 0.3 ? (detectLanguage(ex) === 'zh' ? '嗯，' : 'uh ') : '') + chars.join(''));
  }
  return { intents, probes };
}

const ROUNDS = 7;

/**
 * Latency over several rounds: a shared machine preempts the process now and then, which lands in
 * the p99 of whichever round it hits. The median round is the headline; every round is reported.
 */
function timeRounds(rec: CompiledRecognizer, texts: readonly string[]): Record<string, unknown> {
  for (const t of texts) rec.recognize(t);
  const rounds = Array.from({ length: ROUNDS }, () => {
    const ms: number[] = [];
    for (const t of texts) {
      const s = performance.now();
      rec.recognize(t);
      ms.push(performance.now() - s);
    }
    return latency(ms);
  });
  const byP99 = [...rounds].sort((a, b) => a.p99Ms - b.p99Ms);
  return { ...byP99[Math.floor(ROUNDS / 2)]!, bestRoundP99Ms: byP99[0]!.p99Ms, worstRoundP99Ms: byP99[ROUNDS - 1]!.p99Ms, rounds: ROUNDS, utterancesPerRound: texts.length };
}

function runSynthetic(count: number): Record<string, unknown> {
  const { intents, probes } = syntheticSet(count);
  // Compile time, wall clock and this thread's CPU time (the wall clock on a shared machine counts
  // the time other processes held the cores): the first compile warms the JIT, the next 3 are measured.
  buildRecognizer(intents);
  const walls: number[] = [];
  const cpus: number[] = [];
  let rec = buildRecognizer(intents);
  for (let k = 0; k < 3; k++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    rec = buildRecognizer(intents);
    walls.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1000);
  }
  const med = (xs: number[]) => Math.round([...xs].sort((a, b) => a - b)[1]!);
  return { intents: rec.intentCount, examples: intents.reduce((n, i) => n + i.examples.length, 0), buildMs: med(walls), buildCpuMs: med(cpus), latency: timeRounds(rec, probes) };
}

/** Reads a training source: a JSON-lines file, or `builtin:en|zh|both` (the built-in intents' examples). */
function readTrain(source: string): Row[] {
  const m = /^builtin:(en|zh|both)$/.exec(source);
  if (!m) return readJsonl(source);
  const defs = m[1] === 'both' ? builtinIntentsBilingual() : builtinIntents(m[1] as 'en' | 'zh');
  return defs.flatMap((d) => d.examples.map((text) => ({ text, label: d.name })));
}

/** File order (or a fixed shuffle) per label, then fold k's training window of `shots` examples (wrapping). */
function cvSplit(rows: Row[], shots: number, fold: number, labels: ReadonlySet<string>, oosLabels: ReadonlySet<string>, shuffle: boolean): { train: Row[]; test: Row[] } {
  const by = new Map<string, Row[]>();
  for (const r of rows) if (labels.has(r.label)) by.set(r.label, [...(by.get(r.label) ?? []), r]);
  const train: Row[] = [];
  const test: Row[] = [];
  for (const [label, xs] of [...by].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const rnd = mulberry32(hash(label));
    const shuffled = shuffle ? xs.map((x) => [rnd(), x] as const).sort((a, b) => a[0] - b[0]).map((p) => p[1]) : xs;
    if (oosLabels.has(label)) {
      for (const x of shuffled) test.push({ text: x.text, label: OOS });
      continue;
    }
    const start = (fold * shots) % shuffled.length;
    shuffled.forEach((x, i) => ((i - start + shuffled.length) % shuffled.length < shots ? train : test).push(x));
  }
  return { train, test };
}

function hash(s: string): number {
  let h = 2166136261;
  for (const ch of s) h = Math.imul(h ^ ch.codePointAt(0)!, 16777619);
  return h >>> 0;
}

function sample<T>(xs: readonly T[], n: number, seed: number): T[] {
  const rnd = mulberry32(seed);
  return xs.map((x) => [rnd(), x] as const).sort((a, b) => a[0] - b[0]).slice(0, n).map((p) => p[1]);
}

const pct = (x: number | undefined) => (x === undefined ? undefined : Math.round(x * 10000) / 100);

/** Averages metric records (percentages) over folds. */
function mean(records: Record<string, number | undefined>[]): Record<string, number | undefined> {
  const out: Record<string, number | undefined> = {};
  for (const k of Object.keys(records[0] ?? {})) {
    const xs = records.map((r) => r[k]).filter((x): x is number => x !== undefined);
    out[k] = xs.length === 0 ? undefined : xs.reduce((a, b) => a + b, 0) / xs.length;
  }
  return out;
}

function asPercent(m: Record<string, number | undefined>): Record<string, number | undefined> {
  return { n: m.n, inScope: m.inScope, oos: m.oos, accuracy: pct(m.accuracy), top1Accuracy: pct(m.top1Accuracy), inScopeAccuracy: pct(m.inScopeAccuracy), oosRecall: pct(m.oosRecall) };
}

/** K-fold cross-validation of both systems on one file, for each intent count. */
async function runCv(file: string, folds: number, shots: number, counts: number[] | undefined, oosShare: number, peer: boolean, threshold: number, shuffle: boolean): Promise<Record<string, unknown>> {
  const rows = readJsonl(file);
  const allLabels = [...new Set(rows.map((r) => r.label))].sort();
  const sizes = (counts ?? [allLabels.length]).map((n) => Math.min(n, allLabels.length)).filter((n, i, a) => a.indexOf(n) === i);
  const runs: Record<string, unknown>[] = [];
  let latencyAtMax: Record<string, unknown> | undefined;
  for (const size of sizes) {
    for (const withOos of oosShare > 0 ? [false, true] : [false]) {
      const ours: Record<string, number | undefined>[] = [];
      const theirs: Record<string, number | undefined>[] = [];
      const buildMs: number[] = [];
      for (let k = 0; k < folds; k++) {
        const labels = new Set(size === allLabels.length ? allLabels : sample(allLabels, size, 1000 + k));
        const oosLabels = new Set(withOos ? sample([...labels], Math.max(1, Math.round(size * oosShare)), 2000 + k) : []);
        const { train, test } = cvSplit(rows, shots, k, labels, oosLabels, shuffle);
        const run = runOurs(train, test, threshold);
        ours.push(metrics(run.preds));
        buildMs.push(run.buildMs);
        if (!withOos && size === sizes[sizes.length - 1] && k === 0) latencyAtMax = { intents: run.rec.intentCount, buildMs: Math.round(run.buildMs), ...timeRounds(run.rec, test.slice(0, 2000).map((r) => r.text)) };
        if (peer) theirs.push(metrics((await runPeer(train, test)).preds));
        process.stderr.write(`  ${file} intents=${size}${withOos ? ' +oos' : ''} fold ${k + 1}/${folds}: top1 ${pct(ours[k]!.top1Accuracy)} acc ${pct(ours[k]!.accuracy)}${peer ? ` | nlp.js top1 ${pct(theirs[k]!.top1Accuracy)} acc ${pct(theirs[k]!.accuracy)}` : ''}\n`);
      }
      const sortedBuild = [...buildMs].sort((a, b) => a - b);
      runs.push({
        intents: size,
        heldOutIntentsAsOos: withOos ? Math.max(1, Math.round(size * oosShare)) : 0,
        reachout: { ...asPercent(mean(ours)), compileMsMedian: Math.round(sortedBuild[Math.floor(sortedBuild.length / 2)]!), compileMsMax: Math.round(sortedBuild[sortedBuild.length - 1]!) },
        ...(peer ? { nlpjs: asPercent(mean(theirs)) } : {}),
      });
    }
  }
  return { file, order: shuffle ? 'shuffled' : 'file', language: detectLanguage(rows.slice(0, 50).map((r) => r.text).join(' ')), folds, shots, labels: allLabels.length, runs, latencyAtMax };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const out: Record<string, unknown> = {};
  const shots = typeof args.shots === 'string' ? Number(args.shots) : undefined;
  const threshold = typeof args.threshold === 'string' ? Number(args.threshold) : DEFAULT_THRESHOLD;
  const peer = args['no-peer'] !== true;
  if (typeof args.cv === 'string' && typeof args.data === 'string') {
    const counts = typeof args.intents === 'string' ? args.intents.split(',').map(Number) : undefined;
    const oosShare = typeof args['oos-labels'] === 'string' ? Number(args['oos-labels']) : 0;
    out.cv = [];
    for (const file of args.data.split(',')) (out.cv as unknown[]).push(await runCv(file, Number(args.cv), shots ?? 10, counts, oosShare, peer, threshold, args.shuffle === true));
  } else if (typeof args.train === 'string' && typeof args.test === 'string') {
    const train = takeShots(readTrain(args.train), shots);
    const test = readJsonl(args.test);
    const ours = runOurs(train, test, threshold);
    out.data = { train: args.train, test: args.test, shots: shots ?? 'all', trainExamples: train.length, intents: ours.rec.intentCount, testItems: test.length };
    out.reachout = { threshold, calibration: ours.rec.calibration, ...asPercent(metrics(ours.preds)), byLanguage: Object.fromEntries(Object.entries(byLanguage(ours.preds)).map(([k, v]) => [k, asPercent(v)])), buildMs: Math.round(ours.buildMs * 100) / 100, latency: timeRounds(ours.rec, test.map((r) => r.text)) };
    if (args.errors === true) out.errors = test.flatMap((r, i) => (ours.preds[i]!.decided !== r.label ? [`${r.label} -> ${ours.preds[i]!.decided} (top1 ${ours.preds[i]!.top1}): ${r.text}`] : []));
    if (peer) {
      const p = await runPeer(train, test);
      out.nlpjs = { library: '@nlpjs/nlp 4.27.0 (NluNeural, own threshold 0.5)', ...asPercent(metrics(p.preds)), byLanguage: Object.fromEntries(Object.entries(byLanguage(p.preds)).map(([k, v]) => [k, asPercent(v)])), trainMs: Math.round(p.trainMs), latency: latency(p.ms) };
    }
  }
  if (typeof args.synthetic === 'string') out.synthetic = runSynthetic(Number(args.synthetic));
  if (Object.keys(out).length === 0) {
    process.stderr.write('usage: npm run bench:nlu -- (--train FILE|builtin:en|builtin:zh --test FILE [--shots N] | --cv K --shots N --data FILE[,FILE] [--intents 10,30,150] [--oos-labels 0.2]) [--threshold T] [--no-peer] [--synthetic N] [--errors] [--out FILE]\n');
    process.exitCode = 2;
    return;
  }
  out.machine = { node: process.version, cpus: cpus().length, loadAverage1m: Math.round(loadavg()[0]! * 100) / 100 };
  const json = JSON.stringify(out, null, 2);
  process.stdout.write(json + '\n');
  if (typeof args.out === 'string') writeFileSync(args.out, json + '\n');
}

void main();
