import { describe, expect, it } from 'vitest';
import { handleRingTimeout } from '../../lib/dialer/ring-timeout';
import { silentLogger, type Logger } from '../../lib/core/log';
import type { Store } from '../../lib/ports/store';
import { MAX_SPEECH_TEXT_CHARACTERS, RESPONSE_IGNORED_FOR, validateSmaResponse } from '../../lib/telephony/action-reference';
import { listTurns } from '../../lib/telephony/call-records';
import type { DialogDriver } from '../../lib/telephony/call-session';
import type { SmaResponse } from '../../lib/telephony/sma-events';
import { MemoryStore } from '../../lib/adapters/memory/store';
import { allGuideEvents, guideEvent, type GuideEventOverrides, type JsonPatch } from '../support/chime-guide';
import { attributesOf, smaRig, typesOf } from '../support/sma';
import { fakeDialog } from '../lib/telephony/fake-dialog';

const LEG_A = 'call-id-1';

/**
 * Drives one call through the handler with the guide's example events, carrying the transaction
 * attributes from each answer to the next event as Chime does (answers to NEW_OUTBOUND_CALL, RINGING and
 * ACTION_INTERRUPTED are ignored by Chime, their attributes too), and checks every answer against the
 * action reference.
 */
async function call(options: Parameters<typeof smaRig>[0] = {}) {
  const rig = await smaRig(options);
  const opened = await rig.openCall();
  let attrs: Record<string, string> = opened.args;
  const responses: SmaResponse[] = [];
  const send = async (name: string, overrides: GuideEventOverrides = {}) => {
    const event = guideEvent(name, { legACallId: LEG_A, ...overrides, transactionAttributes: { ...attrs, ...(overrides.transactionAttributes as object) } });
    const type = String(event.InvocationEventType);
    const r = await rig.handle(event);
    const valid = validateSmaResponse(r);
    expect(valid, `${name}: ${valid.ok ? '' : valid.issues.join('; ')}`).toEqual({ ok: true });
    if (!(RESPONSE_IGNORED_FOR as readonly string[]).includes(type) && r.TransactionAttributes) attrs = r.TransactionAttributes;
    responses.push(r);
    return r;
  };
  const answer = async () => {
    await send('new-outbound-call');
    rig.clock.sleep(0);
    (rig.clock as { advance?: (ms: number) => void }).advance?.(3000);
    await send('ringing');
    (rig.clock as { advance?: (ms: number) => void }).advance?.(4000);
    return send('call-answered');
  };
  const advance = (ms: number) => (rig.clock as { advance?: (ms: number) => void }).advance?.(ms);
  return { ...rig, ...opened, send, answer, advance, attrs: () => attrs, responses, cdr: () => rig.record(opened.jobId, opened.callId) };
}

/** The ActionData Chime sends back for an action of ours (the parameters it ran with). */
const dataOf = (r: SmaResponse, type: string) => {
  const a = (r.Actions ?? []).find((x) => x.Type === type);
  if (!a) throw new Error(`no ${type} in ${typesOf(r).join(',')}`);
  return { Type: type, Parameters: a.Parameters } as JsonPatch;
};

const speech = (text: string, extra: Record<string, string> = {}): GuideEventOverrides => ({
  actionData: { IntentResult: { SessionState: { SessionAttributes: { transcript: text, inputMode: 'Speech', ...extra } } } },
});

