import type { CallOutcome } from '../../../lib/domain/dialing';
import type { DialogEvent } from '../../../lib/dialog/types';
import type { CallPlan, ChannelCommand, DialogDriver, SmaServices } from '../../../lib/telephony/services';

interface FakeState {
  node: 'greet' | 'confirm' | 'keys' | 'done';
  turn: number;
  silences: number;
  big?: string;
}

/**
 * A tiny scenario standing in for the dialog engine: greet (speech) → "yes" → goodbye + completed;
 * "no" → goodbye; digits → transfer; silence twice → hang up; `press` → keypad node.
 */
export const fakeDialog: DialogDriver = {
  start(variables, at) {
    const s: FakeState = { node: 'greet', turn: 0, silences: 0 };
    return [
      s,
      [
        { type: 'say', nodeId: 'greet', text: `Hello ${variables.name ?? ''}, is this a good time?`, bargeIn: true },
        { type: 'listen', nodeId: 'greet', speech: true, keypad: true, timeoutMs: 5000, maxDigits: 1, bargeIn: true },
        { type: 'recordTurn', turn: { index: 0, at, nodeId: 'greet', prompt: 'Hello', outcome: 'prompt' } },
      ],
    ];
  },
  next(state, event: DialogEvent) {
    const s = { ...(state as FakeState) };
    const turn = (outcome: 'matched' | 'noMatch' | 'silence' | 'hangup', userText?: string, intent?: string): ChannelCommand => ({
      type: 'recordTurn',
      turn: { index: ++s.turn, at: event.at, nodeId: s.node, userText, intent, score: intent ? 0.9 : undefined, outcome },
    });
    switch (event.type) {
      case 'utterance': {
        const t = event.text.toLowerCase();
        if (t.includes('big')) s.big = 'x'.repeat(30_000);
        if (t.includes('press')) {
          s.node = 'keys';
          return [s, [turn('matched', event.text, 'affirm'), { type: 'say', nodeId: 'keys', text: 'Press 1', bargeIn: false }, { type: 'listen', nodeId: 'keys', speech: false, keypad: true, timeoutMs: 5000, maxDigits: 1, bargeIn: false }]];
        }
        if (t.includes('yes') || t.includes('是') || event.intent?.name === 'affirm') {
          s.node = 'done';
          return [s, [turn('matched', event.text, 'affirm'), { type: 'setTags', nodeId: 'greet', tags: { consent: 'yes' } }, { type: 'say', nodeId: 'done', text: 'Thank you, goodbye.', bargeIn: false }, { type: 'markCompleted', nodeId: 'done' }, { type: 'hangUp', nodeId: 'done', reason: 'node' }]];
        }
        if (t.includes('no')) {
          s.node = 'done';
          return [s, [turn('matched', event.text, 'deny'), { type: 'say', nodeId: 'done', text: 'Sorry to bother you.', bargeIn: false }, { type: 'hangUp', nodeId: 'done', reason: 'node' }]];
        }
        return [s, [turn('noMatch', event.text), { type: 'say', nodeId: s.node, text: 'Sorry, could you say yes or no?', bargeIn: true }, { type: 'listen', nodeId: s.node, speech: true, keypad: true, timeoutMs: 5000, maxDigits: 1, bargeIn: true }]];
      }
      case 'digits':
        return [s, [turn('matched', `digits:${event.digits}`, 'keys'), { type: 'transfer', nodeId: s.node, to: '+12065551234' }]];
      case 'silence':
        s.silences++;
        if (s.silences >= 2) return [s, [turn('silence'), { type: 'say', nodeId: s.node, text: 'Goodbye.', bargeIn: false }, { type: 'hangUp', nodeId: s.node, reason: 'silence' }]];
        return [s, [turn('silence'), { type: 'say', nodeId: s.node, text: 'Are you there?', bargeIn: true }, { type: 'listen', nodeId: s.node, speech: true, keypad: true, timeoutMs: 5000, maxDigits: 1, bargeIn: true }]];
      case 'promptFinished':
        return [s, [{ type: 'hangUp', nodeId: s.node, reason: 'node' }]];
      case 'hangup':
        return [s, [turn('hangup')]];
      default:
        return [s, []];
    }
  },
};

/** Fake collaborators recording finished calls. */
export function fakeServices(plan: Partial<CallPlan> = {}) {
  const finished: CallOutcome[] = [];
  const services: SmaServices = {
    async loadPlan() {
      return {
        scenarioId: 'scn1',
        scenarioVersion: 1,
        voice: { language: 'en' },
        recording: false,
        delayMs: 300,
        variables: { name: 'Sam' },
        referenceId: 'ref-1',
        plannedAt: '2026-01-05T08:59:00.000Z',
        listenForGreeting: false,
        ...plan,
      };
    },
    async loadDialog() {
      return fakeDialog;
    },
    async finishCall(_deps, outcome) {
      finished.push(outcome);
    },
  };
  return { services, finished };
}
