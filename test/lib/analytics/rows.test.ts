import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DATASET_SCHEMAS, datasetColumns, fileColumns, partitionPrefix } from '../../../lib/analytics/datasets';
import { isoTime, mapEvent, rowsFromEvent } from '../../../lib/analytics/rows';
import { syntheticEvents } from '../../../lib/analytics/synthetic';
import type { BusEvent } from '../../../lib/ports/bus';
import { CallRecord } from '../../../lib/telephony/call-records';

const call = CallRecord.parse({
  callId: 'call_1',
  instanceId: 'in_1',
  campaignId: 'cmp_1',
  jobId: 'job_1',
  attempt: 2,
  caller: '+12065550100',
  callee: '+12065550123',
  dialledAt: '2026-01-05T23:59:30.000Z',
  answeredAt: '2026-01-06T00:00:01.000Z',
  endedAt: '2026-01-06T00:01:00.000Z',
  ringSeconds: 31,
  talkSeconds: 59,
  turns: 2,
  answered: true,
  completed: true,
  hangupParty: 'person',
  hangupNode: 'confirm',
  hangupReason: 'person',
  status: 'Succeeded',
  sipCode: 200,
  tags: { interest: 'high' },
});

const callFinished = (detail: Record<string, unknown> = {}): BusEvent => ({
  id: 'evt_1',
  source: 'reachout',
  detailType: 'CallFinished',
  time: '2026-01-06T00:01:01.000Z',
  detail: {
    eventId: 'evt_1',
    instanceId: 'in_1',
    campaignId: 'cmp_1',
    jobId: 'job_1',
    callId: 'call_1',
    call,
    turns: [
      { callId: 'call_1', index: 0, time: '2026-01-06T00:00:05.000Z', nodeId: 'greeting', prompt: 'Hello', userText: 'yes', intent: 'yes', score: 0.93, recognizer: 'lex', outcome: 'matched' },
      { callId: 'call_1', index: 1, time: '2026-01-06T00:00:30.000Z', nodeId: 'confirm', prompt: 'Sure?', outcome: 'silence' },
    ],
    intentGrade: 'A',
    ...detail,
  },
});

