import { describe, expect, it } from 'vitest';
import { textElement } from '../../../lib/core/ooxml';

describe('textElement', () => {
  it('asks readers to keep outer whitespace only when the text has some', () => {
    expect(textElement('plain text')).toBe('<t>plain text</t>');
    expect(textElement(' leading')).toBe('<t xml:space="preserve"> leading</t>');
    expect(textElement('trailing\n')).toBe('<t xml:space="preserve">trailing\n</t>');
    expect(textElement('')).toBe('<t></t>');
  });
});
