import type { DialogCommand } from '../dialog/types';
import { MAX_ACTIONS_PER_RESPONSE, type SmaAction } from './sma-events';

/** Languages a call can speak; Polly and Lex locales follow from it. */
export type CallLanguage = 'en' | 'zh';

/** Voice of a scenario (S11): Polly voice, engine, and prosody for speed and volume. */
export interface VoiceSettings {
  language: CallLanguage;
  /** Polly voice id; the language's default when absent. */
  voiceId?: string;
  engine?: 'neural' | 'standard';
  /** Speaking rate in percent of normal (100 = normal, 20..200 as Polly allows). */
  speed?: number;
  /** Volume change in dB (-6..+6; 0 = normal). */
  volumeDb?: number;
}

/** Default Polly voice, Polly language code and Lex locale per call language. */
export const LANGUAGE_DEFAULTS: Record<CallLanguage, { voiceId: string; languageCode: string; lexLocale: string }> = {
  en: { voiceId: 'Joanna', languageCode: 'en-US', lexLocale: 'en_US' },
  zh: { voiceId: 'Zhiyu', languageCode: 'cmn-CN', lexLocale: 'zh_CN' },
};

/** What the action builders need to know about the call. */
export interface ActionContext {
  /** Chime call id of LEG-A. */
  callId: string;
  voice: VoiceSettings;
  /** Lex V2 recogniser bot alias used to listen to speech (T2). */
  recognizerBotAliasArn: string;
  /** Caller id used when transferring (CallAndBridge). */
  callerNumber?: string;
  /** Seconds a transfer target may ring. */
  transferTimeoutSeconds?: number;
}

/** What a listening action waits for, so the handler knows how to read the next event. */
export type Awaiting = 'prompt' | 'speech' | 'keypad' | 'delegate' | 'hangup' | 'transfer' | 'recording' | 'greeting' | 'none';

/** Actions built from a batch of dialog commands, plus what the call now waits for. */
export interface BuiltActions {
  actions: SmaAction[];
  awaiting: Awaiting;
  /** Node the last listen or hang-up belongs to. */
  nodeId?: string;
  /** The batch ends the call (a Hangup action was emitted). */
  hangsUp: boolean;
  hangupReason?: Extract<DialogCommand, { type: 'hangUp' }>['reason'];
}

/** A customer's own Lex V2 bot taking over the conversation (S13); the dialog engine emits it as a `delegate` command. */
export interface DelegateCommand {
  type: 'delegate';
  nodeId?: string;
  botAliasArn: string;
  localeId?: string;
  /** Prompt spoken as the bot's welcome message. */
  text?: string;
  welcomeText?: string;
}

const escapeXml = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

/** Polly SSML for a prompt: prosody only when speed or volume differ from normal. */
export function promptSpeech(text: string, voice: VoiceSettings, ssml?: string): { text: string; textType: 'text' | 'ssml' } {
  if (ssml) return { text: ssml, textType: 'ssml' };
  const rate = voice.speed !== undefined && voice.speed !== 100 ? `${Math.round(Math.min(200, Math.max(20, voice.speed)))}%` : undefined;
  const volume =
    voice.volumeDb !== undefined && voice.volumeDb !== 0
      ? `${voice.volumeDb > 0 ? '+' : ''}${Math.round(Math.min(6, Math.max(-6, voice.volumeDb)))}dB`
      : undefined;
  if (!rate && !volume) return { text, textType: 'text' };
  const attrs = [rate ? `rate="${rate}"` : '', volume ? `volume="${volume}"` : ''].filter(Boolean).join(' ');
  return { text: `<speak><prosody ${attrs}>${escapeXml(text)}</prosody></speak>`, textType: 'ssml' };
}

function voiceParameters(voice: VoiceSettings) {
  const d = LANGUAGE_DEFAULTS[voice.language];
  return { Engine: voice.engine ?? 'neural', LanguageCode: d.languageCode, VoiceId: voice.voiceId ?? d.voiceId };
}

/** A Speak action. */
export function speakAction(ctx: ActionContext, text: string, ssml?: string): SmaAction {
  const s = promptSpeech(text, ctx.voice, ssml);
  return { Type: 'Speak', Parameters: { Text: s.text, CallId: ctx.callId, TextType: s.textType, ...voiceParameters(ctx.voice) } };
}

