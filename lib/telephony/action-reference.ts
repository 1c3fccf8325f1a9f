import * as z from 'zod';

/**
 * The action reference of the Amazon Chime SDK PSTN audio service as zod schemas: one strict schema per
 * SIP media application (SMA) action we send or may send, with exactly the documented parameter names,
 * required/optional as documented and every documented value limit. Unknown parameters are rejected: Chime
 * answers them with INVALID_LAMBDA_RESPONSE or ACTION_FAILED(InvalidActionParameter), which on a live call
 * means dead air, so a response is checked here before it leaves the handler (and in every test).
 *
 * Sources: the Amazon Chime SDK developer guide, repository `awsdocs/amazon-chime-sdk-developer-guide`,
 * folder `doc_source/`; each limit names its page. Where the guide contradicts itself (two versions of a
 * page, or a table against its own example) the stricter reading is taken and the comment says so;
 * `docs/chime-reference.md` lists every choice.
 */

/** Repository and folder the page names in this module refer to. */
export const GUIDE_SOURCE = 'awsdocs/amazon-chime-sdk-developer-guide/doc_source';

// ---------------------------------------------------------------------------------------------------------
// Shared parameter shapes
// ---------------------------------------------------------------------------------------------------------

/** `CallId`: "A valid call ID" (every action page). */
const CallId = z.string().min(1, { error: 'must be a non-empty call id' });

/** `ParticipantTag`: "`LEG-A` or `LEG-B`" (pause.md, hangup.md, play-audio.md, listen-to-digits.md). */
const LegTag = z.enum(['LEG-A', 'LEG-B']);

/** E.164: "A valid phone number in the E.164 format" (call-and-bridge.md). */
const E164 = z.string().regex(/^\+[1-9]\d{1,14}$/, { error: 'must be an E.164 phone number (+ then up to 15 digits)' });

/** Integer > 0. */
const PositiveInt = z.number().int().positive();

/**
 * Integer > 0 given as a JSON number or a string of digits. The guide's own examples send these as strings
 * (pause.md: `"DurationInMilliseconds": "3000"`, play-audio.md: `"Repeat": "5"`) while the tables say
 * "An integer >0", so both spellings are accepted; anything else (decimals, "0", "abc") is not.
 */
const PositiveIntLike = z.union(
  [PositiveInt, z.string().regex(/^[1-9]\d*$/, { error: 'must be an integer > 0 (digits only)' })],
  { error: 'must be an integer > 0 (a number or a string of digits)' },
);

/** A valid JavaScript regular expression ("A valid regular expression pattern"). */
const DigitsRegex = z
  .string()
  .min(1)
  .refine(
    (s) => {
      try {
        new RegExp(s);
        return true;
      } catch (error) {
        if (error instanceof SyntaxError) return false;
        throw error;
      }
    },
    { error: 'must be a valid regular expression' },
  );

/** DTMF keys a caller can press: "0 1 2 3 4 5 6 7 8 9 # or *" (speak-and-get-digits.md, play-audio.md). */
const DtmfKey = z.enum(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '#', '*']);

/**
 * `TerminatorDigits`: "Any one of: 0 1 2 3 4 5 6 7 8 9 # or *", default `#` (speak-and-get-digits.md,
 * play-audio-get-digits.md). Stricter reading of "any one of": exactly one terminator key.
 */
const TerminatorDigits = z.array(DtmfKey).length(1, { error: 'must hold exactly one terminator key ("Any one of")' });

/**
 * Polly language code, e.g. `en-US`, `cmn-CN`, `arb`, `en-GB-WLS` (speak.md points to Polly's list of
 * SynthesizeSpeech language codes). Checked for form only: the list itself lives in Polly's reference.
 */
const PollyLanguageCode = z.string().regex(/^[a-z]{2,3}(-[A-Z]{2}(-[A-Z]{3})?)?$/, { error: 'must be a Polly language code such as en-US' });

/** Polly voice id, e.g. `Joanna`, `Zhiyu` (speak.md points to Polly's voice list; form only). */
const PollyVoiceId = z.string().regex(/^[A-Z][A-Za-z]+$/, { error: 'must be a Polly voice id such as Joanna' });

/** `Engine`: "standard | neural" (speak.md, speak-and-get-digits.md). */
const PollyEngine = z.enum(['standard', 'neural']);

/** `TextType`: "ssml | text" (speak.md, speak-and-get-digits.md). */
const TextType = z.enum(['text', 'ssml']);

/** Longest `Text` Speak and SpeakAndGetDigits accept: "`Text` is limited to 1,000 characters" (speak.md, speak-and-get-digits.md error tables). */
export const MAX_SPEECH_TEXT_CHARACTERS = 1000;

/** Speech text: required, at most 1,000 characters (speak.md, speak-and-get-digits.md). Counted in UTF-16 units, the stricter count. */
const SpeechText = z
  .string()
  .min(1, { error: '`Text` is a required parameter (MissingRequiredActionParameter)' })
  .max(MAX_SPEECH_TEXT_CHARACTERS, { error: '`Text` is limited to 1,000 characters (MissingRequiredActionParameter)' });

