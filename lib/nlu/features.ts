/**
 * Sparse features of a normalised utterance (SPEC S9), shared by examples and utterances.
 *
 * English: Porter stems, stem bigrams, character 3–4-grams (ASR typos: "intrested", "calll").
 * Chinese: characters, character bi/trigrams, and words from the platform's ICU word segmenter
 * (`Intl.Segmenter`, no dictionary to ship). Both: concepts of the paraphrase lexicon (./concepts),
 * and negation scope marked so "不是" never looks like "是" and "not really" never like "really".
 */
import { stemmer } from 'stemmer';
import { findConcepts } from './concepts';
import type { Token } from './normalize';

const EN_NEGATORS = new Set(['not', 'never', 'neither', 'nor', 'without']);
const HAN_NEGATORS = new Set(['不', '没', '别', '未', '无', '非', '勿', '莫']);
const SCOPE_BREAKERS = new Set(['but', '但', '却']);
const EN_SCOPE = 3;
const HAN_SCOPE = 2;
const NO_SCOPE = 1;

/**
 * Per feature kind: how much one occurrence weighs before IDF. The first character of a feature key
 * is its kind. Kind `t` (character n-grams) only feeds the similarity to examples, not the linear
 * model: it multiplies the features per utterance by four for no gain in classification
 * (cross-validation on the nlu-dev sets), while it does help near-duplicates with typos.
 */
export const KIND_WEIGHT: Readonly<Record<string, number>> = {
  w: 1.0, // English stem
  b: 0.8, // English stem bigram
  t: 0.6, // English character n-grams of one word, all together
  c: 1.0, // Han character
  z: 1.0, // Han bigram
  y: 0.6, // Han trigram
  s: 1.0, // Han word (ICU segmentation), two characters or more
  k: 2.0, // concept of the paraphrase lexicon, shared across languages
};

/** Feature kinds the word model uses (everything but character n-grams, which have their own model). */
export const LINEAR_KINDS = new Set(['w', 'b', 'c', 'z', 'y', 's', 'k']);

/** True for a token that negates what follows. */
export function isNegator(t: Token): boolean {
  return t.han ? HAN_NEGATORS.has(t.text) : EN_NEGATORS.has(t.text);
}

/** Which tokens fall inside a negation scope (the negator itself does not). */
export function negationMask(tokens: readonly Token[]): boolean[] {
  const mask = new Array<boolean>(tokens.length).fill(false);
  let left = 0;
  let clause = -1;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.clause !== clause || SCOPE_BREAKERS.has(t.text)) {
      left = 0;
      clause = t.clause;
    }
    if (isNegator(t)) {
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

const stems = new Map<string, string>();
/** Porter stem, memoised (the same few thousand words recur). */
export function stem(word: string): string {
  let s = stems.get(word);
  if (s === undefined) {
    s = stemmer(word);
    if (stems.size < 50_000) stems.set(word, s);
  }
  return s;
}

// Made on first use: building it loads ICU's Chinese dictionary, ≈ 20 ms of CPU that every cold start of the SMA handler
// and the API paid at import, though only a scenario with Chinese text ever segments.
let zhSegmenter: Intl.Segmenter | undefined;
const segmenter = (): Intl.Segmenter => (zhSegmenter ??= new Intl.Segmenter('zh', { granularity: 'word' }));
const MIN_GRAM = 3;
const MAX_GRAM = 4;

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
  let run = '';
  let runNeg = false;
  const flushRun = (): void => {
    // ICU words of the Han run: "熊猫看书" → 熊猫 | 看书. Single characters are already features.
    if (run.length >= 2) {
      const words: string[] = [];
      for (const seg of segmenter().segment(run)) if (seg.isWordLike && seg.segment.length >= 2) words.push(seg.segment);
      for (const w of words) add(`s${runNeg ? '!' : ''}${w}`, KIND_WEIGHT.s!);
    }
    run = '';
    runNeg = false;
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (skip[i]) {
      flushRun();
      continue;
    }
    const mark = neg[i] ? '!' : '';
    const next = tokens[i + 1];
    const sameClauseNext = next !== undefined && !skip[i + 1] && next.clause === t.clause && next.han === t.han ? next : undefined;
    if (t.han) {
      if (run.length > 0 && (tokens[i - 1]?.clause !== t.clause || neg[i] !== runNeg)) flushRun();
      if (run.length === 0) runNeg = neg[i] === true;
      run += t.text;
      add(`c${mark}${t.text}`, KIND_WEIGHT.c!);
      if (sameClauseNext) {
        add(`z${t.text}${sameClauseNext.text}`, KIND_WEIGHT.z!);
        const third = tokens[i + 2];
        if (third !== undefined && !skip[i + 2] && third.clause === t.clause && third.han) add(`y${t.text}${sameClauseNext.text}${third.text}`, KIND_WEIGHT.y!);
      }
      if (!sameClauseNext) flushRun();
    } else {
      flushRun();
      const s = stem(t.text);
      add(`w${mark}${s}`, KIND_WEIGHT.w!);
      if (sameClauseNext) add(`b${s} ${stem(sameClauseNext.text)}`, KIND_WEIGHT.b!);
      if (t.text.length >= 3) {
        const padded = `^${t.text}$`;
        let count = 0;
        for (let g = MIN_GRAM; g <= MAX_GRAM; g++) count += Math.max(0, padded.length - g + 1);
        const w = KIND_WEIGHT.t! / Math.sqrt(count);
        for (let g = MIN_GRAM; g <= MAX_GRAM; g++) for (let j = 0; j + g <= padded.length; j++) add(`t${mark}${padded.slice(j, j + g)}`, w);
      }
    }
  }
  flushRun();
  for (const hit of hits) if (hit.concept !== 'QUESTION') add(`k${hit.negated ? '!' : ''}${hit.concept}`, KIND_WEIGHT.k!);
  return out;
}

