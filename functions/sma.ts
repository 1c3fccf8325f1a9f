import type { Services } from '../lib/core/deps';
import { releaseLease, renewLease } from '../lib/campaigns/leases';
import { FX_PREFIX } from '../lib/outbox/outbox';
import { isoAt } from '../lib/ports/clock';
import type { EffectInput } from '../lib/outbox/effects';
import { APOLOGY_PROMPT, hangupAction, speakActions } from '../lib/telephony/actions';
import { callPointerItem, callRecordItem, callRecordKey, finalCallEffects, putTurns, type CallRecord } from '../lib/telephony/call-records';
import { answerToDecide, stepCallSession, type CallSession, type SessionEffect, type SessionStep } from '../lib/telephony/call-session';
import type { ProviderRecognizers } from '../lib/dialog/provider-intent';
import { cachedDialogLoader, loadDialogDriver, type DialogLoader } from '../lib/telephony/dialog-driver';
import { loadCallPlan } from '../lib/telephony/plan';
import { decodeAttributes, encodeSession, loadStoredSession } from '../lib/telephony/session-codec';
import { legA, parseSmaEvent, type SmaEvent, type SmaResponse } from '../lib/telephony/sma-events';
import { DynamoDbStore } from '../lib/adapters/aws/dynamodb-store';
import { EventBridgeBus } from '../lib/adapters/aws/eventbridge-bus';
import { SqsQueue } from '../lib/adapters/aws/sqs-queue';
import { awsServices } from './composition';
import { enabledProviders } from './sma-providers';

/** Options of the SMA handler. */
export interface SmaHandlerOptions {
  /** Bucket the recordings land in (StartCallRecording destination). */
  recordingsBucket?: string;
  /** Lex V2 recogniser bot alias; `config.recognizerBotAliasArn` by default. */
  recognizerBotAliasArn?: string;
  /** Loads compiled scenarios (cached per container); the real one by default. */
  loadDialog?: DialogLoader;
  /**
   * Builds the external recognisers of scenarios that choose one (S9: Lex, Bedrock); absent when none is enabled in
   * this deployment, and then such a scenario is recognised by the built-in recogniser. Used by the default loader.
   */
  providers?: ProviderRecognizers;
}

/** Placeholder bot used locally, where the simulator plays the recogniser's part. */
export const LOCAL_RECOGNIZER_BOT = 'arn:aws:lex:us-east-1:000000000000:bot-alias/LOCALRECOG/LOCALALIAS';

const EMPTY: SmaResponse = { SchemaVersion: '1.0', Actions: [] };

/** Outbox message asking the tick consumer to apply what a final call record carries (off the SMA's critical path). */
export const drainMessage = (key: { pk: string; sk: string }, instanceId: string) => JSON.stringify({ type: 'drain', instanceId, pk: key.pk, sk: key.sk });

/**
 * The SIP media application handler (T1): parse the event, decode the call's session, load what the step
 * needs (the plan when it did not travel with the call, the compiled scenario, cached), run the pure call
 * session (lib/telephony/call-session.ts), write its effects — call record with pending events, transcript,
 * lease, all at once — and answer. It never throws: Chime would retry and then drop the call; a failure of
 * ours ends the call politely and is recorded as a system failure where possible.
 *
 * Critical path: one round of parallel writes per event; at hang-up one more (the drain message). What a
 * final call record asks for (the job's outcome, counters, JobComplete, CallFinished) is applied by the
 * tick consumer that the drain message wakes, or by the sweep.
 */
