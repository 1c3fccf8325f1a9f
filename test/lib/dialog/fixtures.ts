import type { IntentRecognizer } from '../../../lib/nlu/types';
import type { RecognizerFactory } from '../../../lib/dialog/engine';
import type { ScenarioDefinitionInput } from '../../../lib/scenarios/schema';

/** A tiny keyword recogniser: an intent matches when the text contains one of its keywords or examples. */
export const keywordRecognizer: RecognizerFactory = (intents) => {
  const recognizer: IntentRecognizer = {
    recognize(text, options) {
      const t = text.toLowerCase();
      const ranked = intents
        .filter((i) => !options?.candidates || options.candidates.includes(i.name))
        .filter((i) => [...(i.keywords ?? []), ...i.examples].some((k) => t.includes(k.toLowerCase())))
        .map((i) => ({ intent: i.name, score: 0.9 }));
      const best = ranked[0];
      return { text, normalized: t, ranked, matched: !!best, ...(best ? { best } : {}) };
    },
  };
  return recognizer;
};

/** A scenario that uses every node kind. */
export function sampleScenario(overrides: Partial<ScenarioDefinitionInput> = {}): ScenarioDefinitionInput {
  return {
    name: 'Sample',
    voice: { language: 'en', delayAfterAnswerMs: 300 },
    startNode: 'ask',
    variables: [{ name: 'amount', default: '10 dollars' }],
    tagGroups: [
      { name: 'answer', values: ['yes', 'no'] },
      { name: 'note', values: [] },
    ],
    intents: [{ name: 'later', examples: ['later', 'tomorrow'], keywords: [] }],
    globalQuestions: [{ id: 'who', examples: ['who is this'], answer: { text: 'This is the sample robot.' } }],
    nodes: [
      {
        id: 'ask',
        kind: 'branch',
        prompt: { text: 'Hello @name, will you pay @amount?', variants: ['Can you pay @amount?', 'Paying @amount today?'] },
        branches: [
          { intent: 'affirm', next: 'yes' },
          { intent: 'deny', next: 'no' },
          { intent: 'later', next: 'transfer' },
        ],
        keypad: { enabled: true, map: { '1': 'affirm', '2': 'deny' }, maxDigits: 1 },
        noMatch: [{ action: 'variant', say: 'Sorry?' }, { action: 'reprompt' }, { action: 'hangUp', say: 'Goodbye.' }],
        silence: [{ action: 'reprompt', say: 'Are you there?' }, { action: 'jump', target: 'bye' }],
        bargeIn: false,
        timeoutMs: 5000,
      },
      { id: 'yes', kind: 'say', prompt: { text: 'Great.' }, tags: { answer: 'yes' }, next: 'done', bargeIn: true },
      { id: 'no', kind: 'say', prompt: { text: 'Pity.' }, tags: { answer: 'no' }, next: 'bye' },
      { id: 'done', kind: 'action', action: 'complete', prompt: { text: 'Thanks.' }, next: 'bye' },
      { id: 'transfer', kind: 'action', action: 'transfer', to: '+14155550100', prompt: { text: 'Connecting you.' } },
      { id: 'bye', kind: 'action', action: 'hangUp', prompt: { text: 'Bye @name.' } },
    ],
    ...overrides,
  };
}
