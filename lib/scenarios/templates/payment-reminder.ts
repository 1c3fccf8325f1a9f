/** Template (d): payment reminder with a promise-to-pay date (S14). */
import type { ScenarioDefinitionInput } from '../schema';
import { goodbye, noMatchPolicy, pick, purposeQuestion, silencePolicy, stopQuestion, yesNoIntents, yesNoQuestion, type TemplateLanguage } from './common';

/** Builds the payment reminder template in one language; completed when the person promises a date (or today). */
export function paymentReminderTemplate(language: TemplateLanguage): ScenarioDefinitionInput {
  const t = pick(language);
  const en = language === 'en';
  return {
    name: t('Payment reminder', '还款提醒'),
    description: t('Confirms the person, reminds them of the amount due and records a promise-to-pay date.', '核实身份，提醒应还金额，并记录承诺还款日期。'),
    voice: { language, delayAfterAnswerMs: 500 },
    startNode: 'identity',
    variables: [
      { name: 'organization', description: t('Who is calling', '来电单位'), default: t('City Bank', '城市银行') },
      { name: 'amount', description: t('Amount due, as spoken', '应还金额（朗读形式）'), default: t('250 dollars', '2500元') },
      { name: 'dueDate', description: t('Due date, as spoken', '到期日（朗读形式）'), default: t('March 1st', '3月1日') },
    ],
    intents: [
      ...yesNoIntents(language),
      {
        name: 'pay_date',
        description: t('A date or time by which the person will pay', '承诺还款的日期或时间'),
        examples: en
          ? [
              'tomorrow',
              'next week',
              'on Friday',
              'by Monday',
              'in three days',
              'at the end of the month',
              'on the 15th',
              'next Tuesday',
              'the day after tomorrow',
              'I can pay on Friday',
              'I will pay next week',
              'by the end of this week',
            ]
          : ['明天', '后天', '下周', '周五', '下周一', '月底', '15号', '三天后', '这周内', '我周五还', '下个星期还', '月底前还上', '过两天'],
        keywords: en
          ? ['tomorrow', 'next week', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday', 'end of the month', 'days']
          : ['明天', '后天', '下周', '周一', '周二', '周三', '周四', '周五', '周六', '周日', '月底', '号', '星期'],
      },
      {
        name: 'cannot_pay',
        description: t('The person refuses or cannot pay', '拒绝或无力还款'),
        examples: en
          ? ['I cannot pay', 'I have no money', 'I will not pay', 'I refuse to pay', 'I can not afford it', 'no way', 'I do not owe anything']
          : ['我还不了', '没钱', '我不还', '我拒绝还款', '还不起', '我没欠钱', '没办法还'],
        keywords: en ? ['cannot pay', 'no money', 'not pay', 'afford'] : ['还不了', '没钱', '不还', '还不起'],
      },
    ],
    tagGroups: [
      { name: 'promise', values: ['today', 'later', 'refused'] },
      { name: 'promiseDate', values: [] },
      { name: 'contact', values: ['wrongPerson', 'later', 'optOut'] },
    ],
    reporting: {
      success: [{ kind: 'tag', group: 'promise', values: ['today', 'later'] }],
      successLabel: t('promise to pay', '承诺还款'),
      intention: [
        { grade: 'A', when: [{ kind: 'tag', group: 'promise', values: ['today', 'later'] }] },
        { grade: 'C', when: [{ kind: 'tag', group: 'promise', values: ['refused'] }] },
        { grade: 'C', when: [{ kind: 'tag', group: 'contact', values: ['optOut'] }] },
        { grade: 'D', when: [{ kind: 'tag', group: 'contact', values: ['later'] }] },
        { grade: 'B', when: [{ kind: 'interacted' }] },
      ],
    },
    globalQuestions: [
      purposeQuestion(language, t('This is @organization, calling about a payment of @amount that was due on @dueDate.', '这里是@organization，来电是关于您@dueDate到期的@amount还款。')),
      stopQuestion(language),
    ],
    nodes: [
      yesNoQuestion(language, {
        id: 'identity',
        text: t('Hello, this is @organization. Am I speaking with @name? Press 1 for yes, 2 for no.', '您好，这里是@organization。请问您是@name本人吗？是请按1，不是请按2。'),
        variants: [t('Are you @name?', '请问是@name吗？')],
        yes: 'reminder',
        no: 'wrongPerson',
        otherBranches: [
          { intent: 'not_the_person', next: 'wrongPerson' },
          { intent: 'busy', next: 'later' },
        ],
      }),
      yesNoQuestion(language, {
        id: 'reminder',
        text: t(
          'Your payment of @amount was due on @dueDate and has not been received yet. Can you pay it today? Press 1 for yes, 2 for no.',
          '您在@dueDate到期的@amount还款尚未收到。请问您今天能还上吗？能请按1，不能请按2。',
        ),
        variants: [t('Will you be able to pay @amount today?', '今天能还上@amount吗？')],
        yes: 'payToday',
        no: 'askDate',
        // "I can pay on Friday": the date is captured and the dialog moves on (tried before yes/no).
        capture: { variable: 'promiseDate', entity: 'date' },
        firstBranches: [{ entity: 'date', next: 'promised' }],
        otherBranches: [
          { intent: 'busy', next: 'askDate' },
          { intent: 'dont_know', next: 'askDate' },
          { intent: 'pay_date', next: 'askDate' },
          { intent: 'cannot_pay', next: 'refused' },
        ],
      }),
      {
        id: 'askDate',
        kind: 'branch',
        capture: { variable: 'promiseDate', entity: 'date' },
        prompt: {
          text: t('When will you be able to pay? For example tomorrow, or next Friday.', '请问您哪天能还款？比如明天，或者下周五。'),
          variants: [t('By which date can you pay?', '您最晚哪天能还上？')],
        },
        // A date resolved in the person's time zone ("next Friday" → 2026-03-13) is the promise; an
        // answer that sounds like a date but names none ("soon") is a no-match: asked again.
        branches: [
          { entity: 'date', next: 'promised' },
          { intent: 'cannot_pay', next: 'refused' },
          { intent: 'deny', next: 'refused' },
        ],
        noMatch: noMatchPolicy(language),
        silence: silencePolicy(language),
      },
      {
        id: 'payToday',
        kind: 'action',
        action: 'complete',
        tags: { promise: 'today' },
        prompt: { text: t('Thank you. Please pay @amount today. Goodbye.', '谢谢您，请在今天内还款@amount，再见。') },
      },
      {
        id: 'promised',
        kind: 'action',
        action: 'complete',
        tags: { promise: 'later' },
        prompt: { text: t('Thank you, we have noted that you will pay by @promiseDate. Goodbye.', '谢谢您，我们已记录您承诺在@promiseDate前还款，再见。') },
      },
      goodbye('refused', t('We have noted it. A colleague will contact you about the options. Goodbye.', '已为您记录，稍后会有同事与您联系商量方案，再见。'), { tags: { promise: 'refused' } }),
      goodbye('wrongPerson', t('Sorry to have disturbed you. Goodbye.', '抱歉打扰了，再见。'), { tags: { contact: 'wrongPerson' } }),
      goodbye('later', t('No problem, we will call back later. Goodbye.', '好的，我们稍后再联系您，再见。'), { tags: { contact: 'later' } }),
      goodbye('stopGoodbye', t('Goodbye.', '再见。'), { tags: { contact: 'optOut' } }),
    ],
  };
}
