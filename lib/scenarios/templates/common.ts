/** Shared pieces of the built-in templates (S14). */
import type { EntityKind } from '../../nlu/entities';
import type { ScenarioDefinitionInput } from '../schema';

type Branch = { intent?: string; entity?: Exclude<EntityKind, 'text'>; next: string };

/** A template language. */
export type TemplateLanguage = 'en' | 'zh';

/** Picks the text of one language. */
export const pick = (language: TemplateLanguage) => (en: string, zh: string) => (language === 'en' ? en : zh);

type NodeInput = NonNullable<ScenarioDefinitionInput['nodes']>[number];

/** Standard no-match policy: apologise and ask in other words, twice, then end politely. */
export function noMatchPolicy(language: TemplateLanguage) {
  const t = pick(language);
  return [
    { action: 'variant' as const, say: t('Sorry, I did not catch that.', '不好意思，我没有听清楚。') },
    { action: 'variant' as const, say: t('Sorry, one more time please.', '抱歉，请您再说一遍。') },
    { action: 'hangUp' as const, say: t('Sorry for the trouble, we will contact you another way. Goodbye.', '抱歉打扰了，我们会通过其他方式联系您，再见。') },
  ];
}

/** Standard silence policy: ask again once, then end politely. */
export function silencePolicy(language: TemplateLanguage) {
  const t = pick(language);
  return [
    { action: 'reprompt' as const, say: t('Hello, are you still there?', '喂，您还在吗？') },
    { action: 'hangUp' as const, say: t('It seems you cannot talk right now. We will call again later. Goodbye.', '您现在可能不方便接听，我们稍后再联系您，再见。') },
  ];
}

/** Yes/no keypad mapping: 1 = yes, 2 = no. */
export const YES_NO_KEYPAD = { enabled: true, map: { '1': 'affirm', '2': 'deny' }, maxDigits: 1 };

/** A yes/no branch node: keys 1 and 2, the standard no-match and silence policies. */
export function yesNoQuestion(
  language: TemplateLanguage,
  node: {
    id: string;
    text: string;
    variants: string[];
    yes: string;
    no: string;
    /** Tried before yes and no, e.g. `{ entity: 'date', next: ... }`. */
    firstBranches?: Branch[];
    otherBranches?: Branch[];
    tags?: Record<string, string>;
    capture?: { variable: string; entity: EntityKind };
  },
): NodeInput {
  return {
    id: node.id,
    kind: 'branch',
    ...(node.tags ? { tags: node.tags } : {}),
    ...(node.capture ? { capture: node.capture } : {}),
    prompt: { text: node.text, variants: node.variants },
    branches: [...(node.firstBranches ?? []), { intent: 'affirm', next: node.yes }, { intent: 'deny', next: node.no }, ...(node.otherBranches ?? [])],
    keypad: YES_NO_KEYPAD,
    noMatch: noMatchPolicy(language),
    silence: silencePolicy(language),
  };
}

/** A say node that acknowledges an answer, sets a tag and goes on. */
export function ack(id: string, text: string, tags: Record<string, string>, next: string): NodeInput {
  return { id, kind: 'say', prompt: { text }, tags, next };
}

/** A hang-up node with a closing prompt. */
export function goodbye(id: string, text: string, extra: Partial<NodeInput> = {}): NodeInput {
  return { id, kind: 'action', action: 'hangUp', prompt: { text }, ...extra } as NodeInput;
}

/** The "why are you calling" global question. */
export function purposeQuestion(language: TemplateLanguage, answer: string) {
  return {
    id: 'purpose',
    examples:
      language === 'en'
        ? ['why are you calling', 'what is this about', 'what is this call for', 'who is this', 'who are you', 'what company is this']
        : ['你们为什么打电话', '这是什么事', '你是谁', '你们是哪里', '打电话干什么', '什么事情'],
    keywords: language === 'en' ? ['who are you', 'why are you calling'] : ['你是谁', '哪里打来的'],
    answer: { text: answer, variants: [] },
  };
}

/** The "stop calling me" global question: ends the call politely. */
export function stopQuestion(language: TemplateLanguage) {
  return {
    id: 'stop',
    examples:
      language === 'en'
        ? ['stop calling me', 'do not call me again', 'take me off your list', 'remove my number', 'never call me again']
        : ['别再给我打电话了', '不要再打了', '把我的号码删了', '以后别打了', '不要再打电话'],
    keywords: language === 'en' ? ['stop calling', 'call me again', 'off your list'] : ['别再打', '不要再打', '别打了'],
    answer: {
      text: language === 'en' ? 'Understood, we will not call you again.' : '好的，我们以后不会再打扰您。',
      variants: [],
    },
    next: 'stopGoodbye',
  };
}

/** Extensions of the built-in yes and no with the short answers these templates' questions invite. */
export function yesNoIntents(language: TemplateLanguage) {
  const en = language === 'en';
  return [
    {
      name: 'affirm',
      description: en ? 'Extends the built-in yes' : '扩展内置“肯定”',
      examples: en
        ? ['I would', 'I would recommend you', 'sure I would', 'I can', 'I need it', 'yes I can pay']
        : ['愿意', '当然愿意', '会的', '会推荐', '需要', '可以', '能', '能还', '有的', '有'],
      keywords: en ? ['would recommend'] : ['愿意', '需要'],
    },
    {
      name: 'deny',
      description: en ? 'Extends the built-in no' : '扩展内置“否定”',
      examples: en
        ? ['I would not', 'I would not recommend you', 'probably not', 'I can not', 'not today', 'no need']
        : ['不愿意', '不会', '不推荐', '不需要', '不用', '不能', '不行', '今天不行', '没有', '没'],
      keywords: en ? ['would not recommend', 'no need', 'not today'] : ['不愿意', '不推荐', '不需要', '不用了', '不能', '不行'],
    },
  ];
}
