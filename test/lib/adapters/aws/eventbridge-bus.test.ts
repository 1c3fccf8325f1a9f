import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventBridgeBus, entrySize } from '../../../../lib/adapters/aws/eventbridge-bus';
import type { BusEvent } from '../../../../lib/ports/bus';

const eb = mockClient(EventBridgeClient);
let sleeps: number[];
const bus = (maxAttempts?: number) =>
  new EventBridgeBus({ busName: 'reachout', client: eb as unknown as EventBridgeClient, sleep: async (ms) => void sleeps.push(ms), maxAttempts });
const event = (i: number, detail: Record<string, unknown> = { jobId: `J${i}` }): BusEvent => ({
  id: `E${i}`,
  source: 'reachout',
  detailType: 'CallFinished',
  detail,
  time: '2026-01-05T09:00:00.000Z',
});
type Input = { Entries: PutEventsRequestEntry[] };
const detailOf = (e: PutEventsRequestEntry) => JSON.parse(e.Detail!) as { eventId: string };

beforeEach(() => {
  eb.reset();
  sleeps = [];
});

describe('EventBridgeBus', () => {
  it('maps an event to a PutEvents entry whose detail carries the event id', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'x' }] });
    const e = { ...event(1, { jobId: 'J1', status: 'Finished' }), resources: ['arn:aws:chime:x'] };
    expect(await bus().publish([e])).toEqual({ failed: [] });
    expect(eb.commandCalls(PutEventsCommand)[0]!.args[0].input).toEqual({
      Entries: [
        {
          EventBusName: 'reachout',
          Source: 'reachout',
          DetailType: 'CallFinished',
          Detail: JSON.stringify({ jobId: 'J1', status: 'Finished', eventId: 'E1' }),
          Time: new Date('2026-01-05T09:00:00.000Z'),
          Resources: ['arn:aws:chime:x'],
        },
      ],
    });
  });

  it('publishes in chunks of 10 entries and of at most 256 KB', async () => {
    eb.on(PutEventsCommand).callsFake((input: Input) => ({ FailedEntryCount: 0, Entries: input.Entries.map(() => ({ EventId: 'x' })) }));
    await bus().publish(Array.from({ length: 21 }, (_, i) => event(i)));
    const big = 'y'.repeat(100 * 1024);
    await bus().publish([event(1, { big }), event(2, { big }), event(3, { big })]);
    const sizes = eb.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries!.length);
    expect(sizes).toEqual([10, 10, 1, 2, 1]);
    for (const call of eb.commandCalls(PutEventsCommand)) {
      expect(call.args[0].input.Entries!.reduce((n, e) => n + entrySize(e), 0)).toBeLessThanOrEqual(256 * 1024);
    }
  });

  it('retries the entries that failed until they are accepted', async () => {
    eb.on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ EventId: 'a' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow' }, { EventId: 'c' }] })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'b' }] });
    expect(await bus().publish([event(0), event(1), event(2)])).toEqual({ failed: [] });
    const retry = eb.commandCalls(PutEventsCommand)[1]!.args[0].input.Entries!;
    expect(retry.map(detailOf).map((d) => d.eventId)).toEqual(['E1']);
    expect(sleeps).toHaveLength(1);
  });

  it('reports entries still failing after the retries, and permanent failures at once', async () => {
    eb.on(PutEventsCommand).callsFake((input: Input) => {
      const entries = input.Entries.map((e) => {
        const id = detailOf(e).eventId;
        if (id === 'E0') return { ErrorCode: 'MalformedDetail', ErrorMessage: 'bad json' };
        if (id === 'E2') return { ErrorCode: 'InternalFailure', ErrorMessage: 'boom' };
        return { EventId: 'ok' };
      });
      return { FailedEntryCount: entries.filter((e) => 'ErrorCode' in e).length, Entries: entries };
    });
    const events = [event(0), event(1), event(2)];
    const result = await bus(3).publish(events);
    expect(result).toEqual({
      failed: [
        { event: events[0], reason: 'MalformedDetail: bad json' },
        { event: events[2], reason: 'InternalFailure: boom' },
      ],
    });
    expect(eb.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries!.length)).toEqual([3, 1, 1]);
  });

  it('retries a throttled call, and reports the events of a refused one without retrying it', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    eb.on(PutEventsCommand).rejectsOnce(throttled).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'x' }] });
    expect(await bus().publish([event(0)])).toEqual({ failed: [] });
    eb.reset();
    eb.on(PutEventsCommand).rejects(Object.assign(new Error('nope'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));
    const events = [event(0), event(1)];
    expect(await bus().publish(events)).toEqual({
      failed: events.map((e) => ({ event: e, reason: 'AccessDeniedException: nope' })),
    });
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it('goes on with the next request when one is refused as a whole', async () => {
    const refused = Object.assign(new Error('bad'), { name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    eb.on(PutEventsCommand)
      .rejectsOnce(refused)
      .callsFake((input: Input) => ({ FailedEntryCount: 0, Entries: input.Entries.map(() => ({ EventId: 'x' })) }));
    const events = Array.from({ length: 12 }, (_, i) => event(i));
    const result = await bus().publish(events);
    expect(result.failed.map((f) => f.event.id)).toEqual(events.slice(0, 10).map((e) => e.id));
    expect(eb.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries!.length)).toEqual([10, 2]);
  });

  it('reports an entry over 256 KB without sending it, and publishes the others', async () => {
    eb.on(PutEventsCommand).callsFake((input: Input) => ({ FailedEntryCount: 0, Entries: input.Entries.map(() => ({ EventId: 'x' })) }));
    const huge = event(1, { big: 'z'.repeat(257 * 1024) });
    const result = await bus().publish([event(0), huge, event(2)]);
    expect(result.failed).toEqual([{ event: huge, reason: expect.stringMatching(/^EntryTooLarge/) }]);
    const sent = eb.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries!.map(detailOf).map((d) => d.eventId));
    expect(sent).toEqual(['E0', 'E2']);
  });

  it('backs off between retries of the failed entries, with a growing ceiling', async () => {
    eb.on(PutEventsCommand).callsFake((input: Input) => ({
      FailedEntryCount: input.Entries.length,
      Entries: input.Entries.map(() => ({ ErrorCode: 'ThrottlingException', ErrorMessage: 'slow' })),
    }));
    const slept: number[] = [];
    const b = new EventBridgeBus({ busName: 'reachout', client: eb as unknown as EventBridgeClient, sleep: async (ms) => void slept.push(ms), random: () => 0.999 });
    const result = await b.publish([event(0)]);
    expect(result.failed).toEqual([{ event: event(0), reason: 'ThrottlingException: slow' }]);
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(6);
    expect(slept).toEqual([49, 99, 199, 399, 799]);
  });

  it('leaves the time to EventBridge when the event time is not a date', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'x' }] });
    await bus().publish([{ ...event(0), time: 'not a date' }]);
    expect(eb.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!.Time).toBeUndefined();
  });

  it('publishes nothing for an empty list', async () => {
    expect(await bus().publish([])).toEqual({ failed: [] });
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(0);
  });
});