/** SSML must be a `<speak>` document (speak.md: "follow the SSML format"; Polly requires the `<speak>` root). */
const isSsmlDocument = (s: string) => /^\s*<speak(\s[^>]*)?>[\s\S]*<\/speak>\s*$/.test(s);

type SsmlCheckable = { Text: string; TextType?: 'text' | 'ssml' | undefined };
const checkSsml = (v: SsmlCheckable, ctx: z.RefinementCtx) => {
  if (v.TextType === 'ssml' && !isSsmlDocument(v.Text)) {
    ctx.addIssue({ code: 'custom', path: ['Text'], message: 'TextType is ssml, so Text must be an SSML document <speak>...</speak>' });
  }
};

/** S3 audio file: `{ Type: 'S3', BucketName, Key }` (play-audio.md, call-and-bridge.md `RingbackTone`). */
const S3AudioSource = z.strictObject({
  Type: z.literal('S3'),
  BucketName: z.string().min(1),
  Key: z.string().min(1),
});

/** Either `CallId` or `ParticipantTag` names the leg (start-bot-conversation.md, play-audio.md: "No, if `ParticipantTag` is present"). */
const requireLeg = (v: { CallId?: string | undefined; ParticipantTag?: string | undefined }, ctx: z.RefinementCtx) => {
  if (v.CallId === undefined && v.ParticipantTag === undefined) {
    ctx.addIssue({ code: 'custom', path: ['CallId'], message: 'CallId or ParticipantTag is required' });
  }
};

/** A numeric field of a value that may not have passed its own checks yet. */
const numberField = (v: unknown, key: string): number | undefined => {
  const x = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined;
  return typeof x === 'number' ? x : undefined;
};

/**
 * Min/MaxNumberOfDigits (speak-and-get-digits.md, play-audio-get-digits.md): Min ≥ 0 (default 0), Max "Greater
 * than `MinNumberOfDigits`" (default 128). Run even when other parameters fail (`when`), so one validation
 * reports a missing FailureSpeechParameters and a bad digit range together.
 */
function withDigitCounts<T extends z.ZodType>(schema: T) {
  return schema
    .refine(
      (v) => {
        const max = numberField(v, 'MaxNumberOfDigits');
        return max === undefined || max > (numberField(v, 'MinNumberOfDigits') ?? 0);
      },
      { when: () => true, path: ['MaxNumberOfDigits'], error: 'MaxNumberOfDigits must be greater than MinNumberOfDigits (default 0)' },
    )
    .refine(
      (v) => {
        const min = numberField(v, 'MinNumberOfDigits');
        return numberField(v, 'MaxNumberOfDigits') !== undefined || min === undefined || min < 128;
      },
      { when: () => true, path: ['MinNumberOfDigits'], error: 'MinNumberOfDigits must be below MaxNumberOfDigits (default 128)' },
    );
}

// ---------------------------------------------------------------------------------------------------------
// One schema per action's Parameters
// ---------------------------------------------------------------------------------------------------------

/**
 * `Speak` parameters (speak.md): CallId and Text required; Text ≤ 1,000 characters; Engine standard|neural;
 * TextType text|ssml. speak.md documents no ParticipantTag, so none is accepted.
 */
export const SpeakParameters = z
  .strictObject({
    CallId,
    Text: SpeechText,
    Engine: PollyEngine.optional(),
    LanguageCode: PollyLanguageCode.optional(),
    TextType: TextType.optional(),
    VoiceId: PollyVoiceId.optional(),
  })
  .superRefine(checkSsml);

/** `SpeechParameters` of SpeakAndGetDigits (speak-and-get-digits.md): Text required, ≤ 1,000 characters. */
const SpeechParameters = z
  .strictObject({
    Text: SpeechText,
    Engine: PollyEngine.optional(),
    LanguageCode: PollyLanguageCode.optional(),
    TextType: TextType.optional(),
    VoiceId: PollyVoiceId.optional(),
  })
  .superRefine(checkSsml);

/**
 * `FailureSpeechParameters` of SpeakAndGetDigits (speak-and-get-digits.md). The page's table marks
 * `FailureSpeechParameters.Text` *and* `FailureSpeechParameters.VoiceId` "Required – Yes" while its example
 * comments call VoiceId optional; stricter reading: both required.
 */
const FailureSpeechParameters = z
  .strictObject({
    Text: SpeechText,
    Engine: PollyEngine.optional(),
    LanguageCode: PollyLanguageCode.optional(),
    TextType: TextType.optional(),
    VoiceId: PollyVoiceId,
  })
  .superRefine(checkSsml);

/**
 * `SpeakAndGetDigits` parameters (speak-and-get-digits.md): CallId, SpeechParameters, FailureSpeechParameters
 * and RepeatDurationInMilliseconds required; MinNumberOfDigits ≥ 0; MaxNumberOfDigits > MinNumberOfDigits;
 * InBetweenDigitsDurationInMilliseconds, Repeat, RepeatDurationInMilliseconds > 0 (integers);
 * TerminatorDigits one key of 0-9 # *.
 */
