import { describe, expect, it } from 'vitest';
import { fileColumns } from '../../../lib/analytics/datasets';
import { deliveryInputTemplate, transformRecord } from '../../../lib/analytics/firehose';
import { syntheticEvents } from '../../../lib/analytics/synthetic';
import type { BusEvent } from '../../../lib/ports/bus';
import { handler } from '../../../functions/analytics-transform';

/** What EventBridge hands Firehose: the input template filled with the whole event. */
const envelopeOf = (e: BusEvent) => ({ version: '0', id: 'eb-id', 'detail-type': e.detailType, source: e.source, account: '1', time: e.time, region: 'us-east-1', resources: [], detail: e.detail });
const recordOf = (dataset: string, e: BusEvent, recordId = 'r1') => ({
  recordId,
  data: Buffer.from(deliveryInputTemplate(dataset as never).replace('<aws.events.event.json>', JSON.stringify(envelopeOf(e)))).toString('base64'),
});
const decode = (data: string) =>
  Buffer.from(data, 'base64')
    .toString('utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const events = [...syntheticEvents({ jobs: 5, seed: 9 })];
const answered = events.find((e) => e.detailType === 'CallFinished' && (e.detail.turns as unknown[]).length > 1)!;
const unanswered = events.find((e) => e.detailType === 'CallFinished' && (e.detail.turns as unknown[]).length === 0)!;

describe('transformRecord (Firehose transformation)', () => {
  it('turns a CallFinished into one calls row with its partition keys, as JSON of the file columns only', () => {
    const out = transformRecord(recordOf('calls', answered));
    expect(out.result).toBe('Ok');
    expect(out.metadata!.partitionKeys).toEqual({ instance_id: answered.detail.instanceId, dt: (answered.detail.call as { dialledAt: string }).dialledAt.slice(0, 10) });
    const rows = decode(out.data);
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0]!)).toEqual(fileColumns('calls').map((c) => c.name));
    expect(rows[0]).toMatchObject({ call_id: (answered.detail.call as { callId: string }).callId });
  });

  it('explodes a CallFinished into one turns row per turn, all in the call\u2019s partition, in one record', () => {
    const out = transformRecord(recordOf('turns', answered));
    expect(out.result).toBe('Ok');
    const rows = decode(out.data);
    expect(rows.map((r) => r.turn_index)).toEqual((answered.detail.turns as { index: number }[]).map((t) => t.index));
    expect(rows.every((r) => !('dt' in r) && !('instance_id' in r))).toBe(true);
  });

  it('drops a record with no row for its dataset (a call without turns), and fails malformed ones so Firehose keeps them', () => {
    expect(transformRecord(recordOf('turns', unanswered)).result).toBe('Dropped');
    expect(transformRecord({ recordId: 'x', data: Buffer.from('not json').toString('base64') }).result).toBe('ProcessingFailed');
    expect(transformRecord({ recordId: 'x', data: Buffer.from('{"dataset":"nope","event":{}}').toString('base64') }).result).toBe('ProcessingFailed');
    const noCall = { ...answered, detail: { ...answered.detail, call: undefined } };
    const failed = transformRecord(recordOf('calls', noCall));
    expect(failed).toMatchObject({ recordId: 'r1', result: 'ProcessingFailed' });
    // Firehose writes the original record under the error prefix: the data is given back unchanged.
    expect(failed.data).toBe(recordOf('calls', noCall).data);
  });

  it('answers every record of a batch with its own id (the Lambda handler)', async () => {
    const job = events.find((e) => e.detailType === 'JobComplete')!;
    const result = await handler({ invocationId: 'i', deliveryStreamArn: 'arn', region: 'us-east-1', records: [recordOf('jobs', job, 'a'), recordOf('events', job, 'b')].map((r) => ({ ...r, approximateArrivalTimestamp: 0 })) });
    expect(result.records.map((r) => [r.recordId, r.result])).toEqual([
      ['a', 'Ok'],
      ['b', 'Ok'],
    ]);
    expect(decode(result.records[1]!.data)[0]).toMatchObject({ event_id: job.id, detail_type: 'JobComplete' });
  });
});
