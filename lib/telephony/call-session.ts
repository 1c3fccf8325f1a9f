import * as z from 'zod';
import { CallStatus, HangupParty } from '../domain/statuses';
import { buildEvent, contactsOf, extrasOf, taskOf as taskOfCall } from '../events';
import type { DecidedIntent, DialogCommand, DialogEvent, DialogTurn } from '../dialog/types';
import { effectId, type EffectInput } from '../outbox/effects';
import { isoAt } from '../ports/clock';
import { BRIDGE_LEASE_MS, LEASE_RENEW_WHEN_LEFT_MS, LEASE_TTL_MS } from '../campaigns/leases';
import {
  APOLOGY_PROMPT,
  botConversationAction,
  buildActions,
  fitActions,
  hangupAction,
  LANGUAGE_DEFAULTS,
  pauseAction,
  speakActions,
  startRecordingAction,
  type ActionContext,
  type Awaiting,
  type DelegateCommand,
} from './actions';
import { classifyFirstUtterance, statusFromSipCode, statusOfAnsweredCall } from './outcome';
import { CallIds, CallPlan } from './plan';
import { recordingDestination, recordingKeyFromLocation, recordingPrefix } from './recordings';
import { legA, type SmaAction, type SmaEvent } from './sma-events';

/**
 * The call session (SPEC T1–T6, P5, P9, S13): one call's machine, pure —
 * `(session, smaEvent, context) -> { session, actions, effects }`. The session travels with the call in its
 * transaction attributes; the SMA handler (functions/sma.ts) decodes it, loads what the context needs
 * (plan, compiled scenario), runs this, writes the effects (call record, transcript turns, events,
 * lease) and answers Chime with the actions. Nothing here awaits anything.
 *
 * Invariants the property test checks: the handler never throws and always answers a valid response; a
 * live answered call is never left with nothing to do (no dead air: when the engine or a failure leaves
 * nothing, the robot apologises and hangs up); every call ends with exactly one final call record.
 */

/** Events that, once the actions Chime was running are over, need new actions on a live call. */
const CONTINUATION_EVENTS = new Set(['CALL_ANSWERED', 'ACTION_SUCCESSFUL', 'ACTION_FAILED', 'CALL_UPDATE_REQUESTED', 'INVALID_LAMBDA_RESPONSE', 'DIGITS_RECEIVED']);

/** One SMA action as the session remembers it. */
const SessionAction = z.object({ Type: z.string(), Parameters: z.record(z.string(), z.unknown()) });

/** What a delegated external Lex bot returned (S13). */
export const DelegateResult = z.object({
  intent: z.string().optional(),
  state: z.string().optional(),
  slots: z.record(z.string(), z.string()).default({}),
  transcript: z.string().optional(),
});

/** The call's state between events; compact keys keep it small in the transaction attributes. */
export const CallSession = z.object({
  v: z.literal(2),
  ids: CallIds,
  plan: CallPlan.optional(),
  /** dialling → ringing → answered → ended. */
  ph: z.enum(['dialling', 'ringing', 'answered', 'ended']).default('dialling'),
  /** What the last response waits for. */
  aw: z.enum(['prompt', 'speech', 'keypad', 'delegate', 'hangup', 'transfer', 'recording', 'greeting', 'none']).default('none'),
  /** Dialog engine state (opaque JSON). */
  d: z.unknown().optional(),
  /** Dialled (LEG-A start), rung and answered at (epoch ms). */
  st: z.number().optional(),
  rg: z.number().optional(),
  an: z.number().optional(),
  /** Node of the last listen / hang-up. */
  n: z.string().optional(),
  /** Utterances or key presses heard. */
  ut: z.number().int().default(0),
  /** Next transcript turn index. */
  tc: z.number().int().default(0),
  tg: z.record(z.string(), z.string()).default({}),
  cap: z.record(z.string(), z.string()).default({}),
  cp: z.boolean().default(false),
  /** An answer was matched (effective interaction). */
  it: z.boolean().default(false),
  hp: HangupParty.optional(),
  hn: z.string().optional(),
  hr: z.string().optional(),
  /** Status decided from the first utterance (voicemail, announcement: P9). */
  cs: CallStatus.optional(),
  /** Why the call is a system failure (ours, not the callee's), once one happened. */
  sf: z.string().optional(),
  /** Recording key prefix. */
  rk: z.string().optional(),
  /** Transferred at some point, and bridged right now. */
  tr: z.boolean().default(false),
  br: z.boolean().default(false),
  /** The last turn was a no-match. */
  nm: z.boolean().default(false),
  /** The actions of the last response (re-issued after a failure or a foreign update). */
  last: z.array(SessionAction).default([]),
  /** Failures in a row the session recovered from (bounded: after that it ends the call politely). */
  rt: z.number().int().default(0),
  /** Lease expiry as last renewed (epoch ms). */
  le: z.number().optional(),
  /** Ids of events published (their pending copies are cleared from the call record by the next write). */
  pe: z.array(z.string()).default([]),
  dg: DelegateResult.optional(),
});
/** A call's state between events. */
export type CallSession = z.infer<typeof CallSession>;