describe('SMA handler', () => {
  it('answers every documented event with a valid response and never throws', async () => {
    for (const info of allGuideEvents()) {
      const c = await call();
      await c.answer();
      const r = await c.send(info.name);
      expect(r.SchemaVersion).toBe('1.0');
    }
  });

  it('leaves a ringing call alone on NEW_OUTBOUND_CALL and RINGING, recording the ring and publishing Ringing', async () => {
    const c = await call();
    expect((await c.send('new-outbound-call')).Actions).toEqual([]);
    c.advance(2000);
    expect((await c.send('ringing')).Actions).toEqual([]);
    expect((await c.cdr())?.rungAt).toBe('2026-01-05T09:00:02.000Z');
    expect(c.events.map((e) => e.detailType)).toEqual(['Ringing']);
  });

  it('starts the dialog on CALL_ANSWERED: the delay, then the first prompt as a bot conversation', async () => {
    const c = await call();
    const r = await c.answer();
    expect(typesOf(r)).toEqual(['Pause', 'StartBotConversation']);
    expect(Object.keys(attributesOf(r)).length).toBeLessThanOrEqual(10);
    expect(c.events.map((e) => e.detailType)).toContain('CallAnswered');
    // The answer is on the record at once, so the maximum-ring check can tell (issue 8, finding 1).
    expect((await c.cdr())?.answeredAt).toBe('2026-01-05T09:00:07.000Z');
  });

  it('never hangs up an answered call at the maximum ring time (finding 1)', async () => {
    const c = await call();
    await c.answer();
    c.advance(45_000);
    // The ring check sees the answer on the call record and leaves the call alone...
    expect(await handleRingTimeout(c.deps, { type: 'ringTimeout', instanceId: c.instanceId, campaignId: c.campaignId, jobId: c.jobId, attempt: 1, callId: c.callId, transactionId: 'transaction-id' })).toBe('answered');
    // ...and even a late update asking for it keeps the call's actions (NULL action set).
    const r = await c.send('call-update-requested', { actionData: { Parameters: { Arguments: { action: 'hangup', reason: 'maxRing' } } } });
    expect(r.Actions).toBeNull();
  });

  it('hangs up a call still ringing at the maximum ring time, which becomes NoAnswer', async () => {
    const c = await call();
    await c.send('new-outbound-call');
    c.advance(45_000);
    const r = await c.send('call-update-requested', { actionData: { Parameters: { Arguments: { action: 'hangup', reason: 'maxRing' } } } });
    expect(typesOf(r)).toEqual(['Hangup']);
    await c.send('hangup.leg-a', { actionData: { Parameters: { SipResponseCode: '0', ParticipantTag: 'LEG-A' } } });
    expect(await c.cdr()).toMatchObject({ status: 'NoAnswer', hangupReason: 'maxRing', hangupParty: 'robot' });
  });

  it('re-issues the actions Chime cleared after a failed Pause (finding 2)', async () => {
    const c = await call();
    const answered = await c.answer();
    const r = await c.send('action-failed.pause', { actionData: dataOf(answered, 'Pause') });
    expect(typesOf(r)).toEqual(['StartBotConversation']);
  });

  it('logs what went wrong when the dialog engine ends a call on an internal fault', async () => {
    const errors: { message: string; fields?: Record<string, unknown> }[] = [];
    const log: Logger = { ...silentLogger, error: (message, fields) => void errors.push({ message, fields }), child: () => log };
    const faulty: DialogDriver = { ...sayThenListen(undefined, 'Is this a good time?'), next: (s) => [s, [{ type: 'hangUp', nodeId: 'ask', reason: 'error', fault: 'TypeError: broken state' }]] };
    const c = await call({ dialog: faulty, overrides: { log } });
    await c.answer();
    const r = await c.send('action-successful.start-bot-conversation', speech('yes'));
    expect(typesOf(r)).toContain('Hangup');
    expect(errors).toEqual([{ message: 'dialog engine fault ended the call', fields: expect.objectContaining({ nodeId: 'ask', fault: 'TypeError: broken state', callId: 'call1' }) }]);
  });

  it('logs a fault the recogniser or a date parser absorbed, and goes on with the call', async () => {
    const errors: { message: string; fields?: Record<string, unknown> }[] = [];
    const log: Logger = { ...silentLogger, error: (message, fields) => void errors.push({ message, fields }), child: () => log };
    // The answer is taken as holding no date: the dialog asks again rather than ending.
    const faulty: DialogDriver = {
      ...sayThenListen(undefined, 'Is this a good time?'),
      next: (s) => [
        s,
        [
          { type: 'fault', nodeId: 'ask', where: 'entities', fault: 'RangeError: bad date' },
          { type: 'say', nodeId: 'ask', text: 'Which day suits you?', bargeIn: true },
          { type: 'listen', nodeId: 'ask', speech: true, keypad: true, timeoutMs: 5000, maxDigits: 1, bargeIn: true },
        ],
      ],
    };
    const c = await call({ dialog: faulty, overrides: { log } });
    await c.answer();
    const r = await c.send('action-successful.start-bot-conversation', speech('yes'));
    expect(typesOf(r)).toEqual(['StartBotConversation']);
    expect(errors).toEqual([{ message: 'date parser fault absorbed', fields: expect.objectContaining({ nodeId: 'ask', fault: 'RangeError: bad date', callId: 'call1' }) }]);
  });

  it('retries a Speak that Polly throttled, then goes on with what followed it (finding 2)', async () => {
    const c = await call({ dialog: sayThenListen('First a long announcement.', 'Is this a good time?') });
    const answered = await c.answer();
    expect(typesOf(answered)).toEqual(['Pause', 'Speak', 'StartBotConversation']);
    const failed = { ...dataOf(answered, 'Speak'), ErrorType: 'ActionExecutionThrottled' } as JsonPatch;
    const retry = await c.send('action-failed.speak.action-execution-throttled', { actionData: failed });
    expect(typesOf(retry)).toEqual(['Speak', 'StartBotConversation']);
    const skip = await c.send('action-failed.speak.system-exception', { actionData: { ...failed, ErrorType: 'SystemException' } });
    expect(typesOf(skip)).toEqual(['StartBotConversation']);
  });

  it('never sends a Speak or SpeakAndGetDigits text over 1,000 characters (finding 3)', async () => {
    const long = `${'This is a very long sentence about your account. '.repeat(50)}Is this a good time?`;
    for (const keypad of [false, true]) {
      const c = await call({ dialog: sayThenListen(long, undefined, keypad) });
      const r = await c.answer();
      const texts = (r.Actions ?? []).flatMap((a) => [a.Parameters.Text, (a.Parameters.SpeechParameters as { Text?: string } | undefined)?.Text, ...(((a.Parameters.Configuration as { WelcomeMessages?: { Content: string }[] } | undefined)?.WelcomeMessages ?? []).map((m) => m.Content))]);
      const spoken = texts.filter((t): t is string => typeof t === 'string');
      expect(spoken.length).toBeGreaterThan(2);
      for (const t of spoken) expect(t.length).toBeLessThanOrEqual(MAX_SPEECH_TEXT_CHARACTERS);
    }
  });

  it('hangs up the transfer target when the callee hangs up during a transfer (finding 4)', async () => {
    const c = await call();
    await c.answer();
    const keys = await c.send('action-successful.start-bot-conversation', { actionData: { IntentResult: { SessionState: { SessionAttributes: { transcript: '5', inputMode: 'DTMF' } } } } });
    expect(typesOf(keys)).toEqual(['CallAndBridge']);
    await c.send('action-successful.call-and-bridge');
    // Bridged: the lease is kept for as long as a transfer may last (no events come while it does).
    expect(Number((await c.lease(c.slot))?.expiresAt)).toBeGreaterThan(c.clock.now() + 60 * 60_000);
    const r = await c.send('hangup.leg-a.bridged');
    expect(r.Actions).toEqual([expect.objectContaining({ Type: 'Hangup', Parameters: expect.objectContaining({ ParticipantTag: 'LEG-B' }) })]);
    expect(await c.cdr()).toMatchObject({ status: 'Succeeded', transferred: true, hangupParty: 'person' });
  });

  it('hangs up the callee when the transfer target hangs up', async () => {
    const c = await call();
    await c.answer();
    await c.send('action-successful.start-bot-conversation', { actionData: { IntentResult: { SessionState: { SessionAttributes: { transcript: '5', inputMode: 'DTMF' } } } } });
    await c.send('action-successful.call-and-bridge');
    const r = await c.send('hangup.leg-b.bridged');
    expect(r.Actions).toEqual([expect.objectContaining({ Type: 'Hangup', Parameters: expect.objectContaining({ ParticipantTag: 'LEG-A' }) })]);
  });

  for (const shape of ['invalid-lambda-response.top-level', 'invalid-lambda-response.action-data']) {
    it(`hangs up after ${shape} and records a system failure (finding 5)`, async () => {
      const c = await call();
      await c.answer();
      const r = await c.send(shape);
      expect(typesOf(r)).toEqual(['Hangup']);
      await c.send('hangup.leg-a');
      expect(await c.cdr()).toMatchObject({ status: 'Failed', systemFailure: true, hangupReason: 'invalidResponse' });
    });
  }

  for (const fixture of ['call-update-requested', 'call-update-requested.leg']) {
    it(`keeps the queued actions on ${fixture} with arguments that are not ours (finding 6)`, async () => {
      const c = await call();
      await c.answer();
      const r = await c.send(fixture);
      expect(r.Actions).toBeNull();
      expect(validateSmaResponse(r)).toEqual({ ok: true });
    });
  }

  it('asks for keys with SpeakAndGetDigits as the reference requires (finding 7)', async () => {
    const c = await call({ dialog: sayThenListen(undefined, 'Press 1 to confirm', true) });
    const r = await c.answer();
    const p = (r.Actions ?? []).find((a) => a.Type === 'SpeakAndGetDigits')!.Parameters;
    expect(Number(p.MaxNumberOfDigits)).toBeGreaterThan(Number(p.MinNumberOfDigits));
    expect(p.FailureSpeechParameters).toMatchObject({ Text: expect.any(String), VoiceId: 'Joanna' });
  });

  for (const error of ['resource-access-denied', 'resource-not-found']) {
    it(`ends the call politely as a system failure when the recogniser bot is misconfigured (${error}, finding 8)`, async () => {
      const c = await call();
      await c.answer();
      const r = await c.send(`action-failed.start-bot-conversation.${error}`);
      expect(typesOf(r)).toEqual(['Speak', 'Hangup']);
      await c.send('hangup.leg-a');
      expect(await c.cdr()).toMatchObject({ status: 'Failed', systemFailure: true, hangupParty: 'system', hangupReason: 'recognizerUnavailable' });
      await c.drain();
      // A system failure: retried later, the callee's daily count given back.
      expect(await c.job(c.jobId)).toMatchObject({ systemAttempts: 1, tries: 0 });
    });
  }

  it('treats a transient bot failure as silence, then gives up politely after repeated failures', async () => {
    const c = await call();
    await c.answer();
    expect(typesOf(await c.send('action-failed.start-bot-conversation.system-exception'))).toEqual(['StartBotConversation']);
    expect(typesOf(await c.send('action-failed.start-bot-conversation.system-exception'))).toEqual(['Speak', 'Hangup']);
  });

  it('degrades to a polite hang-up when the store fails, never throwing (finding 9)', async () => {
    const failing = new FlakyStore();
    const c = await call({ overrides: { store: failing } });
    await c.answer();
    failing.failing = true;
    const r = await c.send('action-successful.start-bot-conversation', speech('yes'));
    expect(typesOf(r)).toEqual(['Speak', 'Hangup']);
    failing.failing = false;
    await c.send('action-successful.hangup');
    await c.send('hangup.leg-a');
    expect(await c.cdr()).toMatchObject({ systemFailure: true, hangupParty: 'system' });
  });

  it('keeps what a delegated Lex bot found: intent, slots and transcript (finding 10)', async () => {
    const c = await call({ dialog: delegating });
    const r = await c.answer();
    expect(typesOf(r)).toContain('StartBotConversation');
    await c.send('action-successful.start-bot-conversation.slots');
    await c.send('hangup.leg-a');
    const cdr = await c.cdr();
    expect(cdr).toMatchObject({ status: 'Succeeded', delegate: { intent: expect.any(String), slots: expect.any(Object) } });
    expect(Object.keys(cdr!.delegate!.slots).length).toBeGreaterThan(0);
    expect(cdr!.tags.intent).toBe(cdr!.delegate!.intent);
  });

  it('finishes an answered call on HANGUP: one final record, the lease back, the outcome applied by the drain', async () => {
    const c = await call();
    await c.answer();
    c.advance(5000);
    await c.send('action-successful.start-bot-conversation', speech('yes'));
    c.advance(3000);
    await c.send('action-successful.hangup');
    await c.send('hangup.leg-a');
    // A duplicated HANGUP changes nothing.
    await c.send('hangup.leg-a');
    expect(await c.cdr()).toMatchObject({ status: 'Succeeded', answered: true, completed: true, interacted: true, hangupParty: 'robot', talkSeconds: 8, tags: { consent: 'yes' } });
    expect(await c.lease(c.slot)).toBeUndefined();
    expect(c.queues.tick.bodies().filter((b) => b.type === 'drain')).toHaveLength(1);
    await c.drain();
    expect(await c.job(c.jobId)).toMatchObject({ status: 'Succeeded', answered: true, interacted: true });
    expect(c.events.map((e) => e.detailType)).toEqual(expect.arrayContaining(['CallAnswered', 'JobComplete', 'CallFinished']));
    const finished = c.events.find((e) => e.detailType === 'CallFinished')!;
    expect(finished.detail).toMatchObject({ call: { callId: c.callId, status: 'Succeeded' }, turns: expect.any(Array) });
  });

  it('classifies a voicemail greeting as the first utterance and hangs up (P9)', async () => {
    const c = await call();
    await c.answer();
    const r = await c.send('action-successful.start-bot-conversation', speech('Please leave a message after the tone'));
    expect(typesOf(r)).toEqual(['Hangup']);
    await c.send('hangup.leg-a');
    expect(await c.cdr()).toMatchObject({ status: 'Voicemail', answered: false });
    expect((await listTurns(c.deps.store, c.instanceId, c.callId)).at(-1)).toMatchObject({ outcome: 'hangup' });
  });

  for (const [fixture, status] of [['hangup.leg-a.busy', 'Busy'], ['hangup.leg-a.no-answer', 'NoAnswer']] as const) {
    it(`writes a final record for a call that never connects (${fixture} → ${status})`, async () => {
      const c = await call();
      await c.send('new-outbound-call');
      await c.send(fixture);
      expect(await c.cdr()).toMatchObject({ status, answered: false });
      await c.drain();
      expect(await c.job(c.jobId)).toMatchObject({ lastCallStatus: status });
    });
  }

  it('records the person hanging up mid-conversation with the engine’s closing turn', async () => {
    const c = await call();
    await c.answer();
    await c.send('hangup.leg-a');
    expect(await c.cdr()).toMatchObject({ hangupParty: 'person', hangupNode: 'greet', status: 'Succeeded' });
    expect((await listTurns(c.deps.store, c.instanceId, c.callId)).at(-1)).toMatchObject({ outcome: 'hangup' });
  });

  it('keeps a session too large for the attributes in the store, and reads it back', async () => {
    const c = await call();
    await c.answer();
    const r = await c.send('action-successful.start-bot-conversation', speech('something big'));
    expect(attributesOf(r).ref).toBe('1');
    expect(Object.values(attributesOf(r)).every((v) => v.length <= 1024)).toBe(true);
    const next = await c.send('action-successful.start-bot-conversation', speech('yes'));
    expect(typesOf(next)).toContain('Hangup');
  });

  it('answers an unreadable event with no actions', async () => {
    const c = await call();
    expect(await c.handle({ nope: true })).toEqual({ SchemaVersion: '1.0', Actions: [] });
  });

  it('renews the lease of a long call on its events and releases it at hang-up (finding 14)', async () => {
    const c = await call();
    await c.answer();
    const first = Number((await c.lease(c.slot))?.expiresAt);
    c.advance(8 * 60_000);
    await c.send('action-successful.start-bot-conversation', speech(''));
    expect(Number((await c.lease(c.slot))?.expiresAt)).toBeGreaterThan(first);
    await c.send('hangup.leg-a');
    expect(await c.lease(c.slot)).toBeUndefined();
  });

  it('trusts the lease the dialer renewed when it placed the call: no lease write until it runs low', async () => {
    const c = await call();
    const started: GuideEventOverrides = { participants: { 'LEG-A': { StartTimeInMilliseconds: String(c.clock.now()) } } };
    const taken = Number((await c.lease(c.slot))?.expiresAt);
    await c.send('new-outbound-call', started);
    c.advance(3000);
    await c.send('ringing', started);
    c.advance(4000);
    await c.send('call-answered', started);
    c.advance(30_000);
    await c.send('action-successful.start-bot-conversation', { ...speech(''), ...started });
    expect(Number((await c.lease(c.slot))?.expiresAt)).toBe(taken);
    // Three minutes in, less than ten are left on the dialer's lease (less its margin): renewed.
    c.advance(3 * 60_000);
    await c.send('action-successful.start-bot-conversation', { ...speech(''), ...started });
    expect(Number((await c.lease(c.slot))?.expiresAt)).toBeGreaterThan(taken);
  });

  it('listens for the callee’s first words before the first prompt and hangs up on a machine (P9)', async () => {
    const c = await call({ plan: { listenForGreeting: true } });
    const r = await c.answer();
    expect(typesOf(r)).toEqual(['StartBotConversation']);
    const hungUp = await c.send('action-successful.start-bot-conversation', speech('The number you have dialed is not in service, please check the number'));
    expect(typesOf(hungUp)).toEqual(['Hangup']);
  });
});

