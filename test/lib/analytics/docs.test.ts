import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { datasetsMarkdown } from '../../../lib/analytics/docs';

describe('docs/analytics.md', () => {
  it('embeds the column tables and saved queries generated from lib/analytics (run `npx tsx local/analytics-docs.ts` after a change)', () => {
    expect(readFileSync('docs/analytics.md', 'utf8')).toContain(datasetsMarkdown());
  });
});
