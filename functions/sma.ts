import type { Deps } from '../lib/core/deps';
import { stableId } from '../lib/core/ids';
import type { CallOutcome } from '../lib/domain/dialing';
import type { CallStatus, HangupParty } from '../lib/domain/statuses';
import type { DialogEvent, DialogTurn } from '../lib/dialog/types';
import type { BusEvent } from '../lib/ports/bus';
import { isoAt } from '../lib/ports/clock';
import { keys } from '../lib/store/keys';
import {
  botConversationAction,
  buildActions,
  LANGUAGE_DEFAULTS,
  hangupAction,
  pauseAction,
  startRecordingAction,
  type ActionContext,
  type Awaiting,
} from '../lib/telephony/actions';
import { getCallRecordOfJob, putCallRecord, putTurns, updateCallRecord, type CallRecord } from '../lib/telephony/call-records';
import { classifyFirstUtterance, statusFromSipCode, statusOfAnsweredCall } from '../lib/telephony/outcome';
import { findRecording, recordingDestination, recordingKeyFromLocation, recordingPrefix } from '../lib/telephony/recordings';
import type { CallIds, CallPlan, ChannelCommand, DialogDriver, SmaServices } from '../lib/telephony/services';
import { legA, MAX_ACTIONS_PER_RESPONSE, parseSmaEvent, TRANSACTION_ATTRIBUTES_LIMIT_BYTES, type SmaAction, type SmaEvent, type SmaResponse } from '../lib/telephony/sma-events';
import { realSmaServices } from '../lib/telephony/wiring';
import { awsDeps } from './deps';

/** Options of the SMA handler. */
export interface SmaHandlerOptions {
  /** Collaborators; the real modules by default. */
  services?: SmaServices;
  /** Bucket the recordings land in (StartCallRecording destination). */
  recordingsBucket?: string;
  /** Lex V2 recogniser bot alias; `deps.config.recognizerBotAliasArn` by default. */
  recognizerBotAliasArn?: string;
}

/** Placeholder bot used locally, where the simulator plays the recogniser's part. */
export const LOCAL_RECOGNIZER_BOT = 'arn:aws:lex:local:000000000000:bot-alias/RECOGNIZER/LOCAL';

/** Call progress carried in the transaction attributes next to the dialog state (compact keys keep it small). */
interface Progress {
  /** What the last response waits for. */
  aw: Awaiting;
  /** Node of the last listen / hang-up. */
  n?: string;
  /** Answered at (epoch ms). */
  an?: number;
  /** Utterances or key presses heard so far. */
  ut: number;
  /** Turns recorded so far. */
  tc: number;
  tg: Record<string, string>;
  cp?: 1;
  /** Hang-up party, node and reason once decided. */
  hp?: HangupParty;
  hn?: string;
  hr?: string;
  /** Status decided from the first utterance (P9). */
  cs?: CallStatus;
  /** Recording key or prefix. */
  rk?: string;
  tr?: 1;
  /** Last turn was a no-match. */
  nm?: 1;
}

interface CallState {
  ids: CallIds;
  plan?: CallPlan;
  dialog?: unknown;
  progress: Progress;
}

/** How long Lex waits for the callee's first words before giving up on the greeting (ms). */
export const GREETING_TIMEOUT_MS = 2500;

const EMPTY: SmaResponse = { SchemaVersion: '1.0', Actions: [] };
const STATE_SK = 'SMASTATE';

function parseIds(attrs: Record<string, string>): CallIds | undefined {
  const { instanceId, campaignId, jobId, attempt, callId, leaseSlot } = attrs;
  if (!instanceId || !campaignId || !jobId || !callId) return undefined;
  const n = Number(attempt ?? '1');
  return {
    instanceId,
    campaignId,
    jobId,
    callId,
    attempt: Number.isInteger(n) && n > 0 ? n : 1,
    leaseSlot: leaseSlot !== undefined && leaseSlot !== '' && Number.isFinite(Number(leaseSlot)) ? Number(leaseSlot) : undefined,
  };
}

