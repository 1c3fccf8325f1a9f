import type { DialogEvent } from '../../../lib/dialog/types';
import type { ChannelCommand, DialogDriver } from '../../../lib/telephony/call-session';

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