describe('rowsFromEvent', () => {
  it('gives a CallFinished one calls row, one turns row per turn (in the call\u2019s day partition) and its events row', () => {
    const rows = rowsFromEvent(callFinished());
    expect(rows.map((r) => r.dataset)).toEqual(['events', 'calls', 'turns', 'turns']);
    const calls = rows.find((r) => r.dataset === 'calls')!.row;
    expect(calls).toMatchObject({
      call_id: 'call_1',
      campaign_id: 'cmp_1',
      attempt: 2,
      dialled_at: '2026-01-05T23:59:30.000Z',
      answered: true,
      hangup_party: 'person',
      sip_code: 200,
      user_turns: 1,
      intent_grade: 'A',
      tags: { interest: 'high' },
      event_id: 'evt_1',
      instance_id: 'in_1',
      // The call was dialled on the 5th: the call and all its turns go to that day, whatever the event time.
      dt: '2026-01-05',
    });
    const turns = rows.filter((r) => r.dataset === 'turns').map((r) => r.row);
    expect(turns.map((t) => [t.dt, t.turn_index, t.intent, t.recognizer, t.outcome])).toEqual([
      ['2026-01-05', 0, 'yes', 'lex', 'matched'],
      ['2026-01-05', 1, null, null, 'silence'],
    ]);
    const events = rows.find((r) => r.dataset === 'events')!.row;
    expect(events).toMatchObject({ event_id: 'evt_1', detail_type: 'CallFinished', call_id: 'call_1', dt: '2026-01-06' });
    expect(JSON.parse(events.detail as string)).toMatchObject({ callId: 'call_1' });
  });

  it('reads an EventBridge envelope the same way, taking the stable id from detail.eventId', () => {
    const bus = callFinished();
    const envelope = { version: '0', id: 'eventbridge-own-id', 'detail-type': 'CallFinished', source: 'reachout', time: '2026-01-06T00:01:01Z', detail: bus.detail };
    expect(rowsFromEvent(envelope)).toEqual(rowsFromEvent(bus));
  });

  it('reports a CallFinished without the CallRecord as a problem but still gives the events row', () => {
    const { rows, problems } = mapEvent(callFinished({ call: undefined }));
    expect(rows.map((r) => r.dataset)).toEqual(['events']);
    expect(problems).toEqual([expect.objectContaining({ dataset: 'calls', message: expect.stringContaining('detail.call') })]);
  });

  it('reports a malformed turn and keeps the others', () => {
    const { rows, problems } = mapEvent(callFinished({ turns: [{ callId: 'call_1', index: 0, time: 'x', nodeId: 'n', outcome: 'matched' }, { index: 'bad' }] }));
    expect(rows.filter((r) => r.dataset === 'turns')).toHaveLength(1);
    expect(problems).toEqual([expect.objectContaining({ dataset: 'turns', message: expect.stringContaining('detail.turns[1]') })]);
  });

  it('maps a JobComplete in seed 002\u2019s shape (contacts[], extras[], tasks[], epoch eventTime) defensively', () => {
    const rows = rowsFromEvent({
      id: 'evt_j',
      source: 'reachout',
      detailType: 'JobComplete',
      time: '2026-01-07T10:00:00.000Z',
      detail: {
        eventId: 'evt_j',
        instanceId: 'in_1',
        groupId: 'cmp_1',
        id: 'job_9',
        status: 'Failed',
        failureReason: 'NoAnswer',
        extras: [{ key: 'custom', value: 'aaa' }],
        contacts: [{ id: 'c1', name: 'Ann', phoneNumber: '+12065550199', referenceId: 'r-9' }],
        tasks: [
          { callId: 'call_a', status: 'NoAnswer' },
          { callId: 'call_b', status: 'Busy' },
        ],
      },
    });
    expect(rows.find((r) => r.dataset === 'jobs')!.row).toMatchObject({
      job_id: 'job_9',
      campaign_id: 'cmp_1',
      status: 'Failed',
      failure_reason: 'NoAnswer',
      attempts: 2,
      phone: '+12065550199',
      contact_name: 'Ann',
      reference_id: 'r-9',
      last_call_id: 'call_b',
      last_call_status: 'Busy',
      extras: { custom: 'aaa' },
      tags: null,
      completed_at: '2026-01-07T10:00:00.000Z',
      instance_id: 'in_1',
      dt: '2026-01-07',
    });
  });

  it('maps today\u2019s JobComplete (contact, attempts, tags) and one nested under detail.job', () => {
    const detail = { instanceId: 'in_1', campaignId: 'cmp_1', jobId: 'job_1', status: 'Succeeded', contact: { phone: '+12065550123', name: 'Bo' }, attempts: 3, tags: { a: 'b' }, intentGrade: 'B' };
    const flat = rowsFromEvent({ id: 'e', source: 'reachout', detailType: 'JobComplete', time: '2026-01-07T10:00:00Z', detail });
    const nested = rowsFromEvent({ id: 'e', source: 'reachout', detailType: 'JobComplete', time: '2026-01-07T10:00:00Z', detail: { instanceId: 'in_1', job: detail } });
    const expected = { job_id: 'job_1', phone: '+12065550123', contact_name: 'Bo', attempts: 3, tags: { a: 'b' }, intent_grade: 'B' };
    expect(flat.find((r) => r.dataset === 'jobs')!.row).toMatchObject(expected);
    expect(nested.find((r) => r.dataset === 'jobs')!.row).toMatchObject(expected);
  });

  it('rejects events without a usable instance id (the partition key) instead of writing them anywhere', () => {
    for (const instanceId of [undefined, '', 'a/b', '../x']) {
      const { rows, problems } = mapEvent({ id: 'e', source: 'reachout', detailType: 'Dialing', time: '2026-01-07T10:00:00Z', detail: { instanceId } });
      expect(rows).toEqual([]);
      expect(problems[0]!.dataset).toBe('events');
    }
  });

  it('always produces rows that satisfy their dataset schema, whatever the detail (fuzzed)', () => {
    fc.assert(
      fc.property(fc.constantFrom('CallFinished', 'JobComplete', 'Dialing'), fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 })), (detailType, junk) => {
        const { rows } = mapEvent({ id: 'e', source: 'reachout', detailType, time: '2026-01-07T10:00:00Z', detail: { ...junk, instanceId: 'in_1' } });
        for (const r of rows) expect(DATASET_SCHEMAS[r.dataset].safeParse(r.row).success).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('maps every synthetic event without a problem', () => {
    for (const event of syntheticEvents({ jobs: 200, seed: 7 })) expect(mapEvent(event).problems).toEqual([]);
  });
});

describe('isoTime', () => {
  it('normalizes ISO strings and epoch milliseconds to ISO 8601 UTC', () => {
    expect(isoTime('2026-01-06T00:01:01Z')).toBe('2026-01-06T00:01:01.000Z');
    expect(isoTime('2026-01-06T02:01:01+02:00')).toBe('2026-01-06T00:01:01.000Z');
    expect(isoTime(1588850490334)).toBe('2020-05-07T11:21:30.334Z');
    expect(isoTime('nope')).toBeNull();
    expect(isoTime(undefined)).toBeNull();
  });
});

describe('dataset columns', () => {
  it('come from the zod schemas, partition keys last and out of the files', () => {
    expect(datasetColumns('turns').slice(-2).map((c) => [c.name, c.partition])).toEqual([
      ['instance_id', true],
      ['dt', true],
    ]);
    expect(fileColumns('calls').map((c) => c.name)).not.toContain('dt');
    expect(fileColumns('calls').find((c) => c.name === 'tags')!.type).toBe('map<string,string>');
    expect(fileColumns('calls').find((c) => c.name === 'attempt')!.type).toBe('int');
    expect(fileColumns('turns').find((c) => c.name === 'score')!.type).toBe('double');
    expect(datasetColumns('calls').find((c) => c.name === 'call_id')!.required).toBe(true);
    expect(datasetColumns('calls').every((c) => c.description.length > 0)).toBe(true);
  });

  it('lay partitions out as instance_id=<id>/dt=<day>/', () => {
    expect(partitionPrefix('calls', 'in_1', '2026-01-05')).toBe('analytics/calls/instance_id=in_1/dt=2026-01-05/');
  });
});
