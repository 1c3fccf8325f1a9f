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

/** Most characters Chime takes in a Speak or SpeakAndGetDigits `Text` (SSML markup included). */
export const MAX_SPEAK_CHARS = 1000;

/**
 * Splits a prompt into pieces that each fit `MAX_SPEAK_CHARS` once wrapped (prosody SSML included):
 * at sentence ends first, then at commas or spaces, and only as a last resort inside a word.
 */
export function splitForSpeech(text: string, voice: VoiceSettings, limit = MAX_SPEAK_CHARS): string[] {
  const fits = (t: string) => promptSpeech(t, voice).text.length <= limit;
  if (fits(text)) return [text];
  const out: string[] = [];
  let rest = text.trim();
  while (rest.length > 0) {
    if (fits(rest)) {
      out.push(rest);
      break;
    }
    // Largest prefix that fits, cut at the best boundary inside it.
    let lo = 1;
    let hi = rest.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (fits(rest.slice(0, mid))) lo = mid;
      else hi = mid - 1;
    }
    const window = rest.slice(0, lo);
    const cut =
      lastBoundary(window, /[.!?。！？；;]\s*/g) ??
      lastBoundary(window, /[,，、:：]\s*/g) ??
      lastBoundary(window, /\s+/g) ??
      lo;
    out.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  return out.filter(Boolean);
}

function lastBoundary(text: string, re: RegExp): number | undefined {
  let at: number | undefined;
  for (const m of text.matchAll(re)) if (m.index !== undefined && m.index + m[0].length < text.length) at = m.index + m[0].length;
  // A cut in the first fifth of the window would make many tiny pieces; take it only when nothing better exists.
  return at !== undefined && at > text.length / 5 ? at : undefined;
}

/** A Speak action (the text must fit MAX_SPEAK_CHARS once wrapped: see `speakActions`). */
export function speakAction(ctx: ActionContext, text: string, ssml?: string): SmaAction {
  const s = promptSpeech(text, ctx.voice, ssml);
  return { Type: 'Speak', Parameters: { Text: s.text, CallId: ctx.callId, TextType: s.textType, ...voiceParameters(ctx.voice) } };
}

/** Speak actions for a prompt of any length: one per piece of at most MAX_SPEAK_CHARS. */
export function speakActions(ctx: ActionContext, text: string, ssml?: string): SmaAction[] {
  if (ssml) {
    if (ssml.length <= MAX_SPEAK_CHARS) return [speakAction(ctx, text, ssml)];
    // A custom SSML document too long for one action: speak its text instead, in pieces.
    return splitForSpeech(text, ctx.voice).map((piece) => speakAction(ctx, piece));
  }
  return splitForSpeech(text, ctx.voice).map((piece) => speakAction(ctx, piece));
}

/** A Pause action (delay before the first prompt). */
export function pauseAction(ctx: ActionContext, ms: number): SmaAction {
  return { Type: 'Pause', Parameters: { CallId: ctx.callId, DurationInMilliseconds: String(Math.max(1, Math.round(ms))) } };
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
      // The reference allows 1–120 seconds.
      CallTimeoutSeconds: Math.min(120, Math.max(1, Math.round(ctx.transferTimeoutSeconds ?? 30))),
      // Required: the call's own caller number (the transfer shows the same caller id).
      CallerIdNumber: ctx.callerNumber ?? '',
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
  // The action reference wants MaxNumberOfDigits greater than MinNumberOfDigits: a one-key answer takes up
  // to two keys (the second may be the # terminator) and InBetweenDigits ends it early.
  const max = Math.max(2, Math.min(128, listen.maxDigits));
  const failure = promptSpeech(FAILURE_PROMPT[ctx.voice.language], ctx.voice);
  return {
    Type: 'SpeakAndGetDigits',
    Parameters: {
      CallId: ctx.callId,
      InputDigitsRegex: `^[0-9*]{1,${max}}$`,
      SpeechParameters: { Text: s.text, TextType: s.textType, ...voiceParameters(ctx.voice) },
      FailureSpeechParameters: { Text: failure.text, TextType: failure.textType, ...voiceParameters(ctx.voice) },
      MinNumberOfDigits: 1,
      MaxNumberOfDigits: max,
      TerminatorDigits: ['#'],
      InBetweenDigitsDurationInMilliseconds: listen.maxDigits <= 1 ? 1500 : 3000,
      Repeat: 1,
      RepeatDurationInMilliseconds: Math.max(1000, Math.round(listen.timeoutMs)),
    },
  };
}

/** What Chime says when keys pressed do not match (FailureSpeechParameters). */
export const FAILURE_PROMPT: Record<CallLanguage, string> = {
  en: "Sorry, I didn't get that.",
  zh: '抱歉，我没有听清。',
};

