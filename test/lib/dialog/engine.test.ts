import { describe, expect, it } from 'vitest';
import {
  compileScenario,
  dialogSummary,
  DialogState,
  isDialogOver,
  startDialog,
  transition,
  type CompiledScenario,
  type RecognizerFactory,
} from '../../../lib/dialog/engine';
import type { DialogCommand, DialogEvent } from '../../../lib/dialog/types';
import { keywordRecognizer, sampleScenario } from './fixtures';

const vars = { variables: { name: 'Alex' } };
const at = 1_000;
const say = (cmds: DialogCommand[]) => cmds.flatMap((c) => (c.type === 'say' ? [c.text] : []));
const types = (cmds: DialogCommand[]) => cmds.map((c) => c.type);
const utter = (text: string, extra: Partial<Extract<DialogEvent, { type: 'utterance' }>> = {}): DialogEvent => ({ type: 'utterance', at, text, ...extra });

function run(compiled: CompiledScenario, events: DialogEvent[]) {
  let [state, commands] = startDialog(compiled, { ...vars, at });
  const all = [...commands];
  for (const e of events) {
    [state, commands] = transition(compiled, state, e, vars);
    all.push(...commands);
  }
  return { state, commands, all };
}

const compiled = compileScenario(sampleScenario(), { recognizerFactory: keywordRecognizer, versionId: 'scn_1@1' });

describe('startDialog', () => {
  it('pauses for the delay after answer, then says the start prompt and listens', () => {
    const [state, commands] = startDialog(compiled, { ...vars, at });
    expect(commands[0]).toEqual({ type: 'pause', ms: 300 });
    expect(commands[1]).toMatchObject({ type: 'say', nodeId: 'ask', text: 'Hello Alex, will you pay 10 dollars?', bargeIn: false, language: 'en-US' });
    expect(commands[2]).toEqual({ type: 'listen', nodeId: 'ask', speech: true, keypad: true, timeoutMs: 5000, maxDigits: 1, bargeIn: false });
    expect(state).toMatchObject({ scenario: 'scn_1@1', node: 'ask', phase: 'listening', completed: false });
  });
});

