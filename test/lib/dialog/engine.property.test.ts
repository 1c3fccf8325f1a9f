import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileScenario, DialogState, startDialog, transition } from '../../../lib/dialog/engine';
import type { DialogEvent } from '../../../lib/dialog/types';
import { ScenarioDefinition, type ScenarioDefinitionInput } from '../../../lib/scenarios/schema';
import { validateScenario } from '../../../lib/scenarios/validate';
import { keywordRecognizer } from './fixtures';

const INTENTS = ['affirm', 'deny', 'i0', 'i1'];
const WORDS = ['yes', 'no', 'maybe', 'alpha', 'beta', 'who', 'repeat that', '', 'what', '是的', '不是'];

const policyStep = (ids: string[]) =>
  fc.record({
    action: fc.constantFrom('reprompt', 'variant', 'jump', 'hangUp') as fc.Arbitrary<'reprompt' | 'variant' | 'jump' | 'hangUp'>,
    target: fc.option(fc.constantFrom(...ids), { nil: undefined }),
    say: fc.option(fc.constantFrom('Sorry.', 'Again @name?'), { nil: undefined }),
  });

const scenarioArb: fc.Arbitrary<ScenarioDefinitionInput> = fc.integer({ min: 1, max: 8 }).chain((n) => {
  const ids = Array.from({ length: n }, (_, i) => `n${i}`);
  const target = fc.constantFrom(...ids);
  const prompt = fc.record({ text: fc.constantFrom('Hi @name', 'Question?', '问题？'), variants: fc.array(fc.constantFrom('V1', 'V2'), { maxLength: 2 }) });
  const node = (id: string) =>
    fc.oneof(
      fc.record({
        id: fc.constant(id),
        kind: fc.constant('branch' as const),
        prompt,
        branches: fc.array(fc.record({ intent: fc.constantFrom(...INTENTS), next: target }), { maxLength: 4 }),
        noMatch: fc.array(policyStep(ids), { minLength: 1, maxLength: 3 }),
        silence: fc.array(policyStep(ids), { minLength: 1, maxLength: 3 }),
        bargeIn: fc.boolean(),
        speech: fc.boolean(),
        keypad: fc.record({ enabled: fc.boolean(), map: fc.dictionary(fc.constantFrom('1', '2', '3'), fc.constantFrom(...INTENTS)), maxDigits: fc.constant(1) }),
        globalQuestions: fc.boolean(),
        completes: fc.option(fc.boolean(), { nil: undefined }),
        tags: fc.option(fc.constant({ g: 'a' }), { nil: undefined }),
      }),
      fc.record({ id: fc.constant(id), kind: fc.constant('say' as const), prompt, next: fc.option(target, { nil: undefined }), bargeIn: fc.boolean() }),
      fc.record({
        id: fc.constant(id),
        kind: fc.constant('action' as const),
        action: fc.constantFrom('hangUp', 'transfer', 'complete') as fc.Arbitrary<'hangUp' | 'transfer' | 'complete'>,
        to: fc.option(fc.constant('+14155550100'), { nil: undefined }),
        next: fc.option(target, { nil: undefined }),
        prompt: fc.option(prompt, { nil: undefined }),
      }),
    );
  return fc.record({
    name: fc.constant('random'),
    startNode: fc.constant('n0'),
    maxTurns: fc.integer({ min: 1, max: 30 }),
    voice: fc.record({ language: fc.constantFrom('en', 'zh') as fc.Arbitrary<'en' | 'zh'>, delayAfterAnswerMs: fc.integer({ min: 0, max: 1000 }) }),
    intents: fc.constant([
      { name: 'i0', examples: ['alpha'] },
      { name: 'i1', examples: ['beta'] },
    ]),
    tagGroups: fc.constant([{ name: 'g', values: ['a'] }]),
    globalQuestions: fc.constant([{ id: 'who', examples: ['who'], answer: { text: 'Me.' } }]),
    nodes: fc.tuple(...ids.map(node)),
  }) as fc.Arbitrary<ScenarioDefinitionInput>;
});

const eventArb: fc.Arbitrary<DialogEvent> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ type: fc.constant('utterance' as const), at: fc.constant(1), text: fc.constantFrom(...WORDS) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant('utterance' as const),
      at: fc.constant(1),
      text: fc.constant('x'),
      intent: fc.record({ name: fc.constantFrom(...INTENTS, 'global:who', 'unknown'), score: fc.double({ min: 0, max: 1, noNaN: true }) }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('digits' as const), at: fc.constant(1), digits: fc.constantFrom('1', '2', '3', '9') }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('silence' as const), at: fc.constant(1) }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('promptFinished' as const), at: fc.constant(1) }) },
);

describe('dialog engine (property)', () => {
  it('never throws and ends every conversation within maxTurns + 1 inputs, for random scenarios and inputs', () => {
    fc.assert(
      fc.property(scenarioArb, fc.array(eventArb, { minLength: 40, maxLength: 40 }), fc.boolean(), (input, events, realRecognizer) => {
        const def = ScenarioDefinition.parse(input);
        const compiled = compileScenario(def, realRecognizer ? {} : { recognizerFactory: keywordRecognizer });
        let [state, commands] = startDialog(compiled, { variables: { name: 'A' }, at: 0 });
        let inputs = 0;
        for (const e of events) {
          if (state.phase === 'ended') break;
          [state, commands] = transition(compiled, state, e, { variables: { name: 'A' } });
          inputs++;
          expect(DialogState.safeParse(JSON.parse(JSON.stringify(state))).success).toBe(true);
        }
        expect(state.phase).toBe('ended');
        expect(inputs).toBeLessThanOrEqual(def.maxTurns + 1);
        if (state.ended?.party === 'robot' && state.ended.reason !== 'transfer') expect(commands.at(-1)?.type).toBe('hangUp');
        if (validateScenario(def).length === 0) expect(state.ended?.reason).not.toBe('error');
      }),
      { numRuns: 400 },
    );
  });
});

describe('dialog engine on the templates (property)', () => {
  it('ends every template conversation within maxTurns + 1 inputs without an error, whatever the person says', async () => {
    const { TEMPLATES } = await import('../../../lib/scenarios/templates/index');
    const compiled = TEMPLATES.flatMap((t) => (['en', 'zh'] as const).map((l) => compileScenario(t.definition(l))));
    fc.assert(
      fc.property(fc.constantFrom(...compiled), fc.array(eventArb, { minLength: 60, maxLength: 60 }), (c, events) => {
        let [state] = startDialog(c, { variables: {}, at: 0 });
        let inputs = 0;
        for (const e of events) {
          if (state.phase === 'ended') break;
          [state] = transition(c, state, e, { variables: {} });
          inputs++;
        }
        expect(state.phase).toBe('ended');
        expect(inputs).toBeLessThanOrEqual(c.definition.maxTurns + 1);
        expect(state.ended?.reason).not.toBe('error');
      }),
      { numRuns: 300 },
    );
  });
});
