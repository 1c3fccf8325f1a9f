import { createWebhookDeliveryHandler } from '../functions/webhook-delivery';
import type { Logger } from '../lib/core/log';
import type { Clock } from '../lib/ports/clock';
import type { Store } from '../lib/ports/store';
import { fetchHttp, type WebhookHttp } from '../lib/webhooks/delivery';
import type { RetrySchedule } from '../lib/webhooks/retry';
import type { LocalBus } from './bus';
import { LocalQueue } from './queue';

/** Name of the bus rule that feeds the webhook queue (as the CDK app's rule does). */
export const WEBHOOK_RULE = 'webhooks';

/** Options of the local webhook delivery. */
export interface LocalWebhookOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  bus: LocalBus;
  /** The `source` of Reachout events (deps.config.eventSource). */
  eventSource: string;
  /** The delivery queue; one is made (with a dead-letter queue after 5 receives) when absent. */
  queue?: LocalQueue;
  /** HTTP client; fetch by default. */
  http?: WebhookHttp;
  random?: () => number;
  schedule?: RetrySchedule;
  timeoutMs?: number;
  /** Parallel pollers of the queue (default 2). */
  concurrency?: number;
}

/** A running local webhook delivery. */
export interface LocalWebhooks {
  /** The delivery queue (API redeliveries are sent here: pass it as deps.queues.webhooks). */
  queue: LocalQueue;
  /** Its dead-letter queue (messages the delivery function itself failed on), when this wiring made the queue. */
  deadLetter: LocalQueue | undefined;
  /** Resolves when the queue has nothing visible and no handler runs. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** The local queue of webhook deliveries, shaped like the deployed one (visibility 360 s, dead-letter after 5 receives). */
export function webhookQueue(clock: Clock, log?: Logger): { queue: LocalQueue; deadLetter: LocalQueue } {
  const deadLetter = new LocalQueue({ name: 'webhooks-dlq', clock, log });
  return { queue: new LocalQueue({ name: 'webhooks', clock, log, visibilityTimeoutSeconds: 360, maxReceiveCount: 5, deadLetter }), deadLetter };
}

/**
 * Webhook delivery on the local platform, the same code path as deployed: a bus rule sends every
 * Reachout event to the delivery queue, whose consumer is the delivery function's handler.
 */
export function wireWebhookDelivery(options: LocalWebhookOptions): LocalWebhooks {
  const made = options.queue ? undefined : webhookQueue(options.clock, options.log);
  const queue = options.queue ?? made!.queue;
  options.bus.addRule({ name: WEBHOOK_RULE, pattern: { source: [options.eventSource] }, targets: [{ kind: 'queue', queue }] });
  const handler = createWebhookDeliveryHandler({
    store: options.store,
    clock: options.clock,
    log: options.log.child({ component: 'webhook-delivery' }),
    queue,
    http: options.http ?? fetchHttp,
    random: options.random,
    schedule: options.schedule,
    timeoutMs: options.timeoutMs,
  });
  const consumer = queue.consume(handler, { batchSize: 10, concurrency: options.concurrency ?? 2, functionName: 'webhook-delivery', timeoutSeconds: 60 });
  return {
    queue,
    deadLetter: made?.deadLetter,
    idle: () => queue.idle(),
    stop: async () => {
      options.bus.removeRule(WEBHOOK_RULE);
      await consumer.stop();
    },
  };
}
