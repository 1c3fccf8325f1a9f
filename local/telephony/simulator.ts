import { randomUUID } from 'node:crypto';
import type { Logger } from '../../lib/core/log';
import type { Blobs } from '../../lib/ports/blobs';
import type { Clock } from '../../lib/ports/clock';
import type { PlaceCallRequest, PlaceCallResult, Telephony, UpdateCallRequest } from '../../lib/ports/telephony';
import { validateSmaResponse } from '../../lib/telephony/action-reference';
import type { SmaAction, SmaResponse } from '../../lib/telephony/sma-events';
import type { Person, PeopleBook } from './people';
import { makeWav } from './wav';

/** Options of the simulator. */
export interface SimulatedTelephonyOptions {
  clock: Clock;
  /** The SMA handler under test (the real one locally). */
  handler: (event: unknown) => Promise<SmaResponse>;
  people: PeopleBook;
  /** Where recordings are written (the recordings bucket). */
  recordings: Blobs;
  log: Logger;
  /** Bucket name the handler uses in StartCallRecording destinations. */
  recordingsBucket?: string;
  sipMediaApplicationId?: string;
  /** Seconds after which the network gives up on an unanswered call (Chime/carrier behaviour). */
  networkRingTimeoutSeconds?: number;
  /** The robot's maximum ring time (P5) when the call's arguments carry no `maxRingSeconds`. */
  defaultMaxRingSeconds?: number;
}

/** What one finished simulated call looked like (for tests and the demo). */
export interface SimulatedCallLog {
  transactionId: string;
  to: string;
  person: string;
  events: string[];
  actions: string[];
}

const KNOWN_ACTIONS = new Set([
  'Speak',
  'SpeakAndGetDigits',
  'StartBotConversation',
  'Pause',
  'Hangup',
  'CallAndBridge',
  'StartCallRecording',
  'StopCallRecording',
  'PlayAudio',
  'PlayAudioAndGetDigits',
  'ReceiveDigits',
]);

class PersonHungUp extends Error {}

/** How long after a call's end its recording file lands (Chime writes it after hang-up). */
export const RECORDING_LANDS_AFTER_MS = 2000;

/** Speaking time of a text: about 14 characters a second in English, 4 in Chinese. */
export function speechMs(text: string): number {
  const plain = text.replace(/<[^>]+>/g, '');
  const cjk = (plain.match(/[\u3400-\u9fff]/g) ?? []).length;
  return Math.max(600, cjk * 250 + (plain.length - cjk) * 70);
}

/**
 * The local stand-in for Chime SDK PSTN audio: `placeCall` answers like `CreateSipMediaApplicationCall`
 * and the call then runs on the clock, invoking the real SMA handler with the documented events
 * while a scripted person (chosen by number) rings, answers, talks, presses keys or hangs up.
 */
export class SimulatedTelephony implements Telephony {
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly updates = new Map<string, Record<string, string>[]>();
  private waiters: (() => void)[] = [];
  /** Finished calls, newest last (kept for inspection; bounded). */
  readonly finished: SimulatedCallLog[] = [];
  private readonly bucket: string;
  private readonly smaId: string;

  constructor(private readonly options: SimulatedTelephonyOptions) {
    this.bucket = options.recordingsBucket ?? 'recordings';
    this.smaId = options.sipMediaApplicationId ?? 'local-sip-media-application';
  }

  /** Calls in progress. */
  get active(): number {
    return this.inFlight.size;
  }