/** A fresh session from a call's ids (and plan, when it travelled with the call). */
export function newSession(ids: CallIds, plan?: CallPlan): CallSession {
  return CallSession.parse({ v: 2, ids, ...(plan ? { plan } : {}) });
}

/** Per-call options of the dialog: the callee's time zone, for dates the person says ("on Friday"). */
export interface DialogOptions {
  timeZone?: string;
}

/** A compiled scenario bound to the dialog engine; its state is opaque JSON that travels with the call. */
export interface DialogDriver {
  start(variables: Record<string, string>, at: number, options?: DialogOptions): [unknown, ChannelCommand[]];
  next(state: unknown, event: DialogEvent, variables: Record<string, string>, options?: DialogOptions): [unknown, ChannelCommand[]];
  /**
   * Present when the scenario's recogniser is an external provider (S9: Lex, Bedrock): asks it what a spoken answer
   * means, given the dialog state, before the step runs (the step is pure, the provider is a network call). Never
   * rejects: a failed or late provider is answered by the built-in recogniser. Undefined when the dialog is not
   * listening for intents at that state.
   */
  decide?(state: unknown, text: string, sessionId?: string): Promise<DecidedIntent | undefined>;
}

/** What the recogniser bot heard, as a StartBotConversation result carries it (the code hook's session attributes first). */
function botTranscript(data: NonNullable<SmaEvent['ActionData']>): string {
  const result = data.IntentResult;
  const attrs = result?.SessionState?.SessionAttributes ?? {};
  return attrs.transcript ?? attrs.inputTranscript ?? (result as { InputTranscript?: string } | undefined)?.InputTranscript ?? '';
}

/**
 * The spoken answer an event brings to the dialog, when the step will read it as one (a StartBotConversation that
 * listened for the dialog, by voice, with words): what the handler asks the scenario's external recogniser about
 * before the step. Pure; undefined for every other event.
 */
export function answerToDecide(session: CallSession, event: SmaEvent): string | undefined {
  const data = event.ActionData;
  if (event.InvocationEventType !== 'ACTION_SUCCESSFUL' || data?.Type !== 'StartBotConversation' || session.aw !== 'speech') return undefined;
  if (data.IntentResult?.SessionState?.SessionAttributes?.inputMode === 'DTMF') return undefined;
  const text = botTranscript(data);
  return text.trim() ? text : undefined;
}

/** What an external provider decided about the answer an event brings (SessionContext.decided). */
export interface DecidedAnswer {
  /** The answer as the session reads it from the event (answerToDecide). */
  text: string;
  intent: DecidedIntent;
}

/** Commands the session carries out: the engine's, plus `delegate` (S13). */
export type ChannelCommand = DialogCommand | DelegateCommand;

/** What a step needs besides the session and the event: time, the compiled scenario, deployment names. */
export interface SessionContext {
  now: number;
  /** The compiled scenario of the plan; undefined when it could not be loaded. */
  dialog?: DialogDriver;
  /** The scenario's external recogniser's intent for this event's spoken answer (DialogDriver.decide), when it has one. */
  decided?: DecidedAnswer;
  recognizerBotAliasArn: string;
  recordingsBucket: string;
  eventSource: string;
}

/** Something the handler must do for a step, besides answering. */
export type SessionEffect =
  /** Update the call record; `final` makes it final (once) with the effects that end the attempt. */
  | { type: 'cdr'; set: Record<string, unknown>; final: boolean }
  /** Store transcript turns. */
  | { type: 'turns'; turns: DialogTurn[] }
  /** Publish an event (and keep it pending on the call record until published). */
  | { type: 'publish'; effect: Extract<EffectInput, { type: 'publish' }> }
  /** Renew or release the call's concurrency lease. */
  | { type: 'lease'; op: 'renew'; until: number }
  | { type: 'lease'; op: 'release' }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string; fields: Record<string, unknown> }
  | { type: 'metric'; name: string; value: number };

/** The result of one step. */
export interface SessionStep {
  session: CallSession;
  /**
   * The actions to answer with; `null` answers with a NULL action set, which keeps what Chime has queued
   * (the guide: a foreign CALL_UPDATE_REQUESTED must not replace the call's actions with nothing).
   */
  actions: SmaAction[] | null;
  effects: SessionEffect[];
}

/** Sentinel of `dispatch`: keep the actions Chime has queued. */
const KEEP = null;

/** How long Lex waits for the callee's first words before giving up on the greeting (ms). */
export const GREETING_TIMEOUT_MS = 2500;
/**
 * How much earlier than the call's start the dialer may have renewed the lease (its rate wait of up to 20 s, the
 * call record's writes, the plan's load, CreateSipMediaApplicationCall): the lease is trusted to last
 * LEASE_TTL_MS from the call's start, less this.
 */
