import { LexRuntimeV2Client, RecognizeTextCommand } from '@aws-sdk/client-lex-runtime-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { SmaHandlerOptions } from '../../functions/sma';
import { enabledProviders } from '../../functions/sma-providers';
import { silentLogger, type Logger } from '../../lib/core/log';
import { compileScenario, startDialog } from '../../lib/dialog/engine';
import { providerRecognizers } from '../../lib/dialog/external';
import { keys } from '../../lib/store/keys';
import { listTurns } from '../../lib/telephony/call-records';
import type { DialogDriver } from '../../lib/telephony/call-session';
import type { SmaResponse } from '../../lib/telephony/sma-events';
import { guideEvent, type GuideEventOverrides } from '../support/chime-guide';
import { smaRig, typesOf } from '../support/sma';
import { fakeDialog } from '../lib/telephony/fake-dialog';

const lex = mockClient(LexRuntimeV2Client);
beforeEach(() => lex.reset());

/** A scenario whose answers a Lex bot decides (S9); the built-in recogniser would read "sure I will pay" as `pay`. */
const LEX_SCENARIO = {
  name: 'lex',
  startNode: 'ask',
  recognition: { provider: { kind: 'lex' as const, botId: 'ABCDEFGHIJ', botAliasId: 'TSTALIASID', localeId: 'en_US', timeoutMs: 500 } },
  intents: [
    { name: 'pay', examples: ['I will pay', 'I can pay tomorrow', 'sure I will pay'] },
    { name: 'refuse', examples: ['I will not pay', 'no money'] },
  ],
  nodes: [
    { id: 'ask', kind: 'branch' as const, prompt: { text: 'Will you pay?' }, branches: [{ intent: 'pay', next: 'ok' }, { intent: 'refuse', next: 'no' }] },
    { id: 'ok', kind: 'action' as const, action: 'hangUp' as const, prompt: { text: 'Thanks.' } },
    { id: 'no', kind: 'action' as const, action: 'hangUp' as const, prompt: { text: 'Noted, goodbye.' } },
  ],
};

const speech = (text: string, inputMode = 'Speech'): GuideEventOverrides => ({
  actionData: { IntentResult: { SessionState: { SessionAttributes: { transcript: text, inputMode } } } },
});

/** One call on a rig whose handler uses the real scenario loader (with `providers` when given), up to the first answer. */
async function callWith(handler: Partial<SmaHandlerOptions>, dialog?: DialogDriver, log?: Logger) {
  const rig = await smaRig({ plan: { delayMs: 0 }, handler, ...(dialog ? { dialog } : {}), ...(log ? { overrides: { log } } : {}) });
  await rig.deps.store.put({ ...keys.scenarioVersion('inst1', 'scn1', 1), scenarioId: 'scn1', version: 1, definition: compileScenario(LEX_SCENARIO).definition, publishedAt: '2026-01-01T00:00:00.000Z' });
  const opened = await rig.openCall();
  let attrs: Record<string, string> = opened.args;
  const send = async (name: string, overrides: GuideEventOverrides = {}): Promise<SmaResponse> => {
    const r = await rig.handle(guideEvent(name, { legACallId: 'call-id-1', ...overrides, transactionAttributes: attrs }));
    if (!['new-outbound-call', 'ringing'].includes(name) && r.TransactionAttributes) attrs = r.TransactionAttributes;
    return r;
  };
  await send('new-outbound-call');
  await send('ringing');
  const answered = await send('call-answered');
  return { rig, opened, send, answered };
}

const spoken = (r: SmaResponse) => (r.Actions ?? []).map((a) => (a.Parameters as { Text?: string } | undefined)?.Text).filter(Boolean).join(' ');

describe('enabledProviders', () => {
  it('enables nothing when the deployment names no provider it knows', () => {
    expect(enabledProviders('', silentLogger)).toBeUndefined();
    expect(enabledProviders(' , ', silentLogger)).toBeUndefined();
    expect(enabledProviders('polly', silentLogger)).toBeUndefined();
  });

  it('builds the scenario\'s Lex recogniser when Lex is enabled', async () => {
    lex.on(RecognizeTextCommand).resolves({ interpretations: [{ intent: { name: 'refuse' }, nluConfidence: { score: 0.88 } }] });
    const recognizer = await enabledProviders('lex', silentLogger)!(compileScenario(LEX_SCENARIO), 'inst1/scn1@1');
    expect(await recognizer!.recognize('sure I will pay', { candidates: ['pay', 'refuse'] })).toMatchObject({ source: 'lex', best: { intent: 'refuse', score: 0.88 } });
  });
});

