import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../lib/adapters/memory/store';
import { reconcileOverdueAttempt } from '../../lib/campaigns/dispatch';
import { validateSmaResponse } from '../../lib/telephony/action-reference';
import { listCallsOfJob } from '../../lib/telephony/call-records';
import type { SmaAction, SmaResponse } from '../../lib/telephony/sma-events';
import { getTemplate } from '../../lib/scenarios/templates';
import { loadDialogDriver } from '../../lib/telephony/dialog-driver';
import { keys } from '../../lib/store/keys';
import { guideEvent, type GuideEventOverrides, type JsonPatch } from '../support/chime-guide';
import { smaRig } from '../support/sma';

/**
 * A store whose operations fail while `failing` is set, after the first `okFirst` operations have gone
 * through (an outage that starts mid-invocation leaves some writes done and others not).
 */
class FlakyStore extends MemoryStore {
  failing = false;
  okFirst = 0;
  /** Operations refused since the outage began (the property checks the outage reached the handler). */
  refused = 0;
  private check() {
    if (!this.failing) return;
    if (this.okFirst > 0) {
      this.okFirst--;
      return;
    }
    this.refused++;
    throw new Error('simulated store outage');
  }
  /** Starts an outage that lets `okFirst` more operations through first. */
  outage(okFirst: number) {
    this.failing = true;
    this.okFirst = okFirst;
  }
  override async get(...a: Parameters<MemoryStore['get']>) { this.check(); return super.get(...a); }
  override async put(...a: Parameters<MemoryStore['put']>) { this.check(); return super.put(...a); }
  override async update(...a: Parameters<MemoryStore['update']>) { this.check(); return super.update(...a); }
  override async batchPut(...a: Parameters<MemoryStore['batchPut']>) { this.check(); return super.batchPut(...a); }
  override async delete(...a: Parameters<MemoryStore['delete']>) { this.check(); return super.delete(...a); }
}

/** What Chime (and the person) may do next. */
type Step =
  | { kind: 'run'; outcome: 'success' | 'fail'; reply: string; errorType: string; at: number }
  | { kind: 'update'; args: Record<string, string> }
  | { kind: 'personHangsUp' }
  | { kind: 'invalid' }
  | { kind: 'duplicate' }
  | { kind: 'stale' }
  | { kind: 'storeOutage'; okFirst: number }
  | { kind: 'wait'; ms: number };

const replies = ['yes', 'no', 'I can pay on Friday', '', 'digits:1', 'digits:9', 'please leave a message after the tone', 'who is this?', 'big'];
const errors = ['SystemException', 'ActionExecutionThrottled', 'ResourceNotFound', 'InvalidActionParameter', 'InvalidDigitsReceived'];

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('run' as const), outcome: fc.constantFrom('success' as const, 'success' as const, 'fail' as const), reply: fc.constantFrom(...replies), errorType: fc.constantFrom(...errors), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('update' as const), args: fc.constantFrom<Record<string, string>>({ action: 'hangup', reason: 'maxRing' }, { foo: 'bar' }, { action: 'hangup', reason: 'stopped' }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'personHangsUp' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'invalid' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'duplicate' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'stale' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('storeOutage' as const), okFirst: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 1000, max: 12 * 60_000 }) }) },
);

/** The ActionData Chime reports for one of our actions. */
function actionData(a: SmaAction, outcome: 'success' | 'fail', reply: string, errorType: string): JsonPatch {
  const base: JsonPatch = { Type: a.Type, Parameters: a.Parameters as JsonPatch };
  if (outcome === 'fail') return { ...base, ErrorType: errorType, ErrorMessage: 'simulated' };
  if (a.Type === 'StartBotConversation') {
    const dtmf = reply.startsWith('digits:');
    return { ...base, IntentResult: { SessionState: { SessionAttributes: { transcript: dtmf ? reply.slice(7) : reply, inputMode: dtmf ? 'DTMF' : 'Speech' }, Intent: { Name: 'FallbackIntent', State: 'Fulfilled' } } } };
  }
  if (a.Type === 'SpeakAndGetDigits') return { ...base, ReceivedDigits: reply.startsWith('digits:') ? reply.slice(7) : '' };
  if (a.Type === 'StartCallRecording') return { ...base, CallRecordingDestination: { Type: 'S3', Location: 'recordings/inst1/2026-01-05/call1' } };
  return base;
}

