import * as z from 'zod';
import { audit } from '../../../lib/audit';
import type { Deps } from '../../../lib/core/deps';
import { ReachoutError } from '../../../lib/core/errors';
import { EVENT_TYPES } from '../../../lib/events/schemas';
import type { Queue } from '../../../lib/ports/queue';
import {
  createWebhook,
  DEFAULT_GRACE_SECONDS,
  deleteWebhook,
  Delivery,
  DeliveryStatus,
  getWebhook,
  listDeadLetters,
  listDeliveries,
  listWebhooks,
  MAX_GRACE_SECONDS,
  redeliverDeadLetters,
  rotateWebhookSecret,
  setWebhookState,
  updateWebhook,
  viewOf,
  WebhookEventType,
  WebhookView,
} from '../../../lib/webhooks';
import { route, type Route, type RouteRequest } from '../route';

const tags = ['webhooks'];
const Params = z.object({ webhookId: z.string().min(1).max(100) });
const Page = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(2000).optional() });

const example = {
  webhookId: 'W01JH3QF6G8H0J2K4M6N8P0Q2R',
  instanceId: 'I01JH3Q5X8Y2Z4W6V7T9R0S1P2N',
  url: 'https://crm.example.com/reachout/events',
  description: 'CRM sync',
  eventTypes: ['CallFinished', 'JobComplete'],
  state: 'active',
  createdAt: '2026-01-05T08:00:00.000Z',
  updatedAt: '2026-01-05T08:00:00.000Z',
  createdBy: 'key-01JH3Q0',
  version: 1,
} as const;
const secretExample = 'whsec_MfKQ9r8GKYqrTyHpI8AVwC3jbbb2w1H4yO7WxGcBmXg=';

const View = WebhookView.meta({ examples: [example] });
const WithSecret = z
  .object({ webhook: WebhookView, secret: z.string().describe('Standard Webhooks secret (whsec_…): shown once, store it now') })
  .meta({ examples: [{ webhook: example, secret: secretExample }] });

const CreateBody = z.object({
  url: z.string().min(1).max(2000).describe('HTTPS endpoint (http://127.0.0.1 allowed on the local runtime)'),
  eventTypes: z.array(WebhookEventType).min(1).max(EVENT_TYPES.length).default([...EVENT_TYPES]).describe('Detail types to deliver; all by default'),
  description: z.string().max(500).optional(),
});
const UpdateBody = z.object({
  url: z.string().min(1).max(2000).optional(),
  eventTypes: z.array(WebhookEventType).min(1).max(EVENT_TYPES.length).optional(),
  description: z.string().max(500).optional(),
  version: z.number().int().positive().optional().describe('The version you read; 409 when the webhook changed since'),
});
const RotateBody = z
  .object({
    graceSeconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_GRACE_SECONDS)
      .default(DEFAULT_GRACE_SECONDS)
      .describe('How long the previous secret keeps signing next to the new one (both signatures are sent)'),
  })
  .default({ graceSeconds: DEFAULT_GRACE_SECONDS });
const RedeliverBody = z
  .object({
    eventIds: z.array(z.string().min(1).max(64)).min(1).max(500).optional().describe('Only these events; all dead letters (up to `limit`) otherwise'),
    limit: z.number().int().min(1).max(500).default(100),
  })
  .default({ limit: 100 });

