/**
 * Webhook delivery (SPEC E2): the code behind functions/webhook-delivery.ts, deployed and local alike.
 *
 * The delivery queue receives every Reachout event from a bus rule. For each event the instance's
 * subscriptions are looked up and each matching webhook gets a signed POST (Standard Webhooks). A
 * failed attempt sends a delivery task back to the queue with a delay (SQS delays stop at 15 min,
 * so a longer wait hops through the queue); after 24 h the delivery is dead-lettered into the table,
 * from where the API redelivers it.
 *
 * Each (webhook, event, run) has one delivery item; every attempt first claims it with one
 * conditional write (attempt n needs attempts = n − 1, or = n claimed by this very SQS message after
 * a crash). A duplicate of the event (a second publish, an SQS redelivery of a message already done)
 * loses the claim and sends nothing, so a healthy receiver gets each event once per run.
 */
import { performance } from 'node:perf_hooks';
import { ReachoutError } from '../core/errors';
import type { Logger } from '../core/log';
import type { Clock } from '../ports/clock';
import { isoAt } from '../ports/clock';
import type { Queue } from '../ports/queue';
import type { Condition, Item, Store } from '../ports/store';
import { queryItems } from '../store/indexes';
import { webhookKeys } from './keys';
import { DEFAULT_RETRY_SCHEDULE, nextStep, queueDelaySeconds, type RetrySchedule } from './retry';
import { DeliveryMessage, DeliveryTask, Webhook, type QueuedEnvelope, type WebhookPayload } from './schema';
import { signedHeaders } from './signing';

/** The webhook module's error family. */
export class WebhookError extends ReachoutError {
  override readonly name = 'WebhookError';
  constructor(message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super('WebhookError', message, 500, context, [], options);
  }
}

/** One POST to a receiver. */
export interface WebhookHttpRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

/** The receiver's answer (a network failure or timeout throws instead). */
export interface WebhookHttpResponse {
  status: number;
}

/** The HTTP client port of the delivery: injected so tests can script receivers. */
export type WebhookHttp = (request: WebhookHttpRequest) => Promise<WebhookHttpResponse>;

/** Largest response body read (and discarded) so a chatty receiver cannot hold the function. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/** POSTs with fetch: no redirects followed (a 3xx is a failure), a hard timeout, the body drained up to 64 KB. */
export const fetchHttp: WebhookHttp = async (request) => {
  const response = await fetch(request.url, {
    method: 'POST',
    headers: request.headers,
    body: request.body,
    redirect: 'manual',
    signal: AbortSignal.timeout(request.timeoutMs),
  });
  // Drain a little so the connection can be reused; the content is not used.
  const reader = response.body?.getReader();
  if (reader) {
    let read = 0;
    try {
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) break;
        read += chunk.value.byteLength;
        if (read > MAX_RESPONSE_BYTES) {
          await reader.cancel();
          break;
        }
      }
    } catch (error) {
      // The status is what counts; a body cut short is not a failed delivery.
      void error;
    }
  }
  return { status: response.status };
};

/** What the delivery needs. */
export interface DeliveryDeps {
  store: Store;
  /** The delivery queue (retries are sent back to it). */
  queue: Queue;
  clock: Clock;
  log: Logger;
  http: WebhookHttp;
  /** Jitter source. */
  random?: () => number;
  schedule?: RetrySchedule;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  /** How long delivery log entries are kept (default 7 days); older ones are pruned as new ones arrive. */
  logRetentionMs?: number;
  /** How long dead letters wait for a redelivery (default 30 days). */
  deadLetterRetentionMs?: number;
}

/** Default per-request timeout: receivers should answer fast and work later. */
export const DEFAULT_TIMEOUT_MS = 10_000;
const DAY = 86_400_000;
const TERMINAL = ['delivered', 'deadLettered'];
/** Entries pruned per new log entry: enough to keep up with the arrivals, small enough to stay cheap. */
const PRUNE_BATCH = 10;

/** The body POSTed for an event (Standard Webhooks' recommended `{type, timestamp, data}`). */
export function payloadOf(event: QueuedEnvelope): WebhookPayload {
  const eventTime = typeof event.detail.eventTime === 'number' ? event.detail.eventTime : Date.parse(event.time);
  return { type: event['detail-type'], timestamp: new Date(Number.isNaN(eventTime) ? Date.parse(event.time) : eventTime).toISOString(), data: event.detail };
}

/** Secrets that sign now: the current one and any rotated-out one still in its grace period, newest first. */
export function signingSecrets(webhook: Webhook, now: number): string[] {
  return webhook.secrets.filter((s) => s.expiresAt === undefined || s.expiresAt > now).map((s) => s.secret);
}

