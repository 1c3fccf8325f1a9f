/**
 * Amazon Lex V2 as an intent recogniser (SPEC S9): RecognizeText against the scenario's bot, its
 * interpretations' NLU confidences as scores. The bot's intents carry the scenario's intent names;
 * global questions are named `global_<id>` in the bot (Lex names cannot hold `:`).
 */
import { LexRuntimeV2Client, RecognizeTextCommand } from '@aws-sdk/client-lex-runtime-v2';
import { toRecognition, withFallback, type ProviderCall } from '../../nlu/providers';
import type { AsyncIntentRecognizer, IntentRecognizer } from '../../nlu/types';

/** The Lex settings of a scenario (`recognition.provider` of kind `lex`). */
export interface LexRecognizerConfig {
  botId: string;
  botAliasId: string;
  localeId: string;
  timeoutMs: number;
  /** Confidence at or above which an answer is matched (the scenario's threshold). */
  threshold: number;
}

/** Lex intent name → the engine's intent name. */
export function fromLexIntentName(name: string): string {
  return name.startsWith('global_') ? `global:${name.slice('global_'.length)}` : name;
}

/** The Lex call alone (no deadline, no fallback); exported for tests. */
export function lexCall(client: LexRuntimeV2Client, config: Omit<LexRecognizerConfig, 'timeoutMs' | 'threshold'>): ProviderCall {
  return async (text, options, signal) => {
    const out = await client.send(
      new RecognizeTextCommand({
        botId: config.botId,
        botAliasId: config.botAliasId,
        localeId: config.localeId,
        // One Lex session per call: the channel passes the call id.
        sessionId: (options.sessionId ?? 'reachout').replace(/[^0-9A-Za-z._:-]/g, '-').slice(0, 100) || 'reachout',
        text: text.slice(0, 1024),
      }),
      { abortSignal: signal },
    );
    const scores = (out.interpretations ?? []).flatMap((i) =>
      i.intent?.name && i.intent.name !== 'FallbackIntent' ? [{ intent: fromLexIntentName(i.intent.name), score: i.nluConfidence?.score ?? 0 }] : [],
    );
    return toRecognition(text, scores, options);
  };
}

/** A Lex V2 recogniser with a deadline and the built-in recogniser as the fallback. */
export function lexRecognizer(client: LexRuntimeV2Client, config: LexRecognizerConfig, fallback: IntentRecognizer, onFallback?: (e: Error) => void): AsyncIntentRecognizer {
  return withFallback(lexCall(client, config), fallback, { provider: 'lex', timeoutMs: config.timeoutMs, threshold: config.threshold, ...(onFallback ? { onFallback } : {}) });
}
