/** Template (b): health screening survey — purpose, then fever, contact with a risk group, recent travel (S14). */
import type { ScenarioDefinitionInput } from '../schema';
import { ack, goodbye, pick, purposeQuestion, stopQuestion, yesNoIntents, yesNoQuestion, type TemplateLanguage } from './common';

/** Builds the health screening template in one language; completed when all three answers are collected. */
export function healthScreeningTemplate(language: TemplateLanguage): ScenarioDefinitionInput {
  const t = pick(language);
  const question = (id: string, text: string, variant: string, yes: string, no: string) =>
    yesNoQuestion(language, { id, text, variants: [variant], yes, no });
  return {
    name: t('Health screening survey', '健康筛查问卷'),
    description: t('Asks about fever, contact with a risk group and recent travel.', '询问发热、与风险人群接触、近期出行情况。'),
    voice: { language, delayAfterAnswerMs: 500 },
    startNode: 'intro',
    variables: [{ name: 'organization', description: t('Who is calling', '来电单位'), default: t('the community health office', '社区卫生服务中心') }],
    intents: yesNoIntents(language),
    tagGroups: [
      { name: 'fever', values: ['yes', 'no'] },
      { name: 'riskContact', values: ['yes', 'no'] },
      { name: 'travel', values: ['yes', 'no'] },
      { name: 'availability', values: ['later', 'wrongPerson', 'optOut'] },
    ],
    reporting: {
      success: [{ kind: 'tagsSet', groups: ['fever', 'riskContact', 'travel'] }],
      successLabel: t('all answers collected', '各项指标完整填报'),
      intention: [
        { grade: 'A', when: [{ kind: 'tagsSet', groups: ['fever', 'riskContact', 'travel'] }] },
        { grade: 'C', when: [{ kind: 'tag', group: 'availability', values: ['optOut'] }] },
        { grade: 'D', when: [{ kind: 'tag', group: 'availability', values: ['later'] }] },
        { grade: 'B', when: [{ kind: 'interacted' }] },
      ],
    },
    globalQuestions: [
      purposeQuestion(
        language,
        t(
          'This is @organization. We call residents for a short health check to keep everyone safe; your answers stay confidential.',
          '这里是@organization，我们正在做简短的健康筛查，保障大家的安全，您的回答会严格保密。',
        ),
      ),
      stopQuestion(language),
    ],
    nodes: [
      yesNoQuestion(language, {
        id: 'intro',
        text: t(
          'Hello @name, this is @organization. We are doing a one-minute health screening with three yes or no questions. Can we start? Press 1 for yes, 2 for no.',
          '@name您好，这里是@organization，我们正在做一分钟的健康筛查，共三个是否问题。现在可以开始吗？同意请按1，不方便请按2。',
        ),
        variants: [t('Can we start the three short health questions now?', '现在方便回答三个简短的健康问题吗？')],
        yes: 'fever',
        no: 'later',
        otherBranches: [
          { intent: 'busy', next: 'later' },
          { intent: 'not_the_person', next: 'wrongPerson' },
        ],
      }),
      question(
        'fever',
        t('First: do you have a fever today, 37.3 degrees or higher? Press 1 for yes, 2 for no.', '第一个问题：您今天有没有发烧，体温37.3度或以上？有请按1，没有请按2。'),
        t('Do you have a fever right now?', '您现在发烧吗？'),
        'feverYes',
        'feverNo',
      ),
      ack('feverYes', t('Noted, you have a fever.', '好的，已记录您有发热。'), { fever: 'yes' }, 'contact'),
      ack('feverNo', t('Noted, no fever.', '好的，已记录没有发热。'), { fever: 'no' }, 'contact'),
      question(
        'contact',
        t(
          'Second: in the past 14 days, have you been in contact with anyone who was ill or in a risk group? Press 1 for yes, 2 for no.',
          '第二个问题：近14天内，您是否接触过病人或风险人群？有请按1，没有请按2。',
        ),
        t('Have you had contact with a risk group in the past two weeks?', '近两周您接触过风险人群吗？'),
        'contactYes',
        'contactNo',
      ),
      ack('contactYes', t('Noted, you had contact.', '好的，已记录有接触。'), { riskContact: 'yes' }, 'travel'),
      ack('contactNo', t('Noted, no contact.', '好的，已记录无接触。'), { riskContact: 'no' }, 'travel'),
      question(
        'travel',
        t('Last: have you travelled outside the city in the past 14 days? Press 1 for yes, 2 for no.', '最后一个问题：近14天内，您是否离开过本市？有请按1，没有请按2。'),
        t('Have you travelled recently?', '您最近出过远门吗？'),
        'travelYes',
        'travelNo',
      ),
      ack('travelYes', t('Noted, you travelled.', '好的，已记录有出行。'), { travel: 'yes' }, 'done'),
      ack('travelNo', t('Noted, no travel.', '好的，已记录无出行。'), { travel: 'no' }, 'done'),
      {
        id: 'done',
        kind: 'action',
        action: 'complete',
        prompt: { text: t('Thank you, all your answers are recorded. Take care, goodbye.', '感谢您的配合，您的回答已全部记录。祝您健康，再见。') },
      },
      goodbye('later', t('No problem, we will call you at a better time. Goodbye.', '好的，我们换个时间再联系您，再见。'), { tags: { availability: 'later' } }),
      goodbye('wrongPerson', t('Sorry to have disturbed you. Goodbye.', '抱歉打扰了，再见。'), { tags: { availability: 'wrongPerson' } }),
      goodbye('stopGoodbye', t('Goodbye.', '再见。'), { tags: { availability: 'optOut' } }),
    ],
  };
}
