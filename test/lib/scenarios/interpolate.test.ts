import { describe, expect, it } from 'vitest';
import { interpolate, parseTemplate, templateVariables } from '../../../lib/scenarios/interpolate';

describe('interpolate', () => {
  it('replaces @name and @{name} with the variables', () => {
    expect(interpolate('Hello @name, you owe @{amount}USD.', { name: 'Alex', amount: '12' })).toBe('Hello Alex, you owe 12USD.');
  });

  it('reads ASCII variable names next to Chinese text', () => {
    expect(interpolate('@name您好，应还@amount元', { name: '张三', amount: '50' })).toBe('张三您好，应还50元');
  });

  it('keeps @@ as a literal @ and a lone @ as it is', () => {
    expect(interpolate('mail me @@ home @ 5', {})).toBe('mail me @ home @ 5');
  });

  it('renders a missing variable as empty', () => {
    expect(interpolate('[@missing]', {})).toBe('[]');
  });
});

describe('templateVariables', () => {
  it('lists each variable once in order of first use', () => {
    expect(templateVariables('@b @a @{b} @@c')).toEqual(['b', 'a']);
  });

  it('parses literal and variable segments', () => {
    expect(parseTemplate('Hi @name!')).toEqual([{ text: 'Hi ' }, { variable: 'name' }, { text: '!' }]);
  });
});
