/**
 * The built-in intent recogniser (SPEC S9): bilingual, no model download, pure and synchronous.
 *
 * Compile once (`buildRecognizer`), recognise many: examples become TF-IDF weighted sparse vectors
 * over script-aware features (English: stemmed words, word bigrams, character trigrams for ASR
 * typos; Chinese: character uni/bi/tri-grams), with negation scope marked so "不是" never looks like
 * "是" and "not really" never looks like "really". An utterance scores each intent by its nearest
 * example and by the intent centroid (a few sparse dot products through an inverted index), keyword
 * hits boost, and a logistic calibration turns similarity and margin into a confidence in [0,1].
 */
import { findConcepts } from './concepts';
import { normalize, type Token } from './normalize';
import type { IntentDefinition, IntentMatch, IntentRecognizer, Recognition, RecognizeOptions, RecognizerOptions } from './types';

/** Confidence at or above which an utterance counts as matched; calibrated on the dev sets (bench/data/nlu/dev*.jsonl). */
export const DEFAULT_THRESHOLD = 0.5;

/**
 * Logistic calibration of (similarity, margin to the runner-up) into a confidence.
 * Fitted by `npm run bench:nlu -- --calibrate` on the dev sets (never the test sets); see bench/README.md.
 */
export const CALIBRATION = { bias: -3.77, similarity: 8.94, margin: 8.52 } as const;

const EN_NEGATORS = new Set(['not', 'never', 'neither', 'nor', 'without']);
const HAN_NEGATORS = new Set(['不', '没', '别', '未', '无', '非', '勿', '莫']);
const SCOPE_BREAKERS = new Set(['but', '但', '却']);
const EN_SCOPE = 3;
const HAN_SCOPE = 2;
const NO_SCOPE = 1;

// Per feature kind: how much one occurrence weighs before IDF. Chinese characters alone are weak
// evidence (many are function words), bigrams carry most of the meaning.
const KIND_WEIGHT: Record<string, number> = {
  w: 1.0, // English stemmed word
  b: 0.8, // English word bigram
  t: 0.3, // English character trigram (per trigram, scaled by word length below)
  c: 0.7, // Han character
  z: 1.0, // Han bigram
  y: 0.6, // Han trigram
  k: 2.0, // concept of the paraphrase lexicon (./concepts), shared across languages
};

// Function words: kept (they matter in bigrams) but worth little alone.
const STOPWORDS = new Set([
  'i', 'me', 'my', 'am', 'is', 'are', 'was', 'be', 'been', 'the', 'a', 'an', 'this', 'that', 'it', 'to', 'of',
  'your', 'do', 'doe', 'did', 'have', 'ha', 'and', 'or', 'for', 'in', 'on', 'at', 'with', 'just', 'really',
  'we', 'he', 'she', 'him', 'her', 'his', 'they', 'there', 'here', 'so', 'very',
  '的', '了', '我', '你', '他', '这', '那', '个', '一', '就', '也', '都', '在', '们', '呀',
]);
const STOPWORD_FACTOR = 0.3;

const NEAREST_WEIGHT = 0.6;
const CENTROID_WEIGHT = 0.4;
const KEYWORD_BOOST = 0.5;
const MAX_RANKED = 10;

function stem(w: string): string {
  if (w.length > 5 && w.endsWith('ing')) return w.slice(0, -3);
  if (w.length > 4 && w.endsWith('ed')) return w.slice(0, -2);
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) return w.slice(0, -1);
  return w;
}

/** Which tokens fall inside a negation scope (the negator itself does not). */
function negationMask(tokens: readonly Token[]): boolean[] {
  const mask = new Array<boolean>(tokens.length).fill(false);
  let left = 0;
  let clause = -1;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.clause !== clause || SCOPE_BREAKERS.has(t.text)) {
      left = 0;
      clause = t.clause;
    }
    if (t.han ? HAN_NEGATORS.has(t.text) : EN_NEGATORS.has(t.text)) {
      left = t.han ? HAN_SCOPE : EN_SCOPE;
      continue;
    }
    // "no" negates only the word after it: "no interest" is "not interested", "no, I'm busy" is not.
    if (!t.han && t.text === 'no') {
      left = NO_SCOPE;
      continue;
    }
    if (left > 0) {
      mask[i] = true;
      // "没有兴趣" negates what follows "有" as much as "没兴趣" does.
      if (!(t.han && t.text === '有' && tokens[i - 1]?.text === '没')) left--;
    }
  }
  return mask;
}

