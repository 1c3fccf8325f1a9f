import { describe, expect, it } from 'vitest';
import { createSmaHandler } from '../../functions/sma';
import { getCallRecord, listTurns } from '../../lib/telephony/call-records';
import type { SmaResponse } from '../../lib/telephony/sma-events';
import { testDeps } from '../support/deps';
import { fakeServices } from '../lib/telephony/fake-services';
import * as f from '../lib/telephony/fixtures';

function setup(plan: Parameters<typeof fakeServices>[0] = {}) {
  const t = testDeps();
  const fake = fakeServices(plan);
  const handle = createSmaHandler(t.deps, { services: fake.services, recordingsBucket: 'rec-bucket', recognizerBotAliasArn: 'arn:aws:lex:us-east-1:1:bot-alias/R/A' });
  return { ...t, ...fake, handle };
}

const attrsOf = (r: SmaResponse) => r.TransactionAttributes!;
const types = (r: SmaResponse) => r.Actions.map((a) => a.Type);

/** Dials, rings and answers; returns the CALL_ANSWERED response. */
async function answer(s: ReturnType<typeof setup>) {
  await s.handle(f.newOutboundCall());
  s.clock.advance(3000);
  await s.handle(f.ringing());
  s.clock.advance(4000);
  return s.handle(f.callAnswered());
}

