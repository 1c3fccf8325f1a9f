import { describe, it, expect } from 'vitest';
import type { SQSEvent } from 'aws-lambda';
import { ManualClock } from '../../lib/ports/clock';
import { FastClock } from '../../local/clock';
import { LocalQueue, LocalQueueError } from '../../local/queue';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('LocalQueue', () => {
  it('delivers a message once until its visibility timeout passes, then again with a higher receive count', async () => {
    const clock = new ManualClock();
    const q = new LocalQueue({ name: 'q', clock, visibilityTimeoutSeconds: 30 });
    await q.send({ body: 'hello', attributes: { kind: 'greeting' } });

    const [first] = await q.receive();
    expect(first).toMatchObject({ body: 'hello', receiveCount: 1, attributes: { kind: 'greeting' } });
    expect(await q.receive()).toEqual([]);
    expect(q.stats()).toEqual({ visible: 0, inFlight: 1, delayed: 0 });

    clock.advance(29_999);
    expect(await q.receive()).toEqual([]);
    clock.advance(1);
    const [second] = await q.receive();
    expect(second).toMatchObject({ id: first!.id, receiveCount: 2 });
    expect(second!.receiptHandle).not.toBe(first!.receiptHandle);
  });

  it('ignores a stale receipt handle after redelivery and deletes with the current one', async () => {
    const clock = new ManualClock();
    const q = new LocalQueue({ name: 'q', clock, visibilityTimeoutSeconds: 10 });
    await q.send({ body: 'x' });
    const [first] = await q.receive();
    clock.advance(10_000);
    const [second] = await q.receive();

    expect(await q.delete(first!.receiptHandle)).toBe(false);
    expect(q.stats().inFlight).toBe(1);
    expect(await q.delete(second!.receiptHandle)).toBe(true);
    expect(q.stats()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('moves a message to the dead-letter queue when its receive count would exceed maxReceiveCount', async () => {
    const clock = new ManualClock();
    const dlq = new LocalQueue({ name: 'dlq', clock });
    const q = new LocalQueue({ name: 'q', clock, visibilityTimeoutSeconds: 1, maxReceiveCount: 3, deadLetter: dlq });
    await q.send({ body: 'poison' });

    for (let i = 1; i <= 3; i++) {
      const [m] = await q.receive();
      expect(m!.receiveCount).toBe(i);
      clock.advance(1000);
    }
    expect(await q.receive()).toEqual([]);
    expect(q.stats()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    const [dead] = await dlq.receive();
    expect(dead).toMatchObject({ body: 'poison', receiveCount: 1 });
  });

  it('keeps a delayed message invisible until its delay has passed on the clock', async () => {
    const clock = new ManualClock();
    const q = new LocalQueue({ name: 'q', clock });
    await q.send({ body: 'later', delaySeconds: 60 });
    expect(q.stats()).toEqual({ visible: 0, inFlight: 0, delayed: 1 });
    expect(await q.receive()).toEqual([]);
    clock.advance(60_000);
    expect((await q.receive()).map((m) => m.body)).toEqual(['later']);
  });

  it('refuses a delay above the maximum and a body above the size limit', async () => {
    const clock = new ManualClock();
    const q = new LocalQueue({ name: 'q', clock });
    await expect(q.send({ body: 'x', delaySeconds: 901 })).rejects.toBeInstanceOf(LocalQueueError);
    await expect(q.send({ body: 'x'.repeat(256 * 1024 + 1) })).rejects.toMatchObject({ code: 'MessageTooLong' });
    await expect(q.send({ body: '' })).rejects.toMatchObject({ code: 'InvalidParameterValue' });
  });

  it('fails every entry of a raw batch of more than 10 entries and reports invalid entries one by one', async () => {
    const clock = new ManualClock();
    const q = new LocalQueue({ name: 'q', clock });
    const eleven = Array.from({ length: 11 }, (_, i) => ({ body: `m${i}` }));
    const tooMany = q.sendMessageBatch(eleven);
    expect(tooMany.failed).toHaveLength(11);
    expect(tooMany.failed[0]!.reason).toMatch(/TooManyEntriesInBatchRequest/);

    const mixed = q.sendMessageBatch([{ body: 'ok' }, { body: 'bad', delaySeconds: -1 }, { body: 'x'.repeat(200_000) }]);
    expect(mixed.failed.map((f) => f.index)).toEqual([1]);
    expect(q.stats().visible).toBe(2);

    const tooLong = q.sendMessageBatch([{ body: 'x'.repeat(200_000) }, { body: 'y'.repeat(100_000) }]);
    expect(tooLong.failed.map((f) => f.reason.split(':')[0])).toEqual(['BatchRequestTooLong', 'BatchRequestTooLong']);
  });

  it('sends any number of messages through sendBatch in chunks of 10, reporting failures by overall index', async () => {
    const clock = new ManualClock();
    const q = new LocalQueue({ name: 'q', clock });
    const messages = Array.from({ length: 25 }, (_, i) => ({ body: `m${i}`, delaySeconds: i === 17 ? 5000 : 0 }));
    const result = await q.sendBatch(messages);
    expect(result.failed.map((f) => f.index)).toEqual([17]);
    expect(q.stats().visible).toBe(24);
  });

  it('receives at most 10 messages and rejects a larger max', async () => {
    const clock = new ManualClock();
    const q = new LocalQueue({ name: 'q', clock });
    await q.sendBatch(Array.from({ length: 15 }, (_, i) => ({ body: `m${i}` })));
    expect(await q.receive({ max: 10 })).toHaveLength(10);
    expect(await q.receive({ max: 10 })).toHaveLength(5);
    await expect(q.receive({ max: 11 })).rejects.toMatchObject({ code: 'InvalidParameterValue' });
  });

  it('makes a message visible again at once with changeVisibility(0) and reports a stale handle as false', async () => {
    const clock = new ManualClock();
    const q = new LocalQueue({ name: 'q', clock, visibilityTimeoutSeconds: 30 });
    await q.send({ body: 'x' });
    const [m] = await q.receive();
    expect(await q.changeVisibility(m!.receiptHandle, 0)).toBe(true);
    const [again] = await q.receive();
    expect(again!.receiveCount).toBe(2);
    expect(await q.changeVisibility(m!.receiptHandle, 10)).toBe(false);
    expect(await q.changeVisibility(again!.receiptHandle, 120)).toBe(true);
    clock.advance(60_000);
    expect(await q.receive()).toEqual([]);
  });

  it('long-polls on the clock until a message arrives', async () => {
    const clock = new ManualClock();
    const q = new LocalQueue({ name: 'q', clock });
    const pending = q.receive({ waitSeconds: 20 });
    await flush();
    await q.send({ body: 'late' });
    expect((await pending).map((m) => m.body)).toEqual(['late']);

    const empty = q.receive({ waitSeconds: 20 });
    clock.advance(20_000);
    expect(await empty).toEqual([]);
  });
});

describe('LocalQueue.consume', () => {
  it('deletes successful messages and redelivers only the reported batch item failures after the visibility timeout', async () => {
    const clock = new ManualClock();
    const q = new LocalQueue({ name: 'q', clock, visibilityTimeoutSeconds: 30 });
    const seen: string[][] = [];
    const consumer = q.consume(
      async (event: SQSEvent) => {
        seen.push(event.Records.map((r) => `${r.body}#${r.attributes.ApproximateReceiveCount}`));
        const failures = event.Records.filter((r) => r.body === 'b' && r.attributes.ApproximateReceiveCount === '1');
        return { batchItemFailures: failures.map((r) => ({ itemIdentifier: r.messageId })) };
      },
      { batchSize: 10 },
    );
    await q.sendBatch([{ body: 'a' }, { body: 'b' }, { body: 'c' }]);
    await q.idle();
    expect(seen).toEqual([['a#1', 'b#1', 'c#1']]);
    expect(q.stats()).toEqual({ visible: 0, inFlight: 1, delayed: 0 });

    clock.advance(30_000);
    await q.drain();
    expect(seen).toEqual([['a#1', 'b#1', 'c#1'], ['b#2']]);
    await consumer.stop();
  });

  it('leaves the whole batch when the handler throws, until it reaches the dead-letter queue', async () => {
    const clock = new ManualClock();
    const dlq = new LocalQueue({ name: 'dlq', clock });
    const q = new LocalQueue({ name: 'q', clock, visibilityTimeoutSeconds: 10, maxReceiveCount: 2, deadLetter: dlq });
    let calls = 0;
    const consumer = q.consume(async () => {
      calls++;
      throw new Error('boom');
    });
    await q.sendBatch([{ body: 'x' }, { body: 'y' }]);
    await q.idle();
    expect(q.stats().inFlight).toBe(2);
    clock.advance(10_000);
    await q.idle();
    clock.advance(10_000);
    await q.drain();
    expect(calls).toBe(2);
    expect(dlq.peek().map((m) => m.body).sort()).toEqual(['x', 'y']);
    const [record] = await dlq.receive();
    expect(record).toBeDefined();
    await consumer.stop();
  });

  it('treats an unknown itemIdentifier as a failure of the whole batch, as Lambda does', async () => {
    const clock = new ManualClock();
    const q = new LocalQueue({ name: 'q', clock, visibilityTimeoutSeconds: 5 });
    const consumer = q.consume(async () => ({ batchItemFailures: [{ itemIdentifier: 'nope' }] }));
    await q.sendBatch([{ body: 'x' }, { body: 'y' }]);
    await q.idle();
    expect(q.stats().inFlight).toBe(2);
    await consumer.stop();
  });

  it('builds SQS event records with the queue ARN, receive count, attributes and body digest', async () => {
    const clock = new ManualClock();
    const q = new LocalQueue({ name: 'dial', clock });
    let event: SQSEvent | undefined;
    let remaining = 0;
    const consumer = q.consume(
      async (e, context) => {
        event = e;
        remaining = context.getRemainingTimeInMillis();
      },
      { functionName: 'dialer', timeoutSeconds: 60 },
    );
    await q.send({ body: 'hello', attributes: { campaignId: 'c1' } });
    await q.drain();
    const record = event!.Records[0]!;
    expect(record).toMatchObject({
      body: 'hello',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:local:000000000000:dial',
      md5OfBody: '5d41402abc4b2a76b9719d911017c592',
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(clock.now()) },
      messageAttributes: { campaignId: { stringValue: 'c1', dataType: 'String' } },
    });
    expect(remaining).toBe(60_000);
    await consumer.stop();
  });

  it('runs batches in parallel up to the concurrency and stops on abort', async () => {
    const clock = new ManualClock();
    const q = new LocalQueue({ name: 'q', clock });
    const controller = new AbortController();
    let active = 0;
    let peak = 0;
    const release: (() => void)[] = [];
    const consumer = q.consume(
      async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise<void>((resolve) => release.push(resolve));
        active--;
      },
      { batchSize: 1, concurrency: 3, signal: controller.signal },
    );
    await q.sendBatch(Array.from({ length: 5 }, (_, i) => ({ body: `m${i}` })));
    while (release.length < 3) await flush();
    expect(peak).toBe(3);
    while (release.length > 0 || q.stats().visible > 0) {
      release.shift()?.();
      await flush();
    }
    await q.drain();
    controller.abort();
    await consumer.done;
    expect(peak).toBe(3);
  });
});

describe('LocalQueue on a FastClock', () => {
  it('redelivers a failed message after the visibility timeout measured on the fast clock', async () => {
    const clock = new FastClock({ speed: 1000 });
    const q = new LocalQueue({ name: 'q', clock, visibilityTimeoutSeconds: 30 });
    const counts: number[] = [];
    const consumer = q.consume(async (event) => {
      const record = event.Records[0]!;
      counts.push(Number(record.attributes.ApproximateReceiveCount));
      if (counts.length === 1) return { batchItemFailures: [{ itemIdentifier: record.messageId }] };
    });
    await q.send({ body: 'x' });
    // 30 s of clock time is 30 ms of wall time at speed 1000.
    await q.drain();
    expect(counts).toEqual([1, 2]);
    await consumer.stop();
  });
});
