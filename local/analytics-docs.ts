import { readFileSync, writeFileSync } from 'node:fs';
import { DOCS_MARKERS, datasetsMarkdown } from '../lib/analytics/docs';

/** Rewrites the generated part of docs/analytics.md (dataset columns, saved queries) from lib/analytics. */
const path = 'docs/analytics.md';
const text = readFileSync(path, 'utf8');
const start = text.indexOf(DOCS_MARKERS.start);
const end = text.indexOf(DOCS_MARKERS.end);
if (start < 0 || end < 0) throw new Error(`${path} has no generated part (markers missing)`);
writeFileSync(path, text.slice(0, start) + datasetsMarkdown() + text.slice(end + DOCS_MARKERS.end.length));
process.stdout.write(`${path} updated\n`);