/** Extracts weighted features (before IDF) from normalised tokens. */
export function extractFeatures(tokens: readonly Token[]): Map<string, number> {
  const out = new Map<string, number>();
  const add = (key: string, w: number): void => {
    out.set(key, (out.get(key) ?? 0) + w);
  };
  const neg = negationMask(tokens);
  const hits = findConcepts(tokens, neg);
  // A tag question's 不 ("是不是", "对不对") is not a denial: its tokens give no surface features.
  const skip = new Array<boolean>(tokens.length).fill(false);
  for (const hit of hits) if (hit.concept === 'QUESTION') for (let j = hit.start; j < hit.end; j++) skip[j] = true;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (skip[i]) continue;
    const mark = neg[i] ? '!' : '';
    const next = tokens[i + 1];
    const sameClauseNext = next !== undefined && next.clause === t.clause && next.han === t.han ? next : undefined;
    if (t.han) {
      add(`c${mark}${t.text}`, KIND_WEIGHT.c! * (STOPWORDS.has(t.text) ? STOPWORD_FACTOR : 1));
      if (sameClauseNext) {
        add(`z${t.text}${sameClauseNext.text}`, KIND_WEIGHT.z!);
        const third = tokens[i + 2];
        if (third !== undefined && third.clause === t.clause && third.han) add(`y${t.text}${sameClauseNext.text}${third.text}`, KIND_WEIGHT.y!);
      }
    } else {
      const s = stem(t.text);
      add(`w${mark}${s}`, KIND_WEIGHT.w! * (STOPWORDS.has(s) ? STOPWORD_FACTOR : 1));
      if (sameClauseNext) add(`b${s} ${stem(sameClauseNext.text)}`, KIND_WEIGHT.b!);
      // Character trigrams let "intrested" or "calll" still meet "interested" and "call".
      if (t.text.length >= 3 && !STOPWORDS.has(s)) {
        const padded = `^${t.text}$`;
        const n = padded.length - 2;
        const w = KIND_WEIGHT.t! / Math.sqrt(n);
        for (let j = 0; j < n; j++) add(`t${mark}${padded.slice(j, j + 3)}`, w);
      }
    }
  }
  for (const hit of hits) if (hit.concept !== 'QUESTION') add(`k${hit.negated ? '!' : ''}${hit.concept}`, KIND_WEIGHT.k!);
  return out;
}

interface Posting {
  ids: Int32Array;
  weights: Float64Array;
}

interface CompiledIntent {
  name: string;
  keywords: { tokens: string[]; negatorFirst: boolean }[];
}