describe('createSmaHandler', () => {
  it('writes an Executing call record and publishes Dialing on NEW_OUTBOUND_CALL (response ignored by Chime)', async () => {
    const s = setup();
    const r = await s.handle(f.newOutboundCall());
    expect(r).toEqual({ SchemaVersion: '1.0', Actions: [] });
    const cdr = await getCallRecord(s.deps.store, 'inst1', 'call1');
    expect(cdr).toMatchObject({ status: 'Executing', callee: '+12065500001', caller: '+12065559999', referenceId: 'ref-1', dialledAt: '2026-01-05T09:00:00.000Z' });
    expect(s.events.map((e) => e.detailType)).toEqual(['Dialing']);
  });

  it('stamps the ring time and publishes Ringing on RINGING', async () => {
    const s = setup();
    await s.handle(f.newOutboundCall());
    s.clock.advance(2000);
    expect((await s.handle(f.ringing())).Actions).toEqual([]);
    expect((await getCallRecord(s.deps.store, 'inst1', 'call1'))?.rungAt).toBe('2026-01-05T09:00:02.000Z');
    expect(s.events[1]?.detailType).toBe('Ringing');
  });

  it('answers with a pause and the first prompt as a bot conversation on CALL_ANSWERED', async () => {
    const s = setup();
    const r = await answer(s);
    expect(types(r)).toEqual(['Pause', 'StartBotConversation']);
    expect(r.Actions[1]!.Parameters).toMatchObject({ BotAliasArn: 'arn:aws:lex:us-east-1:1:bot-alias/R/A', LocaleId: 'en_US' });
    expect(attrsOf(r)).toMatchObject({ instanceId: 'inst1', campaignId: 'cmp1', jobId: 'job1', attempt: '1', callId: 'call1', leaseSlot: '3' });
    expect(JSON.parse(attrsOf(r).d!)).toMatchObject({ node: 'greet' });
    expect(s.events.map((e) => e.detailType)).toContain('CallAnswered');
  });

  it('starts recording first when the campaign records, then prompts after ACTION_SUCCESSFUL', async () => {
    const s = setup({ recording: true });
    const r = await answer(s);
    expect(types(r)).toEqual(['StartCallRecording']);
    expect(r.Actions[0]!.Parameters).toMatchObject({ Track: 'BOTH', Destination: { Type: 'S3', Location: 'rec-bucket/inst1/2026-01-05/call1' } });
    const r2 = await s.handle(f.recordingStarted(attrsOf(r), 'rec-bucket/inst1/2026-01-05/call1/transaction-id.wav'));
    expect(types(r2)).toEqual(['Pause', 'StartBotConversation']);
    expect(JSON.parse(attrsOf(r2).x!).rk).toBe('inst1/2026-01-05/call1/transaction-id.wav');
  });

  it('feeds the transcript to the dialog and hangs up at a closing node on ACTION_SUCCESSFUL', async () => {
    const s = setup();
    const r = await answer(s);
    const r2 = await s.handle(f.botConversationSucceeded(attrsOf(r), 'yes, speaking'));
    expect(types(r2)).toEqual(['Speak', 'Hangup']);
    expect(r2.Actions[0]!.Parameters).toMatchObject({ Text: 'Thank you, goodbye.', VoiceId: 'Joanna', TextType: 'text' });
    const turns = await listTurns(s.deps.store, 'inst1', 'call1');
    expect(turns.map((t) => t.outcome)).toEqual(['prompt', 'matched']);
    expect(turns[1]).toMatchObject({ userText: 'yes, speaking', intent: 'affirm' });
  });

  it('finishes an answered call on HANGUP: CDR, outcome, CallFinished', async () => {
    const s = setup();
    const r = await answer(s);
    const r2 = await s.handle(f.botConversationSucceeded(attrsOf(r), 'yes'));
    s.clock.advance(20_000);
    expect((await s.handle(f.hangup(attrsOf(r2)))).Actions).toEqual([]);
    const cdr = await getCallRecord(s.deps.store, 'inst1', 'call1');
    expect(cdr).toMatchObject({
      status: 'Succeeded',
      answered: true,
      completed: true,
      hangupParty: 'robot',
      hangupNode: 'done',
      dialledAt: '2026-01-05T09:00:00.000Z',
      rungAt: '2026-01-05T09:00:03.000Z',
      answeredAt: '2026-01-05T09:00:07.000Z',
      endedAt: '2026-01-05T09:00:27.000Z',
      ringSeconds: 4,
      talkSeconds: 20,
      turns: 2,
      tags: { consent: 'yes' },
    });
    expect(s.finished).toHaveLength(1);
    expect(s.finished[0]).toMatchObject({ status: 'Succeeded', answered: true, completed: true, leaseSlot: 3, attempt: 1, systemFailure: false });
    const finished = s.events.find((e) => e.detailType === 'CallFinished');
    expect(finished?.detail).toMatchObject({ status: 'Succeeded', callId: 'call1' });
  });

  it('classifies a voicemail greeting as the first utterance and hangs up (P9)', async () => {
    const s = setup();
    const r = await answer(s);
    const r2 = await s.handle(f.botConversationSucceeded(attrsOf(r), 'Please leave a message after the tone.'));
    expect(types(r2)).toEqual(['Hangup']);
    await s.handle(f.hangup(attrsOf(r2)));
    expect(s.finished[0]).toMatchObject({ status: 'Voicemail', answered: false });
  });

  it('classifies a carrier announcement in Chinese (P9)', async () => {
    const s = setup({ voice: { language: 'zh' } });
    const r = await answer(s);
    const r2 = await s.handle(f.botConversationSucceeded(attrsOf(r), '您拨打的电话已关机'));
    await s.handle(f.hangup(attrsOf(r2)));
    expect(s.finished[0]?.status).toBe('PoweredOff');
  });

  it('treats an empty transcript as silence and asks again', async () => {
    const s = setup();
    const r = await answer(s);
    const r2 = await s.handle(f.botConversationSucceeded(attrsOf(r), ''));
    expect(types(r2)).toEqual(['StartBotConversation']);
    const turns = await listTurns(s.deps.store, 'inst1', 'call1');
    expect(turns.at(-1)?.outcome).toBe('silence');
  });

  it('treats a failed bot conversation (ACTION_FAILED) as silence', async () => {
    const s = setup();
    const r = await answer(s);
    const r2 = await s.handle(f.actionFailed(attrsOf(r), 'StartBotConversation'));
    expect(types(r2)).toEqual(['StartBotConversation']);
  });

  it('hangs up on an unexpected ACTION_FAILED', async () => {
    const s = setup();
    const r = await answer(s);
    const r2 = await s.handle(f.actionFailed(attrsOf(r), 'JoinChimeMeeting'));
    expect(types(r2)).toEqual(['Hangup']);
  });

  it('reads keypad answers from SpeakAndGetDigits and transfers with CallAndBridge', async () => {
    const s = setup();
    const r = await answer(s);
    const r2 = await s.handle(f.botConversationSucceeded(attrsOf(r), 'press keys'));
    expect(types(r2)).toEqual(['SpeakAndGetDigits']);
    const r3 = await s.handle(f.digitsSucceeded(attrsOf(r2), '1'));
    expect(types(r3)).toEqual(['CallAndBridge']);
    const r4 = await s.handle(f.hangup(attrsOf(r3), '0', 'LEG-B'));
    expect(r4.Actions[0]).toMatchObject({ Type: 'Hangup', Parameters: { ParticipantTag: 'LEG-A' } });
    await s.handle(f.hangup(attrsOf(r4)));
    expect(s.finished[0]).toMatchObject({ status: 'Succeeded' });
    expect((await getCallRecord(s.deps.store, 'inst1', 'call1'))?.transferred).toBe(true);
  });

  it('reads keypad answers given to the bot (DTMF input mode)', async () => {
    const s = setup();
    const r = await answer(s);
    const r2 = await s.handle(f.botConversationSucceeded(attrsOf(r), '1', { inputMode: 'DTMF' }));
    expect(types(r2)).toEqual(['CallAndBridge']);
  });

  it('passes DIGITS_RECEIVED to the dialog', async () => {
    const s = setup();
    const r = await answer(s);
    const r2 = await s.handle(f.digitsReceived(attrsOf(r), '5'));
    expect(types(r2)).toEqual(['CallAndBridge']);
  });

  it('goes on after a plain prompt finishes (ACTION_SUCCESSFUL of Speak)', async () => {
    const s = setup();
    const r = await answer(s);
    const x = JSON.parse(attrsOf(r).x!);
    const attrs = { ...attrsOf(r), x: JSON.stringify({ ...x, aw: 'prompt' }) };
    expect(types(await s.handle(f.speakSucceeded(attrs)))).toEqual(['Hangup']);
  });

  it('answers ACTION_INTERRUPTED with no actions and keeps the state', async () => {
    const s = setup();
    const r = await answer(s);
    const r2 = await s.handle(f.actionInterrupted(attrsOf(r)));
    expect(r2.Actions).toEqual([]);
    expect(attrsOf(r2).d).toBe(attrsOf(r).d);
  });

  it('hangs up on CALL_UPDATE_REQUESTED with action=hangup; a stopped unanswered call is Cancelled', async () => {
    const s = setup();
    await s.handle(f.newOutboundCall());
    const r = await s.handle(f.callUpdateRequested(f.CALL_ARGS, { action: 'hangup', reason: 'stopped' }));
    expect(types(r)).toEqual(['Hangup']);
    await s.handle(f.hangup(attrsOf(r), '0'));
    expect(s.finished[0]?.status).toBe('Cancelled');
  });

  it('maps the maximum ring time to NoAnswer (P5)', async () => {
    const s = setup();
    await s.handle(f.newOutboundCall());
    const r = await s.handle(f.callUpdateRequested(f.CALL_ARGS, { action: 'hangup', reason: 'maxRing' }));
    await s.handle(f.hangup(attrsOf(r), '487'));
    expect(s.finished[0]).toMatchObject({ status: 'NoAnswer', sipCode: 487 });
  });

  it('hangs up after INVALID_LAMBDA_RESPONSE', async () => {
    const s = setup();
    const r = await answer(s);
    const r2 = await s.handle(f.invalidLambdaResponse(attrsOf(r)));
    expect(types(r2)).toEqual(['Hangup']);
    await s.handle(f.hangup(attrsOf(r2)));
    expect(s.finished[0]?.hangupParty).toBe('system');
  });

  for (const [code, status] of [
    ['486', 'Busy'],
    ['480', 'NoAnswer'],
    ['404', 'NotExist'],
    ['503', 'NotConnected'],
  ] as const) {
    it(`writes a CDR for a call that never connects (SIP ${code} → ${status})`, async () => {
      const s = setup();
      await s.handle(f.newOutboundCall());
      s.clock.advance(1000);
      await s.handle(f.hangup(f.CALL_ARGS, code));
      const cdr = await getCallRecord(s.deps.store, 'inst1', 'call1');
      expect(cdr).toMatchObject({ status, sipCode: Number(code), answered: false, talkSeconds: 0, endedAt: '2026-01-05T09:00:01.000Z' });
      expect(s.finished[0]).toMatchObject({ status, answered: false, sipCode: Number(code) });
    });
  }

  it('records the person hanging up mid-conversation with the engine’s closing turn', async () => {
    const s = setup();
    const r = await answer(s);
    const r2 = await s.handle(f.botConversationSucceeded(attrsOf(r), 'what?'));
    await s.handle(f.hangup(attrsOf(r2)));
    const cdr = await getCallRecord(s.deps.store, 'inst1', 'call1');
    expect(cdr).toMatchObject({ hangupParty: 'person', hangupNode: 'greet', status: 'Succeeded', completed: false, turns: 3 });
  });

  it('stores a large dialog state in the store and carries a pointer', async () => {
    const s = setup();
    const r = await answer(s);
    const r2 = await s.handle(f.botConversationSucceeded(attrsOf(r), 'big press'));
    expect(attrsOf(r2).ref).toBe('SMASTATE');
    expect(attrsOf(r2).d).toBeUndefined();
    const r3 = await s.handle(f.digitsSucceeded(attrsOf(r2), '1'));
    expect(types(r3)).toEqual(['CallAndBridge']);
  });

  it('returns no actions for an unreadable event', async () => {
    const s = setup();
    expect(await s.handle({ hello: 1 })).toEqual({ SchemaVersion: '1.0', Actions: [] });
  });

  it('publishes RecordingReady once the recording is stored', async () => {
    const s = setup({ recording: true });
    const r = await answer(s);
    const r2 = await s.handle(f.recordingStarted(attrsOf(r), 'rec-bucket/inst1/2026-01-05/call1/t.wav'));
    await s.deps.blobs.recordings.put('inst1/2026-01-05/call1/t.wav', new Uint8Array([1, 2]));
    await s.handle(f.hangup(attrsOf(r2)));
    expect((await getCallRecord(s.deps.store, 'inst1', 'call1'))?.recordingKey).toBe('inst1/2026-01-05/call1/t.wav');
    expect(s.events.find((e) => e.detailType === 'RecordingReady')?.detail).toMatchObject({ recording: { key: 'inst1/2026-01-05/call1/t.wav' } });
  });
  it('listens for the callee’s first words before the first prompt (P9)', async () => {
    const s = setup({ listenForGreeting: true });
    const r = await answer(s);
    expect(types(r)).toEqual(['StartBotConversation']);
    const params = r.Actions[0]!.Parameters as { Configuration: Record<string, any> };
    expect(params.Configuration.WelcomeMessages).toBeUndefined();
    expect(params.Configuration.SessionState.SessionAttributes).toMatchObject({ phase: 'greeting', 'x-amz-lex:audio:start-timeout-ms:*:*': '2500' });
    const r2 = await s.handle(f.botConversationSucceeded(attrsOf(r), 'Hello?'));
    expect(types(r2)).toEqual(['Pause', 'StartBotConversation']);
    // A person's hello is not classified again later.
    const r3 = await s.handle(f.botConversationSucceeded(attrsOf(r2), 'please leave a message is what my kid said'));
    expect(types(r3)).not.toEqual(['Hangup']);
  });

  it('hangs up on an answering machine heard before the first prompt', async () => {
    const s = setup({ listenForGreeting: true });
    const r = await answer(s);
    const r2 = await s.handle(f.botConversationSucceeded(attrsOf(r), "Hi, you've reached Sam, leave a message after the beep."));
    expect(types(r2)).toEqual(['Hangup']);
    await s.handle(f.hangup(attrsOf(r2)));
    expect(s.finished[0]).toMatchObject({ status: 'Voicemail', answered: false });
    expect((await listTurns(s.deps.store, 'inst1', 'call1'))[0]).toMatchObject({ userText: expect.stringContaining('leave a message'), outcome: 'hangup' });
  });

  it('starts the dialog when the callee says nothing or the greeting listen fails', async () => {
    const s = setup({ listenForGreeting: true });
    const r = await answer(s);
    expect(types(await s.handle(f.botConversationSucceeded(attrsOf(r), '')))).toEqual(['Pause', 'StartBotConversation']);
    expect(types(await s.handle(f.actionFailed(attrsOf(r), 'StartBotConversation')))).toEqual(['Pause', 'StartBotConversation']);
  });
  it('never answers with more than 10 actions, keeping the listen that moves the call on', async () => {
    const t = testDeps();
    const fake = fakeServices();
    const chatty = {
      start: (_v: Record<string, string>, _at: number) =>
        [
          {},
          [
            ...Array.from({ length: 12 }, (_, i) => ({ type: 'say' as const, nodeId: 'n', text: `part ${i}`, bargeIn: false })),
            { type: 'listen' as const, nodeId: 'n', speech: true, keypad: false, timeoutMs: 5000, maxDigits: 1, bargeIn: true },
          ],
        ] as [unknown, never[]],
      next: () => [{}, []] as [unknown, never[]],
    };
    const handle = createSmaHandler(t.deps, { services: { ...fake.services, loadDialog: async () => chatty } });
    await handle(f.newOutboundCall());
    const r = await handle(f.callAnswered());
    expect(r.Actions.length).toBeLessThanOrEqual(10);
    expect(r.Actions.at(-1)!.Type).toBe('StartBotConversation');
  });
});
