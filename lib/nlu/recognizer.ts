/**
 * The built-in intent recogniser (SPEC S9): bilingual, no model download, pure and synchronous.
 *
 * Compile once (`buildRecognizer`), recognise many. Examples become TF-IDF weighted sparse vectors
 * (./features). Two views of the same vectors score an utterance:
 * - two softmax regressions fitted at compile time (./linear) rank the intents: a word model on the
 *   normalised features (stems, Han characters and words, lexicon concepts, negation marked) and a
 *   character model on the surface text's character n-grams (./features `surfaceFeatures`); their
 *   mean logits give the probabilities. They learn which words separate *this* scenario's intents;
 * - the cosine to the nearest example of each intent (inverted index) tells how close the answer
 *   is to anything the author wrote; it feeds the ranking a little and the no-match decision a lot.
 * An exact normalised match scores 1; a keyword that is not negated pulls its intent halfway to 1.
 *
 * The no-match decision adapts to the compiled scenario: at compile time the examples are split in
 * two halves (each intent's examples shuffled first; a small library several times), a model
 * fitted on each half scores the other, and the scores of (a) held-out examples and (b) held-out
 * examples with their own intent removed (what an answer the scenario does not
 * cover looks like) fit a logistic calibration of (score, margin, nearest-example similarity) into
 * P(the best intent is right). `matched` is that probability ≥ the threshold (0.5 by default).
 * The calibration is pulled towards a prior fitted on development data, so a scenario with three
 * intents and four examples each still gets a sensible decision.
 */
import { describeFault } from '../core/errors';
import { extractFeatures, isNegator, LINEAR_KINDS, negationMask, surfaceFeatures } from './features';
import { fitSoftmax, logits, softmax, type SoftmaxModel, type SparseVector } from './linear';
import { mulberry32 } from '../core/random';
import { normalize, type Token } from './normalize';
import type { IntentDefinition, IntentMatch, IntentRecognizer, Recognition, RecognizeOptions, RecognizerOptions } from './types';

/** Confidence at or above which an utterance counts as matched: the calibrated P(right) of 0.5. */
export const DEFAULT_THRESHOLD = 0.5;

/** Calibration weights: confidence = sigmoid(bias + score·s + margin·m + nearest·n). */
export interface Calibration {
  bias: number;
  score: number;
  margin: number;
  nearest: number;
}

/**
 * The prior calibration every compiled scenario is pulled towards (and uses as is when it has too
 * few examples to fit its own). Set by hand from the calibrations fitted on development data only
 * (nlu-dev cross-validation folds, bench/data/nlu/phone-dev.*; `calibration` in the bench JSON).
 */
export const PRIOR_CALIBRATION: Calibration = { bias: -4.2, score: 5.0, margin: 3.0, nearest: 4.0 };

/**
 * Weight of the simulated out-of-scope answers against the in-scope ones when fitting the
 * calibration: the knob between "rejects a right answer" and "accepts an answer no intent covers".
 */
export const OOS_WEIGHT = 0.5;
/**
 * Share of the right answers (as estimated on the scenario's own examples at compile time) the
 * no-match decision may reject: the budget is 3 points of top-1.
 */
export const MAX_REJECTED = 0.03;
/** How strongly a scenario's own calibration is pulled towards the prior (L2, per weight). */
const PRIOR_STRENGTH = 2;
/** Share of the nearest-example similarity in the ranking score (the rest is the model's probability). */
const NEAREST_SHARE = 0.1;
const KEYWORD_BOOST = 0.5;
/**
 * Examples above which the compile-time calibration scores one half of one split instead of both
 * halves of several; twice this is the budget of a small library's repeated splits.
 */
const LARGE_LIBRARY = 600;
/** Most random splits a small library's calibration averages over (the estimate's seed noise). */
const MAX_SPLITS = 4;
const SPLIT_SEED = 7;
/** Epochs of the final models and of the half models fitted for the calibration (compile ≤ 1 s). */
const EPOCHS = 5;
const HALF_EPOCHS = 4;
const MAX_RANKED = 10;

/** Raw per-intent scores before calibration; exported for the benchmark and debugging. */
export interface RawScores {
  normalized: string;
  /** Intent index → ranking score in [0,1]. */
  similarity: Float64Array;
  /** Intent index → cosine to the nearest example of the intent. */
  nearest: Float64Array;
  /** Intent names, by index. */
  names: readonly string[];
}