export const DIAL_LEASE_MARGIN_MS = 2 * 60_000;
/** Recoveries in a row after which the call ends politely instead of trying again. */
export const MAX_RECOVERIES = 2;
/** StartBotConversation errors that mean the bot is misconfigured (a system failure, not silence). */
export const BOT_CONFIGURATION_ERRORS = new Set(['ResourceAccessDenied', 'ResourceNotFound', 'InvalidResourceArn', 'InvalidActionParameter', 'AccessDenied', 'AccessDeniedException']);
/** Errors of a prompt worth saying it once more (Polly throttling); other failures skip to what followed it. */
const RETRYABLE_ERRORS = new Set(['ActionExecutionThrottled']);

/** Runs one SMA event against a call's session. Pure. */
export function stepCallSession(input: CallSession, event: SmaEvent, ctx: SessionContext): SessionStep {
  return new Step(input, event, ctx).run();
}

class Step {
  readonly s: CallSession;
  readonly effects: SessionEffect[] = [];
  private readonly cdr: Record<string, unknown> = {};
  private final = false;

  constructor(
    input: CallSession,
    private readonly event: SmaEvent,
    private readonly ctx: SessionContext,
  ) {
    this.s = structuredClone(input);
  }

  run(): SessionStep {
    const chosen = this.dispatch();
    if (chosen === KEEP) return this.finishStep(KEEP);
    let actions = chosen;
    const e = this.event;
    const live = this.s.ph === 'answered' && !this.s.br && this.s.aw !== 'hangup';
    const continuation = CONTINUATION_EVENTS.has(e.InvocationEventType) && this.actionListOver();
    if (live && continuation && actions.length === 0) {
      // No dead air: whatever left the call with nothing to do, end it politely.
      this.systemFailure('deadAir', 'nothing to do on a live call; ending it');
      actions = this.apologise();
    } else if (actions.length === 0 && e.InvocationEventType === 'ACTION_SUCCESSFUL' && !this.actionListOver()) {
      // The success of an action that is not the last we sent comes out of turn (Chime reports the end of a
      // list): an empty list would replace whatever Chime has queued with nothing; a NULL one keeps it.
      return this.finishStep(KEEP);
    }
    actions = fitActions(actions);
    if (actions.length > 0) this.s.last = actions;
    return this.finishStep(actions);
  }

  private finishStep(actions: SmaAction[] | null): SessionStep {
    this.leaseRenewal();
    if (Object.keys(this.cdr).length > 0 || this.final) this.effects.unshift({ type: 'cdr', set: this.cdr, final: this.final });
    return { session: this.s, actions, effects: this.effects };
  }

  /** Whether Chime has nothing queued: the event is about the last action we sent (or no list runs). */
  private actionListOver(): boolean {
    const e = this.event;
    if (e.InvocationEventType !== 'ACTION_SUCCESSFUL') return true;
    const last = this.s.last[this.s.last.length - 1];
    return !last || last.Type === e.ActionData?.Type;
  }

  private dispatch(): SmaAction[] | null {
    const e = this.event;
    switch (e.InvocationEventType) {
      case 'NEW_OUTBOUND_CALL':
        this.s.st ??= Number(legA(e)?.StartTimeInMilliseconds) || this.ctx.now;
        this.s.ph = 'dialling';
        this.cdr.transactionId = e.CallDetails.TransactionId;
        // Chime ignores the answer to this event.
        return [];
      case 'RINGING':
        if (this.s.ph === 'dialling') {
          this.s.ph = 'ringing';
          this.s.rg = this.ctx.now;
          this.cdr.rungAt = isoAt(this.ctx.now);
          this.publish('Ringing');
        }
        return [];
      case 'CALL_ANSWERED':
        return this.onAnswered();
      case 'ACTION_SUCCESSFUL':
        return this.s.ph === 'answered' ? this.onActionSuccessful() : [];
      case 'ACTION_FAILED':
        return this.s.ph === 'answered' ? this.onActionFailed() : [];
      case 'ACTION_INTERRUPTED':
        // Interrupted by an update whose own answer carries the next actions.
        return [];
      case 'DIGITS_RECEIVED': {
        const digits = e.ActionData?.ReceivedDigits ?? '';
        if (!digits || this.s.ph !== 'answered') return [];
        if (this.s.aw === 'greeting') return this.startConversation();
        return this.heardDigits(digits);
      }
      case 'CALL_UPDATE_REQUESTED':
        return this.onUpdate();
      case 'INVALID_LAMBDA_RESPONSE': {
        const data = e.ActionData as { ErrorType?: string; ErrorMessage?: string } | undefined;
        this.log('error', 'SMA rejected our response', { errorType: e.ErrorType ?? data?.ErrorType, error: e.ErrorMessage ?? data?.ErrorMessage });
        this.metric('SmaErrors', 1);
        this.s.sf ??= 'invalidResponse';
        if (this.s.ph === 'ended') return [];
        // Our answer was refused: the safest valid answer is a plain hang-up.
        return this.hangUp('system', 'invalidResponse');
      }
      case 'HANGUP':
        return this.onHangup();
      case 'NEW_INBOUND_CALL':
      default:
        return [];
    }
  }

  // ---- answering and the dialog ----

