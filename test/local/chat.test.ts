import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { lineToEvent, loadDefinition, parseChatArgs, runChat } from '../../local/chat';
import { compileScenario } from '../../lib/dialog/engine';

async function* linesOf(lines: string[]) {
  for (const l of lines) yield l;
}

/** Answers that talk each template through to completion. */
const SCRIPTS: Record<string, Record<'en' | 'zh', string[]>> = {
  notification: { en: [], zh: [] },
  'health-screening': {
    en: ['yes, go ahead', 'no', 'why are you calling', 'no I have not', '#1'],
    zh: ['可以', '没有', '#2', '有的'],
  },
  satisfaction: {
    en: ['sure', 'it was excellent', 'yes I would'],
    zh: ['好的', '不满意', '需要', '不愿意'],
  },
  'payment-reminder': {
    en: ['yes speaking', 'no not today', 'next Friday'],
    zh: ['是我', '今天不行', '下周五'],
  },
};

const EXPECTED_TAGS: Record<string, Record<'en' | 'zh', Record<string, string>>> = {
  notification: { en: { heard: 'full' }, zh: { heard: 'full' } },
  'health-screening': { en: { fever: 'no', riskContact: 'no', travel: 'yes' }, zh: { fever: 'no', riskContact: 'no', travel: 'yes' } },
  satisfaction: { en: { satisfaction: 'verySatisfied', recommend: 'yes' }, zh: { satisfaction: 'unsatisfied', callback: 'yes', recommend: 'no' } },
  // The promise-to-pay date is captured as a date in the call's local time (the clock here is epoch 0, a Thursday).
  'payment-reminder': { en: { promise: 'later', promiseDate: '1970-01-09' }, zh: { promise: 'later', promiseDate: '1970-01-09' } },
};

describe('chat', () => {
  for (const [id, byLang] of Object.entries(SCRIPTS))
    for (const language of ['en', 'zh'] as const)
      it(`talks the ${id} template through to completion in ${language}`, async () => {
        const compiled = compileScenario(loadDefinition(id, language));
        const out: string[] = [];
        const state = await runChat(compiled, { name: 'Alex' }, linesOf(byLang[language]), (l) => out.push(l), () => 0);
        expect(state.completed, out.join('\n')).toBe(true);
        expect(state.ended?.party).toBe('robot');
        expect(state.tags).toEqual(EXPECTED_TAGS[id]![language]);
        expect(out.join('\n')).toContain('✓ completed');
      });

  it('shows node, prompt, intent with score and tags each turn', async () => {
    const compiled = compileScenario(loadDefinition('payment-reminder', 'en'));
    const out: string[] = [];
    await runChat(compiled, { name: 'Alex' }, linesOf(['yes', 'no', 'tomorrow']), (l) => out.push(l), () => 0);
    const text = out.join('\n');
    expect(text).toContain('[identity] robot: Hello, this is City Bank. Am I speaking with Alex?');
    expect(text).toMatch(/matched intent=affirm score=\d\.\d\d/);
    expect(text).toContain('tags: promiseDate=1970-01-02');
    expect(text).toContain('we have noted that you will pay by Friday, January 2');
  });

  it('parses arguments, keys, silence and hang-up', () => {
    expect(parseChatArgs(['--', 'satisfaction', '--lang', 'zh', '--var', 'name=张三', '--var', 'x=a=b'])).toEqual({
      source: 'satisfaction',
      language: 'zh',
      variables: { name: '张三', x: 'a=b' },
    });
    expect(() => parseChatArgs([])).toThrow(/usage/);
    expect(lineToEvent('#12', 5)).toEqual({ type: 'digits', at: 5, digits: '12' });
    expect(lineToEvent('  ', 5)).toEqual({ type: 'silence', at: 5 });
    expect(lineToEvent('/hangup', 5)).toEqual({ type: 'hangup', at: 5, party: 'person' });
  });

  it('runs as `npm run chat` with piped answers', () => {
    const r = spawnSync('npx', ['tsx', 'local/chat.ts', 'payment-reminder', '--lang', 'zh', '--var', 'name=李雷'], {
      input: '是的\n不能\n月底\n',
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('请问您是李雷本人吗');
    expect(r.stdout).toContain('✓ completed at promised');
    expect(r.stdout).toMatch(/promiseDate=\d{4}-\d{2}-\d{2}/);
  });
});
