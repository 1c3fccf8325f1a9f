import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DOCUMENTED_ACTION_ERRORS,
  MAX_ACTIONS,
  PUBLISHED_TRANSACTION_ATTRIBUTE_LIMITS,
  SMA_ACTION_TYPES,
  SmaResponseSchema,
  validateSmaResponse,
  type SmaActionType,
} from '../../../lib/telephony/action-reference';
import { InvocationEventType, parseSmaEvent } from '../../../lib/telephony/sma-events';
import { allGuideEvents, allGuideResponses, guideEvent, guideResponse, REMOVE, type JsonObject } from '../../support/chime-guide';

type Action = { Type: string; Parameters: Record<string, unknown> };
type Response = { SchemaVersion: string; Actions: Action[]; TransactionAttributes?: Record<string, unknown> };

/** A guide example response, typed loosely so a test can break one parameter. */
const example = (name: string) => guideResponse(name) as unknown as Response;
/** The first action's Parameters of a guide example. */
const params = (r: Response) => r.Actions[0]!.Parameters;

/** Issues of a response that must be rejected. */
function issuesOf(response: unknown): string[] {
  const r = validateSmaResponse(response);
  if (r.ok) throw new Error(`expected a rejection of ${JSON.stringify(response).slice(0, 300)}`);
  return r.issues;
}

/** Asserts the response is rejected with an issue naming `path` (and, if given, containing `text`). */
function expectIssue(response: unknown, path: string, text?: string) {
  const issues = issuesOf(response);
  const hit = issues.find((i) => i.startsWith(path) && (text === undefined || i.includes(text)));
  expect(hit, `issues: ${issues.join(' | ')}`).toBeDefined();
}

const expectValid = (response: unknown) => expect(validateSmaResponse(response)).toEqual({ ok: true });