export const SpeakAndGetDigitsParameters = withDigitCounts(
  z.strictObject({
    CallId,
    InputDigitsRegex: DigitsRegex.optional(),
    SpeechParameters,
    FailureSpeechParameters,
    MinNumberOfDigits: z.number().int().min(0).optional(),
    MaxNumberOfDigits: z.number().int().positive().optional(),
    TerminatorDigits: TerminatorDigits.optional(),
    InBetweenDigitsDurationInMilliseconds: PositiveInt.optional(),
    Repeat: PositiveInt.optional(),
    RepeatDurationInMilliseconds: PositiveInt,
  }),
);

/**
 * Lex V2 bot alias ARN: `arn:aws:lex:region:awsAccountId:bot-alias/botId/botAliasId`, bot in the SMA's
 * Region (start-bot-conversation.md). Bot and alias ids are Lex's 10-character alphanumeric ids.
 */
const BotAliasArn = z
  .string()
  .regex(/^arn:aws(-[a-z]+)*:lex:[a-z]{2}(-[a-z]+)+-\d:\d{12}:bot-alias\/[0-9A-Za-z]{10}\/[0-9A-Za-z]{10}$/, {
    error: 'must be a Lex V2 bot alias ARN arn:aws:lex:region:account:bot-alias/botId/botAliasId',
  });

/** Lex locale id such as `en_US`, `zh_CN`, `es_419` (start-bot-conversation.md points to Lex's locale list). */
const LexLocaleId = z.string().regex(/^[a-z]{2}_([A-Z]{2}|\d{3})$/, { error: 'must be a Lex locale id such as en_US' });

/** Largest `Configuration` JSON: "limited to 10 KB" (start-bot-conversation.md). Stricter reading: 10,000 bytes of UTF-8. */
export const MAX_BOT_CONFIGURATION_BYTES = 10_000;

/** `Configuration` of StartBotConversation (start-bot-conversation.md). */
const BotConfiguration = z.strictObject({
  SessionState: z
    .strictObject({
      SessionAttributes: z.record(z.string(), z.string()).optional(),
      DialogAction: z.strictObject({ Type: z.enum(['Delegate', 'ElicitIntent']) }).optional(),
    })
    .optional(),
  WelcomeMessages: z
    .array(
      z
        .strictObject({
          Content: z.string().optional(),
          // "ContentType ... Required – Yes"; PlainText | SSML.
          ContentType: z.enum(['PlainText', 'SSML']),
        })
        .superRefine((m, ctx) => {
          if (m.ContentType === 'SSML' && m.Content !== undefined && !isSsmlDocument(m.Content)) {
            ctx.addIssue({ code: 'custom', path: ['Content'], message: 'ContentType is SSML, so Content must be an SSML document <speak>...</speak>' });
          }
        }),
    )
    .optional(),
});

/**
 * `StartBotConversation` parameters (start-bot-conversation.md): BotAliasArn required; CallId or
 * ParticipantTag (only `LEG-A`); LocaleId default en_US; Configuration ≤ 10 KB as JSON; WelcomeMessages
 * require `DialogAction.Type` ElicitIntent ("If you set the welcomeMessage field, you must set the
 * DialogAction.Type value to ElicitIntent").
 */
export const StartBotConversationParameters = z
  .strictObject({
    CallId: CallId.optional(),
    ParticipantTag: z.literal('LEG-A').optional(),
    BotAliasArn,
    LocaleId: LexLocaleId.optional(),
    Configuration: BotConfiguration.optional(),
  })
  .superRefine((v, ctx) => {
    requireLeg(v, ctx);
    const c = v.Configuration;
    if (!c) return;
    if (Buffer.byteLength(JSON.stringify(c), 'utf8') > MAX_BOT_CONFIGURATION_BYTES) {
      ctx.addIssue({ code: 'custom', path: ['Configuration'], message: `Configuration is limited to 10 KB of JSON (${MAX_BOT_CONFIGURATION_BYTES} bytes)` });
    }
    if (c.WelcomeMessages && c.WelcomeMessages.length > 0 && c.SessionState?.DialogAction?.Type !== 'ElicitIntent') {
      ctx.addIssue({
        code: 'custom',
        path: ['Configuration', 'SessionState', 'DialogAction', 'Type'],
        message: 'WelcomeMessages require SessionState.DialogAction.Type ElicitIntent',
      });
    }
  });

/**
 * `Pause` parameters (pause.md): DurationInMilliseconds required, "An integer >0"; no upper bound is
 * documented. One stored version of pause.md spells it `DurationInMilliSeconds`; the other version and the
 * published page spell it `DurationInMilliseconds`, which is the only spelling accepted here.
 */
export const PauseParameters = z.strictObject({
  CallId: CallId.optional(),
  ParticipantTag: LegTag.optional(),
  DurationInMilliseconds: PositiveIntLike,
});

/** `SipResponseCode` of Hangup: "480–Unavailable; 486–Busy; 0–Normal Termination" (hangup.md); the example sends the string "0". */
const HangupSipResponseCode = z.union([z.enum(['0', '480', '486']), z.literal(0), z.literal(480), z.literal(486)], {
  error: 'SipResponseCode must be 0, 480 or 486',
});

