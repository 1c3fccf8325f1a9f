import * as z from 'zod';
import { EVENT_TYPES } from '../events/schemas';

/** A detail type a webhook can subscribe to. */
export const WebhookEventType = z.enum(EVENT_TYPES);

/** Whether a webhook receives deliveries (paused: events are dead-lettered for redelivery instead). */
export const WebhookState = z.enum(['active', 'paused']);
/** Webhook state. */
export type WebhookState = z.infer<typeof WebhookState>;

/** A signing secret; a rotated-out one keeps signing until `expiresAt`. */
export const WebhookSecret = z.object({
  secret: z.string(),
  createdAt: z.string(),
  /** Epoch ms after which the secret no longer signs (absent for the current secret). */
  expiresAt: z.number().int().optional(),
});
/** A signing secret. */
export type WebhookSecret = z.infer<typeof WebhookSecret>;

/** A webhook subscription as stored (SPEC E2). */
export const Webhook = z.object({
  webhookId: z.string(),
  instanceId: z.string(),
  url: z.string(),
  description: z.string().optional(),
  eventTypes: z.array(WebhookEventType).min(1),
  state: WebhookState,
  /** Newest first; the first one is the current secret. */
  secrets: z.array(WebhookSecret).min(1),
  createdAt: z.string(),
  updatedAt: z.string(),
  createdBy: z.string().optional(),
  version: z.number().int().positive(),
});
/** A webhook subscription. */
export type Webhook = z.infer<typeof Webhook>;

/** A webhook as the API shows it: never a secret, only when the previous one stops signing. */
export const WebhookView = Webhook.omit({ secrets: true }).extend({
  /** Epoch ms until which the previous secret still signs, during a rotation's grace period. */
  previousSecretExpiresAt: z.number().int().optional(),
});
/** A webhook as the API shows it. */
export type WebhookView = z.infer<typeof WebhookView>;

/** Status of one event's delivery to one webhook. */
export const DeliveryStatus = z.enum(['pending', 'retrying', 'delivered', 'deadLettered']);
/** Delivery status. */
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

/** The delivery log entry of one event to one webhook (the latest run of it). */
export const Delivery = z.object({
  webhookId: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  status: DeliveryStatus,
  /** Redelivery generation: 0 for the first run, +1 per redelivery from the dead letters. */
  run: z.number().int().nonnegative(),
  /** Attempts made in this run. */
  attempts: z.number().int().nonnegative(),
  firstAttemptAt: z.string(),
  lastAttemptAt: z.string().optional(),
  nextAttemptAt: z.string().optional(),
  deliveredAt: z.string().optional(),
  lastStatusCode: z.number().int().optional(),
  lastError: z.string().optional(),
  lastDurationMs: z.number().int().nonnegative().optional(),
});
/** A delivery log entry. */
export type Delivery = z.infer<typeof Delivery>;

/** An EventBridge envelope as the delivery queue receives it from the rule. */
export const QueuedEnvelope = z.object({
  version: z.string().optional(),
  id: z.string().optional(),
  'detail-type': z.string(),
  source: z.string(),
  time: z.string(),
  account: z.string().optional(),
  region: z.string().optional(),
  resources: z.array(z.string()).optional(),
  detail: z.record(z.string(), z.unknown()),
});
/** An EventBridge envelope. */
export type QueuedEnvelope = z.infer<typeof QueuedEnvelope>;

/** A delivery attempt to make (retries and redeliveries), sent to the delivery queue by the delivery function and the API. */
export const DeliveryTask = z.object({
  kind: z.literal('webhookDelivery'),
  instanceId: z.string(),
  webhookId: z.string(),
  run: z.number().int().nonnegative(),
  /** The attempt this message makes (1 for the first). */
  attempt: z.number().int().positive(),
  /** Epoch ms of the run's first attempt (the 24 h retry window starts here). */
  firstAttemptAt: z.number().int(),
  /** Epoch ms before which the attempt must not be made (SQS delays stop at 15 minutes, so longer waits hop). */
  notBefore: z.number().int(),
  event: QueuedEnvelope,
});
/** A delivery attempt message. */
export type DeliveryTask = z.infer<typeof DeliveryTask>;

/** What the delivery queue carries: an event from the bus rule, or a delivery attempt. */
export const DeliveryMessage = z.union([DeliveryTask, QueuedEnvelope]);

/** The body POSTed to a webhook, in the shape Standard Webhooks recommends. */
export const WebhookPayload = z.object({
  /** The detail type, e.g. `JobComplete`. */
  type: z.string(),
  /** ISO 8601 time of the event. */
  timestamp: z.string(),
  /** The event detail, as in docs/events.md. */
  data: z.record(z.string(), z.unknown()),
});
/** The body POSTed to a webhook. */
export type WebhookPayload = z.infer<typeof WebhookPayload>;
