/**
 * Recogniser providers behind one interface (SPEC S9): the built-in recogniser, or an AWS service
 * with a deadline and the built-in recogniser as the fallback. Provider adapters live in
 * lib/adapters/aws (lex-recognizer.ts, bedrock-recognizer.ts); this module holds what they share.
 */
import type { AsyncIntentRecognizer, IntentMatch, IntentRecognizer, Recognition, RecognizeOptions } from './types';

/** A provider call that may be aborted when its deadline passes. */
export type ProviderCall = (text: string, options: RecognizeOptions & { sessionId?: string }, signal: AbortSignal) => Promise<Recognition>;

/** Why a provider was not used for one utterance (reported to `onFallback`). */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  constructor(
    message: string,
    readonly provider: string,
    readonly reason: 'timeout' | 'error',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Options of `withFallback`. */
export interface FallbackOptions {
  /** Provider name for `source` and errors, e.g. `lex`. */
  provider: string;
  /** Deadline of one provider call. */
  timeoutMs: number;
  /** Threshold applied to the provider's confidence for `matched`. */
  threshold: number;
  /** Told when the fallback answered instead (log it, count it). */
  onFallback?: (error: ProviderError) => void;
}

/**
 * Wraps a provider call: it gets `timeoutMs` (then it is aborted), and any failure or lateness is
 * answered by the built-in recogniser, so a call never waits on or fails with a provider.
 */
export function withFallback(call: ProviderCall, fallback: IntentRecognizer, options: FallbackOptions): AsyncIntentRecognizer {
  return {
    async recognize(text, opts = {}) {
      const controller = new AbortController();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort();
          reject(new ProviderError(`${options.provider} did not answer within ${options.timeoutMs} ms`, options.provider, 'timeout'));
        }, options.timeoutMs);
      });
      try {
        const r = await Promise.race([call(text, opts, controller.signal), deadline]);
        return { ...r, matched: r.best !== undefined && r.best.score >= options.threshold, source: options.provider };
      } catch (cause) {
        const error = cause instanceof ProviderError ? cause : new ProviderError(`${options.provider} failed: ${String((cause as Error)?.message ?? cause)}`, options.provider, 'error', { cause });
        options.onFallback?.(error);
        return { ...fallback.recognize(text, opts), source: 'builtin-fallback' };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Wraps the built-in recogniser as an asynchronous one (so channels can treat every provider alike). */
export function asAsync(recognizer: IntentRecognizer): AsyncIntentRecognizer {
  return { recognize: async (text, opts) => ({ ...recognizer.recognize(text, opts), source: 'builtin' }) };
}

/** Builds a recognition from scored intents, restricted to candidates, best first. */
export function toRecognition(text: string, scores: readonly IntentMatch[], options: RecognizeOptions): Recognition {
  const allowed = options.candidates ? new Set(options.candidates) : undefined;
  const ranked = scores
    .filter((m) => m.score > 0 && (!allowed || allowed.has(m.intent)))
    .map((m) => ({ intent: m.intent, score: Math.min(1, Math.max(0, m.score)) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, 10);
  const best = ranked[0];
  return { text, normalized: text.trim().toLowerCase(), ranked, matched: false, ...(best ? { best } : {}) };
}

/** Cosine similarity of two vectors of the same length. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
