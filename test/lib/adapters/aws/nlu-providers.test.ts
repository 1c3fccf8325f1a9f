import { BedrockRuntimeClient, ConverseCommand, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { LexRuntimeV2Client, RecognizeTextCommand } from '@aws-sdk/client-lex-runtime-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { bedrockConverseRecognizer, bedrockEmbeddingRecognizer, type EmbeddingCache, type ExampleVectors } from '../../../../lib/adapters/aws/bedrock-recognizer';
import { lexRecognizer } from '../../../../lib/adapters/aws/lex-recognizer';
import { compileScenario, startDialog, transition } from '../../../../lib/dialog/engine';
import { scenarioRecognizer, withProviderIntent } from '../../../../lib/dialog/external';
import { buildRecognizer } from '../../../../lib/nlu/recognizer';
import type { IntentDefinition } from '../../../../lib/nlu/types';

const intents: IntentDefinition[] = [
  { name: 'pay', examples: ['I will pay', 'I can pay tomorrow'] },
  { name: 'refuse', examples: ['I will not pay', 'no money'] },
];
const fallback = buildRecognizer(intents);
const lex = mockClient(LexRuntimeV2Client);
const bedrock = mockClient(BedrockRuntimeClient);
const never = () => new Promise<never>(() => undefined);
const body = (x: unknown) => new TextEncoder().encode(JSON.stringify(x)) as never;

beforeEach(() => {
  lex.reset();
  bedrock.reset();
});

describe('lexRecognizer', () => {
  const config = { botId: 'ABCDEFGHIJ', botAliasId: 'TSTALIASID', localeId: 'en_US', timeoutMs: 50, threshold: 0.5 };

  it('maps interpretations to scored intents and asks with the call as the session', async () => {
    lex.on(RecognizeTextCommand).resolves({
      interpretations: [
        { intent: { name: 'FallbackIntent' } },
        { intent: { name: 'pay' }, nluConfidence: { score: 0.91 } },
        { intent: { name: 'global_stop' }, nluConfidence: { score: 0.2 } },
      ],
    });
    const r = await lexRecognizer(new LexRuntimeV2Client({ region: 'us-east-1' }), config, fallback).recognize('sure I will pay', { sessionId: 'call-1' });
    expect(r).toMatchObject({ source: 'lex', matched: true, best: { intent: 'pay', score: 0.91 } });
    expect(r.ranked.map((m) => m.intent)).toEqual(['pay', 'global:stop']);
    expect(lex.commandCalls(RecognizeTextCommand)[0]!.args[0].input).toMatchObject({ botId: 'ABCDEFGHIJ', botAliasId: 'TSTALIASID', localeId: 'en_US', sessionId: 'call-1', text: 'sure I will pay' });
  });

  it('falls back to the built-in recogniser when Lex fails', async () => {
    lex.on(RecognizeTextCommand).rejects(new Error('ThrottlingException'));
    const errors: Error[] = [];
    const r = await lexRecognizer(new LexRuntimeV2Client({ region: 'us-east-1' }), config, fallback, (e) => errors.push(e)).recognize('I will not pay');
    expect(r.source).toBe('builtin-fallback');
    expect(r.best?.intent).toBe('refuse');
    expect(errors[0]).toMatchObject({ name: 'ProviderError', provider: 'lex', reason: 'error' });
  });

  it('falls back when Lex does not answer before the deadline', async () => {
    lex.on(RecognizeTextCommand).callsFake(never);
    const errors: Error[] = [];
    const r = await lexRecognizer(new LexRuntimeV2Client({ region: 'us-east-1' }), config, fallback, (e) => errors.push(e)).recognize('I can pay tomorrow');
    expect(r.source).toBe('builtin-fallback');
    expect(errors[0]).toMatchObject({ reason: 'timeout' });
  });
});

describe('bedrockEmbeddingRecognizer', () => {
  const vec: Record<string, number[]> = {
    'I will pay': [1, 0, 0],
    'I can pay tomorrow': [0.9, 0.1, 0],
    'I will not pay': [0, 1, 0],
    'no money': [0.1, 0.9, 0],
    'sure, paying now': [0.95, 0.05, 0.1],
    'what is the weather': [0, 0, 1],
  };
  const stubEmbeddings = () =>
    bedrock.on(InvokeModelCommand).callsFake((input: { body: string }) => ({ body: body({ embedding: vec[JSON.parse(input.body).inputText as string] ?? [0, 0, 1] }) }));

  it('embeds the examples once per version and scores by the nearest example', async () => {
    stubEmbeddings();
    const stored = new Map<string, ExampleVectors>();
    const cache: EmbeddingCache = { get: async (k) => stored.get(k), put: async (k, v) => void stored.set(k, v) };
    const rec = bedrockEmbeddingRecognizer(new BedrockRuntimeClient({ region: 'us-east-1' }), { modelId: 'amazon.titan-embed-text-v2:0', timeoutMs: 1000, threshold: 0.5, versionKey: 'i/s@1', cache }, intents, fallback);
    const r = await rec.recognize('sure, paying now');
    expect(r).toMatchObject({ source: 'bedrock-embeddings', matched: true, best: { intent: 'pay' } });
    const unrelated = await rec.recognize('what is the weather');
    expect(unrelated.matched).toBe(false);
    // 4 examples once, then one call per answer.
    expect(bedrock.commandCalls(InvokeModelCommand)).toHaveLength(6);
    expect([...stored.keys()]).toEqual(['i/s@1/amazon.titan-embed-text-v2_0']);
  });

  it('reads the example vectors from the cache in a new container (no example calls)', async () => {
    stubEmbeddings();
    const cached: ExampleVectors = { intents: ['pay', 'refuse'], intentOf: [0, 1], vectors: [[1, 0, 0], [0, 1, 0]] };
    const cache: EmbeddingCache = { get: async () => cached, put: async () => undefined };
    const rec = bedrockEmbeddingRecognizer(new BedrockRuntimeClient({ region: 'us-east-1' }), { modelId: 'amazon.titan-embed-text-v2:0', timeoutMs: 1000, threshold: 0.5, versionKey: 'i/s@2', cache }, intents, fallback);
    expect((await rec.recognize('sure, paying now')).best?.intent).toBe('pay');
    expect(bedrock.commandCalls(InvokeModelCommand)).toHaveLength(1);
  });

  it('falls back when Bedrock is late', async () => {
    bedrock.on(InvokeModelCommand).callsFake(never);
    const rec = bedrockEmbeddingRecognizer(new BedrockRuntimeClient({ region: 'us-east-1' }), { modelId: 'm', timeoutMs: 30, threshold: 0.5, versionKey: 'i/s@3' }, intents, fallback);
    const r = await rec.recognize('I will not pay');
    expect(r.source).toBe('builtin-fallback');
    expect(r.best?.intent).toBe('refuse');
  });
});

describe('bedrockConverseRecognizer', () => {
  const reply = (text: string) => ({ output: { message: { role: 'assistant' as const, content: [{ text }] } } });

  it('takes the model\'s JSON answer and puts the intents in the prompt', async () => {
    bedrock.on(ConverseCommand).resolves(reply('{"intent": "refuse", "confidence": 0.8}'));
    const r = await bedrockConverseRecognizer(new BedrockRuntimeClient({ region: 'us-east-1' }), { modelId: 'amazon.nova-micro-v1:0', timeoutMs: 1000, threshold: 0.5 }, intents, fallback).recognize('cannot afford it');
    expect(r).toMatchObject({ source: 'bedrock-converse', matched: true, best: { intent: 'refuse', score: 0.8 } });
    const input = bedrock.commandCalls(ConverseCommand)[0]!.args[0].input;
    expect(input.system?.[0]).toMatchObject({ text: expect.stringContaining('- refuse (e.g. "I will not pay"') });
  });

  it('treats "none", an unknown intent or prose as no intent', async () => {
    for (const text of ['{"intent": "none", "confidence": 0.9}', '{"intent": "dance", "confidence": 0.9}', 'I think it is pay']) {
      bedrock.on(ConverseCommand).resolves(reply(text));
      const r = await bedrockConverseRecognizer(new BedrockRuntimeClient({ region: 'us-east-1' }), { modelId: 'm', timeoutMs: 1000, threshold: 0.5 }, intents, fallback).recognize('hmm');
      expect(r.best, text).toBeUndefined();
      expect(r.matched).toBe(false);
    }
  });
});

describe('withProviderIntent', () => {
  const def = {
    name: 'lex',
    startNode: 'ask',
    recognition: { provider: { kind: 'lex' as const, botId: 'ABCDEFGHIJ', botAliasId: 'TSTALIASID', localeId: 'en_US', timeoutMs: 500 } },
    intents,
    nodes: [
      { id: 'ask', kind: 'branch' as const, prompt: { text: 'Will you pay?' }, branches: [{ intent: 'pay', next: 'ok' }, { intent: 'refuse', next: 'no' }] },
      { id: 'ok', kind: 'action' as const, action: 'hangUp' as const, prompt: { text: 'Thanks.' } },
      { id: 'no', kind: 'action' as const, action: 'hangUp' as const, prompt: { text: 'Noted.' } },
    ],
  };

  it('lets the scenario\'s provider decide before the pure transition, with the node\'s candidates', async () => {
    lex.on(RecognizeTextCommand).resolves({ interpretations: [{ intent: { name: 'refuse' }, nluConfidence: { score: 0.88 } }] });
    const compiled = compileScenario(def);
    const recognizer = scenarioRecognizer(compiled, { versionKey: 'i/s@1', lex: new LexRuntimeV2Client({ region: 'us-east-1' }) });
    const [state] = startDialog(compiled, { variables: {}, at: 0 });
    const event = await withProviderIntent(compiled, state, { type: 'utterance', at: 1, text: 'sure I will pay' }, recognizer, 'call-1');
    expect(event).toMatchObject({ intent: { name: 'refuse', score: 0.88 } });
    const [next] = transition(compiled, state, event, { variables: {} });
    expect(next.node).toBe('no');
  });

  it('carries a fault the built-in fallback absorbed to the engine, which reports it', async () => {
    lex.on(RecognizeTextCommand).rejects(new Error('ThrottlingException'));
    const compiled = compileScenario(def);
    const fault = 'TypeError: feature table is broken';
    // The fallback (the compiled built-in recogniser) absorbed an internal error into a no-match.
    const broken = { ...compiled, recognizer: { ...compiled.recognizer, recognize: (text: string) => ({ text, normalized: '', ranked: [], matched: false, fault }) } };
    const recognizer = scenarioRecognizer(broken, { versionKey: 'i/s@1', lex: new LexRuntimeV2Client({ region: 'us-east-1' }) });
    const [state] = startDialog(compiled, { variables: {}, at: 0 });
    const event = await withProviderIntent(compiled, state, { type: 'utterance', at: 1, text: 'sure I will pay' }, recognizer, 'call-1');
    expect(event).toMatchObject({ intent: { source: 'builtin-fallback', fault } });
    const [, cmds] = transition(compiled, state, event, { variables: {} });
    expect(cmds).toContainEqual({ type: 'fault', nodeId: 'ask', where: 'recognizer', fault });
  });

  it('leaves the event alone for the built-in recogniser', async () => {
    const compiled = compileScenario({ ...def, recognition: {} });
    const [state] = startDialog(compiled, { variables: {}, at: 0 });
    const event = { type: 'utterance' as const, at: 1, text: 'I will pay' };
    expect(await withProviderIntent(compiled, state, event, scenarioRecognizer(compiled, { versionKey: 'x' }))).toBe(event);
  });
});