/** The subscriptions of an instance. */
export async function listInstanceWebhooks(store: Store, instanceId: string): Promise<Webhook[]> {
  const out: Webhook[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.query({ pk: webhookKeys.webhooks(instanceId), beginsWith: 'WH#', cursor });
    for (const item of page.items) {
      const parsed = Webhook.safeParse(item);
      if (parsed.success) out.push(parsed.data);
    }
    cursor = page.cursor;
  } while (cursor);
  return out;
}

/**
 * Handles one message of the delivery queue: an event from the bus (fan out to the subscriptions)
 * or a delivery task (a retry or a redelivery). Throws when the message must come back (a store or
 * queue failure), never for a receiver's failure, which is retried through the queue instead.
 */
export async function handleDeliveryMessage(deps: DeliveryDeps, body: string, messageId: string): Promise<void> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new WebhookError('delivery message is not JSON', { messageId }, { cause: error });
  }
  const parsed = DeliveryMessage.safeParse(json);
  if (!parsed.success) throw new WebhookError('delivery message matches neither an event nor a delivery task', { messageId, issues: parsed.error.issues.slice(0, 5) });
  const message = parsed.data;
  if ('kind' in message) return handleTask(deps, message, messageId);
  return fanOut(deps, message, messageId);
}

async function fanOut(deps: DeliveryDeps, event: QueuedEnvelope, messageId: string): Promise<void> {
  const instanceId = event.detail.instanceId;
  const eventId = event.detail.eventId;
  if (typeof instanceId !== 'string' || typeof eventId !== 'string') {
    deps.log.warn('event without instanceId or eventId; no webhook to deliver to', { detailType: event['detail-type'] });
    return;
  }
  const type = event['detail-type'];
  const webhooks = (await listInstanceWebhooks(deps.store, instanceId)).filter((w) => (w.eventTypes as string[]).includes(type));
  if (webhooks.length === 0) return;
  const now = deps.clock.now();
  const results = await Promise.allSettled(
    webhooks.map((webhook) =>
      attempt(deps, webhook, { kind: 'webhookDelivery', instanceId, webhookId: webhook.webhookId, run: 0, attempt: 1, firstAttemptAt: now, notBefore: now, event }, messageId),
    ),
  );
  const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failed.length) throw new WebhookError(`delivery of ${eventId} to ${failed.length} webhook(s) must be retried`, { eventId }, { cause: failed[0] });
}

async function handleTask(deps: DeliveryDeps, task: DeliveryTask, messageId: string): Promise<void> {
  const now = deps.clock.now();
  if (task.notBefore > now) {
    // Still waiting: hop through the queue again (SQS delays stop at 15 minutes).
    await deps.queue.send({ body: JSON.stringify(task), delaySeconds: queueDelaySeconds(task.notBefore, now) });
    return;
  }
  const item = await deps.store.get(webhookKeys.webhook(task.instanceId, task.webhookId));
  const webhook = item ? Webhook.safeParse(item) : undefined;
  if (!webhook?.success) {
    deps.log.info('webhook deleted; delivery dropped', { webhookId: task.webhookId, eventId: task.event.detail.eventId });
    return;
  }
  await attempt(deps, webhook.data, task, messageId);
}

/** The conditional claim of attempt `n` of a run (see the module comment). */
function claimCondition(task: DeliveryTask, messageId: string): Condition {
  const live: Condition = { and: [{ eq: ['run', task.run] }, { not: { in: ['status', TERMINAL] } }] };
  const mine: Condition = { and: [{ eq: ['attempts', task.attempt] }, { eq: ['claimedBy', messageId] }] };
  if (task.attempt === 1 && task.run === 0) return { or: [{ notExists: 'pk' }, { and: [live, mine] }] };
  return { and: [live, { or: [{ eq: ['attempts', task.attempt - 1] }, mine] }] };
}