describe('validateSmaResponse', () => {
  it('accepts every action example of the guide that the reference allows', () => {
    const valid = allGuideResponses().filter((r) => r.valid);
    expect(valid.length).toBeGreaterThanOrEqual(15);
    for (const r of valid) expect(validateSmaResponse(guideResponse(r.name)), r.name).toEqual({ ok: true });
  });

  it('rejects the guide examples marked invalid (placeholder phone numbers, 11 transaction attributes)', () => {
    expectIssue(guideResponse('call-and-bridge.placeholders'), 'Actions[0].Parameters.CallerIdNumber (CallAndBridge)', 'E.164');
    expectIssue(guideResponse('transaction-attributes.eleven'), 'TransactionAttributes', 'at most 10');
    for (const r of allGuideResponses().filter((x) => !x.valid)) expect(validateSmaResponse(guideResponse(r.name)).ok, r.name).toBe(false);
  });

  it('covers at least the actions Reachout sends', () => {
    const sent: SmaActionType[] = ['Speak', 'SpeakAndGetDigits', 'StartBotConversation', 'Pause', 'Hangup', 'CallAndBridge', 'StartCallRecording', 'StopCallRecording', 'PlayAudio', 'ReceiveDigits'];
    for (const t of sent) expect(SMA_ACTION_TYPES).toContain(t);
    const exampled = new Set(allGuideResponses().flatMap((r) => r.actionTypes));
    for (const t of SMA_ACTION_TYPES) expect(exampled, t).toContain(t);
  });

  describe('Speak (speak.md)', () => {
    it('accepts Text of exactly 1,000 characters and rejects 1,001', () => {
      const r = example('speak');
      params(r).Text = 'a'.repeat(1000);
      expectValid(r);
      params(r).Text = 'a'.repeat(1001);
      expectIssue(r, 'Actions[0].Parameters.Text (Speak)', '1,000 characters');
    });

    it('counts SSML markup within the 1,000 characters', () => {
      const r = example('speak');
      params(r).TextType = 'ssml';
      params(r).Text = `<speak>${'a'.repeat(985)}</speak>`;
      expect((params(r).Text as string).length).toBe(1000);
      expectValid(r);
      params(r).Text = `<speak>${'a'.repeat(986)}</speak>`;
      expectIssue(r, 'Actions[0].Parameters.Text (Speak)');
    });

    it('rejects an unknown parameter, naming it', () => {
      const r = example('speak');
      params(r).ParticipantTag = 'LEG-A';
      expectIssue(r, 'Actions[0].Parameters.ParticipantTag (Speak)', 'unknown parameter');
    });

    it('rejects a missing CallId or Text', () => {
      const a = example('speak');
      delete params(a).CallId;
      expectIssue(a, 'Actions[0].Parameters.CallId (Speak)', 'required parameter is missing');
      const b = example('speak');
      delete params(b).Text;
      expectIssue(b, 'Actions[0].Parameters.Text (Speak)');
      params(b).Text = '';
      expectIssue(b, 'Actions[0].Parameters.Text (Speak)', 'required');
    });

    it('rejects values outside Engine standard|neural and TextType text|ssml', () => {
      const a = example('speak');
      params(a).Engine = 'generative';
      expectIssue(a, 'Actions[0].Parameters.Engine (Speak)');
      const b = example('speak');
      params(b).TextType = 'plain';
      expectIssue(b, 'Actions[0].Parameters.TextType (Speak)');
    });

    it('rejects TextType ssml whose Text is not a <speak> document', () => {
      const r = example('speak');
      params(r).TextType = 'ssml';
      expectIssue(r, 'Actions[0].Parameters.Text (Speak)', 'SSML');
      params(r).Text = '<speak><prosody rate="90%">Hello</prosody></speak>';
      expectValid(r);
    });
  });

  describe('SpeakAndGetDigits (speak-and-get-digits.md)', () => {
    it('rejects MaxNumberOfDigits equal to or below MinNumberOfDigits', () => {
      for (const [min, max] of [
        [3, 3],
        [5, 4],
        [1, 1],
      ] as const) {
        const r = example('speak-and-get-digits');
        params(r).MinNumberOfDigits = min;
        params(r).MaxNumberOfDigits = max;
        expectIssue(r, 'Actions[0].Parameters.MaxNumberOfDigits (SpeakAndGetDigits)', 'greater than MinNumberOfDigits');
      }
    });

    it('applies the documented defaults (Min 0, Max 128) when one bound is absent', () => {
      const a = example('speak-and-get-digits');
      delete params(a).MaxNumberOfDigits;
      params(a).MinNumberOfDigits = 128;
      expectIssue(a, 'Actions[0].Parameters.MinNumberOfDigits (SpeakAndGetDigits)');
      params(a).MinNumberOfDigits = 127;
      expectValid(a);
      const b = example('speak-and-get-digits');
      delete params(b).MinNumberOfDigits;
      params(b).MaxNumberOfDigits = 1;
      expectValid(b);
    });

    it('reports a bad digit range and a missing FailureSpeechParameters together', () => {
      const r = example('speak-and-get-digits');
      delete params(r).FailureSpeechParameters;
      params(r).MinNumberOfDigits = 1;
      params(r).MaxNumberOfDigits = 1;
      const issues = issuesOf(r);
      expect(issues.some((i) => i.startsWith('Actions[0].Parameters.FailureSpeechParameters (SpeakAndGetDigits)'))).toBe(true);
      expect(issues.some((i) => i.startsWith('Actions[0].Parameters.MaxNumberOfDigits (SpeakAndGetDigits)'))).toBe(true);
    });

    it('requires FailureSpeechParameters, with Text and (stricter reading) VoiceId', () => {
      const a = example('speak-and-get-digits');
      delete params(a).FailureSpeechParameters;
      expectIssue(a, 'Actions[0].Parameters.FailureSpeechParameters (SpeakAndGetDigits)', 'required parameter is missing');
      const b = example('speak-and-get-digits');
      delete (params(b).FailureSpeechParameters as Record<string, unknown>).VoiceId;
      expectIssue(b, 'Actions[0].Parameters.FailureSpeechParameters.VoiceId (SpeakAndGetDigits)');
      const c = example('speak-and-get-digits');
      delete (params(c).FailureSpeechParameters as Record<string, unknown>).Text;
      expectIssue(c, 'Actions[0].Parameters.FailureSpeechParameters.Text (SpeakAndGetDigits)');
    });

    it('limits SpeechParameters.Text and FailureSpeechParameters.Text to 1,000 characters', () => {
      const r = example('speak-and-get-digits');
      (params(r).SpeechParameters as Record<string, unknown>).Text = 'b'.repeat(1001);
      (params(r).FailureSpeechParameters as Record<string, unknown>).Text = 'c'.repeat(1001);
      const issues = issuesOf(r);
      expect(issues.some((i) => i.startsWith('Actions[0].Parameters.SpeechParameters.Text'))).toBe(true);
      expect(issues.some((i) => i.startsWith('Actions[0].Parameters.FailureSpeechParameters.Text'))).toBe(true);
    });

    it('requires RepeatDurationInMilliseconds and keeps every duration and Repeat above zero', () => {
      const a = example('speak-and-get-digits');
      delete params(a).RepeatDurationInMilliseconds;
      expectIssue(a, 'Actions[0].Parameters.RepeatDurationInMilliseconds (SpeakAndGetDigits)', 'required');
      for (const key of ['RepeatDurationInMilliseconds', 'InBetweenDigitsDurationInMilliseconds', 'Repeat']) {
        const r = example('speak-and-get-digits');
        params(r)[key] = 0;
        expectIssue(r, `Actions[0].Parameters.${key} (SpeakAndGetDigits)`);
        params(r)[key] = 2.5;
        expectIssue(r, `Actions[0].Parameters.${key} (SpeakAndGetDigits)`);
      }
    });

    it('takes one terminator key of 0-9 # * and a valid InputDigitsRegex', () => {
      const a = example('speak-and-get-digits');
      params(a).TerminatorDigits = ['#', '*'];
      expectIssue(a, 'Actions[0].Parameters.TerminatorDigits (SpeakAndGetDigits)', 'exactly one');
      params(a).TerminatorDigits = ['A'];
      expectIssue(a, 'Actions[0].Parameters.TerminatorDigits[0] (SpeakAndGetDigits)');
      params(a).TerminatorDigits = ['*'];
      expectValid(a);
      params(a).InputDigitsRegex = '^[0-9';
      expectIssue(a, 'Actions[0].Parameters.InputDigitsRegex (SpeakAndGetDigits)', 'regular expression');
    });

    it('rejects numbers sent as strings where the reference shows numbers', () => {
      const r = example('speak-and-get-digits');
      params(r).MaxNumberOfDigits = '5';
      expectIssue(r, 'Actions[0].Parameters.MaxNumberOfDigits (SpeakAndGetDigits)');
    });
  });

  describe('StartBotConversation (start-bot-conversation.md)', () => {
    const configuration = (r: Response) => params(r).Configuration as { SessionState: { DialogAction: { Type: string }; SessionAttributes: Record<string, unknown> }; WelcomeMessages: Record<string, unknown>[] };

    it('requires BotAliasArn in the Lex V2 alias form', () => {
      const a = example('start-bot-conversation');
      delete params(a).BotAliasArn;
      expectIssue(a, 'Actions[0].Parameters.BotAliasArn (StartBotConversation)', 'required');
      params(a).BotAliasArn = 'arn:aws:lex:us-east-1:123456789012:bot/ABCDEFGHIH';
      expectIssue(a, 'Actions[0].Parameters.BotAliasArn (StartBotConversation)', 'bot alias ARN');
    });

    it('needs CallId or ParticipantTag, and ParticipantTag can only be LEG-A', () => {
      const a = example('start-bot-conversation');
      delete params(a).CallId;
      expectIssue(a, 'Actions[0].Parameters.CallId (StartBotConversation)', 'CallId or ParticipantTag');
      params(a).ParticipantTag = 'LEG-A';
      expectValid(a);
      params(a).ParticipantTag = 'LEG-B';
      expectIssue(a, 'Actions[0].Parameters.ParticipantTag (StartBotConversation)');
    });

    it('requires DialogAction.Type ElicitIntent when WelcomeMessages are set', () => {
      const a = example('start-bot-conversation');
      configuration(a).SessionState.DialogAction.Type = 'Delegate';
      expectIssue(a, 'Actions[0].Parameters.Configuration.SessionState.DialogAction.Type (StartBotConversation)', 'ElicitIntent');
      configuration(a).WelcomeMessages = [];
      expectValid(a);
      configuration(a).SessionState.DialogAction.Type = 'Close';
      expectIssue(a, 'Actions[0].Parameters.Configuration.SessionState.DialogAction.Type (StartBotConversation)');
    });

    it('requires ContentType PlainText|SSML on each welcome message', () => {
      const a = example('start-bot-conversation');
      delete configuration(a).WelcomeMessages[0]!.ContentType;
      expectIssue(a, 'Actions[0].Parameters.Configuration.WelcomeMessages[0].ContentType (StartBotConversation)', 'required');
      configuration(a).WelcomeMessages[0]!.ContentType = 'Text';
      expectIssue(a, 'Actions[0].Parameters.Configuration.WelcomeMessages[0].ContentType (StartBotConversation)');
      configuration(a).WelcomeMessages[0]!.ContentType = 'SSML';
      expectIssue(a, 'Actions[0].Parameters.Configuration.WelcomeMessages[0].Content (StartBotConversation)', 'SSML');
      configuration(a).WelcomeMessages[0]!.Content = '<speak>Welcome.</speak>';
      expectValid(a);
    });

    it('limits Configuration to 10 KB of JSON and session attributes to strings', () => {
      const a = example('start-bot-conversation');
      configuration(a).SessionState.SessionAttributes.big = 'x'.repeat(10_000);
      expectIssue(a, 'Actions[0].Parameters.Configuration (StartBotConversation)', '10 KB');
      const b = example('start-bot-conversation');
      configuration(b).SessionState.SessionAttributes.n = 3;
      expectIssue(b, 'Actions[0].Parameters.Configuration.SessionState.SessionAttributes.n (StartBotConversation)');
    });

    it('rejects session-state fields the reference does not list', () => {
      const a = example('start-bot-conversation');
      (configuration(a).SessionState as Record<string, unknown>).Intent = { Name: 'X' };
      expectIssue(a, 'Actions[0].Parameters.Configuration.SessionState.Intent (StartBotConversation)', 'unknown parameter');
    });
  });

  describe('Pause (pause.md)', () => {
    it('takes DurationInMilliseconds as an integer > 0, number or digit string', () => {
      for (const ok of ['3000', 3000, 1, '1']) {
        const r = example('pause');
        params(r).DurationInMilliseconds = ok;
        expectValid(r);
      }
      for (const bad of [0, '0', -1, 1.5, '1.5', 'abc', '']) {
        const r = example('pause');
        params(r).DurationInMilliseconds = bad;
        expectIssue(r, 'Actions[0].Parameters.DurationInMilliseconds (Pause)');
      }
    });

    it('rejects the DurationInMilliSeconds spelling of one stored page version', () => {
      const r = example('pause');
      params(r).DurationInMilliSeconds = params(r).DurationInMilliseconds;
      delete params(r).DurationInMilliseconds;
      const issues = issuesOf(r);
      expect(issues).toContain('Actions[0].Parameters.DurationInMilliSeconds (Pause): unknown parameter, not in the action reference');
      expect(issues.some((i) => i.startsWith('Actions[0].Parameters.DurationInMilliseconds (Pause)'))).toBe(true);
    });

    it('takes ParticipantTag LEG-A or LEG-B only', () => {
      const r = example('pause');
      params(r).ParticipantTag = 'LEG-C';
      expectIssue(r, 'Actions[0].Parameters.ParticipantTag (Pause)');
    });
  });

  describe('Hangup (hangup.md)', () => {
    it('takes SipResponseCode 0, 480 or 486 only', () => {
      for (const ok of ['0', '480', '486', 0, 480, 486]) {
        const r = example('hangup');
        params(r).SipResponseCode = ok;
        expectValid(r);
      }
      for (const bad of ['404', 603, '', 'busy']) {
        const r = example('hangup');
        params(r).SipResponseCode = bad;
        expectIssue(r, 'Actions[0].Parameters.SipResponseCode (Hangup)', '0, 480 or 486');
      }
    });

    it('accepts a bare Hangup (every parameter optional)', () => {
      expectValid({ SchemaVersion: '1.0', Actions: [{ Type: 'Hangup', Parameters: {} }] });
    });
  });

  describe('CallAndBridge (call-and-bridge.md)', () => {
    it('keeps CallTimeoutSeconds within 1..120', () => {
      for (const ok of [1, 30, 120]) {
        const r = example('call-and-bridge');
        params(r).CallTimeoutSeconds = ok;
        expectValid(r);
      }
      for (const bad of [0, 121, 2.5, '30']) {
        const r = example('call-and-bridge');
        params(r).CallTimeoutSeconds = bad;
        expectIssue(r, 'Actions[0].Parameters.CallTimeoutSeconds (CallAndBridge)');
      }
    });

    it('requires an E.164 CallerIdNumber', () => {
      const r = example('call-and-bridge');
      params(r).CallerIdNumber = undefined;
      expectIssue(r, 'Actions[0].Parameters.CallerIdNumber (CallAndBridge)', 'required');
      delete params(r).CallerIdNumber;
      expectIssue(r, 'Actions[0].Parameters.CallerIdNumber (CallAndBridge)', 'required');
      params(r).CallerIdNumber = '2065550100';
      expectIssue(r, 'Actions[0].Parameters.CallerIdNumber (CallAndBridge)', 'E.164');
    });

    it('requires exactly one endpoint of the right shape', () => {
      const two = example('call-and-bridge');
      const eps = params(two).Endpoints as Record<string, unknown>[];
      eps.push({ ...eps[0]! });
      expectIssue(two, 'Actions[0].Parameters.Endpoints (CallAndBridge)', 'exactly one');
      const none = example('call-and-bridge');
      params(none).Endpoints = [];
      expectIssue(none, 'Actions[0].Parameters.Endpoints (CallAndBridge)', 'exactly one');
      const withArn = example('call-and-bridge');
      (params(withArn).Endpoints as Record<string, unknown>[])[0]!.Arn = 'arn:aws:chime:us-east-1:012345678910:vc/abc';
      expectIssue(withArn, 'Actions[0].Parameters.Endpoints[0].Arn (CallAndBridge)', 'PSTN');
      const aws = example('call-and-bridge.aws');
      delete (params(aws).Endpoints as Record<string, unknown>[])[0]!.Arn;
      expectIssue(aws, 'Actions[0].Parameters.Endpoints[0].Arn (CallAndBridge)');
      const typo = example('call-and-bridge');
      (params(typo).Endpoints as Record<string, unknown>[])[0]!.BridgeEndpointType = 'SIP';
      expectIssue(typo, 'Actions[0].Parameters.Endpoints[0].BridgeEndpointType (CallAndBridge)');
    });

    it('allows SipHeaders only with an AWS endpoint and takes no CallId', () => {
      const r = example('call-and-bridge');
      params(r).SipHeaders = { 'x-Floor': '3' };
      expectIssue(r, 'Actions[0].Parameters.SipHeaders (CallAndBridge)', 'AWS endpoint');
      const c = example('call-and-bridge');
      params(c).CallId = 'call-id-1';
      expectIssue(c, 'Actions[0].Parameters.CallId (CallAndBridge)', 'unknown parameter');
    });
  });

  describe('StartCallRecording and StopCallRecording (start-call-recording.md, stop-call-recording.md)', () => {
    it('takes Track BOTH|INCOMING|OUTGOING and an S3 Destination', () => {
      for (const t of ['BOTH', 'INCOMING', 'OUTGOING']) {
        const r = example('start-call-recording');
        params(r).Track = t;
        expectValid(r);
      }
      const a = example('start-call-recording');
      params(a).Track = 'ALL';
      expectIssue(a, 'Actions[0].Parameters.Track (StartCallRecording)');
      const b = example('start-call-recording');
      (params(b).Destination as Record<string, unknown>).Type = 'Kinesis';
      expectIssue(b, 'Actions[0].Parameters.Destination.Type (StartCallRecording)');
      const c = example('start-call-recording');
      (params(c).Destination as Record<string, unknown>).Location = 'My_Bucket/prefix';
      expectIssue(c, 'Actions[0].Parameters.Destination.Location (StartCallRecording)', 'bucket');
      (params(c).Destination as Record<string, unknown>).Location = 'reachout-recordings-123/calls/2024';
      expectValid(c);
    });

    it('requires CallId, Track and Destination', () => {
      for (const key of ['CallId', 'Track', 'Destination']) {
        const r = example('start-call-recording');
        delete params(r)[key];
        expectIssue(r, `Actions[0].Parameters.${key} (StartCallRecording)`, 'required');
      }
      const stop = example('stop-call-recording');
      delete params(stop).CallId;
      expectIssue(stop, 'Actions[0].Parameters.CallId (StopCallRecording)', 'required');
    });
  });

  describe('PlayAudio and ReceiveDigits (play-audio.md, listen-to-digits.md)', () => {
    it('PlayAudio needs CallId or ParticipantTag and a complete S3 AudioSource', () => {
      const a = example('play-audio');
      delete params(a).CallId;
      delete params(a).ParticipantTag;
      expectIssue(a, 'Actions[0].Parameters.CallId (PlayAudio)', 'CallId or ParticipantTag');
      const b = example('play-audio');
      delete (params(b).AudioSource as Record<string, unknown>).Key;
      expectIssue(b, 'Actions[0].Parameters.AudioSource.Key (PlayAudio)', 'required');
      const c = example('play-audio.terminators');
      params(c).Repeat = '0';
      expectIssue(c, 'Actions[0].Parameters.Repeat (PlayAudio)');
    });

    it('ReceiveDigits requires both durations, Flush at least InBetween', () => {
      const a = example('receive-digits');
      delete params(a).FlushDigitsDurationInMilliseconds;
      expectIssue(a, 'Actions[0].Parameters.FlushDigitsDurationInMilliseconds (ReceiveDigits)', 'required');
      const b = example('receive-digits');
      params(b).FlushDigitsDurationInMilliseconds = 500;
      expectIssue(b, 'Actions[0].Parameters.FlushDigitsDurationInMilliseconds (ReceiveDigits)', 'at least');
    });
  });

  describe('the response', () => {
    const speak = () => example('speak').Actions[0]!;

    it('allows at most 10 actions and still reports every broken action of a longer list', () => {
      const ten = { SchemaVersion: '1.0', Actions: Array.from({ length: MAX_ACTIONS }, speak) };
      expectValid(ten);
      const eleven = { SchemaVersion: '1.0', Actions: Array.from({ length: 11 }, speak) };
      expect(issuesOf(eleven)).toEqual(['Actions: 11 actions, at most 10 per response']);
      const broken = speak();
      broken.Parameters.Text = '';
      eleven.Actions[10] = broken;
      expect(issuesOf(eleven).some((i) => i.startsWith('Actions[10].Parameters.Text (Speak)'))).toBe(true);
      expect(SmaResponseSchema.safeParse({ SchemaVersion: '1.0', Actions: Array.from({ length: 11 }, speak) }).success).toBe(false);
      expect(SmaResponseSchema.safeParse(ten).success).toBe(true);
    });

    it('names an action type outside the reference', () => {
      expectIssue({ SchemaVersion: '1.0', Actions: [{ Type: 'JoinChimeMeeting', Parameters: { JoinToken: 't' } }] }, 'Actions[0].Type (JoinChimeMeeting)', 'not an action of the reference');
      expectIssue({ SchemaVersion: '1.0', Actions: [{ Parameters: {} }] }, 'Actions[0].Type', 'not an action');
      expectIssue({ SchemaVersion: '1.0', Actions: [{ Type: 'Speak', Parameters: { CallId: 'c', Text: 'hi' }, Extra: 1 }] }, 'Actions[0].Extra (Speak)', 'unknown');
    });

    it('requires SchemaVersion 1.0 and rejects unknown top-level fields', () => {
      expectIssue({ SchemaVersion: '2.0', Actions: [] }, 'SchemaVersion');
      expectIssue({ Actions: [] }, 'SchemaVersion', 'required');
      expectIssue({ SchemaVersion: '1.0', Actions: [], Version: '2012-10-17' }, 'Version', 'unknown');
      expectIssue('not a response', '(response)');
    });

    it('accepts an empty list (replaces queued actions) and a null or absent one (keeps them)', () => {
      expectValid({ SchemaVersion: '1.0', Actions: [] });
      expectValid({ SchemaVersion: '1.0', Actions: null });
      expectValid({ SchemaVersion: '1.0' });
    });

    it('keeps TransactionAttributes string to string', () => {
      expectIssue({ SchemaVersion: '1.0', Actions: [], TransactionAttributes: { attempt: 2 } }, 'TransactionAttributes.attempt');
      expectIssue({ SchemaVersion: '1.0', Actions: [], TransactionAttributes: ['a'] }, 'TransactionAttributes');
    });

    it('applies the strict attribute limits by default and the published ones on request', () => {
      const eleven = { SchemaVersion: '1.0', Actions: [], TransactionAttributes: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v'])) };
      expectIssue(eleven, 'TransactionAttributes', 'at most 10');
      expect(validateSmaResponse(eleven, { transactionAttributeLimits: PUBLISHED_TRANSACTION_ATTRIBUTE_LIMITS })).toEqual({ ok: true });

      const long = { SchemaVersion: '1.0', Actions: [], TransactionAttributes: { state: 'x'.repeat(1025) } };
      expectIssue(long, 'TransactionAttributes.state', '1024');
      expect(validateSmaResponse({ ...long, TransactionAttributes: { state: 'x'.repeat(1024) } })).toEqual({ ok: true });
      expect(validateSmaResponse(long, { transactionAttributeLimits: PUBLISHED_TRANSACTION_ATTRIBUTE_LIMITS })).toEqual({ ok: true });

      const huge = { SchemaVersion: '1.0', Actions: [], TransactionAttributes: { a: 'x'.repeat(12_000), b: 'y'.repeat(8_000) } };
      const published = validateSmaResponse(huge, { transactionAttributeLimits: PUBLISHED_TRANSACTION_ATTRIBUTE_LIMITS });
      expect(published.ok).toBe(false);
      if (!published.ok) expect(published.issues.join()).toContain('limit 20000');
    });

    it('never throws and accepts Speak text exactly up to 1,000 characters (property)', () => {
      fc.assert(
        fc.property(fc.jsonValue(), (v) => {
          const r = validateSmaResponse(v);
          return r.ok === true || (r.issues.length > 0 && r.issues.every((i) => typeof i === 'string'));
        }),
      );
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 2000 }), (n) => {
          const r = { SchemaVersion: '1.0', Actions: [{ Type: 'Speak', Parameters: { CallId: 'c', Text: 'x'.repeat(n) } }] };
          return validateSmaResponse(r).ok === n <= 1000;
        }),
      );
    });
  });

  it('lists documented error types for the actions that have an error table', () => {
    for (const t of ['Speak', 'SpeakAndGetDigits', 'StartBotConversation', 'CallAndBridge', 'StartCallRecording', 'PlayAudio'] as const) {
      expect(DOCUMENTED_ACTION_ERRORS[t]?.length, t).toBeGreaterThan(0);
    }
    const bot = DOCUMENTED_ACTION_ERRORS.StartBotConversation!.map((e) => e.errorType);
    expect(bot).toEqual(['InvalidActionParameter', 'SystemException', 'ResourceNotFound', 'ResourceAccessDenied', 'ActionExecutionThrottled']);
    expect(DOCUMENTED_ACTION_ERRORS.StartBotConversation!.filter((e) => e.configuration).map((e) => e.errorType)).toEqual(
      expect.arrayContaining(['ResourceNotFound', 'ResourceAccessDenied']),
    );
  });
});