/** `Hangup` parameters (hangup.md): all optional; SipResponseCode 0 (default), 480 or 486. */
export const HangupParameters = z.strictObject({
  CallId: CallId.optional(),
  ParticipantTag: LegTag.optional(),
  SipResponseCode: HangupSipResponseCode.optional(),
});

/** Voice Connector (group) ARN of an `AWS` bridge endpoint (call-and-bridge.md). */
const VoiceConnectorArn = z.string().regex(/^arn:aws(-[a-z]+)*:chime:[a-z0-9-]+:\d{12}:(vc|vcg)\/[0-9a-z]+$/, {
  error: 'must be a Voice Connector or Voice Connector Group ARN',
});

/** `Uri` of an `AWS` endpoint: 1–30 characters of a-z A-Z 0-9 & = + $ / % - _ ! ~ * ( ) . (call-and-bridge.md). */
const AwsEndpointUri = /^[A-Za-z0-9&=+$/%\-_!~*().]{1,30}$/;

/**
 * `CallAndBridge` parameters (call-and-bridge.md): CallerIdNumber (E.164) and Endpoints required;
 * CallTimeoutSeconds an integer 1–120 (older version: "0 < x <= 120"); exactly one endpoint ("Invalid number
 * of endpoints provided. Ensure the Endpoints are not null or zero and not greater than one",
 * unexpected-action-fail.md as published); a PSTN endpoint has an E.164 Uri and no Arn; an AWS endpoint has
 * an Arn; SipHeaders only with the AWS endpoint type. No CallId parameter is documented (Chime adds the
 * A leg's CallId to the ActionData it sends back), so none is accepted.
 */
export const CallAndBridgeParameters = z
  .strictObject({
    CallTimeoutSeconds: z.number().int().min(1).max(120).optional(),
    CallerIdNumber: E164,
    RingbackTone: S3AudioSource.optional(),
    Endpoints: z
      .array(
        z.strictObject({
          BridgeEndpointType: z.enum(['PSTN', 'AWS']),
          Uri: z.string().min(1),
          Arn: z.string().optional(),
        }),
      )
      .length(1, { error: 'Endpoints must hold exactly one endpoint' }),
    SipHeaders: z.record(z.string(), z.string()).optional(),
  })
  .superRefine((v, ctx) => {
    v.Endpoints.forEach((e, i) => {
      if (e.BridgeEndpointType === 'PSTN') {
        if (!E164.safeParse(e.Uri).success) ctx.addIssue({ code: 'custom', path: ['Endpoints', i, 'Uri'], message: 'a PSTN endpoint Uri must be an E.164 phone number' });
        if (e.Arn !== undefined) ctx.addIssue({ code: 'custom', path: ['Endpoints', i, 'Arn'], message: 'a PSTN endpoint takes no Arn' });
      } else {
        if (!AwsEndpointUri.test(e.Uri)) ctx.addIssue({ code: 'custom', path: ['Endpoints', i, 'Uri'], message: 'an AWS endpoint Uri is 1-30 characters of a-z A-Z 0-9 &=+$/%-_!~*().' });
        if (e.Arn === undefined || !VoiceConnectorArn.safeParse(e.Arn).success) {
          ctx.addIssue({ code: 'custom', path: ['Endpoints', i, 'Arn'], message: 'an AWS endpoint needs the Voice Connector (group) ARN' });
        }
      }
    });
    if (v.SipHeaders !== undefined && !v.Endpoints.some((e) => e.BridgeEndpointType === 'AWS')) {
      ctx.addIssue({ code: 'custom', path: ['SipHeaders'], message: 'SipHeaders are only allowed with the AWS endpoint type' });
    }
  });

/**
 * Recording destination `Location`: "A valid Amazon S3 bucket and an optional Amazon S3 key prefix"
 * (start-call-recording.md). Bucket names follow S3's rules (3–63 lowercase letters, digits, dots, hyphens).
 */
const RecordingLocation = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, { error: 'must be an S3 bucket name, optionally followed by /prefix' });

/**
 * `StartCallRecording` parameters (start-call-recording.md): CallId, Track (BOTH | INCOMING | OUTGOING) and
 * Destination `{ Type: 'S3', Location }` all required.
 */
export const StartCallRecordingParameters = z.strictObject({
  CallId,
  Track: z.enum(['BOTH', 'INCOMING', 'OUTGOING']),
  Destination: z.strictObject({ Type: z.literal('S3'), Location: RecordingLocation }),
});

/** `StopCallRecording` parameters (stop-call-recording.md): CallId required. */
export const StopCallRecordingParameters = z.strictObject({ CallId });

/**
 * `PlayAudio` parameters (play-audio.md, both stored versions): AudioSource `{ Type: 'S3', BucketName, Key }`
 * required; PlaybackTerminators keys of 0-9 # *; Repeat an integer > 0. One version makes CallId and
 * ParticipantTag optional, the other requires one of them; stricter reading: one of them is required.
 */
