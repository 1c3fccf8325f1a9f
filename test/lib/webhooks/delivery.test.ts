import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../lib/adapters/memory/store';
import { silentLogger } from '../../../lib/core/log';
import { buildEvent } from '../../../lib/events/build';
import { EXAMPLE_INPUTS, exampleEnvelope } from '../../../lib/events/examples';
import { ManualClock } from '../../../lib/ports/clock';
import type { OutgoingMessage } from '../../../lib/ports/queue';
import { handleDeliveryMessage, type DeliveryDeps, type WebhookHttpRequest } from '../../../lib/webhooks/delivery';
import { webhookKeys } from '../../../lib/webhooks/keys';
import {
  createWebhook,
  deleteWebhook,
  listDeadLetters,
  listDeliveries,
  redeliverDeadLetters,
  rotateWebhookSecret,
  setWebhookState,
} from '../../../lib/webhooks/repository';
import { DeliveryTask, WebhookPayload } from '../../../lib/webhooks/schema';
import { verifySignature } from '../../../lib/webhooks/signing';

const H = 3_600_000;

/** A queue that keeps what was sent, to feed it back by hand. */
class Sent {
  readonly messages: OutgoingMessage[] = [];
  async send(m: OutgoingMessage) {
    this.messages.push(m);
  }
  async sendBatch(ms: OutgoingMessage[]) {
    this.messages.push(...ms);
    return { failed: [] };
  }
  take(): OutgoingMessage {
    const m = this.messages.shift();
    if (!m) throw new Error('nothing queued');
    return m;
  }
}

function setup(answer: (r: WebhookHttpRequest, n: number) => number | Error = () => 200) {
  const store = new MemoryStore();
  const clock = new ManualClock();
  const queue = new Sent();
  const posts: WebhookHttpRequest[] = [];
  const deps: DeliveryDeps = {
    store,
    clock,
    queue,
    log: silentLogger,
    random: () => 0.5,
    http: async (r) => {
      posts.push(r);
      const a = answer(r, posts.length);
      if (a instanceof Error) throw a;
      return { status: a };
    },
  };
  const envelope = exampleEnvelope('JobComplete');
  const instanceId = (envelope.detail as { instanceId: string }).instanceId;
  const eventId = (envelope.detail as { eventId: string }).eventId;
  let seq = 0;
  const deliver = (body: unknown, messageId = `m${++seq}`) => handleDeliveryMessage(deps, typeof body === 'string' ? body : JSON.stringify(body), messageId);
  const subscribe = async (url = 'https://crm.example.com/hook', eventTypes: ('JobComplete' | 'CallFinished')[] = ['JobComplete']) =>
    createWebhook(store, instanceId, { url, eventTypes }, { now: clock.now(), local: false });
  return { store, clock, queue, posts, deps, envelope, instanceId, eventId, deliver, subscribe };
}