describe('guide example events (test/fixtures/chime/events)', () => {
  const dir = fileURLToPath(new URL('../../fixtures/chime/events/', import.meta.url));
  const all = allGuideEvents();

  /**
   * Documented shapes parseSmaEvent rejects; each would be a finding for test/lib/telephony/guide-conformance.todo.md.
   * None today (invalid-lambda-response.action-data was one: issue 8, finding 5).
   */
  const KNOWN_REJECTED = new Set<string>([]);

  it('lists every fixture file in index.json and nothing else', () => {
    const files = readdirSync(dir).filter((f) => f !== 'index.json').sort();
    expect(all.map((e) => e.file).sort()).toEqual(files);
  });

  it('agrees with index.json on event type, action type and error type', () => {
    for (const e of all) {
      const raw = JSON.parse(readFileSync(`${dir}${e.file}`, 'utf8')) as JsonObject;
      expect(raw.InvocationEventType, e.name).toBe(e.eventType);
      const ad = raw.ActionData as JsonObject | undefined;
      expect(ad?.Type ?? null, e.name).toBe(e.actionType);
      expect(ad?.ErrorType ?? null, e.name).toBe(e.eventType === 'INVALID_LAMBDA_RESPONSE' ? (ad?.ErrorType ?? null) : e.errorType);
    }
  });

  it('covers every invocation event type', () => {
    expect(new Set(all.map((e) => e.eventType))).toEqual(new Set(InvocationEventType.options));
  });

  it('has ACTION_SUCCESSFUL and ACTION_FAILED for every action Reachout sends', () => {
    for (const t of ['Speak', 'SpeakAndGetDigits', 'StartBotConversation', 'Pause', 'Hangup', 'CallAndBridge', 'StartCallRecording', 'ReceiveDigits', 'PlayAudio']) {
      expect(all.some((e) => e.eventType === 'ACTION_SUCCESSFUL' && e.actionType === t), `${t} successful`).toBe(true);
      expect(all.some((e) => e.eventType === 'ACTION_FAILED' && e.actionType === t), `${t} failed`).toBe(true);
    }
    const botFailures = all.filter((e) => e.actionType === 'StartBotConversation' && e.eventType === 'ACTION_FAILED').map((e) => e.errorType);
    expect(botFailures.sort()).toEqual(DOCUMENTED_ACTION_ERRORS.StartBotConversation!.map((e) => e.errorType).sort());
  });

  it('uses only documented error types where the guide has an error table', () => {
    for (const e of all.filter((x) => x.eventType === 'ACTION_FAILED' && x.errorType !== null)) {
      const documented = DOCUMENTED_ACTION_ERRORS[e.actionType as SmaActionType];
      if (documented) expect(documented.map((d) => d.errorType), e.name).toContain(e.errorType);
    }
  });

  it('has both INVALID_LAMBDA_RESPONSE shapes and a HANGUP for each leg', () => {
    const top = guideEvent('invalid-lambda-response.top-level');
    expect(top.ErrorType).toBe('TransactionAttributesInvalidMapSize');
    expect(top.ActionData).toBeUndefined();
    const inside = guideEvent('invalid-lambda-response.action-data');
    expect((inside.ActionData as JsonObject).ErrorType).toBe('error-type-1');
    expect(inside.ErrorType).toBeUndefined();
    expect(all.filter((e) => e.eventType === 'HANGUP' && e.leg === 'LEG-A').length).toBeGreaterThanOrEqual(2);
    expect(all.filter((e) => e.eventType === 'HANGUP' && e.leg === 'LEG-B').length).toBeGreaterThanOrEqual(2);
  });

  it('parses with parseSmaEvent, except the shapes listed in guide-conformance.todo.md', () => {
    for (const name of KNOWN_REJECTED) expect(all.map((e) => e.name)).toContain(name);
    for (const e of all.filter((x) => !KNOWN_REJECTED.has(x.name))) {
      const r = parseSmaEvent(guideEvent(e.name));
      expect(r.ok ? 'ok' : r.message, e.name).toBe('ok');
    }
  });

  it('cites a guide page and says what was filled in whenever a fixture is not verbatim', () => {
    for (const e of all) {
      if (e.fidelity !== 'verbatim') expect(e.notes.length, e.name).toBeGreaterThan(20);
    }
  });
});

