/** Webhook subscriptions per instance (SPEC E2): create, change, rotate the secret, pause, delete, and their delivery logs. */
import { ConflictError, NotFoundError, ValidationError } from '../core/errors';
import { newId } from '../core/ids';
import { isoAt } from '../ports/clock';
import type { Queue } from '../ports/queue';
import type { Item, Store } from '../ports/store';
import { queryItems } from '../store/indexes';
import { webhookKeys } from './keys';
import { Delivery, DeliveryTask, QueuedEnvelope, Webhook, type DeliveryStatus, type WebhookState, type WebhookView } from './schema';
import { generateSecret } from './signing';
import { listInstanceWebhooks } from './delivery';
import { validateEndpoint } from './url';

/** Webhooks an instance may have. */
export const MAX_WEBHOOKS_PER_INSTANCE = 20;
/** Longest grace period of a rotated-out secret. */
export const MAX_GRACE_SECONDS = 7 * 86_400;
/** Default grace period of a rotated-out secret. */
export const DEFAULT_GRACE_SECONDS = 86_400;

const strip = (item: Item): Record<string, unknown> => {
  const { pk: _pk, sk: _sk, kind: _k, gsi1pk: _g, gsi1sk: _s, claimedBy: _c, ...rest } = item;
  return rest;
};

/** The API view of a webhook: no secret, only when the previous one stops signing. */
export function viewOf(webhook: Webhook, now: number): WebhookView {
  const { secrets, ...rest } = webhook;
  const previous = secrets.slice(1).filter((s) => s.expiresAt !== undefined && s.expiresAt > now);
  const until = previous.length ? Math.max(...previous.map((s) => s.expiresAt!)) : undefined;
  return { ...rest, ...(until !== undefined ? { previousSecretExpiresAt: until } : {}) };
}

/** Reads a webhook; NotFoundError for an unknown id (or another instance's). */
export async function getWebhook(store: Store, instanceId: string, webhookId: string): Promise<Webhook> {
  const item = await store.get(webhookKeys.webhook(instanceId, webhookId));
  if (!item) throw new NotFoundError('webhook', webhookId);
  return Webhook.parse(strip(item));
}