export function createSmaHandler(svc: Services, options: SmaHandlerOptions = {}) {
  const bucket = options.recordingsBucket ?? process.env.RECORDINGS_BUCKET ?? 'recordings';
  const botArn = options.recognizerBotAliasArn ?? svc.config.recognizerBotAliasArn ?? LOCAL_RECOGNIZER_BOT;
  const providers = options.providers;
  const loadDialog = cachedDialogLoader(options.loadDialog ?? ((deps, instanceId, scenarioId, version) => loadDialogDriver(deps, instanceId, scenarioId, version, providers)));
  const log = svc.log.child({ component: 'sma' });

  async function sessionOf(event: SmaEvent): Promise<CallSession | undefined> {
    const decoded = decodeAttributes(event.CallDetails.TransactionAttributes);
    if (decoded.kind === 'none') {
      log.error('SMA event without call ids', { type: event.InvocationEventType, transactionId: event.CallDetails.TransactionId, reason: decoded.reason });
      return undefined;
    }
    const session = decoded.kind === 'session' ? decoded.session : await loadStoredSession(svc.store, decoded.ids);
    const start = Number(legA(event)?.StartTimeInMilliseconds);
    if (session.st === undefined && Number.isFinite(start) && start > 0) session.st = start;
    return session;
  }

  async function step(event: SmaEvent, session: CallSession): Promise<SessionStep> {
    const needsPlan = ['CALL_ANSWERED', 'ACTION_SUCCESSFUL', 'ACTION_FAILED', 'DIGITS_RECEIVED', 'HANGUP'].includes(event.InvocationEventType);
    if (!session.plan && needsPlan) {
      const plan = await loadCallPlan(svc, session.ids).catch((error: unknown) => {
        log.warn('call plan not loaded', { callId: session.ids.callId, error });
        return undefined;
      });
      if (plan) session.plan = plan;
    }
    const plan = session.plan;
    // Only the events that may run the dialog wait for the scenario; the first ones of a call (NEW_OUTBOUND_CALL,
    // RINGING) start loading it for a cold container without waiting (compiled scenarios are cached per container).
    if (plan && !needsPlan) void loadDialog(svc, session.ids.instanceId, plan.scenarioId, plan.scenarioVersion).catch(() => undefined);
    const dialog = plan && needsPlan
      ? await loadDialog(svc, session.ids.instanceId, plan.scenarioId, plan.scenarioVersion).catch((error: unknown) => {
          log.warn('scenario not loaded', { callId: session.ids.callId, error });
          return undefined;
        })
      : undefined;
    // A spoken answer in a scenario with its own recogniser (Lex, Bedrock): asked here, before the pure step, which
    // reads the intent from the context. The provider answers within its timeout or the built-in recogniser does.
    const decide = dialog?.decide;
    const answer = decide ? answerToDecide(session, event) : undefined;
    const intent =
      decide && answer !== undefined
        ? await decide(session.d, answer, session.ids.callId).catch((error: unknown) => {
            // Not expected (providers fall back by themselves): the engine's own recogniser then decides.
            log.error('external recogniser failed', { callId: session.ids.callId, error });
            return undefined;
          })
        : undefined;
    const decided = answer !== undefined && intent ? { text: answer, intent } : undefined;
    return stepCallSession(session, event, { now: svc.clock.now(), dialog, ...(decided ? { decided } : {}), recognizerBotAliasArn: botArn, recordingsBucket: bucket, eventSource: svc.config.eventSource });
  }

  /** Writes a step's effects in one round of parallel requests; returns the ids of events now published. */
  async function apply(s: SessionStep, event: SmaEvent): Promise<void> {
    const { session } = s;
    const ids = session.ids;
    const key = callRecordKey(ids);
    const cdr = s.effects.find((e): e is Extract<SessionEffect, { type: 'cdr' }> => e.type === 'cdr');
    const publishes = s.effects.filter((e): e is Extract<SessionEffect, { type: 'publish' }> => e.type === 'publish').map((e) => e.effect);
    const now = svc.clock.now();
    const work: Promise<unknown>[] = [];
    let published: string[] = [];

    if (cdr || publishes.length) {
      const effects: EffectInput[] = [...publishes, ...(cdr?.final ? finalCallEffects(ids, now) : [])];
      // Events published earlier leave the record's pending effects now (their copy was only a safety net).
      const remove = session.pe.map((id) => `${FX_PREFIX}${id}`);
      const changes = svc.outbox.withEffects(key, { set: cdr?.set ?? {}, remove }, effects);
      work.push(
        svc.store.update(key, changes, { and: [{ exists: 'pk' }, { notExists: 'endedAt' }] }).then(async (written) => {
          if (written.ok) {
            session.pe = [];
            return;
          }
          // Final and the record is missing (the dialer crashed before writing it): create it.
          if (cdr?.final && !(await svc.store.get(key))) await createFinalRecord(session, event, cdr.set, effects);
        }),
      );
    }
    if (publishes.length) {
      work.push(
        svc.bus.publish(publishes.map((p) => p.event)).then((r) => {
          const failed = new Set(r.failed.map((f) => f.event.id));
          published = publishes.filter((p) => !failed.has(p.event.id)).map((p) => p.id);
        }),
      );
    }
    for (const e of s.effects) {
      if (e.type === 'turns') work.push(putTurns(svc.store, ids.instanceId, ids.callId, e.turns));
      else if (e.type === 'lease' && ids.leaseSlot !== undefined) {
        work.push(e.op === 'renew' ? renewLease(svc.store, ids.instanceId, ids.leaseSlot, ids.callId, e.until) : releaseLease(svc.store, ids.instanceId, ids.leaseSlot, ids.callId));
      } else if (e.type === 'log') log[e.level](e.message, e.fields);
      else if (e.type === 'metric') log.debug('metric', { name: e.name, value: e.value });
    }
    const encoded = encodeSession(session);
    if (encoded.store) work.push(svc.store.put({ ...encoded.store.key, s: encoded.store.s }));
    const results = await Promise.allSettled(work);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    session.pe = [...session.pe, ...published];
    if (failure) throw failure.reason;
    if (cdr?.final) await svc.queues.tick.send({ body: drainMessage(key, ids.instanceId) });
  }

  async function createFinalRecord(session: CallSession, event: SmaEvent, set: Record<string, unknown>, effects: EffectInput[]): Promise<void> {
    const { ids, plan } = session;
    const base: CallRecord = {
      callId: ids.callId, instanceId: ids.instanceId, campaignId: ids.campaignId, jobId: ids.jobId, attempt: ids.attempt,
      transactionId: event.CallDetails.TransactionId, caller: plan?.caller ?? legA(event)?.From, callee: plan?.callee ?? legA(event)?.To,
      referenceId: plan?.referenceId, plannedAt: plan?.plannedAt, dialledAt: isoAt(session.st ?? svc.clock.now()),
      ringSeconds: 0, talkSeconds: 0, turns: 0, answered: false, completed: false, transferred: false, status: 'Executing', tags: {},
      noMatchHangup: false, systemFailure: false, placed: true, interacted: false, captured: {},
    };
    await svc.store.put(callPointerItem(base));
    await svc.store.put(svc.outbox.itemWithEffects({ ...callRecordItem(base), ...set }, effects), { notExists: 'pk' });
  }

  function respond(session: CallSession, actions: SmaResponse['Actions']): SmaResponse {
    return { SchemaVersion: '1.0', Actions: actions, TransactionAttributes: encodeSession(session).attributes };
  }

  /** Something of ours failed: end a live call politely, and carry the failure to the hang-up. */
  function degraded(event: SmaEvent, session: CallSession | undefined, error: unknown): SmaResponse {
    log.error('SMA handler failed; ending the call politely', { type: event.InvocationEventType, callId: session?.ids.callId, error });
    const callId = legA(event)?.CallId ?? '';
    const language = session?.plan?.voice.language ?? 'en';
    const live = ['CALL_ANSWERED', 'ACTION_SUCCESSFUL', 'ACTION_FAILED', 'DIGITS_RECEIVED', 'CALL_UPDATE_REQUESTED', 'INVALID_LAMBDA_RESPONSE', 'ACTION_INTERRUPTED'].includes(event.InvocationEventType);
    if (!live || !callId) return session ? respond(session, []) : EMPTY;
    const ctx = { callId, voice: session?.plan?.voice ?? { language }, recognizerBotAliasArn: botArn };
    const actions = [...speakActions(ctx, APOLOGY_PROMPT[language]), hangupAction(ctx)];
    if (!session) return { SchemaVersion: '1.0', Actions: actions };
    session.sf ??= 'storeError';
    session.hp ??= 'system';
    session.hr ??= session.sf;
    session.aw = 'hangup';
    return respond(session, actions);
  }

  return async (input: unknown): Promise<SmaResponse> => {
    const parsed = parseSmaEvent(input);
    if (!parsed.ok) {
      log.error('unreadable SMA event', { issues: parsed.message });
      return EMPTY;
    }
    const event = parsed.event;
    let session: CallSession | undefined;
    try {
      session = await sessionOf(event);
      if (!session) {
        // A call we cannot place in any campaign: hang up anything live rather than hold the line.
        const callId = legA(event)?.CallId;
        if (!callId || ['NEW_OUTBOUND_CALL', 'RINGING', 'HANGUP'].includes(event.InvocationEventType)) return EMPTY;
        return { SchemaVersion: '1.0', Actions: [{ Type: 'Hangup', Parameters: { CallId: callId, ParticipantTag: 'LEG-A', SipResponseCode: '0' } }] };
      }
      const result = await step(event, session);
      await apply(result, event);
      return respond(result.session, result.actions);
    } catch (error) {
      return degraded(event, session, error);
    }
  };
}

let lambda: ((input: unknown) => Promise<SmaResponse>) | undefined;

/** Lambda entry point of the SIP media application. */
export const handler = (event: unknown): Promise<SmaResponse> => {
  if (!lambda) {
    const svc = awsServices('sma', { store: DynamoDbStore, bus: EventBridgeBus, queue: SqsQueue });
    // Read as written: deployed bundles have it replaced by the stack's value (infra/bundling.ts `bundleDefine`), so
    // without providers the branch, its module and the Lex and Bedrock clients are not in the bundle at all.
    const providers = process.env.RECOGNITION_PROVIDERS ? enabledProviders(process.env.RECOGNITION_PROVIDERS, svc.log) : undefined;
    lambda = createSmaHandler(svc, providers ? { providers } : {});
  }
  return lambda(event);
};
