/** Template (a): notification broadcast — play a message and hang up; success = heard to the end (S14). */
import type { ScenarioDefinitionInput } from '../schema';
import { pick, type TemplateLanguage } from './common';

/** Builds the notification broadcast template in one language. */
export function notificationTemplate(language: TemplateLanguage): ScenarioDefinitionInput {
  const t = pick(language);
  return {
    name: t('Notification broadcast', '通知播报'),
    description: t('Plays a message and hangs up; completed when the message was heard to the end.', '播放一条通知后挂机；完整听完即为成功。'),
    voice: { language, delayAfterAnswerMs: 500 },
    startNode: 'message',
    variables: [
      { name: 'organization', description: t('Who is calling', '来电单位'), default: t('the city service centre', '市民服务中心') },
      { name: 'message', description: t('The notice to read', '通知内容'), default: t('your appointment is tomorrow at 10 am', '您的预约时间是明天上午十点') },
    ],
    tagGroups: [{ name: 'heard', values: ['full'] }],
    reporting: { success: [{ kind: 'heardToEnd' }], successLabel: t('heard to the end', '完整听完通知') },
    nodes: [
      {
        id: 'message',
        kind: 'say',
        prompt: { text: t('Hello @name, this is @organization with a notice: @message.', '@name您好，这里是@organization，通知您：@message。') },
        next: 'done',
      },
      {
        id: 'done',
        kind: 'action',
        action: 'complete',
        tags: { heard: 'full' },
        prompt: { text: t('Thank you for listening. Goodbye.', '感谢您的收听，再见。') },
      },
    ],
  };
}
