import { DATASET_KEYS, DATASET_NAMES, datasetColumns } from './datasets';
import { QUERY_PARAMETERS, SAVED_QUERIES } from './queries';

/** Start and end markers of the generated part of docs/analytics.md. */
export const DOCS_MARKERS = { start: '<!-- generated from lib/analytics (datasetsMarkdown): do not edit by hand -->', end: '<!-- end of generated part -->' } as const;

/**
 * The column tables of every dataset and the list of saved queries, as Markdown, generated from the zod schemas
 * and queries.ts; docs/analytics.md embeds it and a test keeps it equal (`npx tsx local/analytics-docs.ts` rewrites it).
 */
export function datasetsMarkdown(): string {
  const out: string[] = [DOCS_MARKERS.start, ''];
  for (const dataset of DATASET_NAMES) {
    out.push(`### \`${dataset}\` (key: ${DATASET_KEYS[dataset].map((k) => `\`${k}\``).join(', ')})`, '', '| column | type | description |', '| --- | --- | --- |');
    for (const c of datasetColumns(dataset)) {
      out.push(`| \`${c.name}\`${c.partition ? ' (partition)' : ''} | ${c.type.replace('<', '&lt;').replace('>', '&gt;')} | ${c.description.replace(/\|/g, '\\|')} |`);
    }
    out.push('');
  }
  out.push(`### Saved queries (parameters: ${QUERY_PARAMETERS.map((p) => `\`${p}\``).join(', ')})`, '', '| name | reads | what |', '| --- | --- | --- |');
  for (const q of SAVED_QUERIES) out.push(`| \`${q.name}\` | ${q.datasets.join(', ')} | ${q.description} |`);
  out.push('', DOCS_MARKERS.end);
  return out.join('\n');
}
