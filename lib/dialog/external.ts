/**
 * Intent recognition by a scenario's chosen provider (SPEC S9), for channels. The engine's
 * transition is pure and synchronous, so an asynchronous provider (Lex, Bedrock) is called by the
 * channel *before* the transition; its answer rides on the utterance event as `intent`, and the
 * engine applies the same threshold, branches, captures and global-question rules to it.
 *
 *   const recognizer = scenarioRecognizer(compiled, { versionKey, lex, bedrock, cache });   // once per version
 *   const event = await withProviderIntent(compiled, state, { type: 'utterance', at, text }, recognizer, callId);
 *   const [next, commands] = transition(compiled, state, event, ctx);
 */
import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { LexRuntimeV2Client } from '@aws-sdk/client-lex-runtime-v2';
import { bedrockConverseRecognizer, bedrockEmbeddingRecognizer, type EmbeddingCache } from '../adapters/aws/bedrock-recognizer';
import { lexRecognizer } from '../adapters/aws/lex-recognizer';
import { asAsync } from '../nlu/providers';
import type { AsyncIntentRecognizer } from '../nlu/types';
import type { CompiledScenario, DialogState } from './engine';
import { providerIntent, type ProviderRecognizers } from './provider-intent';
import type { DialogEvent } from './types';

/** AWS clients and caches a provider may need; absent ones make the scenario use the built-in recogniser. */
export interface ProviderClients {
  /** Identifies the immutable scenario version, e.g. `<instance>/<scenario>@<version>` (embedding cache key). */
  versionKey: string;
  lex?: LexRuntimeV2Client;
  bedrock?: BedrockRuntimeClient;
  /** Where example embeddings are kept between containers (blobEmbeddingCache on S3); memory only when absent. */
  cache?: EmbeddingCache;
  /** Told when a provider failed or was late and the built-in recogniser answered. */
  onFallback?: (e: Error) => void;
}

/** The scenario's recogniser: its provider with a deadline and the built-in fallback, or the built-in one. */
export function scenarioRecognizer(compiled: CompiledScenario, clients: ProviderClients): AsyncIntentRecognizer {
  const p = compiled.definition.recognition.provider;
  const threshold = compiled.definition.recognition.threshold;
  const fallback = compiled.recognizer;
  const on = clients.onFallback ? { onFallback: clients.onFallback } : {};
  switch (p.kind) {
    case 'lex':
      if (clients.lex) return lexRecognizer(clients.lex, { botId: p.botId, botAliasId: p.botAliasId, localeId: p.localeId, timeoutMs: p.timeoutMs, threshold }, fallback, on.onFallback);
      break;
    case 'bedrock-embeddings':
      if (clients.bedrock)
        return bedrockEmbeddingRecognizer(clients.bedrock, { modelId: p.modelId, timeoutMs: p.timeoutMs, threshold, versionKey: clients.versionKey, ...(clients.cache ? { cache: clients.cache } : {}) }, compiled.intents, fallback, on.onFallback);
      break;
    case 'bedrock-converse':
      if (clients.bedrock) return bedrockConverseRecognizer(clients.bedrock, { modelId: p.modelId, timeoutMs: p.timeoutMs, threshold }, compiled.intents, fallback, on.onFallback);
      break;
    case 'builtin':
      break;
  }
  return asAsync(fallback);
}

/** A ProviderRecognizers over these clients: each scenario version's recogniser. */
export function providerRecognizers(clients: Omit<ProviderClients, 'versionKey'>): ProviderRecognizers {
  return async (compiled, versionKey) => scenarioRecognizer(compiled, { ...clients, versionKey });
}

/** True when the scenario's recogniser is an external provider (the channel must call it before the transition). */
export function usesExternalRecognizer(compiled: CompiledScenario): boolean {
  return compiled.definition.recognition.provider.kind !== 'builtin';
}

/**
 * Returns the utterance event with the provider's intent on it, when the dialog is listening at a
 * branch node and the scenario uses an external provider; otherwise the event unchanged (the
 * engine then runs the built-in recogniser itself). Never rejects.
 */
export async function withProviderIntent(compiled: CompiledScenario, state: DialogState, event: DialogEvent, recognizer: AsyncIntentRecognizer, sessionId?: string): Promise<DialogEvent> {
  if (event.type !== 'utterance' || event.intent || event.text.trim() === '' || !usesExternalRecognizer(compiled)) return event;
  const intent = await providerIntent(compiled, state, event.text, recognizer, sessionId);
  return intent ? { ...event, intent } : event;
}