const deliveryExample = {
  webhookId: example.webhookId,
  eventId: '5e0c3f1f0d9a4a7c9a4b2e1f3c5d7e9a',
  eventType: 'JobComplete',
  status: 'delivered',
  run: 0,
  attempts: 2,
  firstAttemptAt: '2026-01-05T09:00:42.100Z',
  lastAttemptAt: '2026-01-05T09:00:52.300Z',
  deliveredAt: '2026-01-05T09:00:52.410Z',
  lastStatusCode: 200,
  lastDurationMs: 110,
};
const DeliveryPage = z.object({ items: z.array(Delivery), cursor: z.string().optional() }).meta({ examples: [{ items: [deliveryExample] }] });
const DeadLetter = z.object({ eventId: z.string(), eventType: z.string(), run: z.number().int(), attempts: z.number().int(), reason: z.string(), deadAt: z.string() });
const DeadLetterPage = z.object({ items: z.array(DeadLetter), cursor: z.string().optional() }).meta({
  examples: [
    {
      items: [
        { eventId: deliveryExample.eventId, eventType: 'JobComplete', run: 0, attempts: 15, reason: 'no success within 24 h (15 attempts); last error: HTTP 503', deadAt: '2026-01-06T09:00:42.100Z' },
      ],
    },
  ],
});
const RedeliverResult = z
  .object({ redelivered: z.array(z.string()).describe('Event ids sent again'), remaining: z.boolean().describe('More dead letters wait; call again') })
  .meta({ examples: [{ redelivered: [deliveryExample.eventId], remaining: false }] });

/** The queue retries and redeliveries go through; present once the composition root wires webhook delivery. */
function webhookQueueOf(deps: Deps): Queue {
  const queue = deps.queues.webhooks;
  if (!queue) throw new ReachoutError('NotConfigured', 'webhook delivery is not configured on this deployment (no webhook queue)', 503);
  return queue;
}

const isLocal = (deps: Deps) => deps.config.region === 'local';
const who = (req: RouteRequest<unknown, unknown, unknown>) => ({ actor: req.principal, requestId: req.requestId });

