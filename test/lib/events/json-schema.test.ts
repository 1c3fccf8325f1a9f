import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { examplesInMarkdown, renderEventExamples, withEventExamples } from '../../../lib/events/docs';
import { exampleEnvelope } from '../../../lib/events/examples';
import { detailJsonSchema, eventJsonSchema, JSON_SCHEMA_DRAFT_4 } from '../../../lib/events/json-schema';
import { EVENT_TYPES } from '../../../lib/events/schemas';
import { assertValidEvent } from '../../../lib/events/validate';
import { draft4Validator, schemaCheck } from './support';

const docs = readFileSync(new URL('../../../docs/events.md', import.meta.url), 'utf8');

describe('event JSON Schemas', () => {
  it('are draft 4 documents a strict validator compiles, one per type', () => {
    const ajv = draft4Validator();
    for (const type of EVENT_TYPES) {
      const schema = eventJsonSchema(type, 'reachout');
      expect(schema.$schema).toBe(JSON_SCHEMA_DRAFT_4);
      expect(() => ajv.compile(schema)).not.toThrow();
    }
  });

  it('accept the example of their type and refuse the other types', () => {
    const ajv = draft4Validator();
    for (const type of EVENT_TYPES) {
      const check = schemaCheck(ajv, eventJsonSchema(type, 'reachout'));
      check(exampleEnvelope(type));
      for (const other of EVENT_TYPES.filter((t) => t !== type)) expect(() => check(exampleEnvelope(other))).toThrow();
    }
  });

  it('refuse a detail missing a required field or with a wrong enum value, and pin the source', () => {
    const check = schemaCheck(draft4Validator(), eventJsonSchema('JobComplete', 'reachout'));
    const example = exampleEnvelope('JobComplete') as { detail: Record<string, unknown> };
    const { contacts: _gone, ...withoutContacts } = example.detail;
    expect(() => check({ ...example, detail: withoutContacts })).toThrow(/contacts/);
    expect(() => check({ ...example, detail: { ...example.detail, status: 'Done' } })).toThrow(/enum|allowed/);
    expect(() => check({ ...example, source: 'someone-else' })).toThrow(/source/);
  });

  it('let consumers ignore fields added later (additional properties allowed)', () => {
    const check = schemaCheck(draft4Validator(), eventJsonSchema('CallFinished', 'reachout'));
    const example = exampleEnvelope('CallFinished') as { detail: Record<string, unknown> };
    expect(() => check({ ...example, detail: { ...example.detail, addedLater: 1 } })).not.toThrow();
  });

  it('describe the detail the same way the zod schema does (required fields)', () => {
    const schema = detailJsonSchema('JobComplete') as { required: string[] };
    expect(schema.required).toEqual(expect.arrayContaining(['eventId', 'eventType', 'schemaVersion', 'eventTime', 'instanceId', 'contacts', 'tasks', 'extras', 'status']));
  });
});

describe('docs/events.md', () => {
  it('holds the generated examples of the current schemas (run `npm run events -- --write-docs` after a change)', () => {
    expect(withEventExamples(docs)).toBe(docs);
    expect(docs).toContain(renderEventExamples());
  });

  it('has an example of every type, valid against the contract and its JSON Schema', () => {
    const examples = examplesInMarkdown(docs);
    expect(Object.keys(examples)).toEqual([...EVENT_TYPES]);
    const ajv = draft4Validator();
    for (const type of EVENT_TYPES) {
      const example = examples[type]!;
      schemaCheck(ajv, eventJsonSchema(type, 'reachout'))(example);
      expect(assertValidEvent(example as never).eventType).toBe(type);
    }
  });
});
