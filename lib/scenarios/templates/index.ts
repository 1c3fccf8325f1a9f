/** Built-in scenario templates (S14), each in English and Chinese, ready to publish. */
import { ScenarioDefinition } from '../schema';
import type { TemplateLanguage } from './common';
import { healthScreeningTemplate } from './health-screening';
import { notificationTemplate } from './notification';
import { paymentReminderTemplate } from './payment-reminder';
import { satisfactionTemplate } from './satisfaction';

export type { TemplateLanguage } from './common';

/** A built-in template. */
export interface ScenarioTemplate {
  id: string;
  title: Record<TemplateLanguage, string>;
  description: Record<TemplateLanguage, string>;
  /** The scenario definition in one language. */
  definition(language: TemplateLanguage): ScenarioDefinition;
}

const make = (id: string, build: (l: TemplateLanguage) => ReturnType<typeof notificationTemplate>): ScenarioTemplate => {
  const en = build('en');
  const zh = build('zh');
  return {
    id,
    title: { en: en.name, zh: zh.name },
    description: { en: en.description ?? '', zh: zh.description ?? '' },
    definition: (language) => ScenarioDefinition.parse(build(language)),
  };
};

/** The built-in templates. */
export const TEMPLATES: readonly ScenarioTemplate[] = [
  make('notification', notificationTemplate),
  make('health-screening', healthScreeningTemplate),
  make('satisfaction', satisfactionTemplate),
  make('payment-reminder', paymentReminderTemplate),
];

/** Finds a template by id. */
export function getTemplate(id: string): ScenarioTemplate | undefined {
  return TEMPLATES.find((t) => t.id === id);
}
