import { describe, expect, it } from 'vitest';
import { handler, recognizerHook } from '../../functions/recognizer-hook';

const lexEvent = (over: Record<string, unknown> = {}) => ({
  messageVersion: '1.0',
  invocationSource: 'FulfillmentCodeHook',
  inputMode: 'Speech',
  responseContentType: 'text/plain; charset=utf-8',
  sessionId: 'transaction-id',
  inputTranscript: ' yes that is me ',
  bot: { id: 'BOTID', name: 'reachout-recognizer', aliasId: 'ALIAS', aliasName: 'live', localeId: 'en_US', version: '1' },
  interpretations: [{ intent: { name: 'FallbackIntent', slots: {}, state: 'ReadyForFulfillment', confirmationState: 'None' } }],
  transcriptions: [{ transcription: 'yes that is me', transcriptionConfidence: 0.91, resolvedContext: { intent: 'FallbackIntent' }, resolvedSlots: {} }],
  proposedNextState: {},
  sessionState: {
    sessionAttributes: { nodeId: 'greet' },
    intent: { name: 'FallbackIntent', slots: {}, state: 'ReadyForFulfillment', confirmationState: 'None' },
    originatingRequestId: 'req',
  },
  ...over,
});

describe('recognizerHook', () => {
  it('closes the fallback intent with the transcript and confidence in the session attributes', () => {
    expect(recognizerHook(lexEvent())).toEqual({
      sessionState: {
        sessionAttributes: { nodeId: 'greet', transcript: 'yes that is me', inputMode: 'Speech', transcriptConfidence: '0.91' },
        dialogAction: { type: 'Close' },
        intent: { name: 'FallbackIntent', state: 'Fulfilled' },
      },
    });
  });

  it('passes keypad input through with its input mode', async () => {
    const r = await handler(lexEvent({ inputMode: 'DTMF', inputTranscript: '1', transcriptions: undefined }));
    expect(r.sessionState.sessionAttributes).toMatchObject({ transcript: '1', inputMode: 'DTMF' });
  });

  it('returns an empty transcript when nothing was heard', () => {
    expect(recognizerHook(lexEvent({ inputTranscript: '', transcriptions: [] })).sessionState.sessionAttributes.transcript).toBe('');
  });

  it('answers even for an unreadable event', () => {
    expect(recognizerHook(null).sessionState.dialogAction.type).toBe('Close');
  });
});
