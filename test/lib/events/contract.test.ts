import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildEvent, contactsOf, EventContractError, eventIdOf, extrasOf, MAX_DETAIL_BYTES, taskOf } from '../../../lib/events/build';
import { EXAMPLE_INPUTS, exampleEnvelope, exampleEvent } from '../../../lib/events/examples';
import { EVENT_SCHEMAS, EVENT_TYPES, SCHEMA_VERSION, type EventInput } from '../../../lib/events/schemas';
import { assertValidEvent, checkEvent } from '../../../lib/events/validate';
import { stableId } from '../../../lib/core/ids';

const opts = { source: 'reachout', time: Date.UTC(2026, 0, 5, 9, 0, 0, 123) };
const finished = () => structuredClone(EXAMPLE_INPUTS.CallFinished.input);
const jobComplete = () => structuredClone(EXAMPLE_INPUTS.JobComplete.input);

describe('buildEvent', () => {
  it('fills eventId, eventType, schemaVersion and eventTime, and uses the event id as the envelope id', () => {
    const event = buildEvent('JobComplete', jobComplete(), opts);
    expect(event).toMatchObject({ source: 'reachout', detailType: 'JobComplete', time: '2026-01-05T09:00:00.123Z' });
    expect(event.detail).toMatchObject({ eventType: 'JobComplete', schemaVersion: SCHEMA_VERSION, eventTime: opts.time, eventId: event.id });
    expect(event.id).toBe(stableId('JobComplete', EXAMPLE_INPUTS.JobComplete.input.instanceId, EXAMPLE_INPUTS.JobComplete.input.jobId));
  });

  it('gives the same fact the same id whenever and wherever it is built, and another fact another id', () => {
    const a = buildEvent('CallFinished', finished(), opts);
    const b = buildEvent('CallFinished', { ...finished(), talkSeconds: 99 }, { source: 'other', time: opts.time + 60_000 });
    expect(b.id).toBe(a.id);
    expect(buildEvent('CallFinished', { ...finished(), callId: 'K2' }, opts).id).not.toBe(a.id);
    // Another type of the same call is another fact.
    expect(buildEvent('Ringing', EXAMPLE_INPUTS.Ringing.input, opts).id).not.toBe(a.id);
  });

  it('identifies campaign state changes by version and campaign completions by run', () => {
    const base = EXAMPLE_INPUTS.CampaignStateChanged.input;
    expect(eventIdOf('CampaignStateChanged', { ...base, version: 5 })).not.toBe(eventIdOf('CampaignStateChanged', base));
    expect(eventIdOf('CampaignStateChanged', { ...base, reason: 'window closed' })).toBe(eventIdOf('CampaignStateChanged', base));
    const done = EXAMPLE_INPUTS.CampaignComplete.input;
    expect(eventIdOf('CampaignComplete', { ...done, run: 2 })).not.toBe(eventIdOf('CampaignComplete', done));
  });

  it("carries JobComplete the seed 002 way: contacts[], tasks[] with every call, extras", () => {
    const event = buildEvent('JobComplete', jobComplete(), opts);
    expect(event.detail.contacts).toEqual([{ phoneNumber: '+14155550123', name: 'Alex Chen', honorific: 'Mr. Chen', referenceId: 'member-1042' }]);
    expect(event.detail.extras).toEqual([
      { key: 'amount', value: '120.50' },
      { key: 'dueDate', value: '2026-01-15' },
    ]);
    expect(event.detail.tasks).toEqual([
      expect.objectContaining({ callId: EXAMPLE_INPUTS.CallFinished.input.callId, status: 'Succeeded', callingNumber: '+12065550100', calledNumber: '+14155550123' }),
    ]);
    expect(event.detail).not.toHaveProperty('contact');
  });

  it('carries the full call detail record and the transcript in CallFinished', () => {
    const event = buildEvent('CallFinished', finished(), opts);
    expect(event.detail.call).toEqual(EXAMPLE_INPUTS.CallFinished.input.call);
    expect(event.detail.turns).toEqual(EXAMPLE_INPUTS.CallFinished.input.turns);
  });

  it('refuses a detail that breaks its schema, naming the field', () => {
    const bad = { ...jobComplete(), status: 'Done' } as unknown as EventInput<'JobComplete'>;
    expect(() => buildEvent('JobComplete', bad, opts)).toThrow(EventContractError);
    expect(() => buildEvent('JobComplete', bad, opts)).toThrow(/status/);
    const noContact = { ...jobComplete(), contacts: [] };
    expect(() => buildEvent('JobComplete', noContact, opts)).toThrow(/contacts/);
  });

  it('keeps the first turns of a transcript too long for one event and says how many it left out', () => {
    const long = finished();
    const turn = long.turns![0]!;
    long.turns = Array.from({ length: 600 }, (_, index) => ({ ...turn, index, prompt: 'p'.repeat(500) }));
    const event = buildEvent('CallFinished', long, opts);
    const kept = (event.detail.turns as unknown[]).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(600);
    expect(event.detail.turnsOmitted).toBe(600 - kept);
    expect(Buffer.byteLength(JSON.stringify(event.detail))).toBeLessThanOrEqual(MAX_DETAIL_BYTES);
    expect(() => assertValidEvent(event)).not.toThrow();
  });

  it('refuses an event still too large with no transcript to shorten', () => {
    const huge = { ...jobComplete(), tags: { note: 'x'.repeat(MAX_DETAIL_BYTES) } };
    expect(() => buildEvent('JobComplete', huge, opts)).toThrow(/bytes/);
  });

  it('builds a valid event for any ids, times and tags (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 }), { maxKeys: 5 }),
        (instanceId, jobId, time, tags) => {
          const input = { ...jobComplete(), instanceId, jobId, tags };
          const event = buildEvent('JobComplete', input, { source: 'reachout', time });
          assertValidEvent(event);
          expect(buildEvent('JobComplete', input, { source: 'reachout', time: time + 1 }).id).toBe(event.id);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('contract helpers', () => {
  it('maps a contact, its variables and a call record to the seed 002 shapes', () => {
    expect(contactsOf({ phone: '+15550001111' })).toEqual([{ phoneNumber: '+15550001111' }]);
    expect(extrasOf({ b: '2', a: '1' })).toEqual([
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
    ]);
    expect(extrasOf(undefined)).toEqual([]);
    expect(taskOf({ callId: 'c', attempt: 2, dialledAt: '2026-01-05T09:00:00.000Z', status: 'NoAnswer' })).toEqual({
      id: 'c',
      callId: 'c',
      attempt: 2,
      actualTime: Date.UTC(2026, 0, 5, 9),
      status: 'NoAnswer',
    });
  });
});

describe('assertValidEvent', () => {
  it('accepts the example of every type, as a bus event and as an EventBridge envelope', () => {
    for (const type of EVENT_TYPES) {
      expect(assertValidEvent(exampleEvent(type)).eventType).toBe(type);
      expect(checkEvent(exampleEnvelope(type) as never)).toMatchObject({ ok: true });
    }
  });

  it('reports an undocumented field, a wrong id, a mismatched envelope id and an unknown type', () => {
    const event = exampleEvent('JobComplete');
    expect(checkEvent({ ...event, detail: { ...event.detail, contact: { phone: '+1' } } })).toEqual({
      ok: false,
      problems: [expect.stringMatching(/^contact: not in the schema/)],
    });
    expect(checkEvent({ ...event, detail: { ...event.detail, eventId: 'x' }, id: 'x' })).toMatchObject({ ok: false, problems: [expect.stringMatching(/stable id/)] });
    expect(checkEvent({ ...event, id: 'other' })).toMatchObject({ ok: false, problems: [expect.stringMatching(/envelope id/)] });
    expect(checkEvent({ ...event, detailType: 'CallEnded' })).toMatchObject({ ok: false, problems: [expect.stringMatching(/not a Reachout event type/)] });
    expect(checkEvent({ ...event, time: '2026-01-05T10:00:00.000Z' })).toMatchObject({ ok: false, problems: [expect.stringMatching(/eventTime/)] });
  });

  it('throws an EventContractError listing the problems', () => {
    const event = exampleEvent('Dialing');
    expect(() => assertValidEvent({ ...event, detail: { ...event.detail, status: 'Ringing' } })).toThrow(EventContractError);
  });

  it('has one schema per type, each pinning its eventType', () => {
    expect(Object.keys(EVENT_SCHEMAS)).toEqual([...EVENT_TYPES]);
    for (const type of EVENT_TYPES) {
      const other = EVENT_TYPES.find((t) => t !== type)!;
      expect(EVENT_SCHEMAS[type].safeParse({ ...exampleEvent(type).detail, eventType: other }).success).toBe(false);
    }
  });
});