  /** Resolves when no call is in progress. */
  idle(): Promise<void> {
    if (this.inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async placeCall(request: PlaceCallRequest): Promise<PlaceCallResult> {
    if (!/^\+[1-9]\d{6,14}$/.test(request.toPhoneNumber) || !/^\+[1-9]\d{6,14}$/.test(request.fromPhoneNumber)) {
      return { ok: false, reason: 'rejected', message: 'phone numbers must be E.164', retryable: false };
    }
    const transactionId = randomUUID();
    const run = this.run(transactionId, request)
      .catch((e) => this.options.log.error('simulated call failed', { transactionId, error: e }))
      .finally(() => {
        this.inFlight.delete(transactionId);
        this.updates.delete(transactionId);
        if (this.inFlight.size === 0) {
          const w = this.waiters;
          this.waiters = [];
          for (const r of w) r();
        }
      });
    this.inFlight.set(transactionId, run);
    return { ok: true, transactionId };
  }

  async updateCall(request: UpdateCallRequest): Promise<{ ok: boolean; message?: string }> {
    if (!this.inFlight.has(request.transactionId)) return { ok: false, message: 'call not found' };
    const list = this.updates.get(request.transactionId) ?? [];
    list.push(request.arguments);
    this.updates.set(request.transactionId, list);
    return { ok: true };
  }

  private async run(transactionId: string, request: PlaceCallRequest): Promise<void> {
    const { clock, handler, people, log } = this.options;
    const person = people.personFor(request.toPhoneNumber);
    const callLog: SimulatedCallLog = { transactionId, to: request.toPhoneNumber, person: people.nameFor(request.toPhoneNumber), events: [], actions: [] };
    const callId = randomUUID();
    const bridgeCallId = randomUUID();
    const start = clock.now();
    let attrs: Record<string, string> = { ...request.arguments };
    let sequence = 0;
    let legAStatus: 'Connected' | 'Disconnected' | undefined;
    let bridged = false;

    const invoke = async (type: string, extra: Record<string, unknown> = {}, keepAttributes = true): Promise<SmaResponse> => {
      const participants: Record<string, unknown>[] = [
        {
          CallId: callId,
          ParticipantTag: 'LEG-A',
          To: request.toPhoneNumber,
          From: request.fromPhoneNumber,
          Direction: 'Outbound',
          StartTimeInMilliseconds: String(start),
          ...(legAStatus ? { Status: legAStatus } : {}),
        },
      ];
      if (bridged) participants.push({ CallId: bridgeCallId, ParticipantTag: 'LEG-B', Direction: 'Outbound', StartTimeInMilliseconds: String(clock.now()), Status: 'Connected' });
      const event = {
        SchemaVersion: '1.0',
        Sequence: ++sequence,
        InvocationEventType: type,
        CallDetails: {
          TransactionId: transactionId,
          TransactionAttributes: attrs,
          AwsAccountId: '000000000000',
          AwsRegion: 'local',
          SipMediaApplicationId: this.smaId,
          Participants: participants,
        },
        ...extra,
      };
      callLog.events.push(type);
      const response = await handler(event);
      if (keepAttributes && response.TransactionAttributes) attrs = response.TransactionAttributes;
      return response;
    };

    const hangupEvent = (code: string, tag = 'LEG-A') => ({
      ActionData: { Type: 'Hangup', Parameters: { SipResponseCode: code, CallId: tag === 'LEG-A' ? callId : bridgeCallId, ParticipantTag: tag } },
    });

    // Responses to NEW_OUTBOUND_CALL and RINGING are ignored, as documented.
    await invoke('NEW_OUTBOUND_CALL', {}, false);
    await clock.sleep(person.setupSeconds * 1000);
    if (person.rejectsImmediately) {
      legAStatus = 'Disconnected';
      await invoke('HANGUP', hangupEvent(String(person.sipCode)));
      return this.done(callLog);
    }
    await invoke('RINGING', {}, false);

    const maxRing = Number(request.arguments.maxRingSeconds ?? '') || this.options.defaultMaxRingSeconds || undefined;
    const networkTimeout = this.options.networkRingTimeoutSeconds ?? 60;
    const ringFor = person.answers ? person.ringSeconds : Math.min(person.ringSeconds, networkTimeout);
    // The ring limit counts from dialling, as the dialer's delayed ring-timeout check does.
    const ringUntil = Math.min(clock.now() + ringFor * 1000, maxRing !== undefined ? start + maxRing * 1000 : Infinity);
    // Ring in small steps so an update (stop, maximum ring time) can end the ringing.
    while (clock.now() < ringUntil) {
      await clock.sleep(Math.min(500, ringUntil - clock.now()));
      const update = this.takeUpdate(transactionId);
      if (update) {
        const r = await invoke('CALL_UPDATE_REQUESTED', { ActionData: { Type: 'CallUpdateRequest', Parameters: { Arguments: update } } });
        if (r.Actions?.some((a) => a.Type === 'Hangup')) {
          legAStatus = 'Disconnected';
          await invoke('HANGUP', hangupEvent('0'));
          return this.done(callLog);
        }
      }
    }
    if (maxRing !== undefined && clock.now() >= start + maxRing * 1000 && (!person.answers || clock.now() < start + (person.setupSeconds + ringFor) * 1000)) {
      // The robot's maximum ring time (P5): the platform asks the handler to hang up while ringing.
      const r = await invoke('CALL_UPDATE_REQUESTED', {
        ActionData: { Type: 'CallUpdateRequest', Parameters: { Arguments: { action: 'hangup', reason: 'maxRing' } } },
      });
      legAStatus = 'Disconnected';
      await invoke('HANGUP', hangupEvent(r.Actions?.some((a) => a.Type === 'Hangup') ? '0' : '487'));
      return this.done(callLog);
    }
    if (!person.answers) {
      legAStatus = 'Disconnected';
      await invoke('HANGUP', hangupEvent(String(person.sipCode)));
      return this.done(callLog);
    }

    // Answered.
    legAStatus = 'Connected';
    const answeredAt = clock.now();
    const hangupAt = person.hangsUpAfterSeconds !== undefined ? answeredAt + person.hangsUpAfterSeconds * 1000 : Infinity;
    let recordingStart: number | undefined;
    let recordingKey: string | undefined;
    let replyIndex = 0;
    let announced = false;
    let silentSince = answeredAt;

    const wait = async (ms: number) => {
      const remaining = hangupAt - clock.now();
      if (ms >= remaining) {
        await clock.sleep(Math.max(0, remaining));
        throw new PersonHungUp();
      }
      await clock.sleep(ms);
    };
    const nextReply = (): string => {
      if (person.announcement && !announced) {
        announced = true;
        return person.announcement;
      }
      const r = person.replies[Math.min(replyIndex, person.replies.length - 1)] ?? '';
      replyIndex++;
      return r;
    };
    /**
     * Chime writes the recording after the call has ended (T5): the file lands a moment after HANGUP,
     * so the handler must learn of it from the object-created notification, not at hang-up.
     */
    const finishRecording = async () => {
      if (recordingKey && recordingStart !== undefined) {
        const key = recordingKey;
        const seconds = (clock.now() - recordingStart) / 1000;
        recordingKey = undefined;
        return async () => {
          await clock.sleep(RECORDING_LANDS_AFTER_MS);
          await this.options.recordings.put(key, makeWav(seconds), 'audio/wav');
        };
      }
      return async () => {};
    };
    // Like Chime, the simulator refuses a response the action reference does not allow (INVALID_LAMBDA_RESPONSE).
    const validate = (r: SmaResponse): string | undefined => {
      const v = validateSmaResponse(r);
      return v.ok ? undefined : v.issues.slice(0, 3).join('; ');
    };

    /**
     * Runs actions until one needs the handler again; returns the next event to send, or the answer to a
     * call update that replaced the rest of the list (a NULL action set keeps the list running).
     */
    const perform = async (actions: SmaAction[]): Promise<{ type: string; extra: Record<string, unknown> } | { replaced: SmaResponse } | 'hangup' | 'idle'> => {
      let last: { type: string; extra: Record<string, unknown> } | undefined;
      for (const action of actions) {
        callLog.actions.push(action.Type);
        const p = action.Parameters;
        const data: Record<string, unknown> = { Type: action.Type, Parameters: p };
        switch (action.Type) {
          case 'Pause':
            await wait(Number(p.DurationInMilliseconds ?? 0));
            break;
          case 'Speak':
          case 'PlayAudio':
            await wait(speechMs(String(p.Text ?? 'audio')));
            break;
          case 'StartCallRecording': {
            const dest = (p.Destination ?? {}) as { Location?: string };
            const location = `${dest.Location ?? `${this.bucket}/recordings`}/${transactionId}.wav`;
            recordingKey = location.startsWith(`${this.bucket}/`) ? location.slice(this.bucket.length + 1) : location.slice(location.indexOf('/') + 1);
            recordingStart = clock.now();
            data.CallRecordingDestination = { Type: 'S3', Location: location };
            break;
          }
          case 'Hangup':
            return 'hangup';
          case 'CallAndBridge': {
            await wait(3000);
            bridged = true;
            break;
          }
          case 'SpeakAndGetDigits':
          case 'StartBotConversation': {
            const prompt =
              action.Type === 'SpeakAndGetDigits'
                ? String(((p.SpeechParameters ?? {}) as { Text?: string }).Text ?? '')
                : String((((p.Configuration ?? {}) as { WelcomeMessages?: { Content?: string }[] }).WelcomeMessages ?? [])[0]?.Content ?? '');
            const session = ((p.Configuration as { SessionState?: { SessionAttributes?: Record<string, string> } })?.SessionState?.SessionAttributes) ?? {};
            let reply: string;
            if (action.Type === 'StartBotConversation' && session.phase === 'greeting') {
              // The robot listens before speaking: the machine's greeting, the announcement or the person's "hello".
              reply = person.announcement && !announced ? person.announcement : person.greeting;
              announced = true;
            } else reply = nextReply();
            const promptMs = prompt ? speechMs(prompt) : 0;
            const heardMs = person.bargeInAfter !== undefined && reply && reply !== 'hangup' ? promptMs * person.bargeInAfter : promptMs;
            await wait(heardMs);
            if (reply === 'hangup') throw new PersonHungUp();
            if (action.Type === 'SpeakAndGetDigits') {
              if (reply.startsWith('digits:')) {
                const digits = reply.slice('digits:'.length);
                await wait(600 * digits.length);
                silentSince = clock.now();
                data.ReceivedDigits = digits;
              } else {
                const timeout = Number(p.RepeatDurationInMilliseconds ?? 5000);
                await wait(reply ? Math.max(timeout, speechMs(reply)) : timeout);
                if (clock.now() - silentSince > person.patienceSeconds * 1000) throw new PersonHungUp();
                return { type: 'ACTION_FAILED', extra: { ActionData: { ...data, ErrorType: 'InvalidDigitsReceived', ErrorMessage: 'No digits received' } } };
              }
            } else {
              let transcript = '';
              let inputMode = 'Speech';
              if (reply.startsWith('digits:')) {
                transcript = reply.slice('digits:'.length);
                inputMode = 'DTMF';
                await wait(600 * transcript.length);
                silentSince = clock.now();
              } else if (reply) {
                transcript = reply;
                await wait(speechMs(reply));
                silentSince = clock.now();
              } else {
                await wait(Number(session['x-amz-lex:audio:start-timeout-ms:*:*'] ?? 4000)); // Lex's no-input timeout
                if (clock.now() - silentSince > person.patienceSeconds * 1000) throw new PersonHungUp();
              }
              data.IntentResult = {
                SessionId: transactionId,
                SessionState: {
                  SessionAttributes: { ...session, transcript, inputMode },
                  Intent: { Name: 'FallbackIntent', Slots: {}, State: 'Fulfilled', ConfirmationState: 'None' },
                },
                Interpretations: [{ Intent: { Name: 'FallbackIntent', Slots: {}, State: 'Fulfilled', ConfirmationState: 'None' } }],
              };
            }
            break;
          }
          default:
            return { type: 'ACTION_FAILED', extra: { ActionData: { ...data, ErrorType: 'InvalidActionParameter', ErrorMessage: `${action.Type} is not simulated` } } };
        }
        last = { type: 'ACTION_SUCCESSFUL', extra: { ActionData: data } };
        const update = this.takeUpdate(transactionId);
        if (update) {
          const r = await invoke('CALL_UPDATE_REQUESTED', { ActionData: { Type: 'CallUpdateRequest', Parameters: { Arguments: update } } });
          if (r.Actions !== null) return { replaced: r };
        }
      }
      return last ?? 'idle';
    };

    let response = await invoke('CALL_ANSWERED');
    try {
      for (let guard = 0; guard < 200; guard++) {
        const problem = validate(response);
        if (problem) {
          response = await invoke('INVALID_LAMBDA_RESPONSE', { ErrorType: 'InvalidResponse', ErrorMessage: problem });
          continue;
        }
        const next = await perform(response.Actions ?? []);
        if (typeof next === 'object' && 'replaced' in next) {
          response = next.replaced;
          continue;
        }
        if (next === 'hangup') {
          const land = await finishRecording();
          legAStatus = 'Disconnected';
          await invoke('HANGUP', hangupEvent('0'));
          await land();
          return this.done(callLog);
        }
        if (next === 'idle') {
          if (bridged) {
            // Talking to the transfer target, who hangs up after a while.
            await wait(10_000);
            bridged = false;
            response = await invoke('HANGUP', hangupEvent('0', 'LEG-B'));
            continue;
          }
          await wait(person.patienceSeconds * 1000);
          throw new PersonHungUp();
        }
        response = await invoke(next.type, next.extra);
      }
      log.warn('simulated call ran too long; hanging up', { transactionId });
      throw new PersonHungUp();
    } catch (e) {
      if (!(e instanceof PersonHungUp)) throw e;
      const land = await finishRecording();
      legAStatus = 'Disconnected';
      await invoke('HANGUP', hangupEvent('0'));
      await land();
      return this.done(callLog);
    }
  }

  private takeUpdate(transactionId: string): Record<string, string> | undefined {
    const list = this.updates.get(transactionId);
    return list && list.length ? list.shift() : undefined;
  }

  private done(callLog: SimulatedCallLog): void {
    this.finished.push(callLog);
    if (this.finished.length > 1000) this.finished.shift();
  }
}

/** The person type is re-exported for callers that build people in code. */
export type { Person };