function idAttributes(ids: CallIds): Record<string, string> {
  const a: Record<string, string> = {
    instanceId: ids.instanceId,
    campaignId: ids.campaignId,
    jobId: ids.jobId,
    attempt: String(ids.attempt),
    callId: ids.callId,
  };
  if (ids.leaseSlot !== undefined) a.leaseSlot = String(ids.leaseSlot);
  return a;
}

/**
 * Creates the SIP media application handler (T1): it answers each invocation event with SMA actions,
 * driving the dialog engine; the call's ids, plan and dialog state travel in the transaction
 * attributes, so any container can serve any event of a call.
 */
export function createSmaHandler(deps: Deps, options: SmaHandlerOptions = {}) {
  const services = options.services ?? realSmaServices();
  const bucket = options.recordingsBucket ?? process.env.RECORDINGS_BUCKET ?? 'recordings';
  const botArn = options.recognizerBotAliasArn ?? deps.config.recognizerBotAliasArn ?? LOCAL_RECOGNIZER_BOT;
  const dialogs = new Map<string, Promise<DialogDriver | undefined>>();
  const log = deps.log.child({ component: 'sma' });

  const dialogFor = (ids: CallIds, plan: CallPlan) => {
    const k = `${ids.instanceId}/${plan.scenarioId}/${plan.scenarioVersion}`;
    let d = dialogs.get(k);
    if (!d) {
      d = services.loadDialog(deps, ids.instanceId, plan.scenarioId, plan.scenarioVersion).catch((e) => {
        dialogs.delete(k);
        throw e;
      });
      dialogs.set(k, d);
    }
    return d;
  };

  const publish = async (detailType: string, ids: CallIds, detail: Record<string, unknown>) => {
    const id = stableId(detailType, ids.instanceId, ids.callId);
    const event: BusEvent = {
      id,
      source: deps.config.eventSource,
      detailType,
      time: isoAt(deps.clock.now()),
      detail: {
        eventId: id,
        eventType: detailType,
        eventTime: deps.clock.now(),
        instanceId: ids.instanceId,
        campaignId: ids.campaignId,
        jobId: ids.jobId,
        callId: ids.callId,
        attempt: ids.attempt,
        ...detail,
      },
    };
    const r = await deps.bus.publish([event]);
    if (r.failed.length) log.warn('event not published', { detailType, callId: ids.callId, reason: r.failed[0]!.reason });
  };

  async function readState(_event: SmaEvent, attrs: Record<string, string>): Promise<CallState | undefined> {
    const ids = parseIds(attrs);
    if (!ids) return undefined;
    let source = attrs;
    if (attrs.ref === STATE_SK) {
      const item = await deps.store.get({ pk: keys.callPointer(ids.instanceId, ids.callId).pk, sk: STATE_SK });
      if (item) source = item as unknown as Record<string, string>;
    }
    const progress: Progress = source.x ? (JSON.parse(source.x) as Progress) : { aw: 'none', ut: 0, tc: 0, tg: {} };
    return {
      ids,
      plan: source.p ? (JSON.parse(source.p) as CallPlan) : undefined,
      dialog: source.d ? JSON.parse(source.d) : undefined,
      progress,
    };
  }

  async function respond(state: CallState, actions: SmaAction[]): Promise<SmaResponse> {
    const body: Record<string, string> = {
      ...idAttributes(state.ids),
      x: JSON.stringify(state.progress),
    };
    if (state.plan) body.p = JSON.stringify(state.plan);
    if (state.dialog !== undefined) body.d = JSON.stringify(state.dialog);
    const size = Buffer.byteLength(JSON.stringify(body));
    if (size > TRANSACTION_ATTRIBUTES_LIMIT_BYTES * 0.75) {
      // Too big to travel with the call: keep it in the store and carry a pointer.
      await deps.store.put({ pk: keys.callPointer(state.ids.instanceId, state.ids.callId).pk, sk: STATE_SK, x: body.x, p: body.p, d: body.d });
      return { SchemaVersion: '1.0', Actions: actions, TransactionAttributes: { ...idAttributes(state.ids), ref: STATE_SK } };
    }
    return { SchemaVersion: '1.0', Actions: actions, TransactionAttributes: body };
  }

  const actionContext = (state: CallState, event: SmaEvent): ActionContext => ({
    callId: legA(event)?.CallId ?? '',
    voice: state.plan?.voice ?? { language: 'en' },
    recognizerBotAliasArn: botArn,
    callerNumber: state.plan?.caller ?? legA(event)?.From,
    transferTimeoutSeconds: state.plan?.transferTimeoutSeconds,
  });

  /** Applies bookkeeping commands and turns the rest into actions. */
  async function carryOut(state: CallState, event: SmaEvent, commands: ChannelCommand[], prefix: SmaAction[] = []): Promise<SmaResponse> {
    const turns: DialogTurn[] = [];
    for (const c of commands) {
      if (c.type === 'setTags') state.progress.tg = { ...state.progress.tg, ...c.tags };
      else if (c.type === 'markCompleted') state.progress.cp = 1;
      else if (c.type === 'recordTurn') turns.push(c.turn);
    }
    if (turns.length) {
      await putTurns(deps.store, state.ids.instanceId, state.ids.callId, turns);
      state.progress.tc = Math.max(state.progress.tc, ...turns.map((t) => t.index + 1));
      const last = turns[turns.length - 1]!;
      if (last.outcome === 'noMatch') state.progress.nm = 1;
      else if (last.outcome !== 'hangup') delete state.progress.nm;
    }
    const ctx = actionContext(state, event);
    const built = buildActions(commands, ctx);
    // The optional leading pause is the first thing to give up when the engine already fills the response.
    let actions = built.actions.length + prefix.length <= MAX_ACTIONS_PER_RESPONSE ? [...prefix, ...built.actions] : built.actions;
    state.progress.aw = built.awaiting;
    if (built.nodeId) state.progress.n = built.nodeId;
    if (built.hangsUp) {
      state.progress.hp ??= built.hangupReason === 'person' ? 'person' : built.hangupReason === 'error' ? 'system' : 'robot';
      state.progress.hn = built.nodeId;
      state.progress.hr ??= built.hangupReason;
    } else if (built.awaiting === 'none') {
      // The engine gave nothing to wait for: end the call rather than leave the line silent.
      actions = [...actions.slice(0, MAX_ACTIONS_PER_RESPONSE - 1), hangupAction(ctx)];
      state.progress.aw = 'hangup';
      state.progress.hp ??= 'system';
      state.progress.hr ??= 'error';
    }
    if (built.awaiting === 'transfer') state.progress.tr = 1;
    return respond(state, actions);
  }

  async function startConversation(state: CallState, event: SmaEvent): Promise<SmaResponse> {
    const plan = state.plan!;
    const dialog = await dialogFor(state.ids, plan);
    if (!dialog) return hangUp(state, event, 'system', 'scenarioMissing');
    const [d, commands] = dialog.start(plan.variables, deps.clock.now());
    state.dialog = d;
    const prefix = !commands.some((c) => c.type === 'pause') && plan.delayMs > 0 ? [pauseAction(actionContext(state, event), plan.delayMs)] : [];
    return carryOut(state, event, commands, prefix);
  }

  async function step(state: CallState, event: SmaEvent, dialogEvent: DialogEvent): Promise<SmaResponse> {
    if (!state.plan) return hangUp(state, event, 'system', 'lostState');
    const dialog = await dialogFor(state.ids, state.plan);
    if (!dialog) return hangUp(state, event, 'system', 'scenarioMissing');
    const [d, commands] = dialog.next(state.dialog, dialogEvent, state.plan.variables);
    state.dialog = d;
    return carryOut(state, event, commands);
  }

  function hangUp(state: CallState, event: SmaEvent, party: HangupParty, reason: string): Promise<SmaResponse> {
    state.progress.hp ??= party;
    state.progress.hr ??= reason;
    state.progress.aw = 'hangup';
    return respond(state, [hangupAction(actionContext(state, event))]);
  }

  async function heard(state: CallState, event: SmaEvent, text: string, intent?: { name: string; score: number }): Promise<SmaResponse> {
    const at = deps.clock.now();
    if (!text.trim() && !intent) return step(state, event, { type: 'silence', at });
    if (state.progress.ut === 0 && !intent) {
      const kind = classifyFirstUtterance(text);
      if (kind.kind !== 'person') {
        state.progress.ut = 1;
        state.progress.cs = statusOfAnsweredCall(kind);
        await putTurns(deps.store, state.ids.instanceId, state.ids.callId, [
          { index: state.progress.tc, at, nodeId: state.progress.n ?? '', userText: text, outcome: 'hangup' },
        ]);
        state.progress.tc += 1;
        return hangUp(state, event, 'robot', kind.kind);
      }
    }
    state.progress.ut += 1;
    return step(state, event, { type: 'utterance', at, text, intent });
  }

  async function onActionSuccessful(state: CallState, event: SmaEvent): Promise<SmaResponse> {
    const data = event.ActionData;
    const at = deps.clock.now();
    switch (data?.Type) {
      case 'StartCallRecording': {
        const loc = data.CallRecordingDestination?.Location;
        if (loc) state.progress.rk = recordingKeyFromLocation(loc, bucket);
        return afterAnswer(state, event);
      }
      case 'StartBotConversation': {
        const result = data.IntentResult;
        const attrs = result?.SessionState?.SessionAttributes ?? {};
        const text = attrs.transcript ?? attrs.inputTranscript ?? '';
        if (state.progress.aw === 'greeting') return onGreeting(state, event, attrs.inputMode === 'DTMF' ? '' : text);
        if (attrs.inputMode === 'DTMF' && text && state.progress.aw !== 'delegate') {
          state.progress.ut += 1;
          return step(state, event, { type: 'digits', at, digits: text });
        }
        if (state.progress.aw === 'delegate') {
          const name = result?.SessionState?.Intent?.Name;
          const score = result?.Interpretations?.find((i) => i.Intent?.Name === name)?.NluConfidence?.Score ?? 1;
          return heard(state, event, text, name ? { name, score } : undefined);
        }
        return heard(state, event, text);
      }
      case 'SpeakAndGetDigits':
      case 'ReceiveDigits': {
        const digits = data.ReceivedDigits ?? '';
        if (!digits) return step(state, event, { type: 'silence', at });
        state.progress.ut += 1;
        return step(state, event, { type: 'digits', at, digits });
      }
      case 'Speak':
      case 'Pause':
      case 'PlayAudio':
        if (state.progress.aw === 'prompt') return step(state, event, { type: 'promptFinished', at });
        return respond(state, []);
      case 'CallAndBridge':
        state.progress.tr = 1;
        return respond(state, []);
      default:
        return respond(state, []);
    }
  }

  async function onActionFailed(state: CallState, event: SmaEvent): Promise<SmaResponse> {
    const data = event.ActionData;
    const at = deps.clock.now();
    log.warn('action failed', { callId: state.ids.callId, action: data?.Type, errorType: data?.ErrorType, error: data?.ErrorMessage });
    switch (data?.Type) {
      case 'StartCallRecording':
        // A missing recording must not cost the conversation.
        state.progress.tg = { ...state.progress.tg, recordingFailed: 'true' };
        return afterAnswer(state, event);
      case 'StartBotConversation':
        if (state.progress.aw === 'greeting') return startConversation(state, event);
        return step(state, event, { type: 'silence', at });
      case 'SpeakAndGetDigits':
      case 'ReceiveDigits':
        return step(state, event, { type: 'silence', at });
      case 'Speak':
      case 'Pause':
        return state.progress.aw === 'prompt' ? step(state, event, { type: 'promptFinished', at }) : respond(state, []);
      case 'CallAndBridge':
        state.progress.tg = { ...state.progress.tg, transferFailed: 'true' };
        delete state.progress.tr;
        return hangUp(state, event, 'system', 'transferFailed');
      default:
        return hangUp(state, event, 'system', 'actionFailed');
    }
  }

  async function finish(state: CallState, event: SmaEvent): Promise<void> {
    const now = deps.clock.now();
    const endedAt = isoAt(now);
    const { ids, progress } = state;
    const existing = await getCallRecordOfJob(deps.store, ids.instanceId, ids.jobId, ids.callId);
    const sipRaw = event.ActionData?.Parameters?.SipResponseCode;
    const sipCode = sipRaw !== undefined && sipRaw !== '' && Number.isFinite(Number(sipRaw)) ? Number(sipRaw) : undefined;
    const answeredAt = progress.an;
    const wasAnswered = answeredAt !== undefined;

    if (wasAnswered && !progress.hp && state.plan && state.dialog !== undefined) {
      // The person hung up: let the engine close its transcript and tags.
      progress.hp = 'person';
      progress.hr = 'person';
      progress.hn = progress.n;
      try {
        const dialog = await dialogFor(ids, state.plan);
        if (dialog) {
          const [d, commands] = dialog.next(state.dialog, { type: 'hangup', at: now, party: 'person' }, state.plan.variables);
          state.dialog = d;
          const turns: DialogTurn[] = [];
          for (const c of commands) {
            if (c.type === 'setTags') progress.tg = { ...progress.tg, ...c.tags };
            else if (c.type === 'markCompleted') progress.cp = 1;
            else if (c.type === 'recordTurn') turns.push(c.turn);
          }
          await putTurns(deps.store, ids.instanceId, ids.callId, turns);
          if (turns.length) progress.tc = Math.max(progress.tc, ...turns.map((t) => t.index + 1));
        }
      } catch (e) {
        log.warn('dialog hang-up step failed', { callId: ids.callId, error: e });
      }
    }

    let status: CallStatus;
    let systemFailure = false;
    if (wasAnswered) status = progress.cs ?? 'Succeeded';
    else if (progress.hr === 'maxRing') status = 'NoAnswer';
    else if (progress.hr === 'stopped') status = 'Cancelled';
    else {
      const s = statusFromSipCode(sipCode);
      status = s.status;
      systemFailure = s.systemFailure;
    }
    if (!wasAnswered) progress.hp ??= progress.hr ? 'robot' : 'system';

    const dialledAt = existing?.dialledAt ?? endedAt;
    const dialledMs = Date.parse(dialledAt);
    const rungMs = existing?.rungAt ? Date.parse(existing.rungAt) : dialledMs;
    const conversation = wasAnswered && status === 'Succeeded';
    const talkSeconds = wasAnswered ? Math.max(0, (now - answeredAt) / 1000) : 0;
    const ringSeconds = Math.max(0, ((answeredAt ?? now) - rungMs) / 1000);

    let recordingKey: string | undefined;
    if (progress.rk) {
      recordingKey = await findRecording(deps.blobs.recordings, progress.rk).catch(() => undefined);
    }

    const record: CallRecord = {
      ...(existing ?? {}),
      callId: ids.callId,
      instanceId: ids.instanceId,
      campaignId: ids.campaignId,
      jobId: ids.jobId,
      attempt: ids.attempt,
      transactionId: event.CallDetails.TransactionId,
      caller: existing?.caller ?? legA(event)?.From,
      callee: existing?.callee ?? legA(event)?.To,
      referenceId: existing?.referenceId ?? state.plan?.referenceId,
      plannedAt: existing?.plannedAt ?? state.plan?.plannedAt,
      scenarioId: existing?.scenarioId ?? state.plan?.scenarioId,
      scenarioVersion: existing?.scenarioVersion ?? state.plan?.scenarioVersion,
      dialledAt,
      rungAt: existing?.rungAt,
      answeredAt: answeredAt !== undefined ? isoAt(answeredAt) : undefined,
      endedAt,
      ringSeconds: Math.round(ringSeconds * 10) / 10,
      talkSeconds: Math.round(talkSeconds * 10) / 10,
      turns: progress.tc,
      answered: conversation,
      completed: progress.cp === 1,
      transferred: progress.tr === 1,
      hangupParty: progress.hp,
      hangupNode: progress.hn,
      hangupReason: progress.hr,
      status,
      sipCode,
      recordingKey,
      tags: progress.tg,
      noMatchHangup: progress.hr === 'noMatch' || (progress.nm === 1 && progress.hp === 'person'),
    };
    await putCallRecord(deps.store, record);

    const outcome: CallOutcome = {
      instanceId: ids.instanceId,
      campaignId: ids.campaignId,
      jobId: ids.jobId,
      attempt: ids.attempt,
      callId: ids.callId,
      leaseSlot: ids.leaseSlot,
      status,
      sipCode,
      answered: conversation,
      completed: progress.cp === 1,
      turns: progress.tc,
      talkSeconds: record.talkSeconds,
      hangupParty: progress.hp,
      hangupNode: progress.hn,
      tags: progress.tg,
      systemFailure,
      endedAt,
    };
    await services.finishCall(deps, outcome);
    await publish('CallFinished', ids, {
      status,
      sipCode,
      answered: conversation,
      completed: outcome.completed,
      turns: outcome.turns,
      talkSeconds: outcome.talkSeconds,
      hangupParty: outcome.hangupParty,
      hangupNode: outcome.hangupNode,
      tasks: [
        {
          id: ids.callId,
          callId: ids.callId,
          planedTime: record.plannedAt,
          actualTime: record.dialledAt,
          endTime: record.endedAt,
          callingNumber: record.caller,
          calledNumber: record.callee,
          status,
        },
      ],
    });
    if (recordingKey) {
      await publish('RecordingReady', ids, {
        recording: { callId: ids.callId, key: recordingKey, duration: record.talkSeconds, fileName: recordingKey.split('/').pop() },
      });
    }
  }

  async function onNewOutboundCall(event: SmaEvent, ids: CallIds): Promise<SmaResponse> {
    const leg = legA(event);
    const now = deps.clock.now();
    const plan = await services.loadPlan(deps, ids).catch((e) => {
      log.warn('call plan not loaded', { callId: ids.callId, error: e });
      return undefined;
    });
    const existing = await getCallRecordOfJob(deps.store, ids.instanceId, ids.jobId, ids.callId);
    if (!existing) {
      await putCallRecord(deps.store, {
        callId: ids.callId,
        instanceId: ids.instanceId,
        campaignId: ids.campaignId,
        jobId: ids.jobId,
        attempt: ids.attempt,
        transactionId: event.CallDetails.TransactionId,
        caller: leg?.From ?? plan?.caller,
        callee: leg?.To ?? plan?.callee,
        referenceId: plan?.referenceId,
        plannedAt: plan?.plannedAt,
        scenarioId: plan?.scenarioId,
        scenarioVersion: plan?.scenarioVersion,
        dialledAt: isoAt(now),
        ringSeconds: 0,
        talkSeconds: 0,
        turns: 0,
        answered: false,
        completed: false,
        transferred: false,
        status: 'Executing',
        tags: {},
        noMatchHangup: false,
      });
    }
    await publish('Dialing', ids, { status: 'Executing', callingNumber: leg?.From, calledNumber: leg?.To });
    return EMPTY;
  }

  async function onCallAnswered(event: SmaEvent, state: CallState): Promise<SmaResponse> {
    const now = deps.clock.now();
    state.progress.an = now;
    state.plan ??= await services.loadPlan(deps, state.ids);
    await publish('CallAnswered', state.ids, { status: 'Executing', answeredAt: isoAt(now) });
    if (!state.plan) return hangUp(state, event, 'system', 'planMissing');
    if (state.plan.recording) {
      const prefix = recordingPrefix(state.ids.instanceId, state.ids.callId, isoAt(now));
      state.progress.rk = prefix;
      state.progress.aw = 'recording';
      return respond(state, [startRecordingAction(actionContext(state, event), recordingDestination(bucket, prefix))]);
    }
    return afterAnswer(state, event);
  }

  /** Listens for the callee's first words (P9) unless the plan opts out, then starts the dialog. */
  function afterAnswer(state: CallState, event: SmaEvent): Promise<SmaResponse> {
    if (state.plan?.listenForGreeting === false) return startConversation(state, event);
    const ctx = actionContext(state, event);
    state.progress.aw = 'greeting';
    return respond(state, [
      botConversationAction(ctx, undefined, { botAliasArn: botArn, localeId: LANGUAGE_DEFAULTS[ctx.voice.language].lexLocale }, {
        phase: 'greeting',
        'x-amz-lex:audio:start-timeout-ms:*:*': String(GREETING_TIMEOUT_MS),
      }),
    ]);
  }

  /** The callee's first words: a machine or an announcement ends the call, a person (or silence) starts the dialog. */
  async function onGreeting(state: CallState, event: SmaEvent, text: string): Promise<SmaResponse> {
    if (text.trim()) {
      const kind = classifyFirstUtterance(text);
      state.progress.ut = 1;
      if (kind.kind !== 'person') {
        state.progress.cs = statusOfAnsweredCall(kind);
        await putTurns(deps.store, state.ids.instanceId, state.ids.callId, [
          { index: state.progress.tc, at: deps.clock.now(), nodeId: '', userText: text, outcome: 'hangup' },
        ]);
        state.progress.tc += 1;
        return hangUp(state, event, 'robot', kind.kind);
      }
    }
    return startConversation(state, event);
  }

  async function handle(input: unknown): Promise<SmaResponse> {
    const parsed = parseSmaEvent(input);
    if (!parsed.ok) {
      log.error('unreadable SMA event', { issues: parsed.message });
      return EMPTY;
    }
    const event = parsed.event;
    const attrs = { ...(event.CallDetails.TransactionAttributes ?? {}) };
    const ids = parseIds(attrs);
    if (!ids) {
      log.error('SMA event without call ids', { type: event.InvocationEventType, transactionId: event.CallDetails.TransactionId });
      if (['NEW_OUTBOUND_CALL', 'RINGING', 'HANGUP'].includes(event.InvocationEventType)) return EMPTY;
      const callId = legA(event)?.CallId ?? '';
      return { SchemaVersion: '1.0', Actions: [{ Type: 'Hangup', Parameters: { CallId: callId, ParticipantTag: 'LEG-A', SipResponseCode: '0' } }] };
    }
    switch (event.InvocationEventType) {
      case 'NEW_OUTBOUND_CALL':
        return onNewOutboundCall(event, ids);
      case 'RINGING': {
        const now = deps.clock.now();
        await updateCallRecord(deps.store, ids.instanceId, ids.jobId, ids.callId, { rungAt: isoAt(now) });
        await publish('Ringing', ids, { status: 'Executing', rungAt: isoAt(now) });
        return EMPTY;
      }
      default:
        break;
    }
    const state = (await readState(event, attrs))!;
    switch (event.InvocationEventType) {
      case 'CALL_ANSWERED':
        return onCallAnswered(event, state);
      case 'ACTION_SUCCESSFUL':
        return onActionSuccessful(state, event);
      case 'ACTION_FAILED':
        return onActionFailed(state, event);
      case 'ACTION_INTERRUPTED':
        // Interrupted by an update whose own response carries the next actions.
        return respond(state, []);
      case 'DIGITS_RECEIVED': {
        const digits = event.ActionData?.ReceivedDigits ?? '';
        if (!digits || !state.progress.an) return respond(state, []);
        if (state.progress.aw === 'greeting') return startConversation(state, event);
        state.progress.ut += 1;
        return step(state, event, { type: 'digits', at: deps.clock.now(), digits });
      }
      case 'CALL_UPDATE_REQUESTED': {
        const args = (event.ActionData?.Parameters?.Arguments ?? {}) as Record<string, string>;
        if (args.action === 'hangup') return hangUp(state, event, state.progress.an ? 'system' : 'robot', args.reason ?? 'stopped');
        return respond(state, []);
      }
      case 'INVALID_LAMBDA_RESPONSE':
        log.error('SMA rejected our response', { callId: ids.callId, errorType: event.ErrorType, error: event.ErrorMessage });
        return hangUp(state, event, 'system', 'invalidResponse');
      case 'HANGUP': {
        const tag = event.ActionData?.Parameters?.ParticipantTag;
        if (tag === 'LEG-B') {
          // The transfer target hung up: end the caller's leg too; LEG-A's HANGUP finishes the call.
          state.progress.hp ??= 'person';
          state.progress.hr ??= 'transferEnded';
          return respond(state, [hangupAction(actionContext(state, event), 'LEG-A')]);
        }
        await finish(state, event);
        return EMPTY;
      }
      default:
        return respond(state, []);
    }
  }

  return async (input: unknown): Promise<SmaResponse> => {
    try {
      return await handle(input);
    } catch (e) {
      log.error('SMA handler failed', { error: e });
      throw e;
    }
  };
}

let lambda: ((input: unknown) => Promise<SmaResponse>) | undefined;

/** Lambda entry point of the SIP media application. */
export const handler = (event: unknown): Promise<SmaResponse> => (lambda ??= createSmaHandler(awsDeps('sma')))(event);
