/**
 * Intent recognition contracts (SPEC S3, S9).
 *
 * The built-in recogniser (`buildRecognizer` in ./recognizer) is synchronous and pure so it can run
 * inside the dialog engine's pure transition. Deployed alternatives (an Amazon Lex V2 bot or Amazon
 * Bedrock, SPEC S9) are asynchronous and therefore do NOT implement `IntentRecognizer`: their adapter
 * calls the provider before the transition and hands the engine an `utterance` event that already
 * carries `intent: { name, score }` (see lib/dialog/types.ts); the engine then skips the built-in
 * recogniser and applies the same threshold / no-match policy to the provider's confidence.
 */

/** One intent of a scenario's intent library (SPEC S3). */
export interface IntentDefinition {
  /** Stable intent name referenced by branches, e.g. `affirm`. */
  name: string;
  /** Human description, shown in the editor. */
  description?: string;
  /** Example utterances; the recogniser learns from these. */
  examples: string[];
  /** Phrases that, when present (not negated), strongly indicate the intent. */
  keywords?: string[];
}

/** One scored intent; `score` is a calibrated confidence in [0,1]. */
export interface IntentMatch {
  intent: string;
  score: number;
}

/** The result of recognising one utterance. */
export interface Recognition {
  /** The input as given. */
  text: string;
  /** The input after normalisation (width, case, fillers, variants). */
  normalized: string;
  /** The highest-scoring intent, absent when nothing scored above zero. */
  best?: IntentMatch;
  /** Intents by descending score (at most 10, only scores above zero). */
  ranked: IntentMatch[];
  /** True when `best.score >= threshold`; false means no-match (SPEC S4). */
  matched: boolean;
  /** Who decided: `builtin`, `lex`, `bedrock-embeddings`, `bedrock-converse`, or `builtin-fallback` when a provider failed or was late. */
  source?: string;
  /**
   * What went wrong when a fault inside the recogniser was turned into this no-match (`Error name: message`):
   * the answer is still treated as unrecognised, and the channel logs the fault.
   */
  fault?: string;
}

/** Options for one recognition. */
export interface RecognizeOptions {
  /** Restrict recognition to these intent names (a node's branches plus global questions). */
  candidates?: string[];
  /**
   * Language hint. The built-in recogniser does not need it (features and fillers are chosen per
   * script, so mixed "OK 好的" answers work); it is accepted so external providers can use it.
   */
  language?: 'en' | 'zh';
}

/** A compiled intent recogniser: pure and synchronous. */
export interface IntentRecognizer {
  /** Recognises one utterance. Never throws. */
  recognize(text: string, options?: RecognizeOptions): Recognition;
}

/** Options for compiling a recogniser. */
export interface RecognizerOptions {
  /** Confidence at or above which `matched` is true; defaults to `DEFAULT_THRESHOLD`. */
  threshold?: number;
  /** Default language hint; the built-in recogniser is script-aware and treats every value like `auto`. */
  language?: 'en' | 'zh' | 'auto';
}

/**
 * An intent recogniser behind a network call (Amazon Lex V2, Amazon Bedrock): same contract as
 * `IntentRecognizer`, asynchronous. Channels call it before the engine's pure transition and pass
 * the result as the utterance's `intent` (see lib/dialog/external.ts).
 */
export interface AsyncIntentRecognizer {
  /** Recognises one utterance. Never rejects: a failure or a timeout falls back (see `withFallback`). */
  recognize(text: string, options?: RecognizeOptions & { sessionId?: string }): Promise<Recognition>;
}