export const PlayAudioParameters = z
  .strictObject({
    CallId: CallId.optional(),
    ParticipantTag: LegTag.optional(),
    PlaybackTerminators: z.array(DtmfKey).min(1).optional(),
    Repeat: PositiveIntLike.optional(),
    AudioSource: S3AudioSource,
  })
  .superRefine(requireLeg);

/**
 * `PlayAudioAndGetDigits` parameters (play-audio-get-digits.md): AudioSource, FailureAudioSource and
 * RepeatDurationInMilliseconds required; the digit rules are those of SpeakAndGetDigits.
 */
export const PlayAudioAndGetDigitsParameters = withDigitCounts(
  z.strictObject({
    CallId: CallId.optional(),
    ParticipantTag: LegTag.optional(),
    InputDigitsRegex: DigitsRegex.optional(),
    AudioSource: S3AudioSource,
    FailureAudioSource: S3AudioSource,
    MinNumberOfDigits: z.number().int().min(0).optional(),
    MaxNumberOfDigits: z.number().int().positive().optional(),
    TerminatorDigits: TerminatorDigits.optional(),
    InBetweenDigitsDurationInMilliseconds: PositiveInt.optional(),
    Repeat: PositiveInt.optional(),
    RepeatDurationInMilliseconds: PositiveInt,
  }),
);

/**
 * `ReceiveDigits` parameters (listen-to-digits.md): InputDigitsRegex, InBetweenDigitsDurationInMilliseconds
 * and FlushDigitsDurationInMilliseconds required. The page gives Flush's allowed values as
 * "`InBetweenDigitsDurationInMilliseconds`"; stricter reading: Flush ≥ InBetween, both integers > 0.
 */
export const ReceiveDigitsParameters = z
  .strictObject({
    CallId: CallId.optional(),
    ParticipantTag: LegTag.optional(),
    InputDigitsRegex: DigitsRegex,
    InBetweenDigitsDurationInMilliseconds: PositiveInt,
    FlushDigitsDurationInMilliseconds: PositiveInt,
  })
  .superRefine((v, ctx) => {
    if (v.FlushDigitsDurationInMilliseconds < v.InBetweenDigitsDurationInMilliseconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['FlushDigitsDurationInMilliseconds'],
        message: 'FlushDigitsDurationInMilliseconds must be at least InBetweenDigitsDurationInMilliseconds',
      });
    }
  });