  private onAnswered(): SmaAction[] {
    if (this.s.ph === 'answered' || this.s.ph === 'ended') return this.resume();
    this.s.ph = 'answered';
    this.s.an = this.ctx.now;
    this.cdr.answeredAt = isoAt(this.ctx.now);
    this.publish('CallAnswered');
    if (!this.s.plan) {
      this.systemFailure('planMissing', 'call plan missing at answer');
      return this.apologise();
    }
    if (this.s.plan.recording) {
      const prefix = recordingPrefix(this.s.ids.instanceId, this.s.ids.callId, isoAt(this.ctx.now));
      this.s.rk = prefix;
      this.s.aw = 'recording';
      return [startRecordingAction(this.actx(), recordingDestination(this.ctx.recordingsBucket, prefix))];
    }
    return this.afterAnswer();
  }

  /** Listens for the callee's first words (P9) unless the plan opts out, then starts the dialog. */
  private afterAnswer(): SmaAction[] {
    if (this.s.plan?.listenForGreeting === false) return this.startConversation();
    const actx = this.actx();
    this.s.aw = 'greeting';
    return [
      botConversationAction(actx, undefined, { botAliasArn: this.ctx.recognizerBotAliasArn, localeId: LANGUAGE_DEFAULTS[actx.voice.language].lexLocale }, {
        phase: 'greeting',
        'x-amz-lex:audio:start-timeout-ms:*:*': String(GREETING_TIMEOUT_MS),
      }),
    ];
  }

  private startConversation(): SmaAction[] {
    const plan = this.s.plan;
    if (!plan) {
      this.systemFailure('planMissing', 'call plan missing');
      return this.apologise();
    }
    if (!this.ctx.dialog) {
      this.systemFailure('scenarioMissing', 'scenario version could not be loaded');
      return this.apologise();
    }
    const [d, commands] = this.ctx.dialog.start(plan.variables, this.ctx.now, this.dialogOptions());
    this.s.d = d;
    const prefix = !commands.some((c) => c.type === 'pause') && plan.delayMs > 0 ? [pauseAction(this.actx(), plan.delayMs)] : [];
    return this.carryOut(commands, prefix);
  }

  private stepDialog(dialogEvent: DialogEvent): SmaAction[] {
    if (!this.s.plan || !this.ctx.dialog) {
      this.systemFailure(this.s.plan ? 'scenarioMissing' : 'planMissing', 'dialog cannot continue');
      return this.apologise();
    }
    const [d, commands] = this.ctx.dialog.next(this.s.d, dialogEvent, { ...this.s.plan.variables, ...this.s.cap }, this.dialogOptions());
    this.s.d = d;
    return this.carryOut(commands);
  }

  /** Applies bookkeeping commands and turns the rest into actions. */
  private carryOut(commands: ChannelCommand[], prefix: SmaAction[] = []): SmaAction[] {
    this.bookkeep(commands);
    const built = buildActions(commands, this.actx());
    let actions = [...prefix, ...built.actions];
    this.s.aw = built.awaiting;
    if (built.nodeId) this.s.n = built.nodeId;
    if (built.hangsUp) {
      this.s.hp ??= built.hangupReason === 'person' ? 'person' : built.hangupReason === 'error' ? 'system' : 'robot';
      this.s.hn = built.nodeId;
      this.s.hr ??= built.hangupReason;
    } else if (built.awaiting === 'none') {
      // The engine gave nothing to wait for: end the call rather than leave the line silent.
      actions = [...actions, hangupAction(this.actx())];
      this.s.aw = 'hangup';
      this.s.hp ??= 'system';
      this.s.hr ??= 'error';
    }
    if (built.awaiting === 'transfer') {
      this.s.tr = true;
      // A bridged call sends no events for as long as it lasts: keep its line for that long.
      this.effects.push({ type: 'lease', op: 'renew', until: this.ctx.now + BRIDGE_LEASE_MS });
      this.s.le = this.ctx.now + BRIDGE_LEASE_MS;
    }
    this.s.rt = 0;
    return actions;
  }

  private dialogOptions(): DialogOptions {
    return this.s.plan?.timeZone ? { timeZone: this.s.plan.timeZone } : {};
  }

  private bookkeep(commands: ChannelCommand[]): void {
    const turns: DialogTurn[] = [];
    for (const c of commands) {
      if (c.type === 'setTags') this.s.tg = { ...this.s.tg, ...c.tags };
      // Values captured from answers (a promise-to-pay date...) go on the call record and the job.
      else if (c.type === 'setVariables') this.s.cap = { ...this.s.cap, ...c.variables };
      else if (c.type === 'markCompleted') this.s.cp = true;
      else if (c.type === 'recordTurn') turns.push(c.turn);
      else if (c.type === 'hangUp' && c.fault !== undefined) this.log('error', 'dialog engine fault ended the call', { nodeId: c.nodeId, fault: c.fault });
      // The answer was taken as unrecognised (or without a date) and the call went on; the fault is a bug to see.
      else if (c.type === 'fault') this.log('error', `${c.where === 'recognizer' ? 'recogniser' : 'date parser'} fault absorbed`, { nodeId: c.nodeId, fault: c.fault });
    }
    if (turns.length) {
      this.effects.push({ type: 'turns', turns });
      this.s.tc = Math.max(this.s.tc, ...turns.map((t) => t.index + 1));
      const lastTurn = turns[turns.length - 1]!;
      if (lastTurn.outcome === 'noMatch') this.s.nm = true;
      else if (lastTurn.outcome !== 'hangup') this.s.nm = false;
      if (turns.some((t) => t.outcome === 'matched' || t.outcome === 'globalQuestion')) this.s.it = true;
    }
  }