/** What the robot says before hanging up when something of ours failed (a polite end instead of dead air). */
export const APOLOGY_PROMPT: Record<CallLanguage, string> = {
  en: 'Sorry, we are having a technical problem and have to end this call. We will call you back. Goodbye.',
  zh: '抱歉，系统出现问题，需要结束本次通话，我们稍后再联系您。再见。',
};

/**
 * Joins adjacent Speak actions with the same voice into one SSML document, to stay within 10 actions,
 * as long as the joined text stays within MAX_SPEAK_CHARS.
 */
export function mergeSpeaks(actions: SmaAction[]): SmaAction[] {
  const inner = (p: Record<string, unknown>) =>
    p.TextType === 'ssml' ? String(p.Text).replace(/^<speak>/, '').replace(/<\/speak>$/, '') : escapeXml(String(p.Text));
  const out: SmaAction[] = [];
  for (const a of actions) {
    const prev = out[out.length - 1];
    if (prev && prev.Type === 'Speak' && a.Type === 'Speak' && prev.Parameters.VoiceId === a.Parameters.VoiceId) {
      const text = `<speak>${inner(prev.Parameters)} ${inner(a.Parameters)}</speak>`;
      if (text.length <= MAX_SPEAK_CHARS) {
        out[out.length - 1] = { Type: 'Speak', Parameters: { ...prev.Parameters, TextType: 'ssml', Text: text } };
        continue;
      }
    }
    out.push(a);
  }
  return out;
}

type Say = Extract<DialogCommand, { type: 'say' }>;

/**
 * A prompt spoken by a listening action: when it is too long for the action's own text, its leading
 * pieces become Speak actions before it and the last piece goes with the listen.
 */
function leadAndLast(ctx: ActionContext, say: Say | { text: string; ssml?: string } | undefined): { lead: SmaAction[]; last?: { text: string; ssml?: string } } {
  if (!say?.text) return { lead: [] };
  if (promptSpeech(say.text, ctx.voice, say.ssml).text.length <= MAX_SPEAK_CHARS) return { lead: [], last: { text: say.text, ssml: say.ssml } };
  const pieces = splitForSpeech(say.text, ctx.voice);
  return { lead: pieces.slice(0, -1).map((p) => speakAction(ctx, p)), last: { text: pieces[pieces.length - 1]! } };
}

/**
 * Turns the channel commands of one engine step into SMA actions (T1). Bookkeeping commands
 * (setTags, markCompleted, recordTurn) are left to the caller. A prompt followed by a listen
 * becomes one listening action that speaks it, so the person can barge in. Every text fits Chime's
 * 1,000 characters, and at most 10 actions go out.
 */
export function buildActions(commands: readonly (DialogCommand | DelegateCommand)[], ctx: ActionContext): BuiltActions {
  const actions: SmaAction[] = [];
  let awaiting: Awaiting = 'none';
  let nodeId: string | undefined;
  let hangsUp = false;
  let hangupReason: BuiltActions['hangupReason'];
  let pendingSay: Say | undefined;
  const flushSay = () => {
    if (pendingSay) actions.push(...speakActions(ctx, pendingSay.text, pendingSay.ssml));
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
        const { lead, last } = leadAndLast(ctx, pendingSay);
        pendingSay = undefined;
        actions.push(...lead);
        nodeId = c.nodeId;
        if (c.speech) {
          actions.push(botConversationAction(ctx, last, { botAliasArn: ctx.recognizerBotAliasArn, localeId: LANGUAGE_DEFAULTS[ctx.voice.language].lexLocale }, { nodeId: c.nodeId, keypad: String(c.keypad) }));
          awaiting = 'speech';
        } else {
          actions.push(speakAndGetDigitsAction(ctx, last, c));
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
        const { lead, last } = leadAndLast(ctx, welcome ? { text: welcome } : pendingSay);
        pendingSay = undefined;
        actions.push(...lead);
        actions.push(botConversationAction(ctx, last, { botAliasArn: c.botAliasArn, localeId: c.localeId ?? LANGUAGE_DEFAULTS[ctx.voice.language].lexLocale }));
        awaiting = 'delegate';
        nodeId = c.nodeId ?? nodeId;
        break;
      }
      default:
        break;
    }
  }
  flushSay();
  return { actions: fitActions(actions), awaiting, nodeId, hangsUp, hangupReason };
}

/**
 * At most MAX_ACTIONS_PER_RESPONSE actions: adjacent Speaks are merged first; if still too many, the
 * earliest Speaks and Pauses give way (the last actions move the call on: a listen, a hang-up).
 */
export function fitActions(actions: SmaAction[]): SmaAction[] {
  let merged = actions.length > MAX_ACTIONS_PER_RESPONSE ? mergeSpeaks(actions) : actions;
  if (merged.length > MAX_ACTIONS_PER_RESPONSE) merged = merged.slice(merged.length - MAX_ACTIONS_PER_RESPONSE);
  return merged;
}