/** The actions Reachout sends (lib/telephony/actions.ts); each has its ACTION_SUCCESSFUL and ACTION_FAILED case below. */
const SENT_ACTIONS = ['Speak', 'Pause', 'StartBotConversation', 'SpeakAndGetDigits', 'StartCallRecording', 'CallAndBridge', 'Hangup'] as const;

/**
 * ACTION_SUCCESSFUL and ACTION_FAILED of every action Reachout sends, each in the state where Reachout sends
 * it and with the parameters it sent (as Chime echoes them), built on the guide's example of that event.
 * Chime sends ACTION_SUCCESSFUL after the last action of a list, ACTION_FAILED for the first that fails
 * (clearing the rest), so each case makes the action the last one or the failing one.
 */
const ACTION_RESULT_CASES: { action: (typeof SENT_ACTIONS)[number]; outcome: 'success' | 'failure'; name: string; run: () => Promise<void> }[] = [
  {
    action: 'Speak', outcome: 'success', name: 'moves the dialog on when the last prompt has been said',
    run: async () => {
      const c = await call({ dialog: announce('speak') });
      const answered = await c.answer();
      expect(typesOf(answered)).toEqual(['Pause', 'Speak']);
      expect(typesOf(await c.send('action-successful.speak', { actionData: dataOf(answered, 'Speak') }))).toEqual(['Hangup']);
    },
  },
  {
    action: 'Speak', outcome: 'failure', name: 'moves the dialog on when the last prompt fails for good (no apology: nothing of ours broke the call)',
    run: async () => {
      const c = await call({ dialog: announce('speak') });
      const answered = await c.answer();
      const r = await c.send('action-failed.speak.access-denied', { actionData: dataOf(answered, 'Speak') });
      expect(typesOf(r)).toEqual(['Hangup']);
    },
  },
  {
    action: 'Pause', outcome: 'success', name: 'keeps what Chime has queued: a Pause is never the last action (Chime reports the end of a list), so its success comes out of turn',
    run: async () => {
      const c = await call();
      const answered = await c.answer();
      expect(typesOf(answered)).toEqual(['Pause', 'StartBotConversation']);
      expect((await c.send('action-successful.pause', { actionData: dataOf(answered, 'Pause') })).Actions).toBeNull();
      // A lone pause in a scenario is followed by a hang-up (a list never ends waiting on nothing).
      const lone = await call({ dialog: announce('pause') });
      expect(typesOf(await lone.answer())).toEqual(['Pause', 'Hangup']);
    },
  },
  {
    action: 'Pause', outcome: 'failure', name: 're-issues what Chime cleared behind it',
    run: async () => {
      const c = await call();
      const answered = await c.answer();
      expect(typesOf(await c.send('action-failed.pause', { actionData: dataOf(answered, 'Pause') }))).toEqual(['StartBotConversation']);
    },
  },
  {
    action: 'StartBotConversation', outcome: 'success', name: 'takes the answer to the dialog',
    run: async () => {
      const c = await call();
      await c.answer();
      expect(typesOf(await c.send('action-successful.start-bot-conversation', speech('yes')))).toEqual(['Speak', 'Hangup']);
    },
  },
  {
    action: 'StartBotConversation', outcome: 'failure', name: 'takes a throttled bot as silence (asks again)',
    run: async () => {
      const c = await call();
      const answered = await c.answer();
      const r = await c.send('action-failed.start-bot-conversation.action-execution-throttled', { actionData: dataOf(answered, 'StartBotConversation') });
      expect(typesOf(r)).toEqual(['StartBotConversation']);
    },
  },
  {
    action: 'SpeakAndGetDigits', outcome: 'success', name: 'takes the keys to the dialog',
    run: async () => {
      const c = await call({ dialog: sayThenListen(undefined, 'Press 1 to confirm', true) });
      const answered = await c.answer();
      const r = await c.send('action-successful.speak-and-get-digits', { actionData: { ...dataOf(answered, 'SpeakAndGetDigits'), ReceivedDigits: '1' } });
      expect(typesOf(r)).toEqual(['Hangup']);
      await c.send('hangup.leg-a');
      expect(await c.cdr()).toMatchObject({ status: 'Succeeded', interacted: false, systemFailure: false });
    },
  },
  {
    action: 'SpeakAndGetDigits', outcome: 'failure', name: 'takes no keys (InvalidDigitsReceived) as silence, a system error as silence too',
    run: async () => {
      const c = await call({ dialog: sayThenListen(undefined, 'Press 1 to confirm', true) });
      const answered = await c.answer();
      const none = await c.send('action-failed.speak-and-get-digits.system-exception', { actionData: { ...dataOf(answered, 'SpeakAndGetDigits'), ErrorType: 'InvalidDigitsReceived' } });
      expect(typesOf(none)).toEqual(['Hangup']);
      const c2 = await call({ dialog: sayThenListen(undefined, 'Press 1 to confirm', true) });
      const answered2 = await c2.answer();
      expect(typesOf(await c2.send('action-failed.speak-and-get-digits.system-exception', { actionData: dataOf(answered2, 'SpeakAndGetDigits') }))).toEqual(['Hangup']);
    },
  },
  {
    action: 'StartCallRecording', outcome: 'success', name: 'starts the dialog once recording runs and keeps the recording key',
    run: async () => {
      const c = await call({ plan: { recording: true } });
      const answered = await c.answer();
      expect(typesOf(answered)).toEqual(['StartCallRecording']);
      const r = await c.send('action-successful.start-call-recording.key', { actionData: dataOf(answered, 'StartCallRecording') });
      expect(typesOf(r)).toEqual(['Pause', 'StartBotConversation']);
    },
  },
  {
    action: 'StartCallRecording', outcome: 'failure', name: 'starts the dialog anyway and tags the call (a missing recording must not cost the conversation)',
    run: async () => {
      const c = await call({ plan: { recording: true } });
      const answered = await c.answer();
      const r = await c.send('action-failed.start-call-recording.no-access', { actionData: dataOf(answered, 'StartCallRecording') });
      expect(typesOf(r)).toEqual(['Pause', 'StartBotConversation']);
      await c.send('hangup.leg-a');
      expect(await c.cdr()).toMatchObject({ tags: { recordingFailed: 'true' }, systemFailure: false });
    },
  },
  {
    action: 'CallAndBridge', outcome: 'success', name: 'waits while the call is bridged (no dead air: both legs talk)',
    run: async () => {
      const c = await call();
      await c.answer();
      const keys = await c.send('action-successful.start-bot-conversation', { actionData: { IntentResult: { SessionState: { SessionAttributes: { transcript: '5', inputMode: 'DTMF' } } } } });
      expect(typesOf(await c.send('action-successful.call-and-bridge', { actionData: dataOf(keys, 'CallAndBridge') }))).toEqual([]);
    },
  },
  {
    action: 'CallAndBridge', outcome: 'failure', name: 'hangs up when the transfer target does not answer, tagging the call',
    run: async () => {
      const c = await call();
      await c.answer();
      const keys = await c.send('action-successful.start-bot-conversation', { actionData: { IntentResult: { SessionState: { SessionAttributes: { transcript: '5', inputMode: 'DTMF' } } } } });
      const r = await c.send('action-failed.call-and-bridge.call-not-answered', { actionData: dataOf(keys, 'CallAndBridge') });
      expect(typesOf(r)).toEqual(['Hangup']);
      await c.send('hangup.leg-a');
      expect(await c.cdr()).toMatchObject({ transferred: false, hangupReason: 'transferFailed', tags: { transferFailed: 'true' } });
    },
  },
  {
    action: 'Hangup', outcome: 'success', name: 'has nothing more to do (HANGUP follows)',
    run: async () => {
      const c = await call();
      await c.answer();
      const bye = await c.send('action-successful.start-bot-conversation', speech('yes'));
      expect(typesOf(await c.send('action-successful.hangup', { actionData: dataOf(bye, 'Hangup') }))).toEqual([]);
    },
  },
  {
    action: 'Hangup', outcome: 'failure', name: 'hangs up again rather than leave the line open with nothing queued',
    run: async () => {
      const c = await call();
      await c.answer();
      const bye = await c.send('call-update-requested', { actionData: { Parameters: { Arguments: { action: 'hangup', reason: 'stopped' } } } });
      expect(typesOf(bye)).toEqual(['Hangup']);
      const r = await c.send('action-failed.hangup', { actionData: dataOf(bye, 'Hangup') });
      expect(typesOf(r)).toEqual(['Hangup']);
      // Not for ever: after repeated failures the call is left to end on its own, as a system failure.
      await c.send('action-failed.hangup', { actionData: dataOf(r, 'Hangup') });
      await c.send('action-failed.hangup', { actionData: dataOf(r, 'Hangup') });
      await c.send('hangup.leg-a');
      expect(await c.cdr()).toMatchObject({ systemFailure: true });
    },
  },
];