/** Webhook subscriptions of the caller's instance (SPEC E2): CRUD, secret rotation, pause/resume, delivery log, redelivery. */
export const webhookRoutes: Route[] = [
  route({
    method: 'GET',
    path: '/webhooks',
    summary: 'List the webhooks of the instance',
    tags,
    response: z.object({ items: z.array(WebhookView) }).meta({ examples: [{ items: [example] }] }),
    async handle(req, deps) {
      const now = deps.clock.now();
      return { body: { items: (await listWebhooks(deps.store, req.instanceId)).map((w) => viewOf(w, now)) } };
    },
  }),
  route({
    method: 'POST',
    path: '/webhooks',
    summary: 'Subscribe an endpoint to events; the answer holds the signing secret, shown only this once',
    tags,
    body: CreateBody,
    status: 201,
    response: WithSecret,
    async handle(req, deps) {
      const now = deps.clock.now();
      const { webhook, secret } = await createWebhook(deps.store, req.instanceId, req.body, { now, local: isLocal(deps), principal: req.principal });
      const view = viewOf(webhook, now);
      await audit(deps, req.instanceId, { ...who(req), action: 'webhook.create', entity: { type: 'webhook', id: webhook.webhookId }, after: view });
      return { status: 201, body: { webhook: view, secret } };
    },
  }),
  route({
    method: 'GET',
    path: '/webhooks/{webhookId}',
    summary: 'Read a webhook (never its secret)',
    tags,
    params: Params,
    response: View,
    async handle(req, deps) {
      return { body: viewOf(await getWebhook(deps.store, req.instanceId, req.params.webhookId), deps.clock.now()) };
    },
  }),
  route({
    method: 'PATCH',
    path: '/webhooks/{webhookId}',
    summary: 'Change the endpoint, event types or description of a webhook',
    tags,
    params: Params,
    body: UpdateBody,
    response: View,
    async handle(req, deps) {
      const now = deps.clock.now();
      const { before, after } = await updateWebhook(deps.store, req.instanceId, req.params.webhookId, req.body, { now, local: isLocal(deps) });
      await audit(deps, req.instanceId, { ...who(req), action: 'webhook.update', entity: { type: 'webhook', id: after.webhookId }, before: viewOf(before, now), after: viewOf(after, now) });
      return { body: viewOf(after, now) };
    },
  }),
  route({
    method: 'DELETE',
    path: '/webhooks/{webhookId}',
    summary: 'Delete a webhook with its delivery log and dead letters',
    tags,
    params: Params,
    status: 204,
    async handle(req, deps) {
      const before = await deleteWebhook(deps.store, req.instanceId, req.params.webhookId);
      await audit(deps, req.instanceId, { ...who(req), action: 'webhook.delete', entity: { type: 'webhook', id: before.webhookId }, before: viewOf(before, deps.clock.now()) });
      return { status: 204 };
    },
  }),
  route({
    method: 'POST',
    path: '/webhooks/{webhookId}/rotate-secret',
    summary: 'Rotate the signing secret: the new one is shown once; the previous one keeps signing for the grace period',
    tags,
    params: Params,
    body: RotateBody,
    response: WithSecret,
    async handle(req, deps) {
      const now = deps.clock.now();
      const { webhook, secret } = await rotateWebhookSecret(deps.store, req.instanceId, req.params.webhookId, req.body.graceSeconds, now);
      await audit(deps, req.instanceId, {
        ...who(req),
        action: 'webhook.rotateSecret',
        entity: { type: 'webhook', id: webhook.webhookId },
        details: { graceSeconds: req.body.graceSeconds, version: webhook.version },
      });
      return { body: { webhook: viewOf(webhook, now), secret } };
    },
  }),
  ...(['pause', 'resume'] as const).map((verb) =>
    route({
      method: 'POST',
      path: `/webhooks/{webhookId}/${verb}`,
      summary:
        verb === 'pause'
          ? 'Pause a webhook: its deliveries go to the dead letters (reason "webhook paused") until it is resumed and they are redelivered'
          : 'Resume a paused webhook',
      tags,
      params: Params,
      response: View,
      async handle(req, deps) {
        const now = deps.clock.now();
        const { before, after } = await setWebhookState(deps.store, req.instanceId, req.params.webhookId, verb === 'pause' ? 'paused' : 'active', now);
        if (before.version !== after.version) {
          await audit(deps, req.instanceId, { ...who(req), action: `webhook.${verb}`, entity: { type: 'webhook', id: after.webhookId }, before: { state: before.state }, after: { state: after.state } });
        }
        return { body: viewOf(after, now) };
      },
    }),
  ),
  route({
    method: 'GET',
    path: '/webhooks/{webhookId}/deliveries',
    summary: 'Delivery log of a webhook, newest first: per event its status, attempts, last status code, error and timing',
    tags,
    params: Params,
    query: Page.extend({ status: DeliveryStatus.optional() }),
    response: DeliveryPage,
    async handle(req, deps) {
      return { body: await listDeliveries(deps.store, req.instanceId, req.params.webhookId, req.query) };
    },
  }),
  route({
    method: 'GET',
    path: '/webhooks/{webhookId}/dead-letters',
    summary: 'Deliveries that failed for 24 hours (or arrived while paused), waiting for a redelivery',
    tags,
    params: Params,
    query: Page,
    response: DeadLetterPage,
    async handle(req, deps) {
      return { body: await listDeadLetters(deps.store, req.instanceId, req.params.webhookId, req.query) };
    },
  }),
  route({
    method: 'POST',
    path: '/webhooks/{webhookId}/redeliver',
    summary: 'Send dead-lettered deliveries again (each with a fresh 24 h of retries)',
    tags,
    params: Params,
    body: RedeliverBody,
    response: RedeliverResult,
    async handle(req, deps) {
      const result = await redeliverDeadLetters({ store: deps.store, queue: webhookQueueOf(deps) }, req.instanceId, req.params.webhookId, {
        eventIds: req.body.eventIds,
        limit: req.body.limit,
        now: deps.clock.now(),
      });
      await audit(deps, req.instanceId, {
        ...who(req),
        action: 'webhook.redeliver',
        entity: { type: 'webhook', id: req.params.webhookId },
        details: { redelivered: result.redelivered.length, remaining: result.remaining },
      });
      return { body: result };
    },
  }),
];
