import { describe, expect, it } from 'vitest';
import { expectOnly } from '../../../lib/core/errors';

describe('expectOnly', () => {
  it('lets the expected kinds of failure through to the fallback and rethrows anything else', () => {
    const parse = (text: string) => {
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        expectOnly(error, SyntaxError);
        return 'fallback';
      }
    };
    expect(parse('{')).toBe('fallback');
    const bug = new TypeError('a bug, not bad input');
    expect(() => {
      try {
        throw bug;
      } catch (error) {
        expectOnly(error, SyntaxError, URIError);
      }
    }).toThrow(bug);
    expect(() => expectOnly('not even an Error', RangeError)).toThrow('not even an Error');
  });
});