/** A Pause action (delay before the first prompt). */
export function pauseAction(ctx: ActionContext, ms: number): SmaAction {
  return { Type: 'Pause', Parameters: { CallId: ctx.callId, DurationInMilliseconds: String(Math.max(0, Math.round(ms))) } };
}

/** A Hangup action on LEG-A (SIP response code 0: normal clearing). */
export function hangupAction(ctx: ActionContext, participantTag = 'LEG-A'): SmaAction {
  return { Type: 'Hangup', Parameters: { CallId: ctx.callId, ParticipantTag: participantTag, SipResponseCode: '0' } };
}

/** A StartCallRecording action recording both tracks to `bucket/prefix`. */
export function startRecordingAction(ctx: ActionContext, location: string): SmaAction {
  return { Type: 'StartCallRecording', Parameters: { CallId: ctx.callId, Track: 'BOTH', Destination: { Type: 'S3', Location: location } } };
}

/** A CallAndBridge action transferring the call to a PSTN number. */
export function transferAction(ctx: ActionContext, to: string): SmaAction {
  return {
    Type: 'CallAndBridge',
    Parameters: {
      CallTimeoutSeconds: ctx.transferTimeoutSeconds ?? 30,
      CallerIdNumber: ctx.callerNumber,
      Endpoints: [{ BridgeEndpointType: 'PSTN', Uri: to }],
    },
  };
}

/** A StartBotConversation action: Lex plays the prompt as its welcome message and listens (barge-in is Lex's). */
export function botConversationAction(
  ctx: ActionContext,
  prompt: { text: string; ssml?: string } | undefined,
  bot: { botAliasArn: string; localeId: string },
  sessionAttributes: Record<string, string> = {},
): SmaAction {
  const configuration: Record<string, unknown> = {
    SessionState: { SessionAttributes: sessionAttributes, DialogAction: { Type: 'ElicitIntent' } },
  };
  if (prompt && prompt.text) {
    const s = promptSpeech(prompt.text, ctx.voice, prompt.ssml);
    configuration.WelcomeMessages = [{ ContentType: s.textType === 'ssml' ? 'SSML' : 'PlainText', Content: s.text }];
  }
  return {
    Type: 'StartBotConversation',
    Parameters: { CallId: ctx.callId, ParticipantTag: 'LEG-A', BotAliasArn: bot.botAliasArn, LocaleId: bot.localeId, Configuration: configuration },
  };
}

/** A SpeakAndGetDigits action for keypad-only answers. */
export function speakAndGetDigitsAction(
  ctx: ActionContext,
  prompt: { text: string; ssml?: string } | undefined,
  listen: { timeoutMs: number; maxDigits: number },
): SmaAction {
  // Chime requires speech parameters; a short break stands in when the node has no prompt.
  const s = prompt?.text ? promptSpeech(prompt.text, ctx.voice, prompt.ssml) : { text: '<speak><break time="200ms"/></speak>', textType: 'ssml' as const };
  const max = Math.max(1, Math.min(128, listen.maxDigits));
  return {
    Type: 'SpeakAndGetDigits',
    Parameters: {
      CallId: ctx.callId,
      InputDigitsRegex: `^[0-9*#]{1,${max}}$`,
      SpeechParameters: { Text: s.text, TextType: s.textType, ...voiceParameters(ctx.voice) },
      MinNumberOfDigits: 1,
      MaxNumberOfDigits: max,
      TerminatorDigits: ['#'],
      InBetweenDigitsDurationInMilliseconds: 3000,
      Repeat: 1,
      RepeatDurationInMilliseconds: Math.max(1000, Math.round(listen.timeoutMs)),
    },
  };
}