describe('guideEvent', () => {
  it('returns an independent copy each time', () => {
    const a = guideEvent('action-successful.speak');
    (a.ActionData as JsonObject).Type = 'Changed';
    expect((guideEvent('action-successful.speak').ActionData as JsonObject).Type).toBe('Speak');
  });

  it('deep-merges transaction attributes and removes keys with REMOVE', () => {
    const e = guideEvent('action-successful.play-audio.transaction-attributes', { transactionAttributes: { key2: REMOVE, callId: 'c1' } });
    expect((e.CallDetails as JsonObject).TransactionAttributes).toEqual({ key1: 'value1', callId: 'c1' });
    const created = guideEvent('new-outbound-call', { transactionAttributes: { jobId: 'j1' } });
    expect((created.CallDetails as JsonObject).TransactionAttributes).toEqual({ jobId: 'j1' });
    const dropped = guideEvent('action-successful.play-audio.transaction-attributes', { transactionAttributes: REMOVE });
    expect((dropped.CallDetails as JsonObject).TransactionAttributes).toBeUndefined();
  });

  it('merges participants by tag (case-insensitively), appends and removes them', () => {
    const e = guideEvent('hangup.leg-b', { participants: { 'LEG-B': { Status: 'Connected' }, 'LEG-A': REMOVE } });
    const parts = (e.CallDetails as JsonObject).Participants as JsonObject[];
    expect(parts).toHaveLength(1);
    expect(parts[0]).toMatchObject({ ParticipantTag: 'Leg-B', CallId: 'call-id-2', Status: 'Connected' });
    const added = guideEvent('call-answered', { participants: { 'LEG-B': { CallId: 'call-id-9', Status: 'Connected' } } });
    expect(((added.CallDetails as JsonObject).Participants as JsonObject[]).map((p) => p.ParticipantTag)).toEqual(['LEG-A', 'LEG-B']);
  });

  it('deep-merges ActionData and renames the LEG-A call id everywhere', () => {
    const e = guideEvent('action-failed.speak.system-exception', { actionData: { ErrorType: 'ActionExecutionThrottled', Parameters: { Text: 'Bonjour' } }, legACallId: 'abc', sequence: 9, transactionId: 'tx-9' });
    const ad = e.ActionData as JsonObject;
    expect(ad.ErrorType).toBe('ActionExecutionThrottled');
    expect(ad.Parameters).toMatchObject({ Text: 'Bonjour', VoiceId: 'Joanna', CallId: 'abc' });
    expect(((e.CallDetails as JsonObject).Participants as JsonObject[])[0]!.CallId).toBe('abc');
    expect(e.Sequence).toBe(9);
    expect((e.CallDetails as JsonObject).TransactionId).toBe('tx-9');
    const bot = guideEvent('action-successful.start-bot-conversation', { legACallId: 'abc' });
    expect((bot.ActionData as JsonObject).CallId).toBe('abc');
  });

  it('names the known events when asked for an unknown one', () => {
    expect(() => guideEvent('no-such-event')).toThrow(/known: .*new-outbound-call/);
  });
});