/** `SendDigits` parameters (send-digits.md): up to 50 of 0-9 * # A-D and comma; ToneDurationInMilliseconds 50–24000. */
export const SendDigitsParameters = z.strictObject({
  CallId,
  Digits: z.string().regex(/^[0-9*#A-D,]{1,50}$/, { error: 'Digits are 1-50 of 0-9 * # A B C D and comma' }),
  ToneDurationInMilliseconds: z.number().int().min(50).max(24000).optional(),
});

/** `VoiceFocus` parameters (voice-focus.md): Enable (boolean) and CallId required. */
export const VoiceFocusParameters = z.strictObject({ Enable: z.boolean(), CallId });

// ---------------------------------------------------------------------------------------------------------
// Actions, the response, and what the guide says about errors
// ---------------------------------------------------------------------------------------------------------

const action = <T extends string, P extends z.ZodType>(type: T, parameters: P) => z.strictObject({ Type: z.literal(type), Parameters: parameters });

/** `Speak` action (speak.md). */
export const SpeakAction = action('Speak', SpeakParameters);
/** `SpeakAndGetDigits` action (speak-and-get-digits.md). */
export const SpeakAndGetDigitsAction = action('SpeakAndGetDigits', SpeakAndGetDigitsParameters);
/** `StartBotConversation` action (start-bot-conversation.md). */
export const StartBotConversationAction = action('StartBotConversation', StartBotConversationParameters);
/** `Pause` action (pause.md). */
export const PauseAction = action('Pause', PauseParameters);
/** `Hangup` action (hangup.md). */
export const HangupAction = action('Hangup', HangupParameters);
/** `CallAndBridge` action (call-and-bridge.md). */
export const CallAndBridgeAction = action('CallAndBridge', CallAndBridgeParameters);
/** `StartCallRecording` action (start-call-recording.md). */
export const StartCallRecordingAction = action('StartCallRecording', StartCallRecordingParameters);
/** `StopCallRecording` action (stop-call-recording.md). */
export const StopCallRecordingAction = action('StopCallRecording', StopCallRecordingParameters);
/** `PlayAudio` action (play-audio.md). */
export const PlayAudioAction = action('PlayAudio', PlayAudioParameters);
/** `PlayAudioAndGetDigits` action (play-audio-get-digits.md). */
export const PlayAudioAndGetDigitsAction = action('PlayAudioAndGetDigits', PlayAudioAndGetDigitsParameters);
/** `ReceiveDigits` action (listen-to-digits.md). */
export const ReceiveDigitsAction = action('ReceiveDigits', ReceiveDigitsParameters);
/** `SendDigits` action (send-digits.md). */
export const SendDigitsAction = action('SendDigits', SendDigitsParameters);
/** `VoiceFocus` action (voice-focus.md). */
export const VoiceFocusAction = action('VoiceFocus', VoiceFocusParameters);

/** Every action this reference covers, keyed on `Type`. Other documented actions (JoinChimeMeeting, RecordAudio...) are not sent by Reachout and are rejected. */
export const SmaActionSchema = z.discriminatedUnion('Type', [
  SpeakAction,
  SpeakAndGetDigitsAction,
  StartBotConversationAction,
  PauseAction,
  HangupAction,
  CallAndBridgeAction,
  StartCallRecordingAction,
  StopCallRecordingAction,
  PlayAudioAction,
  PlayAudioAndGetDigitsAction,
  ReceiveDigitsAction,
  SendDigitsAction,
  VoiceFocusAction,
]);
/** One action of a response, as the reference allows it. */
export type SmaReferenceAction = z.infer<typeof SmaActionSchema>;
/** Action types this reference covers. */
export type SmaActionType = SmaReferenceAction['Type'];
/** Action types this reference covers, in the order above. */
export const SMA_ACTION_TYPES: readonly SmaActionType[] = SmaActionSchema.options.map((o) => o.shape.Type.value);

/** Most actions in one response: "You can respond with a maximum of 10 actions for each AWS Lambda invocation" (use-create-call-api.md, invoke-on-call-leg.md). */
export const MAX_ACTIONS = 10;

/** Size limits of `TransactionAttributes`. */
export interface TransactionAttributeLimits {
  /** Most key/value pairs. */
  maxPairs: number;
  /** Longest key and longest value, in characters (undefined: no per-entry limit). */
  maxEntryCharacters?: number;
  /** Largest UTF-8 size of the attributes as JSON. */
  maxJsonBytes: number;
}

/**
 * The stricter reading of the two versions of transaction-attributes.md: the stored page says "a maximum
 * of 10 key/value pairs, and each key or value can contain 1,024 characters" (and attribute-trans-invalid.md
 * shows INVALID_LAMBDA_RESPONSE "TransactionAttributesInvalidMapSize ... Maximum number of mappings is 10");
 * the published page says "a maximum of 100 key/value pairs ... a maximum payload size of 20 KB". Strict
 * applies all of them, with 20 KB read as 20,000 bytes.
 */
export const STRICT_TRANSACTION_ATTRIBUTE_LIMITS: TransactionAttributeLimits = { maxPairs: 10, maxEntryCharacters: 1024, maxJsonBytes: 20_000 };

/** The published transaction-attributes.md alone: 100 pairs, 20 KB payload (read as 20,000 bytes), no per-entry limit. */
export const PUBLISHED_TRANSACTION_ATTRIBUTE_LIMITS: TransactionAttributeLimits = { maxPairs: 100, maxJsonBytes: 20_000 };

function transactionAttributesSchema(limits: TransactionAttributeLimits) {
  return z.record(z.string(), z.string()).superRefine((attrs, ctx) => {
    const keys = Object.keys(attrs);
    if (keys.length > limits.maxPairs) {
      ctx.addIssue({ code: 'custom', path: [], message: `at most ${limits.maxPairs} key/value pairs (TransactionAttributesInvalidMapSize), got ${keys.length}` });
    }
    if (limits.maxEntryCharacters !== undefined) {
      for (const k of keys) {
        if (k.length > limits.maxEntryCharacters) ctx.addIssue({ code: 'custom', path: [k], message: `key longer than ${limits.maxEntryCharacters} characters` });
        if (attrs[k]!.length > limits.maxEntryCharacters) ctx.addIssue({ code: 'custom', path: [k], message: `value of ${attrs[k]!.length} characters, limit ${limits.maxEntryCharacters}` });
      }
    }
    const bytes = Buffer.byteLength(JSON.stringify(attrs), 'utf8');
    if (bytes > limits.maxJsonBytes) ctx.addIssue({ code: 'custom', path: [], message: `${bytes} bytes of JSON, limit ${limits.maxJsonBytes}` });
  });
}

/**
 * Response schema for the given attribute limits. `Actions` may be absent or null: "If the SIP media
 * application receives a NULL action set, it keeps the existing actions" (invoke-on-call-leg.md), whereas an
 * empty list replaces them ("If you don't want to run any actions, respond with an empty list",
 * use-create-call-api.md).
 */
export function smaResponseSchema(limits: TransactionAttributeLimits = STRICT_TRANSACTION_ATTRIBUTE_LIMITS) {
  return z.strictObject({
    SchemaVersion: z.literal('1.0'),
    Actions: z.array(SmaActionSchema).max(MAX_ACTIONS, { error: `at most ${MAX_ACTIONS} actions per response` }).nullable().optional(),
    TransactionAttributes: transactionAttributesSchema(limits).optional(),
  });
}

/** A whole SMA response under the strict attribute limits: SchemaVersion '1.0', ≤ 10 reference actions, string attributes. */
export const SmaResponseSchema = smaResponseSchema();
/** A response the reference accepts. */
export type SmaReferenceResponse = z.infer<typeof SmaResponseSchema>;

/** Options of {@link validateSmaResponse}. */
export interface ValidateSmaResponseOptions {
  /** Limits applied to TransactionAttributes; the strict reading unless given. */
  transactionAttributeLimits?: TransactionAttributeLimits;
}

const formatPath = (path: readonly PropertyKey[]) =>
  path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${String(p)}` : String(p)), '');

/** Whether `path` names a key its parent object (within `root`) lacks or holds undefined (dropped by JSON). */
function isMissing(root: unknown, path: readonly PropertyKey[]): boolean {
  let parent: unknown = root;
  for (const key of path.slice(0, -1)) {
    if (typeof parent !== 'object' || parent === null) return false;
    parent = (parent as Record<PropertyKey, unknown>)[key];
  }
  const last = path[path.length - 1];
  return last !== undefined && typeof parent === 'object' && parent !== null && !Array.isArray(parent) && (parent as Record<PropertyKey, unknown>)[last] === undefined;
}

function formatIssues(issues: readonly z.core.$ZodIssue[], input: unknown, prefix: readonly PropertyKey[], label = ''): string[] {
  const out: string[] = [];
  for (const i of issues) {
    const path = [...prefix, ...i.path];
    if (i.code === 'unrecognized_keys') {
      for (const k of i.keys) out.push(`${formatPath([...path, k])}${label}: unknown parameter, not in the action reference`);
    } else if (i.code !== 'custom' && isMissing(input, i.path)) {
      out.push(`${formatPath(path)}${label}: required parameter is missing`);
    } else {
      out.push(`${formatPath(path) || '(response)'}${label}: ${i.message}`);
    }
  }
  return out;
}

/**
 * Checks a response against the action reference: names, required parameters, value limits, at most 10
 * actions, string-valued transaction attributes within limits. Every issue names the offending parameter as
 * a path such as `Actions[0].Parameters.Text (Speak): ...`; each action is checked even when the list is too
 * long, so one call reports every problem.
 */
export function validateSmaResponse(response: unknown, options: ValidateSmaResponseOptions = {}): { ok: true } | { ok: false; issues: string[] } {
  const limits = options.transactionAttributeLimits ?? STRICT_TRANSACTION_ATTRIBUTE_LIMITS;
  const issues: string[] = [];
  const envelope = z
    .strictObject({
      SchemaVersion: z.literal('1.0'),
      Actions: z.array(z.unknown()).nullable().optional(),
      TransactionAttributes: transactionAttributesSchema(limits).optional(),
    })
    .safeParse(response);
  if (!envelope.success) issues.push(...formatIssues(envelope.error.issues, response, []));
  const actions = typeof response === 'object' && response !== null ? (response as { Actions?: unknown }).Actions : undefined;
  if (Array.isArray(actions)) {
    if (actions.length > MAX_ACTIONS) issues.push(`Actions: ${actions.length} actions, at most ${MAX_ACTIONS} per response`);
    actions.forEach((a, index) => {
      const type = typeof a === 'object' && a !== null ? (a as { Type?: unknown }).Type : undefined;
      const label = typeof type === 'string' ? ` (${type})` : '';
      if (typeof type !== 'string' || !(SMA_ACTION_TYPES as readonly string[]).includes(type)) {
        issues.push(`Actions[${index}].Type${label}: not an action of the reference (${SMA_ACTION_TYPES.join(', ')})`);
        return;
      }
      const r = SmaActionSchema.safeParse(a);
      if (!r.success) issues.push(...formatIssues(r.error.issues, a, ['Actions', index], label));
    });
  }
  return issues.length === 0 ? { ok: true } : { ok: false, issues };
}

/** One error type the guide lists for an action, with its documented message and the page. */
export interface DocumentedError {
  errorType: string;
  message: string;
  /** Page under {@link GUIDE_SOURCE}. */
  source: string;
  /** Whether the cause is the deployment (permissions, missing bot, bad parameter) rather than the moment. */
  configuration: boolean;
}

/**
 * ErrorType values the guide documents in ACTION_FAILED per action. Pause, Hangup, ReceiveDigits and
 * StopCallRecording have no error table in the guide; StartCallRecording's own failure example carries
 * `"Error": "NoAccessToDestination: ..."` instead of ErrorType/ErrorMessage.
 */
export const DOCUMENTED_ACTION_ERRORS: Readonly<Partial<Record<SmaActionType, readonly DocumentedError[]>>> = {
  Speak: [
    { errorType: 'AccessDenied', message: 'The AWSServiceRoleForAmazonChimeVoiceConnector service-linked role is not configured correctly.', source: 'speak.md', configuration: true },
    { errorType: 'InvalidActionParameter', message: '', source: 'speak.md', configuration: true },
    { errorType: 'ActionExecutionThrottled', message: 'Amazon Polly is throttling the request to synthesize speech.', source: 'speak.md', configuration: false },
    { errorType: 'MissingRequiredActionParameter', message: '`Text` is a required parameter.', source: 'speak.md', configuration: true },
    { errorType: 'MissingRequiredActionParameter', message: '`Text` is limited to 1,000 characters', source: 'speak.md', configuration: true },
    { errorType: 'SystemException', message: 'System error while running action.', source: 'speak.md', configuration: false },
  ],
  SpeakAndGetDigits: [
    { errorType: 'AccessDenied', message: 'The AWSServiceRoleForAmazonChimeVoiceConnector role is not configured correctly.', source: 'speak-and-get-digits.md', configuration: true },
    { errorType: 'InvalidActionParameter', message: '', source: 'speak-and-get-digits.md', configuration: true },
    { errorType: 'MissingRequiredActionParameter', message: '`Text` is a required parameter.', source: 'speak-and-get-digits.md', configuration: true },
    { errorType: 'MissingRequiredActionParameter', message: '`Text` is limited to 1,000 characters', source: 'speak-and-get-digits.md', configuration: true },
    { errorType: 'SystemException', message: 'System error while running action.', source: 'speak-and-get-digits.md', configuration: false },
  ],
  StartBotConversation: [
    { errorType: 'InvalidActionParameter', message: 'One or more action parameters are invalid.', source: 'start-bot-conversation.md', configuration: true },
    { errorType: 'SystemException', message: 'A system error occurred while running an action.', source: 'start-bot-conversation.md', configuration: false },
    { errorType: 'ResourceNotFound', message: 'A specified bot is not found.', source: 'start-bot-conversation.md', configuration: true },
    { errorType: 'ResourceAccessDenied', message: 'Access to the bot is denied.', source: 'start-bot-conversation.md', configuration: true },
    { errorType: 'ActionExecutionThrottled', message: 'Bot conversation service limit is exceeded.', source: 'start-bot-conversation.md', configuration: false },
  ],
  CallAndBridge: [
    { errorType: 'CallNotAnswered', message: 'Call not answered', source: 'call-and-bridge.md', configuration: false },
    { errorType: 'InvalidAudioSource', message: 'Ringtone parameter value is invalid.', source: 'unexpected-action-fail.md (published table)', configuration: true },
    { errorType: 'InvalidActionParameter', message: 'Invalid number of endpoints provided.', source: 'unexpected-action-fail.md (published table)', configuration: true },
    { errorType: 'InvalidActionParameter', message: 'Endpoint parameter is invalid.', source: 'unexpected-action-fail.md (published table)', configuration: true },
    { errorType: 'InvalidActionParameter', message: 'Invalid caller ID.', source: 'unexpected-action-fail.md (published table)', configuration: true },
    { errorType: 'InvalidActionParameter', message: 'Caller ID not defined.', source: 'unexpected-action-fail.md (published table)', configuration: true },
    { errorType: 'InvalidActionParameter', message: 'The MaxCallTimeout parameter is invalid. Timeout must be between 0 and 120 seconds.', source: 'unexpected-action-fail.md (published table)', configuration: true },
  ],
  StartCallRecording: [
    { errorType: 'InvalidActionParameter', message: '`CallId` parameter for action is invalid', source: 'start-call-recording.md', configuration: true },
    { errorType: 'SystemException', message: 'System error while running an action.', source: 'start-call-recording.md', configuration: false },
    { errorType: 'NoAccessToDestination', message: 'Error while accessing destination (sent as "Error", not ErrorType)', source: 'start-call-recording.md', configuration: true },
  ],
  PlayAudio: [
    { errorType: 'InvalidAudioSource', message: 'The audio source parameter is invalid.', source: 'play-audio.md', configuration: true },
    { errorType: 'SystemException', message: 'System error while executing action.', source: 'play-audio.md', configuration: false },
    { errorType: 'InvalidActionParameter', message: '`CallId` or `ParticipantTag` parameter for action is invalid.', source: 'play-audio.md', configuration: true },
  ],
  PlayAudioAndGetDigits: [
    { errorType: 'InvalidAudioSource', message: 'Audio source parameter value is invalid.', source: 'play-audio-get-digits.md', configuration: true },
    { errorType: 'InvalidActionParameter', message: '`CallId` or `ParticipantTag` parameter for the action is invalid.', source: 'play-audio-get-digits.md', configuration: true },
    { errorType: 'SystemException', message: 'System error while executing the action.', source: 'play-audio-get-digits.md', configuration: false },
  ],
  SendDigits: [{ errorType: 'InvalidActionParameter', message: 'ToneDuration parameter value is invalid.', source: 'send-digits.md', configuration: true }],
  VoiceFocus: [
    { errorType: 'ActionExecutionThrottled', message: 'Failed to execute action. The maximum number of actions per second has been reached.', source: 'voice-focus.md', configuration: false },
    { errorType: 'MissingRequiredActionParameter', message: 'Missing required action parameter.', source: 'voice-focus.md', configuration: true },
    { errorType: 'SystemException', message: 'System error while running action.', source: 'voice-focus.md', configuration: false },
  ],
};

/**
 * Events whose response Chime ignores: NEW_OUTBOUND_CALL and RINGING ("Any response for an event related
 * AWS Lambda invocation is ignored", use-create-call-api.md); ACTION_INTERRUPTED ("The SIP media application
 * ignores all actions returned by this invocation", update-sip-call.md). A HANGUP response is ignored when
 * no other participant is Connected (use-cases.md), so it is not listed: it depends on the event.
 */
export const RESPONSE_IGNORED_FOR = ['NEW_OUTBOUND_CALL', 'RINGING', 'ACTION_INTERRUPTED'] as const;