/** Joins adjacent Speak actions with the same voice into one SSML document, to stay within 10 actions. */
export function mergeSpeaks(actions: SmaAction[]): SmaAction[] {
  const inner = (p: Record<string, unknown>) =>
    p.TextType === 'ssml' ? String(p.Text).replace(/^<speak>/, '').replace(/<\/speak>$/, '') : escapeXml(String(p.Text));
  const out: SmaAction[] = [];
  for (const a of actions) {
    const prev = out[out.length - 1];
    if (prev && prev.Type === 'Speak' && a.Type === 'Speak' && prev.Parameters.VoiceId === a.Parameters.VoiceId) {
      out[out.length - 1] = {
        Type: 'Speak',
        Parameters: { ...prev.Parameters, TextType: 'ssml', Text: `<speak>${inner(prev.Parameters)} ${inner(a.Parameters)}</speak>` },
      };
    } else out.push(a);
  }
  return out;
}

type Say = Extract<DialogCommand, { type: 'say' }>;

/**
 * Turns the channel commands of one engine step into SMA actions (T1). Bookkeeping commands
 * (setTags, markCompleted, recordTurn) are left to the caller. A prompt followed by a listen
 * becomes one listening action that speaks it, so the person can barge in.
 */
export function buildActions(commands: readonly (DialogCommand | DelegateCommand)[], ctx: ActionContext): BuiltActions {
  const actions: SmaAction[] = [];
  let awaiting: Awaiting = 'none';
  let nodeId: string | undefined;
  let hangsUp = false;
  let hangupReason: BuiltActions['hangupReason'];
  let pendingSay: Say | undefined;
  const flushSay = () => {
    if (pendingSay) actions.push(speakAction(ctx, pendingSay.text, pendingSay.ssml));
    pendingSay = undefined;
  };
  for (const c of commands) {
    if (hangsUp || awaiting === 'speech' || awaiting === 'keypad' || awaiting === 'delegate' || awaiting === 'transfer') break;
    switch (c.type) {
      case 'say':
        flushSay();
        pendingSay = c;
        awaiting = 'prompt';
        nodeId = c.nodeId;
        break;
      case 'pause':
        flushSay();
        if (c.ms > 0) actions.push(pauseAction(ctx, c.ms));
        break;
      case 'listen': {
        const prompt = pendingSay ? { text: pendingSay.text, ssml: pendingSay.ssml } : undefined;
        pendingSay = undefined;
        nodeId = c.nodeId;
        if (c.speech) {
          actions.push(botConversationAction(ctx, prompt, { botAliasArn: ctx.recognizerBotAliasArn, localeId: LANGUAGE_DEFAULTS[ctx.voice.language].lexLocale }, { nodeId: c.nodeId, keypad: String(c.keypad) }));
          awaiting = 'speech';
        } else {
          actions.push(speakAndGetDigitsAction(ctx, prompt, c));
          awaiting = 'keypad';
        }
        break;
      }
      case 'hangUp':
        flushSay();
        actions.push(hangupAction(ctx));
        hangsUp = true;
        hangupReason = c.reason;
        awaiting = 'hangup';
        nodeId = c.nodeId;
        break;
      case 'transfer':
        flushSay();
        actions.push(transferAction(ctx, c.to));
        awaiting = 'transfer';
        nodeId = c.nodeId;
        break;
      case 'delegate': {
        const welcome = c.text ?? c.welcomeText;
        const prompt = welcome ? { text: welcome } : pendingSay ? { text: pendingSay.text, ssml: pendingSay.ssml } : undefined;
        pendingSay = undefined;
        actions.push(botConversationAction(ctx, prompt, { botAliasArn: c.botAliasArn, localeId: c.localeId ?? LANGUAGE_DEFAULTS[ctx.voice.language].lexLocale }));
        awaiting = 'delegate';
        nodeId = c.nodeId ?? nodeId;
        break;
      }
      default:
        break;
    }
  }
  flushSay();
  let merged = actions.length > MAX_ACTIONS_PER_RESPONSE ? mergeSpeaks(actions) : actions;
  if (merged.length > MAX_ACTIONS_PER_RESPONSE) {
    // Still too many: keep the last actions (the listen or hang-up that moves the call on) and drop early pauses.
    const tail = merged.slice(-(MAX_ACTIONS_PER_RESPONSE - 1));
    merged = [merged.slice(0, merged.length - tail.length).find((a) => a.Type === 'Speak') ?? merged[0]!, ...tail];
  }
  return { actions: merged, awaiting, nodeId, hangsUp, hangupReason };
}