async function attempt(deps: DeliveryDeps, webhook: Webhook, task: DeliveryTask, messageId: string): Promise<void> {
  const { instanceId, webhookId } = task;
  const eventId = String(task.event.detail.eventId);
  const key = webhookKeys.delivery(instanceId, webhookId, eventId);
  const now = deps.clock.now();
  const firstIso = isoAt(task.firstAttemptAt);
  const claimed = await deps.store.update(
    key,
    {
      set: {
        kind: 'webhookDelivery',
        webhookId,
        eventId,
        eventType: task.event['detail-type'],
        run: task.run,
        attempts: task.attempt,
        claimedBy: messageId,
        status: task.attempt === 1 ? 'pending' : 'retrying',
        firstAttemptAt: firstIso,
        lastAttemptAt: isoAt(now),
        nextAttemptAt: undefined,
        gsi1pk: webhookKeys.deliveryLog(instanceId, webhookId),
        gsi1sk: `${firstIso}#${eventId}`,
      },
    },
    claimCondition(task, messageId),
  );
  if (!claimed.ok) {
    deps.log.debug('delivery already handled', { webhookId, eventId, run: task.run, attempt: task.attempt });
    return;
  }
  if (task.attempt === 1) await pruneLog(deps, instanceId, webhookId, now);

  if (webhook.state === 'paused') {
    await deadLetter(deps, task, 'webhook paused', {});
    return;
  }

  const body = JSON.stringify(payloadOf(task.event));
  const headers = {
    ...signedHeaders(signingSecrets(webhook, now), eventId, Math.floor(now / 1000), body),
    'content-type': 'application/json',
    'user-agent': 'Reachout-Webhooks/1',
  };
  const started = performance.now();
  let status: number | undefined;
  let error: string | undefined;
  try {
    status = (await deps.http({ url: webhook.url, headers, body, timeoutMs: deps.timeoutMs ?? DEFAULT_TIMEOUT_MS })).status;
    if (status < 200 || status > 299) error = `HTTP ${status}`;
  } catch (e) {
    error = e instanceof Error ? (e.name === 'TimeoutError' ? 'timed out' : e.message) : String(e);
  }
  const durationMs = Math.max(0, Math.round(performance.now() - started));
  const after = deps.clock.now();
  const outcome = { lastStatusCode: status, lastError: error, lastDurationMs: durationMs };
  const step = nextStep(task, error === undefined, after, deps.schedule ?? DEFAULT_RETRY_SCHEDULE, deps.random ?? Math.random);

  switch (step.kind) {
    case 'delivered':
      await deps.store.update(key, { set: { status: 'delivered', deliveredAt: isoAt(after), ...outcome, lastError: undefined } }, { eq: ['run', task.run] });
      return;
    case 'retry': {
      const next: DeliveryTask = { ...task, attempt: step.attempt, notBefore: step.notBefore };
      // The retry is queued before the log says so: a crash in between repeats this attempt instead of losing the delivery.
      await deps.queue.send({ body: JSON.stringify(next), delaySeconds: queueDelaySeconds(step.notBefore, after) });
      await deps.store.update(key, { set: { status: 'retrying', nextAttemptAt: isoAt(step.notBefore), ...outcome } }, { eq: ['run', task.run] });
      deps.log.info('webhook delivery failed; retrying', { webhookId, eventId, attempt: task.attempt, error });
      return;
    }
    case 'deadLetter':
      await deadLetter(deps, task, `${step.reason}; last error: ${error ?? 'none'}`, outcome);
      return;
  }
}

async function deadLetter(deps: DeliveryDeps, task: DeliveryTask, reason: string, outcome: Record<string, unknown>): Promise<void> {
  const { instanceId, webhookId } = task;
  const eventId = String(task.event.detail.eventId);
  const now = deps.clock.now();
  const at = isoAt(now);
  // The dead letter is written before the log says so: it is what a redelivery reads.
  await deps.store.put({
    ...webhookKeys.deadLetter(instanceId, webhookId, at, eventId),
    kind: 'webhookDeadLetter',
    webhookId,
    eventId,
    eventType: task.event['detail-type'],
    run: task.run,
    attempts: task.attempt,
    reason,
    deadAt: at,
    event: task.event,
  });
  await deps.store.update(
    webhookKeys.delivery(instanceId, webhookId, eventId),
    { set: { status: 'deadLettered', nextAttemptAt: undefined, ...outcome, lastError: reason } },
    { eq: ['run', task.run] },
  );
  deps.log.warn('webhook delivery dead-lettered', { webhookId, eventId, reason });
  await pruneDeadLetters(deps, instanceId, webhookId, now);
}

/** Deletes a few log entries older than the retention; called once per new entry, so the log stays bounded without TTL. */
async function pruneLog(deps: DeliveryDeps, instanceId: string, webhookId: string, now: number): Promise<void> {
  const cutoff = isoAt(now - (deps.logRetentionMs ?? 7 * DAY));
  // The entries' status is read back by key (gsi1 projects a job's fields; `status` is among them only by coincidence);
  // the page is empty, and nothing more is read, unless entries are past the retention.
  const page = await queryItems(deps.store, { index: 'gsi1', pk: webhookKeys.deliveryLog(instanceId, webhookId), le: cutoff, limit: PRUNE_BATCH });
  const old = page.items.filter((i: Item) => i.status === 'delivered' || i.status === 'deadLettered');
  if (old.length) await deps.store.batchDelete(old.map((i) => ({ pk: i.pk, sk: i.sk })));
}

async function pruneDeadLetters(deps: DeliveryDeps, instanceId: string, webhookId: string, now: number): Promise<void> {
  const cutoff = isoAt(now - (deps.deadLetterRetentionMs ?? 30 * DAY));
  const page = await deps.store.query({ pk: webhookKeys.deadLetters(instanceId, webhookId), le: cutoff, limit: PRUNE_BATCH });
  if (page.items.length) await deps.store.batchDelete(page.items.map((i) => ({ pk: i.pk, sk: i.sk })));
}