describe('transition', () => {
  it('follows a matched branch through a say node, a completion action and a hang-up', () => {
    let { state, commands } = run(compiled, [utter('yes please')]);
    expect(commands.find((c) => c.type === 'recordTurn')).toMatchObject({
      turn: { nodeId: 'ask', userText: 'yes please', intent: 'affirm', outcome: 'matched', prompt: 'Hello Alex, will you pay 10 dollars?' },
    });
    expect(commands).toContainEqual({ type: 'setTags', nodeId: 'yes', tags: { answer: 'yes' } });
    expect(say(commands)).toEqual(['Great.']);
    expect(state.phase).toBe('speaking');
    [state, commands] = transition(compiled, state, { type: 'promptFinished', at }, vars);
    expect(types(commands)).toEqual(['markCompleted', 'say', 'recordTurn', 'say', 'recordTurn', 'hangUp']);
    expect(say(commands)).toEqual(['Thanks.', 'Bye Alex.']);
    expect(commands.at(-1)).toEqual({ type: 'hangUp', nodeId: 'bye', reason: 'node' });
    expect(isDialogOver(state)).toBe(true);
    expect(state.ended).toEqual({ party: 'robot', nodeId: 'bye', reason: 'node' });
    expect(dialogSummary(state)).toMatchObject({ completed: true, tags: { answer: 'yes' }, endNode: 'bye', hangupParty: 'robot' });
  });

  it('maps keypad digits to intents and treats unmapped keys as no-match', () => {
    expect(run(compiled, [{ type: 'digits', at, digits: '2' }]).state).toMatchObject({ node: 'no', tags: { answer: 'no' } });
    const r = run(compiled, [{ type: 'digits', at, digits: '9' }]);
    expect(r.state).toMatchObject({ node: 'ask', noMatch: { ask: 1 } });
    expect(r.commands.find((c) => c.type === 'recordTurn')).toMatchObject({ turn: { userText: 'digits:9', outcome: 'noMatch' } });
  });

  it('treats keys as no-match when the node has no keypad', () => {
    const noKeys = compileScenario(
      sampleScenario({
        nodes: sampleScenario().nodes!.map((n) => (n.id === 'ask' ? { ...n, keypad: { enabled: false, map: {}, maxDigits: 1 } } : n)),
      }),
      { recognizerFactory: keywordRecognizer },
    );
    const r = run(noKeys, [{ type: 'digits', at, digits: '1' }]);
    expect(r.state.noMatch).toEqual({ ask: 1 });
    expect(r.all.find((c) => c.type === 'listen')).toMatchObject({ keypad: false });
  });

  it('escalates no-matches: apology with the next variant, then the same prompt again, then hangs up', () => {
    const first = run(compiled, [utter('blah')]);
    expect(say(first.commands)).toEqual(['Sorry?', 'Can you pay 10 dollars?']);
    expect(types(first.commands).at(-1)).toBe('listen');
    const second = run(compiled, [utter('blah'), utter('hmm')]);
    expect(say(second.commands)).toEqual(['Can you pay 10 dollars?']);
    const third = run(compiled, [utter('blah'), utter('hmm'), utter('zzz')]);
    expect(say(third.commands)).toEqual(['Goodbye.']);
    expect(third.commands.at(-1)).toEqual({ type: 'hangUp', nodeId: 'ask', reason: 'noMatch' });
    expect(third.state.ended).toEqual({ party: 'robot', nodeId: 'ask', reason: 'noMatch' });
    expect(dialogSummary(third.state).noMatchCount).toBe(3);
  });

  it('escalates silences: asks again, then jumps to the node the policy names', () => {
    const first = run(compiled, [{ type: 'silence', at }]);
    expect(say(first.commands)).toEqual(['Are you there?', 'Hello Alex, will you pay 10 dollars?']);
    expect(first.commands.find((c) => c.type === 'recordTurn')).toMatchObject({ turn: { outcome: 'silence' } });
    const second = run(compiled, [{ type: 'silence', at }, { type: 'silence', at }]);
    expect(say(second.commands)).toEqual(['Bye Alex.']);
    expect(second.state.ended).toEqual({ party: 'robot', nodeId: 'bye', reason: 'node' });
    expect(dialogSummary(second.state).silenceCount).toBe(2);
  });

  it('treats an empty utterance as silence', () => {
    expect(run(compiled, [utter('   ')]).state.silence).toEqual({ ask: 1 });
  });

  it('answers a global question and returns to re-ask the interrupted node', () => {
    const r = run(compiled, [utter('sorry, who is this?')]);
    expect(r.commands.find((c) => c.type === 'recordTurn')).toMatchObject({ turn: { intent: 'who', outcome: 'globalQuestion' } });
    expect(say(r.commands)).toEqual(['This is the sample robot.', 'Hello Alex, will you pay 10 dollars?']);
    expect(types(r.commands).at(-1)).toBe('listen');
    expect(r.state).toMatchObject({ node: 'ask', phase: 'listening', noMatch: {} });
    const after = run(compiled, [utter('who is this'), utter('no')]);
    expect(after.state.node).toBe('no');
  });

  it('lets a global question jump elsewhere when it names a next node', () => {
    const c = compileScenario(sampleScenario({ globalQuestions: [{ id: 'stop', examples: ['stop calling'], answer: { text: 'OK.' }, next: 'bye' }] }), {
      recognizerFactory: keywordRecognizer,
    });
    const r = run(c, [utter('stop calling me')]);
    expect(say(r.commands)).toEqual(['OK.', 'Bye Alex.']);
    expect(r.state.ended?.nodeId).toBe('bye');
  });

  it('lets speech interrupt a say node with barge-in and ignores it without', () => {
    const barge = run(compiled, [utter('yes'), utter('ok ok')]);
    expect(barge.state.node).toBe('bye');
    expect(barge.state.completed).toBe(true);
    const noBarge = run(compiled, [utter('no'), utter('wait')]);
    expect(noBarge.commands).toEqual([]);
    expect(noBarge.state).toMatchObject({ node: 'no', phase: 'speaking' });
  });

  it('passes the barge-in setting of branch nodes on to say and listen', () => {
    const c = compileScenario(
      sampleScenario({ nodes: sampleScenario().nodes!.map((n) => (n.id === 'ask' ? { ...n, bargeIn: true } : n)) }),
      { recognizerFactory: keywordRecognizer },
    );
    const [, cmds] = startDialog(c, { ...vars, at });
    expect(cmds.filter((x) => x.type === 'say' || x.type === 'listen').every((x) => 'bargeIn' in x && x.bargeIn)).toBe(true);
  });

  it('uses an intent decided by an external recogniser without recognising again', () => {
    let calls = 0;
    const counting: RecognizerFactory = (defs, opts) => {
      const inner = keywordRecognizer(defs, opts);
      return { recognize: (t, o) => (calls++, inner.recognize(t, o)) };
    };
    const c = compileScenario(sampleScenario(), { recognizerFactory: counting });
    const r = run(c, [utter('mmm', { intent: { name: 'deny', score: 0.8 } })]);
    expect(calls).toBe(0);
    expect(r.state.node).toBe('no');
  });

  it('treats an intent scored below the threshold as no-match', () => {
    const r = run(compiled, [utter('yes', { intent: { name: 'affirm', score: 0.3 } })]);
    expect(r.state.noMatch).toEqual({ ask: 1 });
    expect(r.commands.find((c) => c.type === 'recordTurn')).toMatchObject({ turn: { intent: 'affirm', score: 0.3, outcome: 'noMatch' } });
  });

  it('treats speech below the minimum speech confidence as no-match', () => {
    const c = compileScenario(sampleScenario({ recognition: { threshold: 0.5, minSpeechConfidence: 0.6 } }), { recognizerFactory: keywordRecognizer });
    expect(run(c, [utter('yes', { confidence: 0.4 })]).state.noMatch).toEqual({ ask: 1 });
    expect(run(c, [utter('yes', { confidence: 0.9 })]).state.node).toBe('yes');
  });

  it('transfers to a number and ends the dialog', () => {
    const r = run(compiled, [utter('call me later')]);
    expect(r.commands).toContainEqual({ type: 'transfer', nodeId: 'transfer', to: '+14155550100' });
    expect(r.state.ended).toEqual({ party: 'robot', nodeId: 'transfer', reason: 'transfer' });
  });

  it('records a hang-up by the person with the node where it happened', () => {
    const r = run(compiled, [{ type: 'hangup', at, party: 'person' }]);
    expect(r.commands).toEqual([{ type: 'recordTurn', turn: { index: 0, at, nodeId: 'ask', outcome: 'hangup' } }]);
    expect(r.state.ended).toEqual({ party: 'person', nodeId: 'ask', reason: 'person' });
    expect(dialogSummary(r.state).hangupParty).toBe('person');
  });

  it('ignores events once the dialog has ended', () => {
    const r = run(compiled, [{ type: 'hangup', at, party: 'person' }]);
    const [state, cmds] = transition(compiled, r.state, utter('yes'), vars);
    expect(cmds).toEqual([]);
    expect(state).toBe(r.state);
  });

  it('hangs up with reason maxTurns when the conversation runs too long', () => {
    const loop = compileScenario(
      sampleScenario({
        maxTurns: 3,
        nodes: sampleScenario().nodes!.map((n) => (n.id === 'ask' ? { ...n, noMatch: [{ action: 'jump', target: 'ask' }] } : n)),
      }),
      { recognizerFactory: keywordRecognizer },
    );
    const r = run(loop, [utter('x'), utter('y'), utter('z'), utter('again')]);
    expect(r.commands).toEqual([{ type: 'hangUp', nodeId: 'ask', reason: 'maxTurns' }]);
    expect(r.state.ended).toEqual({ party: 'robot', nodeId: 'ask', reason: 'maxTurns' });
  });

  it('plays the next similar prompt when a node is entered again', () => {
    const loop = compileScenario(
      sampleScenario({
        nodes: sampleScenario().nodes!.map((n) => (n.id === 'ask' ? { ...n, noMatch: [{ action: 'jump', target: 'ask' }, { action: 'hangUp' }] } : n)),
      }),
      { recognizerFactory: keywordRecognizer },
    );
    expect(say(run(loop, [utter('x')]).commands)).toEqual(['Can you pay 10 dollars?']);
  });

  it('stops a chain of actions that loops forever and ends with an error', () => {
    const c = compileScenario(
      {
        name: 'loop',
        startNode: 'a',
        nodes: [
          { id: 'a', kind: 'action', action: 'complete', next: 'b' },
          { id: 'b', kind: 'action', action: 'complete', next: 'a' },
        ],
      },
      { recognizerFactory: keywordRecognizer },
    );
    const [state, cmds] = startDialog(c, { ...vars, at });
    expect(cmds.at(-1)).toMatchObject({ type: 'hangUp', reason: 'error' });
    expect(state.ended?.reason).toBe('error');
  });

  it('ends the call with an error that names the fault when something inside the engine throws', () => {
    const faulty: CompiledScenario = { ...compiled, recognizer: { ...compiled.recognizer, recognize: () => { throw new TypeError('recogniser state is broken'); } } };
    const [started] = startDialog(faulty, { ...vars, at });
    const [state, cmds] = transition(faulty, started, utter('yes'), vars);
    expect(cmds).toEqual([{ type: 'hangUp', nodeId: 'ask', reason: 'error', fault: 'TypeError: recogniser state is broken' }]);
    expect(state.ended).toMatchObject({ party: 'system', reason: 'error' });
  });

  it('puts on the turn who decided an intent an external recogniser brought, and nothing for its own', () => {
    const [started] = startDialog(compiled, { ...vars, at });
    const [, byLex] = transition(compiled, started, utter('sure', { intent: { name: 'affirm', score: 0.9, source: 'lex' } }), vars);
    const turnOf = (cmds: readonly DialogCommand[]) => cmds.find((c): c is Extract<DialogCommand, { type: 'recordTurn' }> => c.type === 'recordTurn' && c.turn.userText !== undefined)?.turn;
    expect(turnOf(byLex)).toMatchObject({ intent: 'affirm', score: 0.9, recognizer: 'lex' });
    const [, own] = transition(compiled, started, utter('yes'), vars);
    expect(turnOf(own)?.recognizer).toBeUndefined();
  });

  it('treats an answer the recogniser faulted on as unrecognised and hands the fault out for the logs', () => {
    const fault = 'TypeError: feature table is broken';
    const faulty: CompiledScenario = { ...compiled, recognizer: { ...compiled.recognizer, recognize: (text) => ({ text, normalized: '', ranked: [], matched: false, fault }) } };
    const [started] = startDialog(faulty, { ...vars, at });
    const [state, cmds] = transition(faulty, started, utter('yes'), vars);
    expect(cmds[0]).toEqual({ type: 'fault', nodeId: 'ask', where: 'recognizer', fault });
    expect(cmds).toContainEqual(expect.objectContaining({ type: 'recordTurn', turn: expect.objectContaining({ nodeId: 'ask', outcome: 'noMatch' }) }));
    expect(state.phase).not.toBe('ended');
  });

  it('captures the answer into a free-text tag that later prompts can read', () => {
    const c = compileScenario(
      {
        name: 'capture',
        startNode: 'when',
        tagGroups: [{ name: 'date', values: [] }],
        intents: [{ name: 'date', examples: ['friday', 'monday'] }],
        nodes: [
          { id: 'when', kind: 'branch', prompt: { text: 'When?' }, capture: 'date', branches: [{ intent: 'date', next: 'ok' }] },
          { id: 'ok', kind: 'action', action: 'hangUp', prompt: { text: 'Noted: @date.' } },
        ],
      },
      { recognizerFactory: keywordRecognizer },
    );
    const r = run(c, [utter('next Friday')]);
    expect(r.state.tags).toEqual({ date: 'next Friday' });
    expect(say(r.commands)).toEqual(['Noted: next Friday.']);
  });

  it('builds SSML with prosody from the voice settings and escapes XML', () => {
    const c = compileScenario(sampleScenario({ voice: { language: 'zh', voice: 'Zhiyu', speed: 1.2, volume: 2, delayAfterAnswerMs: 0 } }), {
      recognizerFactory: keywordRecognizer,
    });
    const [, cmds] = startDialog(c, { variables: { name: 'A & <B>' }, at });
    expect(cmds[0]).toEqual({
      type: 'say',
      nodeId: 'ask',
      text: 'Hello A & <B>, will you pay 10 dollars?',
      ssml: '<speak><prosody rate="120%" volume="+2dB">Hello A &amp; &lt;B&gt;, will you pay 10 dollars?</prosody></speak>',
      bargeIn: false,
      language: 'cmn-CN',
      voice: 'Zhiyu',
    });
  });

  it('delegates the whole conversation to an external Lex V2 bot', () => {
    const c = compileScenario({
      name: 'external',
      voice: { delayAfterAnswerMs: 200 },
      external: { kind: 'lexv2', botAliasArn: 'arn:aws:lex:us-east-1:123456789012:bot-alias/BOT123/ALIAS1', localeId: 'en_US', welcomeText: 'Hi @name' },
    });
    const [state, cmds] = startDialog(c, { ...vars, at });
    expect(cmds).toEqual([
      { type: 'pause', ms: 200 },
      { type: 'delegate', nodeId: 'external', botAliasArn: 'arn:aws:lex:us-east-1:123456789012:bot-alias/BOT123/ALIAS1', localeId: 'en_US', welcomeText: 'Hi Alex', text: 'Hi Alex' },
    ]);
    expect(state.phase).toBe('delegated');
    expect(transition(c, state, utter('hello'), vars)[1]).toEqual([]);
    expect(transition(c, state, { type: 'hangup', at, party: 'person' }, vars)[0].ended).toEqual({ party: 'person', nodeId: 'external', reason: 'person' });
  });

  it('keeps the state small, serialisable JSON', () => {
    const r = run(compiled, [utter('blah'), { type: 'silence', at }, utter('who is this'), utter('yes')]);
    const json = JSON.stringify(r.state);
    expect(DialogState.parse(JSON.parse(json))).toEqual(r.state);
    expect(json.length).toBeLessThan(1000);
  });

  it('builds the recogniser once per compiled scenario', () => {
    let builds = 0;
    const c = compileScenario(sampleScenario(), { recognizerFactory: (d, o) => (builds++, keywordRecognizer(d, o)) });
    run(c, [utter('blah'), utter('who is this'), utter('yes')]);
    expect(builds).toBe(1);
  });
});

describe('compileScenario with the built-in recogniser', () => {
  const real = compileScenario(sampleScenario());

  it('recognises built-in intents in English', () => {
    expect(run(real, [utter('yes I will')]).state.node).toBe('yes');
    expect(run(real, [utter('no')]).state.node).toBe('no');
  });

  it('repeats the prompt when asked, without counting a no-match', () => {
    const r = run(real, [utter('sorry can you repeat that')]);
    expect(say(r.commands)).toEqual(['Hello Alex, will you pay 10 dollars?']);
    expect(r.state.noMatch).toEqual({});
  });

  it('recognises built-in intents in Chinese', () => {
    const zh = compileScenario(sampleScenario({ voice: { language: 'zh' } }));
    expect(run(zh, [utter('是的')]).state.node).toBe('yes');
    expect(run(zh, [utter('不是')]).state.node).toBe('no');
  });
});
