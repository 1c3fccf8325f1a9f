import { SQSClient, SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SqsQueue } from '../../../../lib/adapters/aws/sqs-queue';
import { AdapterError } from '../../../../lib/core/errors';
import type { OutgoingMessage } from '../../../../lib/ports/queue';

const sqs = mockClient(SQSClient);
const URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/dial';
let sleeps: number[];
const queue = (maxAttempts?: number) =>
  new SqsQueue({ queueUrl: URL, client: sqs as unknown as SQSClient, sleep: async (ms) => void sleeps.push(ms), maxAttempts });
const messages = (n: number): OutgoingMessage[] => Array.from({ length: n }, (_, i) => ({ body: `{"n":${i}}` }));
type BatchInput = { Entries: { Id: string }[] };

beforeEach(() => {
  sqs.reset();
  sleeps = [];
});

describe('SqsQueue', () => {
  it('sends one message with its delay and string attributes', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
    await queue().send({ body: 'hello', delaySeconds: 30, attributes: { kind: 'dial' } });
    expect(sqs.commandCalls(SendMessageCommand)[0]!.args[0].input).toEqual({
      QueueUrl: URL,
      MessageBody: 'hello',
      DelaySeconds: 30,
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'dial' } },
    });
  });

  it('throws an AdapterError when a single send fails', async () => {
    sqs.on(SendMessageCommand).rejects(Object.assign(new Error('no such queue'), { name: 'QueueDoesNotExist' }));
    await expect(queue().send({ body: 'x' })).rejects.toBeInstanceOf(AdapterError);
  });

  it('sends batches of 10 with ids unique in each batch and reports nothing when all succeed', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    expect(await queue().sendBatch(messages(23))).toEqual({ failed: [] });
    const batches = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input);
    expect(batches.map((b) => b.Entries!.length)).toEqual([10, 10, 3]);
    expect(batches[2]).toEqual({
      QueueUrl: URL,
      Entries: [
        { Id: 'm20', MessageBody: '{"n":20}' },
        { Id: 'm21', MessageBody: '{"n":21}' },
        { Id: 'm22', MessageBody: '{"n":22}' },
      ],
    });
  });

  it('starts a new batch before the payload passes 256 KiB', async () => {
    sqs.on(SendMessageBatchCommand).resolves({});
    const big = 'x'.repeat(100 * 1024);
    await queue().sendBatch([{ body: big }, { body: big }, { body: big }, { body: 'small' }]);
    expect(sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries!.length)).toEqual([2, 2]);
  });

  it('retries entries that failed on the service side until they are sent', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Failed: [{ Id: 'm1', SenderFault: false, Code: 'InternalError', Message: 'try again' }] })
      .resolves({ Failed: [] });
    expect(await queue().sendBatch(messages(3))).toEqual({ failed: [] });
    const retried = sqs.commandCalls(SendMessageBatchCommand)[1]!.args[0].input.Entries!;
    expect(retried).toEqual([{ Id: 'm1', MessageBody: '{"n":1}' }]);
    expect(sleeps).toHaveLength(1);
  });

  it("reports the sender's faults by original index without retrying them, and the service's faults once retries run out", async () => {
    sqs.on(SendMessageBatchCommand).callsFake((input: BatchInput) => ({
      Failed: input.Entries.filter((e) => e.Id === 'm12' || e.Id === 'm14').map((e) =>
        e.Id === 'm12'
          ? { Id: e.Id, SenderFault: true, Code: 'InvalidMessageContents', Message: 'bad char' }
          : { Id: e.Id, SenderFault: false, Code: 'InternalError', Message: 'oops' },
      ),
    }));
    const result = await queue(3).sendBatch(messages(15));
    expect(result).toEqual({
      failed: [
        { index: 12, reason: 'InvalidMessageContents: bad char' },
        { index: 14, reason: 'InternalError: oops' },
      ],
    });
    // Batch 1 once; batch 2 once with 5 entries, then twice more with the one retryable entry.
    expect(sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries!.map((e) => e.Id).join(','))).toEqual([
      'm0,m1,m2,m3,m4,m5,m6,m7,m8,m9',
      'm10,m11,m12,m13,m14',
      'm14',
      'm14',
    ]);
  });

  it('retries a throttled batch call and reports its entries when it keeps failing', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'RequestThrottled', $metadata: { httpStatusCode: 403 } });
    sqs.on(SendMessageBatchCommand).rejects(throttled);
    const result = await queue(2).sendBatch(messages(2));
    expect(result.failed.map((f) => f.index)).toEqual([0, 1]);
    expect(result.failed[0]!.reason).toContain('Rate exceeded');
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(2);
  });

  it('throws an AdapterError when the batch call is refused outright', async () => {
    sqs.on(SendMessageBatchCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    await expect(queue().sendBatch(messages(2))).rejects.toThrow(/SQS SendMessageBatch failed/);
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
  });
});