describe('webhook delivery', () => {
  it('posts a subscribed event once, signed the Standard Webhooks way, and logs it delivered', async () => {
    const t = setup();
    const { webhook, secret } = await t.subscribe();
    await t.subscribe('https://other.example.com/hook', ['CallFinished']);
    await t.deliver(t.envelope);
    expect(t.posts).toHaveLength(1);
    const post = t.posts[0]!;
    expect(post.url).toBe('https://crm.example.com/hook');
    expect(post.headers['webhook-id']).toBe(t.eventId);
    expect(verifySignature(secret, post.headers, post.body, Math.floor(t.clock.now() / 1000))).toEqual({ ok: true });
    const payload = WebhookPayload.parse(JSON.parse(post.body));
    expect(payload).toEqual({ type: 'JobComplete', timestamp: '2026-01-05T09:00:42.000Z', data: t.envelope.detail });
    const log = await listDeliveries(t.store, t.instanceId, webhook.webhookId, {});
    expect(log.items).toEqual([expect.objectContaining({ eventId: t.eventId, status: 'delivered', attempts: 1, lastStatusCode: 200, run: 0 })]);
    expect(t.queue.messages).toEqual([]);
  });

  it('posts nothing for a second copy of the event, but reclaims its own attempt when its message comes back after a crash', async () => {
    const t = setup();
    await t.subscribe();
    let crash = true;
    const realUpdate = t.store.update.bind(t.store);
    // The first handling crashes right after the POST, before the log says delivered.
    t.store.update = async (key, changes, condition) => {
      if (crash && changes.set?.status === 'delivered') {
        crash = false;
        throw new Error('store down');
      }
      return realUpdate(key, changes, condition);
    };
    await expect(t.deliver(t.envelope, 'sqs-1')).rejects.toThrow();
    await t.deliver(t.envelope, 'sqs-1'); // the same SQS message, redelivered
    expect(t.posts).toHaveLength(2);
    await t.deliver(t.envelope, 'sqs-2'); // a duplicate publish of the same event
    await t.deliver(t.envelope, 'sqs-1');
    expect(t.posts).toHaveLength(2);
  });

  it('posts once when two copies of an event are handled at the same time', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const t = setup();
    t.deps.http = async (r) => {
      t.posts.push(r);
      await gate;
      return { status: 200 };
    };
    await t.subscribe();
    const until = async (done: () => boolean) => {
      while (!done()) await new Promise((r) => setImmediate(r));
    };
    const first = t.deliver(t.envelope, 'sqs-a');
    await until(() => t.posts.length === 1);
    // The second copy either gives up at once or (wrongly) posts too; either way the race below ends.
    const second = t.deliver(t.envelope, 'sqs-b');
    await Promise.race([second, until(() => t.posts.length === 2)]);
    release();
    await Promise.all([first, second]);
    expect(t.posts).toHaveLength(1);
  });

  it('retries a failed delivery through the queue with backoff, hopping past SQS delays, until it succeeds', async () => {
    const t = setup((_r, n) => (n < 3 ? 503 : 200));
    const { webhook } = await t.subscribe();
    await t.deliver(t.envelope);
    let message = t.queue.take();
    expect(message.delaySeconds).toBe(8);
    let task = DeliveryTask.parse(JSON.parse(message.body));
    expect(task).toMatchObject({ attempt: 2, run: 0, webhookId: webhook.webhookId, notBefore: t.clock.now() + 7_500 });
    expect((await listDeliveries(t.store, t.instanceId, webhook.webhookId, {})).items[0]).toMatchObject({ status: 'retrying', attempts: 1, lastStatusCode: 503, lastError: 'HTTP 503' });

    // Delivered early (SQS rounds up; clocks differ): it hops without posting.
    t.clock.advance(1_000);
    await t.deliver(message.body);
    expect(t.posts).toHaveLength(1);
    message = t.queue.take();
    expect(message.delaySeconds).toBe(7);

    t.clock.advance(7_000);
    await t.deliver(message.body);
    expect(t.posts).toHaveLength(2);
    message = t.queue.take();
    task = DeliveryTask.parse(JSON.parse(message.body));
    expect(task.attempt).toBe(3);
    t.clock.set(task.notBefore);
    await t.deliver(message.body);
    expect(t.posts).toHaveLength(3);
    expect(t.queue.messages).toEqual([]);
    expect((await listDeliveries(t.store, t.instanceId, webhook.webhookId, {})).items[0]).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 200 });
    // The same retry message delivered again changes nothing.
    await t.deliver(message.body);
    expect(t.posts).toHaveLength(3);
  });

  it('dead-letters after 24 hours of failures, and a redelivery starts a new run that succeeds', async () => {
    let down = true;
    const t = setup(() => (down ? new Error('connect ECONNREFUSED') : 204));
    const { webhook } = await t.subscribe();
    await t.deliver(t.envelope);
    let attempts = 1;
    while (t.queue.messages.length) {
      const message = t.queue.take();
      const task = DeliveryTask.parse(JSON.parse(message.body));
      t.clock.set(task.notBefore);
      await t.deliver(message.body);
      if (t.posts.length > attempts) attempts = t.posts.length;
    }
    expect(attempts).toBeGreaterThan(10);
    const dead = await listDeadLetters(t.store, t.instanceId, webhook.webhookId, {});
    expect(dead.items).toEqual([expect.objectContaining({ eventId: t.eventId, eventType: 'JobComplete', attempts, run: 0, reason: expect.stringMatching(/24 h.*ECONNREFUSED/) })]);
    expect((await listDeliveries(t.store, t.instanceId, webhook.webhookId, {})).items[0]).toMatchObject({ status: 'deadLettered' });
    expect(t.clock.now() - Date.UTC(2026, 0, 5, 9)).toBe(24 * H);

    down = false;
    const result = await redeliverDeadLetters({ store: t.store, queue: t.queue }, t.instanceId, webhook.webhookId, { now: t.clock.now() });
    expect(result).toEqual({ redelivered: [t.eventId], remaining: false });
    expect((await listDeadLetters(t.store, t.instanceId, webhook.webhookId, {})).items).toEqual([]);
    const message = t.queue.take();
    await t.deliver(message.body);
    expect(t.posts.at(-1)!.headers['webhook-id']).toBe(t.eventId);
    expect((await listDeliveries(t.store, t.instanceId, webhook.webhookId, {})).items[0]).toMatchObject({ status: 'delivered', run: 1, attempts: 1 });
    // A message of the old run that turns up late loses its claim.
    await t.deliver(JSON.stringify({ ...JSON.parse(message.body), run: 0, attempt: 2 }));
    expect(t.queue.messages).toEqual([]);
  });

  it('dead-letters deliveries of a paused webhook without posting, for a redelivery after resuming', async () => {
    const t = setup();
    const { webhook } = await t.subscribe();
    await setWebhookState(t.store, t.instanceId, webhook.webhookId, 'paused', t.clock.now());
    await t.deliver(t.envelope);
    expect(t.posts).toEqual([]);
    expect((await listDeadLetters(t.store, t.instanceId, webhook.webhookId, {})).items).toEqual([expect.objectContaining({ reason: 'webhook paused' })]);
    await expect(redeliverDeadLetters({ store: t.store, queue: t.queue }, t.instanceId, webhook.webhookId, { now: t.clock.now() })).rejects.toThrow(/resume/);
    await setWebhookState(t.store, t.instanceId, webhook.webhookId, 'active', t.clock.now());
    await redeliverDeadLetters({ store: t.store, queue: t.queue }, t.instanceId, webhook.webhookId, { now: t.clock.now() });
    await t.deliver(t.queue.take().body);
    expect(t.posts).toHaveLength(1);
  });

  it('signs with the old and the new secret during a rotation, and with the new one only after the grace period', async () => {
    const t = setup();
    const { webhook, secret: oldSecret } = await t.subscribe();
    const { secret: newSecret } = await rotateWebhookSecret(t.store, t.instanceId, webhook.webhookId, 3600, t.clock.now());
    await t.deliver(t.envelope);
    const now = Math.floor(t.clock.now() / 1000);
    const during = t.posts[0]!;
    expect(during.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(verifySignature(newSecret, during.headers, during.body, now)).toEqual({ ok: true });
    expect(verifySignature(oldSecret, during.headers, during.body, now)).toEqual({ ok: true });

    t.clock.advance(3600_000 + 1);
    const rebuilt = buildEvent('JobComplete', { ...EXAMPLE_INPUTS.JobComplete.input, jobId: 'J2' }, { source: 'reachout', time: t.clock.now() });
    await t.deliver({ ...t.envelope, detail: rebuilt.detail });
    const after = t.posts[1]!;
    expect(after.headers['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(verifySignature(oldSecret, after.headers, after.body, Math.floor(t.clock.now() / 1000))).toMatchObject({ ok: false });
  });

  it('drops the retries of a deleted webhook and ignores events of instances without webhooks', async () => {
    const t = setup(() => 500);
    const { webhook } = await t.subscribe();
    await t.deliver(t.envelope);
    await deleteWebhook(t.store, t.instanceId, webhook.webhookId);
    expect(await t.store.get(webhookKeys.delivery(t.instanceId, webhook.webhookId, t.eventId))).toBeUndefined();
    const retry = t.queue.take();
    t.clock.set(DeliveryTask.parse(JSON.parse(retry.body)).notBefore);
    await t.deliver(retry.body);
    expect(t.posts).toHaveLength(1);
    await t.deliver({ ...t.envelope, detail: { ...(t.envelope.detail as object), instanceId: 'nobody' } });
    expect(t.posts).toHaveLength(1);
  });

  it('refuses a message that is neither an event nor a delivery task, so it ends in the dead-letter queue', async () => {
    const t = setup();
    await expect(t.deliver('not json')).rejects.toThrow(/JSON/);
    await expect(t.deliver({ hello: 1 })).rejects.toThrow(/neither/);
  });

  it('prunes delivery log entries older than the retention as new ones arrive', async () => {
    const t = setup();
    const { webhook } = await t.subscribe();
    await t.deliver(t.envelope);
    t.clock.advance(8 * 24 * H);
    const next = buildEvent('JobComplete', { ...EXAMPLE_INPUTS.JobComplete.input, jobId: 'J-next' }, { source: 'reachout', time: t.clock.now() });
    await t.deliver({ ...t.envelope, detail: next.detail });
    const log = await listDeliveries(t.store, t.instanceId, webhook.webhookId, {});
    expect(log.items.map((d) => d.eventId)).toEqual([next.id]);
  });
});