const SURFACE_TOKEN = /(\p{Script=Han}+)|([\p{L}\p{N}']+)/gu;
const EN_SURFACE_GRAM = 3;
/** Weight of an ICU word of the surface text against a Han character (kind `W` against `H`). */
const HAN_WORD_WEIGHT = 1.5;

/**
 * Character n-grams and words of the surface text, folded for width and case only: the features
 * of the character model (./recognizer), kinds `T` (English character 3-grams inside a word,
 * `^`/`$` at its edges, weighted 1/√count per word), `H` (Han characters) and `W` (the ICU words of
 * each Han run, single characters included, weight 1.5).
 *
 * Why a second, unfolded view: ./normalize folds phone-answer synonyms and ASR variants ("哪" →
 * "那", "tomorrow" → "later") and drops fillers ("hello"), which is right for the built-in intents
 * and loses distinctions an arbitrary scenario's intents may rest on; character n-grams also match
 * inflections and compounds the stems miss ("refill"/"refilled", "熊猫看书"/"看书"). On the nlu-dev
 * cross-validation folds the two models together rank 1–3 points better than the word model alone.
 * English 3-grams only: 3–5-grams cost twice the compile time for no measurable gain. Chinese:
 * characters and the words of the unfolded text instead of character 1–3-grams (round 3, SMP2017
 * folds: top-1 73.7 → 75.0); the word model's bigrams/trigrams already cover the n-grams, and the
 * words give the second expert segment boundaries the first sees only after folding.
 */
export function surfaceFeatures(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const add = (key: string, w: number): void => {
    out.set(key, (out.get(key) ?? 0) + w);
  };
  const s = String(text ?? '').normalize('NFKC').toLowerCase();
  for (const m of s.matchAll(SURFACE_TOKEN)) {
    if (m[1] !== undefined) {
      for (const ch of m[1]) add(`H${ch}`, 1);
      for (const seg of segmenter().segment(m[1])) if (seg.isWordLike) add(`W${seg.segment}`, HAN_WORD_WEIGHT);
    } else if (m[2] !== undefined) {
      const padded = `^${m[2].replace(/'/g, '')}$`;
      const count = padded.length - EN_SURFACE_GRAM + 1;
      if (count <= 0) continue;
      const w = 1 / Math.sqrt(count);
      for (let j = 0; j < count; j++) add(`T${padded.slice(j, j + EN_SURFACE_GRAM)}`, w);
    }
  }
  return out;
}
