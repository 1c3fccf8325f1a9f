/**
 * Amazon Bedrock as an intent recogniser (SPEC S9), two ways:
 * - embeddings (Titan Text Embeddings V2 by default, multilingual): the scenario's examples are
 *   embedded once per scenario version and model, cached in memory and optionally in a blob store
 *   (`nlu/embeddings/<version>/<model>.json`); an answer costs one InvokeModel; intents score by
 *   their nearest example's cosine, mapped to a confidence;
 * - Converse with a small model: the intents, their descriptions and a few examples are the prompt;
 *   the model answers one intent name (or `none`) with a confidence, as JSON.
 * Both sit behind `withFallback`: a deadline, and the built-in recogniser when Bedrock fails.
 */
import { BedrockRuntimeClient, ConverseCommand, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import * as z from 'zod';
import { expectOnly } from '../../core/errors';
import type { Blobs } from '../../ports/blobs';
import { cosine, toRecognition, withFallback, type ProviderCall } from '../../nlu/providers';
import type { AsyncIntentRecognizer, IntentDefinition, IntentRecognizer } from '../../nlu/types';

/** Common Bedrock settings. */
export interface BedrockRecognizerConfig {
  modelId: string;
  timeoutMs: number;
  /** Confidence at or above which an answer is matched (the scenario's threshold). */
  threshold: number;
}

const TitanEmbeddingResponse = z.object({ embedding: z.array(z.number()) });

/**
 * Cosine → confidence for the embedding provider: cosines of multilingual sentence embeddings for
 * paraphrases sit around 0.6–0.9 and for unrelated sentences below 0.4. A logistic around 0.55,
 * plus the margin over the runner-up intent. Starting values: measure on your own answers.
 */
export const EMBEDDING_CALIBRATION = { center: 0.55, slope: 12, margin: 6 } as const;

/** Example vectors of one scenario version, computed once. */
export interface ExampleVectors {
  intents: string[];
  /** Intent index per example. */
  intentOf: number[];
  vectors: number[][];
}

/** Where example vectors are kept between containers (e.g. S3 through the blob port). */
export interface EmbeddingCache {
  get(key: string): Promise<ExampleVectors | undefined>;
  put(key: string, value: ExampleVectors): Promise<void>;
}

const ExampleVectorsSchema = z.object({ intents: z.array(z.string()), intentOf: z.array(z.number().int()), vectors: z.array(z.array(z.number())) });

/** An embedding cache on the blob port; a corrupt or missing object is a miss. */
export function blobEmbeddingCache(blobs: Blobs, prefix = 'nlu/embeddings/'): EmbeddingCache {
  return {
    async get(key) {
      const body = await blobs.get(`${prefix}${key}.json`);
      if (!body) return undefined;
      const parsed = ExampleVectorsSchema.safeParse(parseJson(new TextDecoder().decode(body)));
      return parsed.success ? parsed.data : undefined;
    },
    put: (key, value) => blobs.put(`${prefix}${key}.json`, JSON.stringify(value), 'application/json'),
  };
}

/** JSON.parse that answers undefined for malformed text (a model's reply or a cached object). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    expectOnly(error, SyntaxError);
    // Malformed: treated like an absent value by the callers' schemas.
    return undefined;
  }
}

const memory = new Map<string, Promise<ExampleVectors>>();
const MEMORY_SIZE = 32;

/** Embeds one text with a Titan-style embedding model. */
export async function embed(client: BedrockRuntimeClient, modelId: string, text: string, signal?: AbortSignal): Promise<number[]> {
  const out = await client.send(
    new InvokeModelCommand({ modelId, contentType: 'application/json', accept: 'application/json', body: JSON.stringify({ inputText: text.slice(0, 2000), normalize: true }) }),
    signal ? { abortSignal: signal } : {},
  );
  return TitanEmbeddingResponse.parse(JSON.parse(new TextDecoder().decode(out.body))).embedding;
}

/**
 * The example vectors of a scenario version: from memory, else the cache, else computed (a few
 * parallel calls at a time) and stored. `versionKey` identifies the immutable version, e.g. `<instance>/<scenario>@<version>`.
 */
export function exampleVectors(client: BedrockRuntimeClient, modelId: string, versionKey: string, intents: readonly IntentDefinition[], cache?: EmbeddingCache): Promise<ExampleVectors> {
  const key = `${versionKey}/${modelId}`.replace(/[^0-9A-Za-z._@/-]/g, '_');
  const hit = memory.get(key);
  if (hit) return hit;
  const pending = (async () => {
    const cached = await cache?.get(key);
    if (cached) return cached;
    const names = [...new Set(intents.map((i) => i.name))];
    const texts: { text: string; intent: number }[] = [];
    for (const d of intents) for (const e of d.examples) texts.push({ text: e, intent: names.indexOf(d.name) });
    const vectors: number[][] = new Array(texts.length);
    const PARALLEL = 8;
    for (let i = 0; i < texts.length; i += PARALLEL) {
      const batch = texts.slice(i, i + PARALLEL);
      const out = await Promise.all(batch.map((t) => embed(client, modelId, t.text)));
      out.forEach((v, k) => (vectors[i + k] = v));
    }
    const value: ExampleVectors = { intents: names, intentOf: texts.map((t) => t.intent), vectors };
    await cache?.put(key, value);
    return value;
  })();
  memory.set(key, pending);
  // A failed computation must not stay cached: the next call tries again.
  pending.catch(() => memory.delete(key));
  if (memory.size > MEMORY_SIZE) memory.delete(memory.keys().next().value!);
  return pending;
}

/** The embedding call alone; exported for tests. */
export function embeddingCall(client: BedrockRuntimeClient, modelId: string, versionKey: string, intents: readonly IntentDefinition[], cache?: EmbeddingCache): ProviderCall {
  return async (text, options, signal) => {
    const [examples, v] = await Promise.all([exampleVectors(client, modelId, versionKey, intents, cache), embed(client, modelId, text, signal)]);
    const nearest = new Array<number>(examples.intents.length).fill(0);
    examples.vectors.forEach((e, k) => {
      const c = cosine(v, e);
      const i = examples.intentOf[k]!;
      if (c > nearest[i]!) nearest[i] = c;
    });
    const sorted = [...nearest].sort((a, b) => b - a);
    const { center, slope, margin } = EMBEDDING_CALIBRATION;
    const scores = nearest.map((c, i) => {
      const rival = c === sorted[0] ? (sorted[1] ?? 0) : sorted[0]!;
      return { intent: examples.intents[i]!, score: 1 / (1 + Math.exp(-(slope * (c - center) + margin * (c - rival)))) };
    });
    return toRecognition(text, scores, options);
  };
}

/** Bedrock embeddings as a recogniser, with a deadline and the built-in fallback. */
export function bedrockEmbeddingRecognizer(
  client: BedrockRuntimeClient,
  config: BedrockRecognizerConfig & { versionKey: string; cache?: EmbeddingCache },
  intents: readonly IntentDefinition[],
  fallback: IntentRecognizer,
  onFallback?: (e: Error) => void,
): AsyncIntentRecognizer {
  return withFallback(embeddingCall(client, config.modelId, config.versionKey, intents, config.cache), fallback, {
    provider: 'bedrock-embeddings',
    timeoutMs: config.timeoutMs,
    threshold: config.threshold,
    ...(onFallback ? { onFallback } : {}),
  });
}

const ConverseAnswer = z.object({ intent: z.string(), confidence: z.number().min(0).max(1) });

/** The system prompt for Converse: the intents with descriptions and up to five examples each. */
export function conversePrompt(intents: readonly IntentDefinition[]): string {
  const lines = intents.map((d) => `- ${d.name}${d.description ? `: ${d.description}` : ''}${d.examples.length ? ` (e.g. ${d.examples.slice(0, 5).map((e) => JSON.stringify(e)).join(', ')})` : ''}`);
  return [
    'You classify what a person said on a phone call into one intent.',
    'Intents:',
    ...lines,
    'Answer with JSON only: {"intent": "<one intent name above, or none>", "confidence": <0 to 1>}.',
    'Use "none" when no intent fits.',
  ].join('\n');
}

/** The Converse call alone; exported for tests. */
export function converseCall(client: BedrockRuntimeClient, modelId: string, intents: readonly IntentDefinition[]): ProviderCall {
  const merged = new Map<string, IntentDefinition>();
  for (const d of intents) {
    const m = merged.get(d.name);
    merged.set(d.name, m ? { ...m, examples: [...m.examples, ...d.examples] } : { ...d });
  }
  const system = conversePrompt([...merged.values()]);
  return async (text, options, signal) => {
    const allowed = options.candidates ? [...merged.values()].filter((d) => options.candidates!.includes(d.name)) : [...merged.values()];
    const out = await client.send(
      new ConverseCommand({
        modelId,
        system: [{ text: options.candidates ? conversePrompt(allowed) : system }],
        messages: [{ role: 'user', content: [{ text: `The person said: ${JSON.stringify(text.slice(0, 1000))}` }] }],
        inferenceConfig: { maxTokens: 50, temperature: 0 },
      }),
      { abortSignal: signal },
    );
    const reply = (out.output?.message?.content ?? []).map((c) => ('text' in c && typeof c.text === 'string' ? c.text : '')).join('');
    const json = /\{[\s\S]*\}/.exec(reply)?.[0];
    const parsed = json ? ConverseAnswer.safeParse(parseJson(json)) : undefined;
    if (!parsed?.success || !merged.has(parsed.data.intent)) return toRecognition(text, [], options);
    return toRecognition(text, [{ intent: parsed.data.intent, score: parsed.data.confidence }], options);
  };
}

/** Bedrock Converse as a recogniser, with a deadline and the built-in fallback. */
export function bedrockConverseRecognizer(
  client: BedrockRuntimeClient,
  config: BedrockRecognizerConfig,
  intents: readonly IntentDefinition[],
  fallback: IntentRecognizer,
  onFallback?: (e: Error) => void,
): AsyncIntentRecognizer {
  return withFallback(converseCall(client, config.modelId, intents), fallback, {
    provider: 'bedrock-converse',
    timeoutMs: config.timeoutMs,
    threshold: config.threshold,
    ...(onFallback ? { onFallback } : {}),
  });
}