/** The instance's webhooks, oldest first. */
export async function listWebhooks(store: Store, instanceId: string): Promise<Webhook[]> {
  return (await listInstanceWebhooks(store, instanceId)).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** Input of createWebhook. */
export interface NewWebhook {
  url: string;
  eventTypes: Webhook['eventTypes'];
  description?: string;
}

/** Creates a webhook with a new secret; the secret is returned here and never again. */
export async function createWebhook(
  store: Store,
  instanceId: string,
  input: NewWebhook,
  context: { now: number; local: boolean; principal?: string },
): Promise<{ webhook: Webhook; secret: string }> {
  const url = validateEndpoint(input.url, { local: context.local });
  const existing = await listInstanceWebhooks(store, instanceId);
  if (existing.length >= MAX_WEBHOOKS_PER_INSTANCE) {
    throw new ValidationError(`an instance may have at most ${MAX_WEBHOOKS_PER_INSTANCE} webhooks`, [{ path: '(body)', message: 'too many webhooks' }]);
  }
  const at = isoAt(context.now);
  const secret = generateSecret();
  const webhook: Webhook = {
    webhookId: newId('W', context.now),
    instanceId,
    url,
    ...(input.description !== undefined ? { description: input.description } : {}),
    eventTypes: [...new Set(input.eventTypes)],
    state: 'active',
    secrets: [{ secret, createdAt: at }],
    createdAt: at,
    updatedAt: at,
    ...(context.principal ? { createdBy: context.principal } : {}),
    version: 1,
  };
  await store.put({ ...webhookKeys.webhook(instanceId, webhook.webhookId), kind: 'webhook', ...webhook }, { notExists: 'pk' });
  return { webhook, secret };
}

async function replace(store: Store, before: Webhook, after: Webhook): Promise<Webhook> {
  const result = await store.put({ ...webhookKeys.webhook(before.instanceId, before.webhookId), kind: 'webhook', ...after }, { eq: ['version', before.version] });
  if (!result.ok) throw new ConflictError('the webhook changed meanwhile; read it again and retry', { webhookId: before.webhookId });
  return after;
}

/** Changes of updateWebhook. */
export interface WebhookChanges {
  url?: string;
  eventTypes?: Webhook['eventTypes'];
  description?: string;
  /** The version the caller read; 409 when the webhook changed since. */
  version?: number;
}

/** Updates a webhook's endpoint, event types or description. */
export async function updateWebhook(
  store: Store,
  instanceId: string,
  webhookId: string,
  changes: WebhookChanges,
  context: { now: number; local: boolean },
): Promise<{ before: Webhook; after: Webhook }> {
  const before = await getWebhook(store, instanceId, webhookId);
  if (changes.version !== undefined && changes.version !== before.version) {
    throw new ConflictError(`the webhook is at version ${before.version}, not ${changes.version}`, { webhookId });
  }
  const after: Webhook = {
    ...before,
    ...(changes.url !== undefined ? { url: validateEndpoint(changes.url, { local: context.local }) } : {}),
    ...(changes.eventTypes !== undefined ? { eventTypes: [...new Set(changes.eventTypes)] } : {}),
    ...(changes.description !== undefined ? { description: changes.description } : {}),
    updatedAt: isoAt(context.now),
    version: before.version + 1,
  };
  return { before, after: await replace(store, before, after) };
}

/** Pauses or resumes a webhook. While paused, its deliveries are dead-lettered (reason "webhook paused") for a later redelivery. */
export async function setWebhookState(store: Store, instanceId: string, webhookId: string, state: WebhookState, now: number): Promise<{ before: Webhook; after: Webhook }> {
  const before = await getWebhook(store, instanceId, webhookId);
  if (before.state === state) return { before, after: before };
  const after = await replace(store, before, { ...before, state, updatedAt: isoAt(now), version: before.version + 1 });
  return { before, after };
}

/**
 * Rotates the signing secret: a new current secret, the previous one keeps signing (both signatures
 * in `webhook-signature`) for `graceSeconds`, older ones are dropped. Returns the new secret, shown once.
 */
export async function rotateWebhookSecret(
  store: Store,
  instanceId: string,
  webhookId: string,
  graceSeconds: number,
  now: number,
): Promise<{ webhook: Webhook; secret: string }> {
  const before = await getWebhook(store, instanceId, webhookId);
  const secret = generateSecret();
  const [current] = before.secrets;
  const secrets: Webhook['secrets'] = [{ secret, createdAt: isoAt(now) }];
  if (current && graceSeconds > 0) secrets.push({ ...current, expiresAt: now + graceSeconds * 1000 });
  const after = await replace(store, before, { ...before, secrets, updatedAt: isoAt(now), version: before.version + 1 });
  return { webhook: after, secret };
}

/** Deletes a webhook, then its delivery log and dead letters. Deliveries in flight stop at their next attempt. */
export async function deleteWebhook(store: Store, instanceId: string, webhookId: string): Promise<Webhook> {
  const before = await getWebhook(store, instanceId, webhookId);
  await store.delete(webhookKeys.webhook(instanceId, webhookId));
  for (const pk of [webhookKeys.delivery(instanceId, webhookId, '').pk, webhookKeys.deadLetters(instanceId, webhookId)]) {
    let cursor: string | undefined;
    do {
      const page = await store.query({ pk, limit: 100, cursor });
      if (page.items.length) await store.batchDelete(page.items.map((i) => ({ pk: i.pk, sk: i.sk })));
      cursor = page.cursor;
    } while (cursor);
  }
  return before;
}

/** A page of a webhook's delivery log, newest first. */
export async function listDeliveries(
  store: Store,
  instanceId: string,
  webhookId: string,
  options: { limit?: number; cursor?: string; status?: DeliveryStatus },
): Promise<{ items: Delivery[]; cursor?: string }> {
  await getWebhook(store, instanceId, webhookId);
  const limit = Math.min(200, options.limit ?? 50);
  const items: Delivery[] = [];
  let cursor = options.cursor;
  // A status filter may need several pages of the log to fill one page of answers; at most 10 reads per request.
  for (let reads = 0; reads < 10 && items.length < limit; reads++) {
    // gsi1 projects a job's fields only: the deliveries are read back by key.
    const page = await queryItems(store, { index: 'gsi1', pk: webhookKeys.deliveryLog(instanceId, webhookId), reverse: true, limit: limit - items.length, cursor });
    for (const item of page.items) {
      const parsed = Delivery.safeParse(strip(item));
      if (parsed.success && (!options.status || parsed.data.status === options.status)) items.push(parsed.data);
    }
    cursor = page.cursor;
    if (!cursor) break;
  }
  return { items, ...(cursor ? { cursor } : {}) };
}

/** A dead-lettered delivery as the API lists it (without the event body). */
export interface DeadLetterView {
  eventId: string;
  eventType: string;
  run: number;
  attempts: number;
  reason: string;
  deadAt: string;
}

const deadView = (item: Item): DeadLetterView => ({
  eventId: String(item.eventId),
  eventType: String(item.eventType),
  run: Number(item.run),
  attempts: Number(item.attempts),
  reason: String(item.reason),
  deadAt: String(item.deadAt),
});

/** A page of a webhook's dead letters, oldest first. */
export async function listDeadLetters(store: Store, instanceId: string, webhookId: string, options: { limit?: number; cursor?: string }): Promise<{ items: DeadLetterView[]; cursor?: string }> {
  await getWebhook(store, instanceId, webhookId);
  const page = await store.query({ pk: webhookKeys.deadLetters(instanceId, webhookId), limit: Math.min(200, options.limit ?? 50), cursor: options.cursor });
  return { items: page.items.map(deadView), ...(page.cursor ? { cursor: page.cursor } : {}) };
}

/**
 * Redelivers dead letters (all of them up to `limit`, or only the given event ids): each starts a new
 * run (attempt 1, a fresh 24 h window) through the delivery queue, then leaves the dead letters. A
 * crash part-way leaves the rest dead-lettered, and repeating the call never starts two runs of one
 * delivery (the older run's messages lose their claim).
 */
export async function redeliverDeadLetters(
  deps: { store: Store; queue: Queue },
  instanceId: string,
  webhookId: string,
  options: { eventIds?: string[]; limit?: number; now: number },
): Promise<{ redelivered: string[]; remaining: boolean }> {
  const webhook = await getWebhook(deps.store, instanceId, webhookId);
  if (webhook.state === 'paused') throw new ConflictError('resume the webhook before redelivering to it', { webhookId });
  const limit = Math.min(500, options.limit ?? 100);
  const wanted = options.eventIds ? new Set(options.eventIds) : undefined;
  const redelivered: string[] = [];
  let cursor: string | undefined;
  let remaining = false;
  do {
    const page = await deps.store.query({ pk: webhookKeys.deadLetters(instanceId, webhookId), limit: 100, cursor });
    for (const item of page.items) {
      const eventId = String(item.eventId);
      if (wanted && !wanted.has(eventId)) continue;
      if (redelivered.length >= limit) {
        remaining = true;
        break;
      }
      const event = QueuedEnvelope.safeParse(item.event);
      if (!event.success) continue;
      const key = webhookKeys.delivery(instanceId, webhookId, eventId);
      const current = await deps.store.get(key);
      const run = (typeof current?.run === 'number' ? current.run : Number(item.run)) + 1;
      await deps.store.update(key, { set: { run, attempts: 0, status: 'pending', claimedBy: undefined, nextAttemptAt: undefined } });
      const task: DeliveryTask = { kind: 'webhookDelivery', instanceId, webhookId, run, attempt: 1, firstAttemptAt: options.now, notBefore: options.now, event: event.data };
      await deps.queue.send({ body: JSON.stringify(task) });
      await deps.store.delete({ pk: item.pk, sk: item.sk });
      redelivered.push(eventId);
    }
    cursor = page.cursor;
  } while (cursor && !remaining && (!wanted || redelivered.length < wanted.size));
  return { redelivered, remaining: remaining || (cursor !== undefined && !wanted) };
}
