/**
 * The generated part of docs/events.md: one section per event type with its description, the
 * parts of its stable id and an example envelope. `npm run events -- --write-docs` rewrites it;
 * a test fails when the file and the schemas disagree.
 */
import { exampleEnvelope } from './examples';
import { detailJsonSchema } from './json-schema';
import { EVENT_TYPES, type EventType } from './schemas';

/** Markers around the generated block in docs/events.md. */
export const DOCS_BEGIN = '<!-- BEGIN GENERATED EVENT EXAMPLES (npm run events -- --write-docs) -->';
/** End marker of the generated block. */
export const DOCS_END = '<!-- END GENERATED EVENT EXAMPLES -->';

/** What identifies the fact of each type (the parts of its eventId after the type and instance). */
export const EVENT_ID_DOC: Readonly<Record<EventType, string>> = {
  Dialing: 'callId',
  Ringing: 'callId',
  CallAnswered: 'callId',
  CallFinished: 'callId',
  RecordingReady: 'callId',
  JobComplete: 'jobId',
  CampaignStateChanged: 'campaignId, version',
  CampaignComplete: 'campaignId, run',
  ExportReady: 'exportId',
};

/** The generated block (markers included). */
export function renderEventExamples(source = 'reachout'): string {
  const parts = [DOCS_BEGIN, ''];
  for (const type of EVENT_TYPES) {
    const schema = detailJsonSchema(type);
    const required = (schema.required as string[] | undefined) ?? [];
    parts.push(
      `### ${type}`,
      '',
      String(schema.description ?? ''),
      '',
      `- eventId = stableId("${type}", instanceId, ${EVENT_ID_DOC[type]})`,
      `- required detail fields: ${required.map((f) => `\`${f}\``).join(', ')}`,
      '',
      '```json',
      JSON.stringify(exampleEnvelope(type, source), null, 2),
      '```',
      '',
    );
  }
  parts.push(DOCS_END);
  return parts.join('\n');
}

/** Replaces the generated block of a markdown document (appends it when the markers are missing). */
export function withEventExamples(markdown: string, source = 'reachout'): string {
  const begin = markdown.indexOf(DOCS_BEGIN);
  const end = markdown.indexOf(DOCS_END);
  const block = renderEventExamples(source);
  if (begin < 0 || end < begin) return `${markdown.trimEnd()}\n\n${block}\n`;
  return markdown.slice(0, begin) + block + markdown.slice(end + DOCS_END.length);
}

/** The example of each type as written in a markdown document's generated block. */
export function examplesInMarkdown(markdown: string): Partial<Record<EventType, Record<string, unknown>>> {
  const begin = markdown.indexOf(DOCS_BEGIN);
  const end = markdown.indexOf(DOCS_END);
  if (begin < 0 || end < begin) return {};
  const block = markdown.slice(begin, end);
  const out: Partial<Record<EventType, Record<string, unknown>>> = {};
  const re = /^### (\w+)\n[\s\S]*?```json\n([\s\S]*?)\n```/gm;
  for (const m of block.matchAll(re)) {
    const type = m[1] as EventType;
    if ((EVENT_TYPES as readonly string[]).includes(type)) out[type] = JSON.parse(m[2]!) as Record<string, unknown>;
  }
  return out;
}