  private heard(text: string, intent?: { name: string; score: number; source?: string }): SmaAction[] {
    if (!text.trim() && !intent) return this.stepDialog({ type: 'silence', at: this.ctx.now });
    if (this.s.ut === 0 && !intent) {
      const kind = classifyFirstUtterance(text);
      if (kind.kind !== 'person') return this.machineOrAnnouncement(text, kind);
    }
    this.s.ut += 1;
    // The scenario's own provider decided this answer before the step (S9); the engine applies its rules to that intent.
    const decided = intent ?? (this.ctx.decided?.text === text ? this.ctx.decided.intent : undefined);
    return this.stepDialog({ type: 'utterance', at: this.ctx.now, text, ...(decided ? { intent: decided } : {}) });
  }

  private heardDigits(digits: string): SmaAction[] {
    this.s.ut += 1;
    return this.stepDialog({ type: 'digits', at: this.ctx.now, digits });
  }

  private machineOrAnnouncement(text: string, kind: ReturnType<typeof classifyFirstUtterance>): SmaAction[] {
    this.s.ut = 1;
    this.s.cs = statusOfAnsweredCall(kind);
    this.effects.push({ type: 'turns', turns: [{ index: this.s.tc, at: this.ctx.now, nodeId: this.s.n ?? '', userText: text, outcome: 'hangup' }] });
    this.s.tc += 1;
    return this.hangUp('robot', kind.kind);
  }

  /** The callee's first words: a machine or an announcement ends the call, a person (or silence) starts the dialog. */
  private onGreeting(text: string): SmaAction[] {
    if (text.trim()) {
      const kind = classifyFirstUtterance(text);
      this.s.ut = 1;
      if (kind.kind !== 'person') return this.machineOrAnnouncement(text, kind);
    }
    return this.startConversation();
  }

  private onActionSuccessful(): SmaAction[] {
    const data = this.event.ActionData;
    switch (data?.Type) {
      case 'StartCallRecording': {
        const loc = data.CallRecordingDestination?.Location;
        if (loc) this.s.rk = recordingKeyFromLocation(loc, this.ctx.recordingsBucket);
        return this.s.aw === 'recording' ? this.afterAnswer() : [];
      }
      case 'StartBotConversation': {
        const result = data.IntentResult;
        const attrs = result?.SessionState?.SessionAttributes ?? {};
        const text = botTranscript(data);
        if (this.s.aw === 'greeting') return this.onGreeting(attrs.inputMode === 'DTMF' ? '' : text);
        if (this.s.aw === 'delegate') return this.onDelegateResult(result, text);
        if (attrs.inputMode === 'DTMF' && text) return this.heardDigits(text);
        return this.heard(text);
      }
      case 'SpeakAndGetDigits': {
        const digits = data.ReceivedDigits ?? '';
        if (!digits) return this.stepDialog({ type: 'silence', at: this.ctx.now });
        return this.heardDigits(digits);
      }
      case 'ReceiveDigits':
        // ReceiveDigits runs in the background: its success only says it started; DIGITS_RECEIVED brings the keys.
        return [];
      case 'Speak':
      case 'Pause':
      case 'PlayAudio':
        if (this.s.aw === 'prompt') return this.stepDialog({ type: 'promptFinished', at: this.ctx.now });
        return [];
      case 'CallAndBridge':
        this.s.tr = true;
        this.s.br = true;
        return [];
      default:
        return [];
    }
  }

  /** S13: what the customer's bot found (intent, slots, transcript) is kept, then the dialog goes on with it. */
  private onDelegateResult(result: NonNullable<SmaEvent['ActionData']>['IntentResult'], text: string): SmaAction[] {
    const intent = result?.SessionState?.Intent;
    const slots: Record<string, string> = {};
    for (const [name, value] of Object.entries((intent?.Slots ?? {}) as Record<string, unknown>)) {
      const v = (value as { Value?: { InterpretedValue?: string; OriginalValue?: string } } | null)?.Value;
      const s = v?.InterpretedValue ?? v?.OriginalValue;
      if (s !== undefined) slots[name] = String(s);
    }
    const name = intent?.Name;
    this.s.dg = { intent: name, state: intent?.State, slots, ...(text ? { transcript: text } : {}) };
    if (name) this.s.tg = { ...this.s.tg, intent: name };
    this.s.cap = { ...this.s.cap, ...slots };
    if (name && name !== 'FallbackIntent') this.s.it = true;
    const score = result?.Interpretations?.find((i) => i.Intent?.Name === name)?.NluConfidence?.Score ?? 1;
    this.s.ut += 1;
    return this.stepDialog({ type: 'utterance', at: this.ctx.now, text, ...(name ? { intent: { name, score } } : {}) });
  }