describe('SMA handler on the results of every action it sends', () => {
  it('has an ACTION_SUCCESSFUL and an ACTION_FAILED case for every action Reachout sends', () => {
    for (const action of SENT_ACTIONS) {
      for (const outcome of ['success', 'failure'] as const) expect(ACTION_RESULT_CASES.some((x) => x.action === action && x.outcome === outcome), `${action} ${outcome}`).toBe(true);
    }
  });

  for (const x of ACTION_RESULT_CASES) it(`${x.action} ${x.outcome === 'success' ? 'ACTION_SUCCESSFUL' : 'ACTION_FAILED'}: ${x.name}`, x.run);

  it('ends the call on a HANGUP of both legs and on a LEG-B hang-up outside a transfer', async () => {
    const both = await call();
    await both.answer();
    expect((await both.send('hangup.both-legs')).Actions).toEqual([]);
    expect(await both.cdr()).toMatchObject({ status: 'Succeeded', hangupParty: 'person' });
    const legB = await call();
    await legB.answer();
    const r = await legB.send('hangup.leg-b');
    expect(r.Actions).toEqual([expect.objectContaining({ Type: 'Hangup', Parameters: expect.objectContaining({ ParticipantTag: 'LEG-A' }) })]);
    await legB.send('hangup.leg-a');
    expect(await legB.cdr()).toMatchObject({ endedAt: expect.any(String) });
  });
});