/** Term weight; repeats are already collapsed by normalisation, so linear is enough. */
function tf(weight: number): number {
  return weight;
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Turns a raw similarity and its margin over the runner-up into a calibrated confidence. */
export function calibrate(similarity: number, margin: number): number {
  const c = sigmoid(CALIBRATION.bias + CALIBRATION.similarity * similarity + CALIBRATION.margin * margin);
  return Number.isFinite(c) ? Math.min(1, Math.max(0, c)) : 0;
}

/** Raw per-intent scores before calibration; exported for the benchmark's calibration fit. */
export interface RawScores {
  normalized: string;
  /** Intent index → similarity in [0,1]. */
  similarity: Float64Array;
  /** Intent names, by index. */
  names: readonly string[];
}

/** A compiled recogniser that also exposes its raw similarities (for calibration and debugging). */
export interface CompiledRecognizer extends IntentRecognizer {
  /** Raw similarities before calibration. */
  score(text: string, options?: RecognizeOptions): RawScores;
  /** Number of intents compiled. */
  readonly intentCount: number;
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
  const compiled: CompiledIntent[] = [];
  const exampleIntent: number[] = [];
  const exampleFeatures: Map<string, number>[] = [];
  const exact = new Map<string, Set<number>>();
  names.forEach((name, ii) => {
    const entry = byName.get(name)!;
    for (const ex of entry.examples) {
      const n = normalize(ex);
      if (n.tokens.length === 0) continue;
      exampleIntent.push(ii);
      exampleFeatures.push(extractFeatures(n.tokens));
      const set = exact.get(n.text) ?? new Set<number>();
      set.add(ii);
      exact.set(n.text, set);
    }
    compiled.push({
      name,
      keywords: entry.keywords
        .map((k) => normalize(k).tokens)
        .filter((ts) => ts.length > 0)
        .map((ts) => ({ tokens: ts.map((t) => t.text), negatorFirst: ts[0]!.han ? HAN_NEGATORS.has(ts[0]!.text) : EN_NEGATORS.has(ts[0]!.text) })),
    });
  });

  // IDF over intents, not examples: a feature shared by every example of one intent is its signature.
  const intentCount = names.length;
  const dfSets = new Map<string, Set<number>>();
  exampleFeatures.forEach((f, e) => {
    for (const key of f.keys()) {
      const s = dfSets.get(key) ?? new Set<number>();
      s.add(exampleIntent[e]!);
      dfSets.set(key, s);
    }
  });
  const featureId = new Map<string, number>();
  const idf: number[] = [];
  for (const [key, s] of dfSets) {
    featureId.set(key, idf.length);
    idf.push(Math.log(1 + intentCount / s.size));
  }
  // Unseen features still count in the utterance's norm, which is what pulls out-of-scope answers down.
  const unseenIdf = Math.log(1 + intentCount);

  const exampleVectors = exampleFeatures.map((f) => {
    const v = new Map<number, number>();
    let norm = 0;
    for (const [key, w] of f) {
      const id = featureId.get(key)!;
      const x = tf(w) * idf[id]!;
      v.set(id, x);
      norm += x * x;
    }
    norm = Math.sqrt(norm) || 1;
    for (const [id, x] of v) v.set(id, x / norm);
    return v;
  });
  const centroids = names.map(() => new Map<number, number>());
  exampleVectors.forEach((v, e) => {
    const c = centroids[exampleIntent[e]!]!;
    for (const [id, x] of v) c.set(id, (c.get(id) ?? 0) + x);
  });
  for (const c of centroids) {
    let norm = 0;
    for (const x of c.values()) norm += x * x;
    norm = Math.sqrt(norm) || 1;
    for (const [id, x] of c) c.set(id, x / norm);
  }
  const exampleIndex = invert(exampleVectors, idf.length);
  const centroidIndex = invert(centroids, idf.length);
  const exampleIntentArr = Int32Array.from(exampleIntent);
  const exampleScores = new Float64Array(exampleVectors.length);
  const centroidScores = new Float64Array(intentCount);

  function score(text: string): RawScores & { tokens: readonly Token[] } {
    const n = normalize(text);
    const similarity = new Float64Array(intentCount);
    if (n.tokens.length === 0 || intentCount === 0) return { normalized: n.text, similarity, names, tokens: n.tokens };
    const f = extractFeatures(n.tokens);
    exampleScores.fill(0);
    centroidScores.fill(0);
    let norm = 0;
    for (const [key, w] of f) {
      const id = featureId.get(key);
      const x = tf(w) * (id === undefined ? unseenIdf : idf[id]!);
      norm += x * x;
      if (id === undefined) continue;
      const pe = exampleIndex[id]!;
      for (let k = 0; k < pe.ids.length; k++) exampleScores[pe.ids[k]!]! += x * pe.weights[k]!;
      const pc = centroidIndex[id]!;
      for (let k = 0; k < pc.ids.length; k++) centroidScores[pc.ids[k]!]! += x * pc.weights[k]!;
    }
    norm = Math.sqrt(norm) || 1;
    const nearest = new Float64Array(intentCount);
    for (let e = 0; e < exampleScores.length; e++) {
      const s = exampleScores[e]! / norm;
      const ii = exampleIntentArr[e]!;
      if (s > nearest[ii]!) nearest[ii] = s;
    }
    const exactHits = exact.get(n.text);
    const neg = negationMask(n.tokens);
    for (let ii = 0; ii < intentCount; ii++) {
      let s = NEAREST_WEIGHT * nearest[ii]! + CENTROID_WEIGHT * (centroidScores[ii]! / norm);
      if (exactHits?.has(ii)) s = 1;
      else if (hasKeyword(compiled[ii]!, n.tokens, neg)) s += (1 - s) * KEYWORD_BOOST;
      similarity[ii] = Math.min(1, Math.max(0, s));
    }
    return { normalized: n.text, similarity, names, tokens: n.tokens };
  }

  function recognize(text: string, opts: RecognizeOptions = {}): Recognition {
    const raw = score(text);
    const allowed = opts.candidates ? new Set(opts.candidates.map((c) => nameIndex.get(c)).filter((x): x is number => x !== undefined)) : undefined;
    const order: number[] = [];
    // Margins are taken against every intent, candidates or not: an answer that clearly means
    // something the node does not listen for must not become a confident match by elimination.
    let first = -1;
    let second = -1;
    for (let ii = 0; ii < intentCount; ii++) {
      const s = raw.similarity[ii]!;
      if (first < 0 || s > raw.similarity[first]!) {
        second = first;
        first = ii;
      } else if (second < 0 || s > raw.similarity[second]!) second = ii;
      if (allowed && !allowed.has(ii)) continue;
      if (s > 0) order.push(ii);
    }
    order.sort((a, b) => raw.similarity[b]! - raw.similarity[a]!);
    const ranked: IntentMatch[] = order.slice(0, MAX_RANKED).map((ii) => {
      const s = raw.similarity[ii]!;
      const rival = ii === first ? second : first;
      const margin = s - (rival < 0 ? 0 : raw.similarity[rival]!);
      return { intent: names[ii]!, score: calibrate(s, margin) };
    });
    const best = ranked[0];
    return { text, normalized: raw.normalized, ...(best ? { best } : {}), ranked, matched: best !== undefined && best.score >= threshold };
  }

  return {
    intentCount,
    score: (text) => {
      const { tokens: _tokens, ...rest } = score(text);
      return rest;
    },
    recognize(text, opts) {
      try {
        return recognize(text, opts);
      } catch {
        // Recognition is advisory: a bug here must become a no-match, never a failed call.
        return { text, normalized: '', ranked: [], matched: false };
      }
    },
  };
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

function invert(vectors: readonly Map<number, number>[], features: number): Posting[] {
  const lists: { ids: number[]; weights: number[] }[] = Array.from({ length: features }, () => ({ ids: [], weights: [] }));
  vectors.forEach((v, doc) => {
    for (const [id, x] of v) {
      lists[id]!.ids.push(doc);
      lists[id]!.weights.push(x);
    }
  });
  return lists.map((l) => ({ ids: Int32Array.from(l.ids), weights: Float64Array.from(l.weights) }));
}