  private onActionFailed(): SmaAction[] {
    const data = this.event.ActionData;
    // StartCallRecording's failure carries `Error: "<Type>: <message>"` instead of ErrorType (start-call-recording.md).
    const legacy = typeof (data as { Error?: unknown } | undefined)?.Error === 'string' ? String((data as { Error: string }).Error) : undefined;
    const errorType = data?.ErrorType ?? legacy?.split(':')[0]?.trim();
    this.log('warn', 'action failed', { action: data?.Type, errorType, error: data?.ErrorMessage ?? legacy });
    this.metric('SmaActionFailures', 1);
    switch (data?.Type) {
      case 'StartCallRecording':
        // A missing recording must not cost the conversation.
        this.s.tg = { ...this.s.tg, recordingFailed: 'true' };
        return this.s.aw === 'recording' ? this.afterAnswer() : this.remainingAfterFailure(false);
      case 'StartBotConversation': {
        if (errorType && BOT_CONFIGURATION_ERRORS.has(errorType)) {
          this.systemFailure('recognizerUnavailable', `the speech recogniser bot failed: ${errorType}`, 'error');
          return this.apologise();
        }
        if (this.s.aw === 'greeting') return this.startConversation();
        if (this.s.rt >= MAX_RECOVERIES) {
          this.systemFailure('recognizerFailing', 'the speech recogniser keeps failing');
          return this.apologise();
        }
        this.s.rt += 1;
        if (this.s.aw === 'delegate') return this.stepDialog({ type: 'silence', at: this.ctx.now });
        return this.recoverWith(() => this.stepDialog({ type: 'silence', at: this.ctx.now }));
      }
      case 'SpeakAndGetDigits':
      case 'ReceiveDigits':
        if (errorType && errorType !== 'InvalidDigitsReceived' && this.s.rt >= MAX_RECOVERIES) {
          this.systemFailure('keypadFailing', `keypad input keeps failing: ${errorType}`);
          return this.apologise();
        }
        if (errorType && errorType !== 'InvalidDigitsReceived') this.s.rt += 1;
        return this.recoverWith(() => this.stepDialog({ type: 'silence', at: this.ctx.now }));
      case 'Speak':
      case 'PlayAudio':
        return this.remainingAfterFailure(errorType !== undefined && RETRYABLE_ERRORS.has(errorType));
      case 'Pause':
        return this.remainingAfterFailure(false);
      case 'CallAndBridge':
        this.s.tg = { ...this.s.tg, transferFailed: 'true' };
        this.s.tr = false;
        this.s.br = false;
        return this.hangUp('robot', 'transferFailed');
      case 'Hangup': {
        // Our hang-up failed: left at that, the line stays open with nothing queued. Hang up again, a bounded
        // number of times (then the person's hang-up or the lease's expiry ends the call).
        if (this.s.rt >= MAX_RECOVERIES) {
          this.systemFailure('hangupFailing', `hang-up keeps failing: ${errorType ?? '?'}`, 'error');
          return [];
        }
        this.s.rt += 1;
        this.s.aw = 'hangup';
        this.s.hp ??= 'robot';
        const tag = data.Parameters?.ParticipantTag === 'LEG-B' ? 'LEG-B' : 'LEG-A';
        return [tag === 'LEG-B' ? { Type: 'Hangup', Parameters: { ...(data.Parameters as Record<string, unknown>), SipResponseCode: '0' } } : hangupAction(this.actx())];
      }
      default:
        this.systemFailure('actionFailed', `action ${data?.Type ?? '?'} failed`);
        return this.apologise();
    }
  }

  /** Keeps the recovery counter across a dialog step (carryOut resets it). */
  private recoverWith(step: () => SmaAction[]): SmaAction[] {
    const rt = this.s.rt;
    const actions = step();
    this.s.rt = rt;
    return actions;
  }

  /**
   * Chime clears the actions queued behind a failed one: re-issue them (and the failed one once more when
   * its error was transient), or move the dialog on when nothing was left.
   */
  private remainingAfterFailure(retry: boolean): SmaAction[] {
    const data = this.event.ActionData;
    const idx = this.s.last.findIndex((a) => a.Type === data?.Type && sameParameters(a.Parameters, data?.Parameters));
    const from = idx < 0 ? this.s.last.length : idx + (retry && this.s.rt < MAX_RECOVERIES ? 0 : 1);
    if (retry) this.s.rt += 1;
    if (this.s.rt > MAX_RECOVERIES) {
      this.systemFailure('actionsFailing', `actions keep failing: ${data?.ErrorType ?? '?'}`);
      return this.apologise();
    }
    const rest = this.s.last.slice(from) as SmaAction[];
    if (rest.length > 0) return rest;
    if (this.s.aw === 'prompt') return this.recoverWith(() => this.stepDialog({ type: 'promptFinished', at: this.ctx.now }));
    return [];
  }

