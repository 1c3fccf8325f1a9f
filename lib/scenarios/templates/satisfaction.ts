/** Template (c): satisfaction follow-up — rating, recommendation, call-back offer for unhappy customers (S14). */
import type { ScenarioDefinitionInput } from '../schema';
import { ack, goodbye, noMatchPolicy, pick, purposeQuestion, silencePolicy, stopQuestion, yesNoIntents, yesNoQuestion, YES_NO_KEYPAD, type TemplateLanguage } from './common';

/** Builds the satisfaction follow-up template in one language; completed when the rating and the recommendation are collected. */
export function satisfactionTemplate(language: TemplateLanguage): ScenarioDefinitionInput {
  const t = pick(language);
  const en = language === 'en';
  return {
    name: t('Satisfaction follow-up', '满意度回访'),
    description: t('Asks for a satisfaction rating and a recommendation; offers a call-back to unhappy customers.', '询问满意度与推荐意愿；不满意时提供回电。'),
    voice: { language, delayAfterAnswerMs: 500 },
    startNode: 'intro',
    variables: [
      { name: 'organization', description: t('Who is calling', '来电单位'), default: t('City Bank', '城市银行') },
      { name: 'service', description: t('What the customer used', '客户使用的服务'), default: t('visit to our branch', '网点办理业务') },
    ],
    intents: [
      ...yesNoIntents(language),
      {
        name: 'very_satisfied',
        description: t('Very satisfied', '非常满意'),
        examples: en
          ? ['very satisfied', 'extremely satisfied', 'excellent', 'it was great', 'very happy', 'perfect', 'really good', 'fantastic', 'one']
          : ['非常满意', '特别满意', '很满意', '太好了', '非常好', '特别好', '十分满意', '一'],
        keywords: en ? ['very satisfied', 'excellent', 'great', 'perfect'] : ['非常满意', '特别满意', '很满意', '十分满意'],
      },
      {
        name: 'satisfied',
        description: t('Satisfied', '满意'),
        examples: en
          ? ['satisfied', 'it was ok', 'fine', 'good', 'it was alright', 'pretty good', 'not bad', 'two']
          : ['满意', '还行', '还可以', '挺好的', '一般般还行', '不错', '二'],
        keywords: en ? ['ok', 'fine', 'alright', 'not bad'] : ['还行', '还可以', '不错'],
      },
      {
        name: 'unsatisfied',
        description: t('Not satisfied', '不满意'),
        examples: en
          ? ['not satisfied', 'unsatisfied', 'it was bad', 'terrible', 'very disappointed', 'poor service', 'awful', 'three']
          : ['不满意', '很不满意', '太差了', '服务很差', '很失望', '不好', '三'],
        keywords: en ? ['not satisfied', 'unsatisfied', 'bad', 'terrible', 'disappointed', 'awful'] : ['不满意', '太差', '很差', '失望'],
      },
    ],
    tagGroups: [
      { name: 'satisfaction', values: ['verySatisfied', 'satisfied', 'unsatisfied'] },
      { name: 'recommend', values: ['yes', 'no'] },
      { name: 'callback', values: ['yes', 'no'] },
      { name: 'availability', values: ['later', 'optOut'] },
    ],
    reporting: {
      success: [{ kind: 'tagsSet', groups: ['satisfaction', 'recommend'] }],
      successLabel: t('rating and recommendation collected', '评价与推荐意愿均已收集'),
      intention: [
        { grade: 'A', when: [{ kind: 'tagsSet', groups: ['satisfaction', 'recommend'] }] },
        { grade: 'C', when: [{ kind: 'tag', group: 'availability', values: ['optOut'] }] },
        { grade: 'D', when: [{ kind: 'tag', group: 'availability', values: ['later'] }] },
        { grade: 'B', when: [{ kind: 'interacted' }] },
      ],
    },
    globalQuestions: [
      purposeQuestion(language, t('This is @organization, calling about your recent @service to hear how it went.', '这里是@organization，想了解您最近一次@service的体验。')),
      stopQuestion(language),
    ],
    nodes: [
      {
        id: 'intro',
        kind: 'branch',
        prompt: {
          text: t(
            'Hello @name, this is @organization following up on your recent @service. Do you have a minute for two short questions?',
            '@name您好，这里是@organization，想就您最近一次@service做个回访。能占用您一分钟回答两个问题吗？',
          ),
          variants: [t('Could you spare one minute for two questions?', '您方便花一分钟回答两个问题吗？')],
        },
        branches: [
          { intent: 'affirm', next: 'rating' },
          { intent: 'deny', next: 'later' },
          { intent: 'busy', next: 'later' },
        ],
        keypad: YES_NO_KEYPAD,
        noMatch: noMatchPolicy(language),
        silence: silencePolicy(language),
      },
      {
        id: 'rating',
        kind: 'branch',
        prompt: {
          text: t(
            'How satisfied were you: very satisfied, satisfied, or not satisfied? You can also press 1, 2 or 3.',
            '请问您对这次服务的评价是：非常满意、满意，还是不满意？也可以按1、2、3。',
          ),
          variants: [t('Were you very satisfied, satisfied, or not satisfied?', '您是非常满意、满意，还是不满意？')],
        },
        branches: [
          { intent: 'very_satisfied', next: 'ratedVery' },
          { intent: 'satisfied', next: 'ratedOk' },
          { intent: 'unsatisfied', next: 'ratedBad' },
        ],
        keypad: { enabled: true, map: { '1': 'very_satisfied', '2': 'satisfied', '3': 'unsatisfied' }, maxDigits: 1 },
        noMatch: noMatchPolicy(language),
        silence: silencePolicy(language),
      },
      ack('ratedVery', t('Wonderful, thank you!', '太好了，谢谢您！'), { satisfaction: 'verySatisfied' }, 'recommend'),
      ack('ratedOk', t('Thank you.', '谢谢您。'), { satisfaction: 'satisfied' }, 'recommend'),
      yesNoQuestion(language, {
        id: 'ratedBad',
        tags: { satisfaction: 'unsatisfied' },
        text: t('We are sorry to hear that. Would you like a colleague to call you back? Press 1 for yes, 2 for no.', '非常抱歉给您带来不好的体验。需要我们的同事给您回电吗？需要请按1，不需要请按2。'),
        variants: [t('Shall we have someone call you back?', '需要安排同事给您回电吗？')],
        yes: 'callbackYes',
        no: 'callbackNo',
      }),
      ack('callbackYes', t('We will call you back within one working day.', '我们会在一个工作日内给您回电。'), { callback: 'yes' }, 'recommend'),
      ack('callbackNo', t('Understood.', '好的。'), { callback: 'no' }, 'recommend'),
      yesNoQuestion(language, {
        id: 'recommend',
        text: t('Last question: would you recommend us to a friend? Press 1 for yes, 2 for no.', '最后一个问题：您愿意把我们推荐给朋友吗？愿意请按1，不愿意请按2。'),
        variants: [t('Would you recommend us to friends or family?', '您会向亲友推荐我们吗？')],
        yes: 'recommendYes',
        no: 'recommendNo',
        otherBranches: [{ intent: 'dont_know', next: 'recommendNo' }],
      }),
      ack('recommendYes', t('Thank you for your trust.', '感谢您的信任。'), { recommend: 'yes' }, 'done'),
      ack('recommendNo', t('Thank you for telling us.', '感谢您的反馈。'), { recommend: 'no' }, 'done'),
      {
        id: 'done',
        kind: 'action',
        action: 'complete',
        prompt: { text: t('Thank you for your feedback. Have a nice day, goodbye.', '感谢您的宝贵意见，祝您生活愉快，再见。') },
      },
      goodbye('later', t('No problem, sorry to disturb you. Goodbye.', '好的，不打扰您了，再见。'), { tags: { availability: 'later' } }),
      goodbye('stopGoodbye', t('Goodbye.', '再见。'), { tags: { availability: 'optOut' } }),
    ],
  };
}