describe('SMA handler with a scenario\'s own recogniser (S9)', () => {
  it('lets the scenario\'s Lex bot decide a spoken answer, with the call as its session', async () => {
    lex.on(RecognizeTextCommand).resolves({ interpretations: [{ intent: { name: 'refuse' }, nluConfidence: { score: 0.88 } }] });
    const c = await callWith({ loadDialog: undefined, providers: providerRecognizers({ lex: new LexRuntimeV2Client({ region: 'us-east-1' }) }) });
    expect(typesOf(c.answered)).toEqual(['StartBotConversation']);
    const r = await c.send('action-successful.start-bot-conversation', speech('sure I will pay'));
    expect(spoken(r)).toContain('Noted, goodbye.');
    expect(typesOf(r)).toContain('Hangup');
    expect(lex.commandCalls(RecognizeTextCommand).map((call) => call.args[0].input)).toEqual([
      expect.objectContaining({ botId: 'ABCDEFGHIJ', botAliasId: 'TSTALIASID', localeId: 'en_US', sessionId: c.opened.callId, text: 'sure I will pay' }),
    ]);
    const turns = await listTurns(c.rig.deps.store, 'inst1', c.opened.callId);
    expect(turns).toContainEqual(expect.objectContaining({ nodeId: 'ask', userText: 'sure I will pay', intent: 'refuse', score: 0.88, recognizer: 'lex', outcome: 'matched' }));
  });

  it('recognises with the built-in recogniser when the deployment enables no provider', async () => {
    const c = await callWith({ loadDialog: undefined });
    const r = await c.send('action-successful.start-bot-conversation', speech('sure I will pay'));
    expect(spoken(r)).toContain('Thanks.');
    expect(lex.commandCalls(RecognizeTextCommand)).toHaveLength(0);
    const turns = await listTurns(c.rig.deps.store, 'inst1', c.opened.callId);
    expect(turns.find((t) => t.intent === 'pay')?.recognizer).toBeUndefined();
  });

  it('falls back to the built-in recogniser when Lex fails, and the call goes on', async () => {
    lex.on(RecognizeTextCommand).rejects(new Error('ThrottlingException'));
    const warnings: string[] = [];
    const c = await callWith({ loadDialog: undefined, providers: providerRecognizers({ lex: new LexRuntimeV2Client({ region: 'us-east-1' }), onFallback: () => warnings.push('fallback') }) });
    const r = await c.send('action-successful.start-bot-conversation', speech('sure I will pay'));
    expect(spoken(r)).toContain('Thanks.');
    expect(warnings).toContain('fallback');
    // The transcript says the built-in recogniser stood in for Lex.
    expect(await listTurns(c.rig.deps.store, 'inst1', c.opened.callId)).toContainEqual(expect.objectContaining({ intent: 'pay', recognizer: 'builtin-fallback' }));
  });

  it('asks the provider only about spoken answers: keys go to the dialog as digits', async () => {
    const asked: string[] = [];
    const seen: unknown[] = [];
    const dialog: DialogDriver = {
      ...fakeDialog,
      decide: async (_state, text) => {
        asked.push(text);
        return { name: 'affirm', score: 0.9 };
      },
      next: (s, e, v, o) => {
        seen.push(e);
        return fakeDialog.next(s, e, v, o);
      },
    };
    const c = await callWith({}, dialog);
    await c.send('action-successful.start-bot-conversation', speech('5', 'DTMF'));
    expect(asked).toEqual([]);
    expect(seen[0]).toMatchObject({ type: 'digits', digits: '5' });
  });

  it('hands the provider\'s intent to the step, and logs a provider that rejects instead of failing the call', async () => {
    const errors: string[] = [];
    const log: Logger = { ...silentLogger, error: (message) => void errors.push(message), child: () => log };
    const seen: unknown[] = [];
    let fail = false;
    const dialog: DialogDriver = {
      ...fakeDialog,
      decide: async () => {
        if (fail) throw new TypeError('provider bug');
        return { name: 'later', score: 0.9 };
      },
      next: (s, e, v, o) => {
        seen.push(e);
        return fakeDialog.next(s, e, v, o);
      },
    };
    const { send } = await callWith({}, dialog, log);
    // The fake dialog asks again on an intent it has no branch for, so the call listens a second time.
    await send('action-successful.start-bot-conversation', speech('call me later'));
    expect(seen[0]).toMatchObject({ type: 'utterance', text: 'call me later', intent: { name: 'later', score: 0.9 } });
    fail = true;
    const r = await send('action-successful.start-bot-conversation', speech('maybe'));
    expect(typesOf(r)).toEqual(['StartBotConversation']);
    expect(seen[1]).toMatchObject({ type: 'utterance', text: 'maybe' });
    expect((seen[1] as { intent?: unknown }).intent).toBeUndefined();
    expect(errors).toEqual(['external recogniser failed']);
  });
});

// A dialog state the provider is asked about is the engine's own: listening at `ask` with its branches.
describe('providerRecognizers', () => {
  it('gives each scenario version its provider\'s recogniser', async () => {
    const compiled = compileScenario(LEX_SCENARIO);
    const [state] = startDialog(compiled, { variables: {}, at: 0 });
    expect(state.node).toBe('ask');
    const recognizer = await providerRecognizers({ lex: new LexRuntimeV2Client({ region: 'us-east-1' }) })(compiled, 'v');
    lex.on(RecognizeTextCommand).resolves({ interpretations: [{ intent: { name: 'pay' }, nluConfidence: { score: 0.7 } }] });
    expect((await recognizer!.recognize('ok', { candidates: ['pay', 'refuse'] })).best).toEqual({ intent: 'pay', score: 0.7 });
  });
});