  private onUpdate(): SmaAction[] | null {
    const args = (this.event.ActionData?.Parameters?.Arguments ?? {}) as Record<string, string>;
    if (args.action === 'hangup') {
      // The maximum ring time only ever applies to a call still ringing (P5): an answered call goes on as it was.
      if (args.reason === 'maxRing' && this.s.ph === 'answered') return KEEP;
      if (this.s.ph === 'ended') return KEEP;
      return this.hangUp(this.s.ph === 'answered' ? 'system' : 'robot', args.reason ?? 'stopped');
    }
    // Not ours: a NULL action set keeps what Chime has queued (an empty list would replace it with nothing).
    this.log('warn', 'call update with unknown arguments; left alone', { arguments: Object.keys(args).join(',') });
    return KEEP;
  }

  /** What the call was doing, again: its last listening action (or the whole last list before answer). */
  private resume(): SmaAction[] {
    if (this.s.ph !== 'answered' || this.s.br) return [];
    const last = this.s.last as SmaAction[];
    const listen = [...last].reverse().find((a) => ['StartBotConversation', 'SpeakAndGetDigits', 'Hangup', 'CallAndBridge', 'StartCallRecording'].includes(a.Type));
    return listen ? [listen] : last;
  }

  // ---- ending ----

  private hangUp(party: 'robot' | 'person' | 'system', reason: string): SmaAction[] {
    this.s.hp ??= party;
    this.s.hr ??= reason;
    this.s.hn ??= this.s.n;
    this.s.aw = 'hangup';
    return [hangupAction(this.actx())];
  }

  /** A polite end instead of dead air: an apology, then hang up. */
  private apologise(): SmaAction[] {
    const actx = this.actx();
    this.s.hp ??= 'system';
    this.s.hr ??= this.s.sf ?? 'error';
    this.s.hn ??= this.s.n;
    this.s.aw = 'hangup';
    if (this.s.ph !== 'answered') return [hangupAction(actx)];
    return [...speakActions(actx, APOLOGY_PROMPT[actx.voice.language]), hangupAction(actx)];
  }

  private systemFailure(reason: string, message: string, level: 'warn' | 'error' = 'warn'): void {
    this.s.sf ??= reason;
    this.log(level, message, { reason });
    this.metric('SmaSystemFailures', 1);
  }

  private onHangup(): SmaAction[] {
    const data = this.event.ActionData;
    const tag = data?.Parameters?.ParticipantTag;
    if (tag === 'LEG-B') {
      // The transfer target hung up: end the caller's leg too; LEG-A's HANGUP finishes the call.
      this.s.br = false;
      if (this.s.ph !== 'answered') return [];
      this.s.hp ??= 'person';
      this.s.hr ??= 'transferEnded';
      this.s.aw = 'hangup';
      return [hangupAction(this.actx(), 'LEG-A')];
    }
    if (this.s.ph === 'ended') return [];
    const bridged = this.s.br;
    this.finish();
    if (bridged) {
      // The callee hung up during a transfer: the other leg would otherwise ring on (and be billed).
      const legB = this.event.CallDetails.Participants.find((p) => p.ParticipantTag === 'LEG-B' && p.Status !== 'Disconnected');
      if (legB) return [{ Type: 'Hangup', Parameters: { CallId: legB.CallId, ParticipantTag: 'LEG-B', SipResponseCode: '0' } }];
    }
    return [];
  }

  /** The call is over: the final call record (once) and the lease back. */
  private finish(): void {
    const s = this.s;
    const now = this.ctx.now;
    const answered = s.an !== undefined;
    if (answered && !s.hp && s.plan && s.d !== undefined && this.ctx.dialog) {
      // The person hung up: let the engine close its transcript and tags.
      s.hp = 'person';
      s.hr = 'person';
      s.hn = s.n;
      const [d, commands] = this.ctx.dialog.next(s.d, { type: 'hangup', at: now, party: 'person' }, { ...s.plan.variables, ...s.cap }, this.dialogOptions());
      s.d = d;
      this.bookkeep(commands);
    } else if (answered && !s.hp) {
      s.hp = 'person';
      s.hr = 'person';
      s.hn = s.n;
    }
    const sipRaw = this.event.ActionData?.Parameters?.SipResponseCode;
    const sipCode = sipRaw !== undefined && sipRaw !== '' && Number.isFinite(Number(sipRaw)) ? Number(sipRaw) : undefined;
    let status: z.infer<typeof CallStatus>;
    let systemFailure = s.sf !== undefined;
    if (answered) status = s.sf ? 'Failed' : (s.cs ?? 'Succeeded');
    else if (s.hr === 'maxRing') status = 'NoAnswer';
    else if (s.hr === 'stopped') status = 'Cancelled';
    else {
      const c = statusFromSipCode(sipCode);
      status = c.status;
      systemFailure = systemFailure || c.systemFailure;
    }
    if (!answered) s.hp ??= s.hr ? 'robot' : 'system';
    const dialled = s.st ?? now;
    const rung = s.rg ?? dialled;
    const conversation = answered && status === 'Succeeded';
    s.ph = 'ended';
    Object.assign(this.cdr, {
      status,
      ...(sipCode !== undefined ? { sipCode } : {}),
      endedAt: isoAt(now),
      ...(answered ? { answeredAt: isoAt(s.an!) } : {}),
      ringSeconds: round1(Math.max(0, ((s.an ?? now) - rung) / 1000)),
      talkSeconds: round1(answered ? Math.max(0, (now - s.an!) / 1000) : 0),
      turns: s.tc,
      answered: conversation,
      completed: s.cp,
      transferred: s.tr,
      hangupParty: s.hp,
      ...(s.hn ? { hangupNode: s.hn } : {}),
      ...(s.hr ? { hangupReason: s.hr } : {}),
      tags: s.tg,
      captured: s.cap,
      interacted: s.it,
      noMatchHangup: s.hr === 'noMatch' || (s.nm && s.hp === 'person'),
      systemFailure,
      placed: true,
      ...(s.dg ? { delegate: s.dg } : {}),
      ...(s.plan?.scenarioId ? { scenarioId: s.plan.scenarioId, scenarioVersion: s.plan.scenarioVersion } : {}),
    });
    this.final = true;
    this.effects.push({ type: 'lease', op: 'release' });
  }