const eventFor: Record<string, { success: string; fail: string }> = {
  Speak: { success: 'action-successful.speak', fail: 'action-failed.speak.system-exception' },
  Pause: { success: 'action-successful.pause', fail: 'action-failed.pause' },
  StartBotConversation: { success: 'action-successful.start-bot-conversation', fail: 'action-failed.start-bot-conversation.system-exception' },
  SpeakAndGetDigits: { success: 'action-successful.speak-and-get-digits', fail: 'action-failed.speak-and-get-digits.system-exception' },
  Hangup: { success: 'action-successful.hangup', fail: 'action-failed.hangup' },
  CallAndBridge: { success: 'action-successful.call-and-bridge', fail: 'action-failed.call-and-bridge.call-not-answered' },
  StartCallRecording: { success: 'action-successful.start-call-recording', fail: 'action-failed.start-call-recording.invalid-action-parameter' },
};

describe('SMA handler under random event sequences', () => {
  it('never throws, always answers validly, never leaves a live call silent, and ends every call with one final record', async () => {
    const template = getTemplate('payment-reminder')!.definition('en');
    let refusedTotal = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 30 }), fc.boolean(), fc.boolean(), async (steps, recording, greeting) => {
        const store = new FlakyStore();
        const rig = await smaRig({ overrides: { store }, plan: { recording, listenForGreeting: greeting, variables: { name: 'Sam', amount: '30 dollars', dueDate: 'March 1st', organization: 'City Bank' } }, dialog: undefined });
        await store.put({ ...keys.scenarioVersion('inst1', 'scn1', 1), scenarioId: 'scn1', version: 1, definition: template, publishedAt: '2026-01-01T00:00:00.000Z' });
        const handle = (await import('../../functions/sma')).createSmaHandler(rig.deps, { recordingsBucket: 'recordings', recognizerBotAliasArn: 'arn:aws:lex:us-east-1:123456789012:bot-alias/RECOGNIZR1/TSTALIASID', loadDialog: loadDialogDriver });
        const opened = await rig.openCall();
        const history: Record<string, string>[] = [opened.args];
        let attrs: Record<string, string> = opened.args;
        let last: { name: string; overrides: GuideEventOverrides } | undefined;
        let queue: SmaAction[] = [];
        let live = false;
        let hungUp = false;
        let bridged = false;
        let ended = false;

        const send = async (name: string, overrides: GuideEventOverrides = {}, withAttrs = attrs): Promise<SmaResponse> => {
          const event = guideEvent(name, { legACallId: 'call-id-1', ...overrides, transactionAttributes: withAttrs });
          const r = await handle(event);
          const valid = validateSmaResponse(r);
          if (!valid.ok) throw new Error(`${name}: invalid response ${valid.issues.join('; ')}`);
          const type = String(event.InvocationEventType);
          if (!['NEW_OUTBOUND_CALL', 'RINGING', 'ACTION_INTERRUPTED'].includes(type) && r.TransactionAttributes) {
            attrs = r.TransactionAttributes;
            history.push(attrs);
          }
          last = { name, overrides };
          if (r.Actions !== null) queue = [...r.Actions];
          if (queue.some((a) => a.Type === 'Hangup' && (a.Parameters.ParticipantTag ?? 'LEG-A') === 'LEG-A')) hungUp = true;
          return r;
        };

        await send('new-outbound-call');
        await send('ringing');
        let r = await send('call-answered');
        live = true;
        // An outage step makes the store fail during the step after it (that invocation only).
        let outage: number | undefined;
        for (const s of steps) {
          if (ended) break;
          store.failing = false;
          if (s.kind === 'storeOutage') {
            outage = s.okFirst;
            continue;
          }
          if (outage !== undefined && s.kind !== 'wait') {
            store.outage(outage);
            outage = undefined;
          }
          if (s.kind === 'wait') {
            rig.clock.sleep(0);
            (rig.clock as unknown as { advance(ms: number): void }).advance(s.ms);
            continue;
          }
          if (s.kind === 'duplicate') {
            if (last) await send(last.name, last.overrides, history[history.length - 2] ?? attrs);
            continue;
          }
          if (s.kind === 'stale') {
            await send('action-successful.pause', {}, history[Math.max(0, history.length - 3)]!);
            continue;
          }
          if (s.kind === 'invalid') {
            r = await send('invalid-lambda-response.top-level');
            continue;
          }
          if (s.kind === 'update') {
            r = await send('call-update-requested', { actionData: { Parameters: { Arguments: s.args } } });
            continue;
          }
          if (s.kind === 'personHangsUp' || queue.length === 0 || hungUp) {
            // The store may be failing at hang-up too: the final record is then the sweep's to write.
            await send('hangup.leg-a', { actionData: { Parameters: { ParticipantTag: 'LEG-A', SipResponseCode: '0' } } });
            ended = true;
            break;
          }
          // Chime runs the queue: the last action succeeds, or one of them fails (the rest is cleared).
          const index = s.outcome === 'success' ? queue.length - 1 : s.at % queue.length;
          const action = queue[index]!;
          const names = eventFor[action.Type];
          if (!names) continue;
          if (action.Type === 'CallAndBridge' && s.outcome === 'success') bridged = true;
          r = await send(s.outcome === 'success' ? names.success : names.fail, { actionData: actionData(action, s.outcome, s.reply, s.errorType) });
          // No dead air: after the list ran out (success of its last action, or a failure), a live unbridged call always gets something to do.
          // That holds during a store outage too: the handler then apologises and hangs up.
          if (live && !hungUp && !bridged) expect(r.Actions === null || r.Actions.length > 0).toBe(true);
        }
        store.failing = false;
        refusedTotal += store.refused;
        if (!ended) {
          if (bridged) await send('hangup.leg-b.bridged');
          await send('hangup.leg-a', { actionData: { Parameters: { ParticipantTag: 'LEG-A', SipResponseCode: '0' } } });
          // Chime may deliver the hang-up twice.
          await send('hangup.leg-a', { actionData: { Parameters: { ParticipantTag: 'LEG-A', SipResponseCode: '0' } } });
        }
        await rig.drain();
        // Whatever failed on the way, the attempt ends: lost-attempt recovery closes a record a failed hang-up left open.
        let job = await rig.job(opened.jobId);
        // The sweep runs every minute: a record left with pending events takes one round to drain, the next to close.
        for (let round = 0; round < 3 && job?.status === 'Executing'; round++) {
          (rig.clock as unknown as { advance(ms: number): void }).advance(round === 0 ? 5 * 60 * 60_000 : 60_000);
          await reconcileOverdueAttempt(rig.deps, job);
          await rig.deps.outbox.sweep('inst1');
          job = await rig.job(opened.jobId);
        }
        const calls = await listCallsOfJob(rig.deps.store, 'inst1', opened.jobId);
        expect(calls).toHaveLength(1);
        expect(calls[0]!.endedAt).toBeDefined();
        expect(calls[0]!.status).not.toBe('Executing');
        expect(job?.status).not.toBe('Executing');
      }),
      { numRuns: 60 },
    );
    // The outages reached the handler (an outage that is over before the next event tests nothing).
    expect(refusedTotal).toBeGreaterThan(0);
  });
});
