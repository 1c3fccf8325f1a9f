import { describe, expect, it } from 'vitest';
import type { DialogCommand } from '../../../lib/dialog/types';
import { buildActions, promptSpeech, type ActionContext } from '../../../lib/telephony/actions';

const ctx: ActionContext = { callId: 'call-id-1', voice: { language: 'en' }, recognizerBotAliasArn: 'arn:bot', callerNumber: '+12065559999' };

describe('promptSpeech', () => {
  it('uses plain text at normal speed and volume', () => {
    expect(promptSpeech('Hi', { language: 'en' })).toEqual({ text: 'Hi', textType: 'text' });
  });
  it('wraps the text in SSML prosody for speed and volume, escaping it', () => {
    expect(promptSpeech('A & B', { language: 'en', speed: 120, volumeDb: 3 })).toEqual({
      text: '<speak><prosody rate="120%" volume="+3dB">A &amp; B</prosody></speak>',
      textType: 'ssml',
    });
  });
  it('passes the engine SSML through', () => {
    expect(promptSpeech('x', { language: 'en' }, '<speak>x</speak>').textType).toBe('ssml');
  });
});

describe('buildActions', () => {
  it('turns a prompt and a speech listen into one StartBotConversation speaking the prompt', () => {
    const cmds: DialogCommand[] = [
      { type: 'say', nodeId: 'n1', text: 'Is this Sam?', bargeIn: true },
      { type: 'listen', nodeId: 'n1', speech: true, keypad: true, timeoutMs: 5000, maxDigits: 1, bargeIn: true },
    ];
    const b = buildActions(cmds, ctx);
    expect(b.awaiting).toBe('speech');
    expect(b.actions).toHaveLength(1);
    expect(b.actions[0]).toMatchObject({
      Type: 'StartBotConversation',
      Parameters: {
        CallId: 'call-id-1',
        BotAliasArn: 'arn:bot',
        LocaleId: 'en_US',
        Configuration: { WelcomeMessages: [{ ContentType: 'PlainText', Content: 'Is this Sam?' }], SessionState: { DialogAction: { Type: 'ElicitIntent' } } },
      },
    });
  });

  it('uses SpeakAndGetDigits for keypad-only listens with the Chinese voice', () => {
    const b = buildActions(
      [
        { type: 'say', nodeId: 'n1', text: '请按1', bargeIn: false },
        { type: 'listen', nodeId: 'n1', speech: false, keypad: true, timeoutMs: 6000, maxDigits: 2, bargeIn: false },
      ],
      { ...ctx, voice: { language: 'zh' } },
    );
    expect(b.awaiting).toBe('keypad');
    expect(b.actions[0]).toMatchObject({
      Type: 'SpeakAndGetDigits',
      Parameters: { MaxNumberOfDigits: 2, RepeatDurationInMilliseconds: 6000, SpeechParameters: { Text: '请按1', VoiceId: 'Zhiyu', LanguageCode: 'cmn-CN' } },
    });
  });

  it('ends with Speak then Hangup for a closing node', () => {
    const b = buildActions(
      [
        { type: 'pause', ms: 300 },
        { type: 'say', nodeId: 'end', text: 'Goodbye', bargeIn: false },
        { type: 'markCompleted', nodeId: 'end' },
        { type: 'hangUp', nodeId: 'end', reason: 'node' },
      ],
      ctx,
    );
    expect(b.actions.map((a) => a.Type)).toEqual(['Pause', 'Speak', 'Hangup']);
    expect(b.actions[0]!.Parameters.DurationInMilliseconds).toBe('300');
    expect(b.actions[2]!.Parameters.SipResponseCode).toBe('0');
    expect(b.hangsUp).toBe(true);
  });

  it('transfers with CallAndBridge from the caller number', () => {
    const b = buildActions([{ type: 'transfer', nodeId: 't', to: '+12065551234' }], ctx);
    expect(b.actions[0]).toMatchObject({
      Type: 'CallAndBridge',
      Parameters: { CallerIdNumber: '+12065559999', Endpoints: [{ BridgeEndpointType: 'PSTN', Uri: '+12065551234' }] },
    });
  });

  it('hands the conversation to a customer bot for a delegate command', () => {
    const b = buildActions([{ type: 'delegate', botAliasArn: 'arn:customer', localeId: 'en_US', text: 'Hi' }], ctx);
    expect(b.awaiting).toBe('delegate');
    expect(b.actions[0]!.Parameters.BotAliasArn).toBe('arn:customer');
  });

  it('never returns more than 10 actions', () => {
    const says: DialogCommand[] = Array.from({ length: 14 }, (_, i) => ({ type: 'say', nodeId: `n${i}`, text: `line ${i}`, bargeIn: false }));
    const b = buildActions([...says, { type: 'hangUp', nodeId: 'x', reason: 'node' }], ctx);
    expect(b.actions.length).toBeLessThanOrEqual(10);
    expect(b.actions[b.actions.length - 1]!.Type).toBe('Hangup');
    expect(String(b.actions[0]!.Parameters.Text)).toContain('line 13');
  });
});