/** A dialog that only announces (a prompt, or a pause), then hangs up when it is over. */
function announce(kind: 'speak' | 'pause'): DialogDriver {
  return {
    start: () => [{ n: 0 }, kind === 'speak' ? [{ type: 'say', nodeId: 'intro', text: 'Your parcel arrives tomorrow.', bargeIn: false }] : [{ type: 'pause', ms: 1500 }]],
    next: (s, e) => [s, e.type === 'promptFinished' ? [{ type: 'hangUp', nodeId: 'intro', reason: 'node' }] : []],
  };
}

/** A store whose writes fail while `failing` is set (a throttled or unreachable table). */
class FlakyStore extends MemoryStore implements Store {
  failing = false;
  override async update(...args: Parameters<MemoryStore['update']>) {
    if (this.failing) throw new Error('ProvisionedThroughputExceededException');
    return super.update(...args);
  }
  override async batchPut(...args: Parameters<MemoryStore['batchPut']>) {
    if (this.failing) throw new Error('ProvisionedThroughputExceededException');
    return super.batchPut(...args);
  }
}

/** A dialog that says `say` (if any), then asks `ask` (speech, or keypad), then ends on any answer. */
function sayThenListen(say: string | undefined, ask: string | undefined, keypad = false): DialogDriver {
  return {
    start: (_v, at) => [
      { n: 0 },
      [
        ...(say ? [{ type: 'say' as const, nodeId: 'intro', text: say, bargeIn: false }] : []),
        ...(ask ? [{ type: 'say' as const, nodeId: 'ask', text: ask, bargeIn: true }] : []),
        { type: 'listen' as const, nodeId: 'ask', speech: !keypad, keypad: true, timeoutMs: 5000, maxDigits: 1, bargeIn: true },
        { type: 'recordTurn' as const, turn: { index: 0, at, nodeId: 'ask', prompt: ask, outcome: 'prompt' as const } },
      ],
    ],
    next: (s) => [s, [{ type: 'hangUp', nodeId: 'ask', reason: 'node' }]],
  };
}

/** A dialog that hands the conversation to a customer's Lex bot (S13), then ends. */
const delegating: DialogDriver = {
  start: () => [{ d: 1 }, [{ type: 'delegate', nodeId: 'bot', botAliasArn: 'arn:aws:lex:us-east-1:123456789012:bot-alias/CUSTOMERB1/TSTALIASID', localeId: 'en_US', welcomeText: 'How can I help?' }]],
  next: (s, e) => [s, [{ type: 'recordTurn', turn: { index: 1, at: e.at, nodeId: 'bot', userText: e.type === 'utterance' ? e.text : '', intent: e.type === 'utterance' ? e.intent?.name : undefined, outcome: 'matched' } }, { type: 'markCompleted', nodeId: 'bot' }, { type: 'hangUp', nodeId: 'bot', reason: 'node' }]],
};

export { fakeDialog };
