import { describe, expect, it } from 'vitest';
import { compileScenario, dialogSummary, parseDialogState, startDialog, transition, type CompiledScenario, type DialogContext } from '../../../lib/dialog/engine';
import type { DialogCommand, DialogEvent } from '../../../lib/dialog/types';
import { getTemplate } from '../../../lib/scenarios/templates/index';

// Wednesday 4 March 2026, 20:00 UTC: already Thursday 5 March, 04:00 in Shanghai.
const at = Date.parse('2026-03-04T20:00:00Z');
const utter = (text: string): DialogEvent => ({ type: 'utterance', at, text });
const say = (cmds: DialogCommand[]) => cmds.flatMap((c) => (c.type === 'say' ? [c.text] : []));

function talk(compiled: CompiledScenario, answers: string[], ctx: DialogContext) {
  let [state, commands] = startDialog(compiled, { ...ctx, at });
  const all = [...commands];
  for (const a of answers) {
    [state, commands] = transition(compiled, state, utter(a), ctx);
    all.push(...commands);
  }
  return { state, all };
}

const payment = { en: compileScenario(getTemplate('payment-reminder')!.definition('en')), zh: compileScenario(getTemplate('payment-reminder')!.definition('zh')) };

describe('payment reminder: promise-to-pay capture', () => {
  it('captures "I can pay on Friday" as a date and moves on without asking for the date again', () => {
    const { state, all } = talk(payment.en, ['yes speaking', 'I can pay on Friday'], { variables: { name: 'Alex' }, timeZone: 'America/New_York' });
    expect(state.node).toBe('promised');
    expect(state.captured).toEqual({ promiseDate: '2026-03-06' });
    expect(state.tags).toMatchObject({ promise: 'later', promiseDate: '2026-03-06' });
    expect(all).toContainEqual({ type: 'setVariables', nodeId: 'reminder', variables: { promiseDate: '2026-03-06' } });
    expect(say(all).join(' ')).toContain('you will pay by Friday, March 6');
    expect(say(all).join(' ')).not.toContain('When will you be able to pay');
    expect(dialogSummary(state).captured).toEqual({ promiseDate: '2026-03-06' });
  });

  it('resolves relative dates in the person\'s time zone, not the server\'s', () => {
    const shanghai = talk(payment.zh, ['是我', '不能', '明天'], { variables: { name: '李雷' }, timeZone: 'Asia/Shanghai' });
    const newYork = talk(payment.zh, ['是我', '不能', '明天'], { variables: { name: '李雷' }, timeZone: 'America/New_York' });
    expect(shanghai.state.captured.promiseDate).toBe('2026-03-06');
    expect(newYork.state.captured.promiseDate).toBe('2026-03-05');
    expect(say(shanghai.all).join(' ')).toContain('3月6日星期五');
  });

  it('captures Chinese dates at the reminder ("我下周三还")', () => {
    const { state } = talk(payment.zh, ['是的', '我下周三还'], { variables: {}, timeZone: 'Asia/Shanghai' });
    expect(state.node).toBe('promised');
    expect(state.captured.promiseDate).toBe('2026-03-11');
  });

  it('does not take a negated date as a promise ("no, not today")', () => {
    const { state } = talk(payment.en, ['yes', 'no not today'], { variables: {}, timeZone: 'UTC' });
    expect(state.node).toBe('askDate');
    expect(state.captured).toEqual({});
  });

  it('asks again when the answer names no date ("soon")', () => {
    const { state } = talk(payment.en, ['yes', 'no', 'soon'], { variables: {}, timeZone: 'UTC' });
    expect(state.node).toBe('askDate');
    expect(state.noMatch.askDate).toBe(1);
  });
});

describe('global questions against closings', () => {
  it('does not treat "thank you, bye" as the opt-out global question', () => {
    for (const text of ['thank you, bye', 'okay thanks bye bye', 'thanks, have a nice day']) {
      const { state, all } = talk(payment.en, ['yes', text], { variables: {} });
      expect(state.tags.contact, text).toBeUndefined();
      expect(say(all).join(' '), text).not.toContain('we will not call you again');
    }
    const zh = talk(payment.zh, ['是的', '好的谢谢再见'], { variables: {} });
    expect(zh.state.tags.contact).toBeUndefined();
  });

  it('still opts out on "stop calling me" at any node', () => {
    const { state } = talk(payment.en, ['yes', 'stop calling me'], { variables: {} });
    expect(state.tags.contact).toBe('optOut');
    const zh = talk(payment.zh, ['是的', '以后别再给我打电话了'], { variables: {} });
    expect(zh.state.tags.contact).toBe('optOut');
  });
});

describe('capture into variables', () => {
  const scenario = compileScenario({
    name: 'amount',
    startNode: 'how',
    nodes: [
      {
        id: 'how',
        kind: 'branch',
        prompt: { text: 'Can you pay part of it today?' },
        capture: { variable: 'paid', entity: 'amount' },
        branches: [
          { intent: 'affirm', entity: 'amount', next: 'thanks' },
          { intent: 'affirm', next: 'howMuch' },
          { intent: 'deny', next: 'bye' },
        ],
        keypad: { enabled: true, map: {}, maxDigits: 5 },
      },
      { id: 'howMuch', kind: 'action', action: 'hangUp', prompt: { text: 'How much?' } },
      { id: 'thanks', kind: 'action', action: 'hangUp', prompt: { text: 'Thank you, @paid noted.' } },
      { id: 'bye', kind: 'action', action: 'hangUp', prompt: { text: 'Bye.' } },
    ],
  });

  it('takes yes with a value ("yes, 300") as the intent and the amount', () => {
    const { state, all } = talk(scenario, ['yes, 300'], { variables: {} });
    expect(state.node).toBe('thanks');
    expect(state.captured).toEqual({ paid: '300' });
    expect(say(all)).toContain('Thank you, 300 noted.');
  });

  it('falls through to the next branch when the value is missing', () => {
    expect(talk(scenario, ['yes'], { variables: {} }).state.node).toBe('howMuch');
  });

  it('reads old states without captured values', () => {
    const [s] = startDialog(scenario, { variables: {}, at });
    const { captured: _c, ...old } = s;
    expect(parseDialogState(old)?.captured).toEqual({});
  });
});