  // ---- plumbing ----

  private leaseRenewal(): void {
    if (this.s.ph === 'ended' || this.event.InvocationEventType === 'NEW_OUTBOUND_CALL') return;
    const now = this.ctx.now;
    // The dialer renews the lease just before it places the call (lib/dialer/dial.ts): trust it to last from the
    // call's start (LEG-A's StartTimeInMilliseconds) rather than write it again on RINGING and CALL_ANSWERED,
    // whose sessions start afresh from the call's arguments (Chime keeps no attributes of their answers).
    const st = this.s.st;
    if (this.s.le === undefined && st !== undefined && st <= now + 60_000 && st > now - LEASE_TTL_MS) this.s.le = st + LEASE_TTL_MS - DIAL_LEASE_MARGIN_MS;
    if (this.s.le === undefined || this.s.le - now < LEASE_RENEW_WHEN_LEFT_MS) {
      if (this.effects.some((e) => e.type === 'lease')) return;
      this.effects.push({ type: 'lease', op: 'renew', until: now + LEASE_TTL_MS });
      this.s.le = now + LEASE_TTL_MS;
    }
  }

  private publish(detailType: 'Ringing' | 'CallAnswered'): void {
    const { ids, plan } = this.s;
    const now = this.ctx.now;
    const vars = plan?.variables ?? {};
    const { phone: _p, name, honorific, referenceId: _r, ...extras } = vars;
    const callee = plan?.callee ?? legA(this.event)?.To ?? '';
    const task = {
      callId: ids.callId,
      attempt: ids.attempt,
      status: 'Executing' as const,
      ...(plan?.plannedAt ? { plannedAt: plan.plannedAt } : {}),
      dialledAt: isoAt(this.s.st ?? now),
      ...(plan?.caller ? { caller: plan.caller } : {}),
      callee,
    };
    this.effects.push({
      type: 'publish',
      effect: {
        type: 'publish',
        id: effectId(now, 'call', ids.callId, detailType),
        event: buildEvent(
          detailType,
          {
            instanceId: ids.instanceId,
            campaignId: ids.campaignId,
            jobId: ids.jobId,
            callId: ids.callId,
            attempt: ids.attempt,
            status: 'Executing',
            extras: extrasOf(extras),
            contacts: contactsOf({ phone: callee, ...(name ? { name } : {}), ...(honorific ? { honorific } : {}), ...(plan?.referenceId ? { referenceId: plan.referenceId } : {}) }),
            tasks: [taskOfCall(task)],
          },
          { source: this.ctx.eventSource, time: now },
        ),
      },
    });
  }

  private log(level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>): void {
    this.effects.push({ type: 'log', level, message, fields: { callId: this.s.ids.callId, jobId: this.s.ids.jobId, event: this.event.InvocationEventType, ...fields } });
  }

  private metric(name: string, value: number): void {
    this.effects.push({ type: 'metric', name, value });
  }

  private actx(): ActionContext {
    return {
      callId: legA(this.event)?.CallId ?? '',
      voice: this.s.plan?.voice ?? { language: 'en' },
      recognizerBotAliasArn: this.ctx.recognizerBotAliasArn,
      callerNumber: this.s.plan?.caller ?? legA(this.event)?.From,
      transferTimeoutSeconds: this.s.plan?.transferTimeoutSeconds,
    };
  }
}

const round1 = (x: number) => Math.round(x * 10) / 10;

function sameParameters(a: Record<string, unknown>, b: Record<string, unknown> | undefined): boolean {
  if (!b) return false;
  // Chime echoes the parameters of the failed action; compare the ones that tell actions apart.
  for (const k of ['Text', 'DurationInMilliseconds', 'AudioSource', 'SpeechParameters']) {
    if (k in a || k in b) if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) return false;
  }
  return true;
}

export type { Awaiting };