/** A compiled recogniser that also exposes its raw scores and its fitted calibration. */
export interface CompiledRecognizer extends IntentRecognizer {
  /** Raw scores before calibration. */
  score(text: string): RawScores;
  /** Number of intents compiled. */
  readonly intentCount: number;
  /** The no-match calibration fitted for this intent library. */
  readonly calibration: Calibration;
  /** The confidence threshold in force. */
  readonly threshold: number;
}

interface CompiledIntent {
  name: string;
  keywords: { tokens: string[]; negatorFirst: boolean }[];
}

interface Posting {
  ids: Int32Array;
  weights: Float64Array;
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Applies a calibration to (score, margin, nearest); always a finite number in [0,1]. */
export function calibrate(c: Calibration, score: number, margin: number, nearest: number): number {
  const p = sigmoid(c.bias + c.score * score + c.margin * margin + c.nearest * nearest);
  return Number.isFinite(p) ? Math.min(1, Math.max(0, p)) : 0;
}

/** One calibration item: features and whether the best intent was right. */
export interface CalibrationItem {
  score: number;
  margin: number;
  nearest: number;
  right: boolean;
  weight: number;
}

/** Fits a weighted logistic calibration, L2-pulled towards `prior` with `strength` (Newton's method, 4 weights). */
export function fitCalibration(items: readonly CalibrationItem[], prior: Calibration = PRIOR_CALIBRATION, strength = PRIOR_STRENGTH): Calibration {
  if (items.length === 0) return { ...prior };
  const p0 = [prior.bias, prior.score, prior.margin, prior.nearest];
  const w = [...p0];
  const total = items.reduce((a, it) => a + it.weight, 0) || 1;
  // Strength is per item-weight unit so a large library is pulled relatively less.
  const lambda = strength / Math.sqrt(total);
  const x = new Float64Array(4);
  for (let it = 0; it < 12; it++) {
    const g = new Float64Array(4);
    const h = new Float64Array(16);
    for (const d of items) {
      x[0] = 1;
      x[1] = d.score;
      x[2] = d.margin;
      x[3] = d.nearest;
      const p = sigmoid(w[0]! + w[1]! * x[1]! + w[2]! * x[2]! + w[3]! * x[3]!);
      const e = ((p - (d.right ? 1 : 0)) * d.weight) / total;
      const v = (p * (1 - p) * d.weight) / total;
      for (let a = 0; a < 4; a++) {
        g[a]! += e * x[a]!;
        for (let b = 0; b < 4; b++) h[a * 4 + b]! += v * x[a]! * x[b]!;
      }
    }
    for (let a = 0; a < 4; a++) {
      g[a]! += lambda * (w[a]! - p0[a]!);
      h[a * 5]! += lambda;
    }
    const step = solve4(h, g);
    if (!step) break;
    let moved = 0;
    for (let a = 0; a < 4; a++) {
      w[a] = w[a]! - step[a]!;
      moved += Math.abs(step[a]!);
    }
    if (moved < 1e-6) break;
  }
  // The cost on in-scope answers is capped: if more than MAX_REJECTED of the right answers would
  // fall under 0.5, the bias moves up until they do not (out-of-scope rejection pays for it).
  const rightScores = items
    .filter((d) => d.right)
    .map((d) => w[0]! + w[1]! * d.score + w[2]! * d.margin + w[3]! * d.nearest)
    .sort((a, b) => a - b);
  if (rightScores.length > 0) {
    const q = rightScores[Math.floor(rightScores.length * MAX_REJECTED)]!;
    if (q < 0) w[0] = w[0]! - q;
  }
  const r = (v: number) => Math.round(v * 1000) / 1000;
  return { bias: r(w[0]!), score: r(w[1]!), margin: r(w[2]!), nearest: r(w[3]!) };
}

/** Solves the 4×4 system h·s = g (Gaussian elimination with partial pivoting); undefined when singular. */
function solve4(h: Float64Array, g: Float64Array): number[] | undefined {
  const m = [0, 1, 2, 3].map((r) => [h[r * 4]!, h[r * 4 + 1]!, h[r * 4 + 2]!, h[r * 4 + 3]!, g[r]!]);
  for (let c = 0; c < 4; c++) {
    let piv = c;
    for (let r = c + 1; r < 4; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[piv]![c]!)) piv = r;
    if (Math.abs(m[piv]![c]!) < 1e-12) return undefined;
    [m[c], m[piv]] = [m[piv]!, m[c]!];
    for (let r = 0; r < 4; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k < 5; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return m.map((row, r) => row[4]! / row[r]!);
}

/**
 * Compiles intent definitions into a recogniser. Definitions with the same name are merged, so the
 * English and Chinese versions of a built-in intent can be passed side by side.
 */
export function buildRecognizer(intents: IntentDefinition[], options: RecognizerOptions = {}): CompiledRecognizer {
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const byName = new Map<string, { examples: string[]; keywords: string[] }>();
  for (const def of intents) {
    const entry = byName.get(def.name) ?? { examples: [], keywords: [] };
    entry.examples.push(...def.examples);
    entry.keywords.push(...(def.keywords ?? []));
    byName.set(def.name, entry);
  }
  const names = [...byName.keys()];
  const nameIndex = new Map(names.map((n, i) => [n, i]));
  const intentCount = names.length;
  const compiled: CompiledIntent[] = [];
  const exampleIntent: number[] = [];
  const exampleFeatures: Map<string, number>[] = [];
  const exampleSurface: Map<string, number>[] = [];
  const exact = new Map<string, Set<number>>();
  names.forEach((name, ii) => {
    const entry = byName.get(name)!;
    for (const ex of entry.examples) {
      const n = normalize(ex);
      if (n.tokens.length === 0) continue;
      exampleIntent.push(ii);
      exampleFeatures.push(extractFeatures(n.tokens));
      exampleSurface.push(surfaceFeatures(ex));
      const set = exact.get(n.text) ?? new Set<number>();
      set.add(ii);
      exact.set(n.text, set);
    }
    compiled.push({
      name,
      keywords: entry.keywords
        .map((k) => normalize(k).tokens)
        .filter((ts) => ts.length > 0)
        .map((ts) => ({ tokens: ts.map((t) => t.text), negatorFirst: isNegator(ts[0]!) })),
    });
  });

  // IDF over intents, not examples: a feature shared by every example of one intent is its signature.
  const words = featureSpace(exampleFeatures, exampleIntent, intentCount);
  const chars = featureSpace(exampleSurface, exampleIntent, intentCount);
  const linearId: number[] = [];
  let linearCount = 0;
  for (const key of words.featureId.keys()) linearId.push(LINEAR_KINDS.has(key[0]!) ? linearCount++ : -1);

  /**
   * The example-similarity vector (TF-IDF of the normalised features) and the two models' inputs:
   * its word-model part, and the TF-IDF of the surface character n-grams.
   */
  const vectorize = (f: Map<string, number>, g: Map<string, number>): Vectors => {
    const full = tfidf(words, f);
    const lids: number[] = [];
    const lxs: number[] = [];
    for (let k = 0; k < full.ids.length; k++) {
      const l = linearId[full.ids[k]!]!;
      if (l >= 0) {
        lids.push(l);
        lxs.push(full.values[k]!);
      }
    }
    return { full, inputs: [{ ids: Int32Array.from(lids), values: Float64Array.from(lxs) }, tfidf(chars, g)] };
  };

  const vectors = exampleFeatures.map((f, e) => vectorize(f, exampleSurface[e]!));
  const exampleIndex = invert(vectors.map((v) => v.full), words.idf.length);
  const exampleIntentArr = Int32Array.from(exampleIntent);
  const exampleCount = vectors.length;
  const inputSizes = [linearCount, chars.idf.length];
  /** Fits the word model and the character model on a subset of the examples. */
  const fit = (subset: (e: number) => boolean, epochs: number): SoftmaxModel[] =>
    inputSizes.map((size, v) => {
      const xs: SparseVector[] = [];
      const ys: number[] = [];
      for (let e = 0; e < exampleCount; e++)
        if (subset(e)) {
          xs.push(vectors[e]!.inputs[v]!);
          ys.push(exampleIntent[e]!);
        }
      return fitSoftmax(xs, ys, intentCount, size, { epochs });
    });
  const model = fit(() => true, EPOCHS);

  const viewLogits = new Float64Array(intentCount);
  /**
   * Intent probabilities of the two models together: the softmax of their mean logits (a product
   * of experts). Averaging the probabilities instead ranks as well but flattens them, and the
   * no-match calibration then has to accept more out-of-scope answers to keep right ones.
   */
  const predict = (models: readonly SoftmaxModel[], inputs: readonly SparseVector[], out: Float64Array): void => {
    out.fill(0);
    for (let v = 0; v < models.length; v++) {
      logits(models[v]!, inputs[v]!, viewLogits);
      for (let c = 0; c < intentCount; c++) out[c]! += viewLogits[c]! / models.length;
    }
    softmax(out);
  };

  // Scratch buffers: recognition is synchronous, so one set per compiled recogniser is enough.
  const exampleScores = new Float64Array(exampleCount);
  const probs = new Float64Array(intentCount);

  /** Cosine to every example, then the best per intent (skipping examples of fold `skipFold` when given). */
  const nearestOf = (x: SparseVector, out: Float64Array, fold?: Int8Array, skipFold?: number): void => {
    exampleScores.fill(0);
    for (let k = 0; k < x.ids.length; k++) {
      const pe = exampleIndex[x.ids[k]!]!;
      const v = x.values[k]!;
      for (let j = 0; j < pe.ids.length; j++) exampleScores[pe.ids[j]!]! += v * pe.weights[j]!;
    }
    out.fill(0);
    for (let e = 0; e < exampleCount; e++) {
      if (fold !== undefined && fold[e] === skipFold) continue;
      const s = exampleScores[e]!;
      const ii = exampleIntentArr[e]!;
      if (s > out[ii]!) out[ii] = s;
    }
  };

  /** Ranking score per intent from the model's probabilities and the nearest-example cosine. */
  const combine = (p: Float64Array, nearest: Float64Array, out: Float64Array): void => {
    for (let ii = 0; ii < intentCount; ii++) out[ii] = (1 - NEAREST_SHARE) * p[ii]! + NEAREST_SHARE * Math.min(1, nearest[ii]!);
  };

  const calibration = intentCount >= 2 ? fitCalibration(crossFit()) : { ...PRIOR_CALIBRATION };

  /** Calibration items from two halves scoring each other (see the module comment). */
  function crossFit(): CalibrationItem[] {
    const large = exampleCount > LARGE_LIBRARY;
    // A small library is split several times so the estimate does not hang on one draw of the
    // halves. Each split trains its half models on every example once, so at most 2·LARGE_LIBRARY
    // examples are trained on: with the final models, less than a 150 × 10 library's compile.
    const splits = large ? 1 : Math.max(1, Math.min(MAX_SPLITS, Math.floor((2 * LARGE_LIBRARY) / Math.max(1, exampleCount))));
    const items: CalibrationItem[] = [];
    const nearest = new Float64Array(intentCount);
    const score = new Float64Array(intentCount);
    const p = new Float64Array(intentCount);
    for (const fold of calibrationSplits(exampleIntent, splits, SPLIT_SEED)) {
      // Both halves for a small library; one for a large one, which has items enough (compile ≤ 1 s).
      for (const held of large ? [1] : [0, 1]) {
        const m = fit((e) => fold[e] !== held, HALF_EPOCHS);
        for (let e = 0; e < exampleCount; e++) {
          if (fold[e] !== held) continue;
          const truth = exampleIntent[e]!;
          predict(m, vectors[e]!.inputs, p);
          nearestOf(vectors[e]!.full, nearest, fold, held);
          combine(p, nearest, score);
          const [b1, b2] = topTwo(score);
          items.push({ score: score[b1]!, margin: score[b1]! - (b2 < 0 ? 0 : score[b2]!), nearest: nearest[b1]!, right: b1 === truth, weight: 1 });
          // The same answer if its intent were not in the scenario: what out-of-scope looks like here.
          const rest = 1 - p[truth]!;
          if (rest <= 1e-9) continue;
          for (let ii = 0; ii < intentCount; ii++) p[ii] = ii === truth ? 0 : p[ii]! / rest;
          nearest[truth] = 0;
          combine(p, nearest, score);
          const [o1, o2] = topTwo(score);
          if (o1 >= 0) items.push({ score: score[o1]!, margin: score[o1]! - (o2 < 0 ? 0 : score[o2]!), nearest: nearest[o1]!, right: false, weight: OOS_WEIGHT });
        }
      }
    }
    return items;
  }

  function analyse(text: string): RawScores & { tokens: readonly Token[] } {
    const n = normalize(text);
    const similarity = new Float64Array(intentCount);
    const nearest = new Float64Array(intentCount);
    if (n.tokens.length === 0 || intentCount === 0) return { normalized: n.text, similarity, nearest, names, tokens: n.tokens };
    const v = vectorize(extractFeatures(n.tokens), surfaceFeatures(text));
    predict(model, v.inputs, probs);
    nearestOf(v.full, nearest);
    combine(probs, nearest, similarity);
    const exactHits = exact.get(n.text);
    const neg = negationMask(n.tokens);
    for (let ii = 0; ii < intentCount; ii++) {
      if (exactHits?.has(ii)) similarity[ii] = 1;
      else if (hasKeyword(compiled[ii]!, n.tokens, neg)) similarity[ii] = similarity[ii]! + (1 - similarity[ii]!) * KEYWORD_BOOST;
    }
    return { normalized: n.text, similarity, nearest, names, tokens: n.tokens };
  }

  function recognize(text: string, opts: RecognizeOptions = {}): Recognition {
    const raw = analyse(text);
    const allowed = opts.candidates ? new Set(opts.candidates.map((c) => nameIndex.get(c)).filter((x): x is number => x !== undefined)) : undefined;
    // Margins are taken against every intent, candidates or not: an answer that clearly means
    // something the node does not listen for must not become a confident match by elimination.
    const [first, second] = topTwo(raw.similarity);
    const order: number[] = [];
    for (let ii = 0; ii < intentCount; ii++) {
      if (allowed && !allowed.has(ii)) continue;
      if (raw.similarity[ii]! > 0) order.push(ii);
    }
    order.sort((a, b) => raw.similarity[b]! - raw.similarity[a]!);
    let above = 1;
    const ranked: IntentMatch[] = order.slice(0, MAX_RANKED).map((ii) => {
      const s = raw.similarity[ii]!;
      const rival = ii === first ? second : first;
      const margin = s - (rival < 0 ? 0 : raw.similarity[rival]!);
      // The nearest-example term can lift a lower-ranked intent's calibrated value above the one
      // ranked before it; the ranking is the models', so confidences follow it.
      const score = Math.min(above, s >= 1 && margin >= 0 ? 1 : calibrate(calibration, s, margin, raw.nearest[ii]!));
      above = score;
      return { intent: names[ii]!, score: Math.round(score * 10000) / 10000 };
    });
    const best = ranked[0];
    return { text, normalized: raw.normalized, ...(best ? { best } : {}), ranked, matched: best !== undefined && best.score >= threshold };
  }

  return {
    intentCount,
    calibration,
    threshold,
    score: (text) => {
      const { tokens: _tokens, ...rest } = analyse(text);
      return rest;
    },
    recognize(text, opts) {
      try {
        return recognize(text, opts);
      } catch (error) {
        // Recognition is advisory: a bug here must become a no-match, never a failed call; what went wrong travels
        // out on the recognition for the channel to log.
        return { text, normalized: '', ranked: [], matched: false, fault: describeFault(error) };
      }
    },
  };
}

/**
 * Halves for the compile-time calibration: `splits` assignments of every example to half 0 or 1,
 * each intent's examples shuffled (seeded) and then dealt alternately, so every intent has half its
 * examples (± 1) on each side.
 *
 * Why shuffled and not every other example in the author's order: authors (and the benchmarks'
 * files) write paraphrases next to each other, so alternate halves hold near-copies of each other's
 * examples and the held-out half scores as an answer never does; the no-match bar set from it then
 * rejects more right answers than budgeted (CLINC150 at 30 intents, file-order folds: 4.1 points
 * instead of ≤ 3; with shuffled halves 2.8).
 */
export function calibrationSplits(intentOf: readonly number[], splits: number, seed: number): Int8Array[] {
  const byIntent = new Map<number, number[]>();
  intentOf.forEach((ii, e) => {
    const es = byIntent.get(ii);
    if (es) es.push(e);
    else byIntent.set(ii, [e]);
  });
  const rnd = mulberry32(seed);
  const out: Int8Array[] = [];
  for (let r = 0; r < splits; r++) {
    const fold = new Int8Array(intentOf.length);
    for (const es of byIntent.values()) {
      const order = [...es];
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        const t = order[i]!;
        order[i] = order[j]!;
        order[j] = t;
      }
      // Odd counts alternate which half gets the extra example, so neither half is always larger.
      const offset = r % 2;
      order.forEach((e, i) => (fold[e] = (i + offset) % 2));
    }
    out.push(fold);
  }
  return out;
}

/** Indices of the two highest values (-1 when absent). */
function topTwo(xs: Float64Array): [number, number] {
  let first = -1;
  let second = -1;
  for (let i = 0; i < xs.length; i++) {
    const s = xs[i]!;
    if (first < 0 || s > xs[first]!) {
      second = first;
      first = i;
    } else if (second < 0 || s > xs[second]!) second = i;
  }
  return [first, second];
}

function hasKeyword(intent: CompiledIntent, tokens: readonly Token[], neg: readonly boolean[]): boolean {
  for (const k of intent.keywords) {
    const len = k.tokens.length;
    outer: for (let i = 0; i + len <= tokens.length; i++) {
      for (let j = 0; j < len; j++) if (tokens[i + j]!.text !== k.tokens[j]) continue outer;
      // "not interested" must not fire the keyword "interested".
      if (neg[i] && !k.negatorFirst) continue;
      return true;
    }
  }
  return false;
}

function invert(vectors: readonly SparseVector[], features: number): Posting[] {
  const lists: { ids: number[]; weights: number[] }[] = Array.from({ length: features }, () => ({ ids: [], weights: [] }));
  vectors.forEach((v, doc) => {
    for (let k = 0; k < v.ids.length; k++) {
      lists[v.ids[k]!]!.ids.push(doc);
      lists[v.ids[k]!]!.weights.push(v.values[k]!);
    }
  });
  return lists.map((l) => ({ ids: Int32Array.from(l.ids), weights: Float64Array.from(l.weights) }));
}

/** Vectors of one utterance: for the example similarity, and the inputs of the word and character models. */
interface Vectors {
  full: SparseVector;
  inputs: SparseVector[];
}

/** A TF-IDF space: feature ids and IDF over intents. */
interface FeatureSpace {
  featureId: Map<string, number>;
  idf: number[];
  /** IDF of a feature no example has. */
  unseenIdf: number;
}

function featureSpace(features: readonly Map<string, number>[], intentOf: readonly number[], intentCount: number): FeatureSpace {
  const dfSets = new Map<string, Set<number>>();
  features.forEach((f, e) => {
    for (const key of f.keys()) {
      const s = dfSets.get(key) ?? new Set<number>();
      s.add(intentOf[e]!);
      dfSets.set(key, s);
    }
  });
  const featureId = new Map<string, number>();
  const idf: number[] = [];
  for (const [key, s] of dfSets) {
    featureId.set(key, idf.length);
    idf.push(Math.log(1 + intentCount / s.size));
  }
  return { featureId, idf, unseenIdf: Math.log(1 + Math.max(1, intentCount)) };
}

/**
 * TF-IDF vector of the seen features, L2-normalised over seen and unseen ones: unseen features
 * still count in the norm, which is what pulls out-of-scope answers down.
 */
function tfidf(space: FeatureSpace, f: Map<string, number>): SparseVector {
  const ids: number[] = [];
  const xs: number[] = [];
  let norm = 0;
  for (const [key, w] of f) {
    const id = space.featureId.get(key);
    const x = w * (id === undefined ? space.unseenIdf : space.idf[id]!);
    norm += x * x;
    if (id === undefined) continue;
    ids.push(id);
    xs.push(x);
  }
  norm = Math.sqrt(norm) || 1;
  const values = new Float64Array(xs.length);
  for (let k = 0; k < xs.length; k++) values[k] = xs[k]! / norm;
  return { ids: Int32Array.from(ids), values };
}
