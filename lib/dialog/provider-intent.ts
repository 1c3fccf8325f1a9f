import type { AsyncIntentRecognizer } from '../nlu/types';
import { listeningCandidates, type CompiledScenario, type DialogState } from './engine';
import type { DecidedIntent } from './types';

/**
 * Builds a scenario's external recogniser (`scenarioRecognizer` of lib/dialog/external.ts with the function's Lex and
 * Bedrock clients), once per compiled version; never rejects, and resolves undefined when the provider could not be set up
 * (the builder logs why; the built-in recogniser then decides). Given only where providers are enabled, so the other
 * functions' bundles and containers never load the provider clients.
 */
export type ProviderRecognizers = (compiled: CompiledScenario, versionKey: string) => Promise<AsyncIntentRecognizer | undefined>;

/**
 * What the scenario's external recogniser (S9) says an answer means at this dialog state, as the intent an utterance
 * event carries to the engine; undefined when the dialog is not listening for intents there. No intent at all comes
 * back as an intent below every threshold, so the engine reads a no-match. Kept apart from the provider adapters
 * (lib/dialog/external.ts) so a channel can use it without bundling their clients. Never rejects when the recogniser
 * does not (providers fall back to the built-in recogniser).
 */
export async function providerIntent(
  compiled: CompiledScenario,
  state: DialogState,
  text: string,
  recognizer: AsyncIntentRecognizer,
  sessionId?: string,
): Promise<DecidedIntent | undefined> {
  const candidates = listeningCandidates(compiled, state);
  if (!candidates) return undefined;
  const r = await recognizer.recognize(text, { candidates, language: compiled.voice.language, ...(sessionId ? { sessionId } : {}) });
  // The built-in fallback's absorbed fault travels with the intent, or it would be lost here.
  const extra = { ...(r.source !== undefined ? { source: r.source } : {}), ...(r.fault !== undefined ? { fault: r.fault } : {}) };
  return r.best ? { name: r.best.intent, score: r.best.score, ...extra } : { name: '', score: 0, ...extra };
}
