import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from './nag';
import { ReachoutFunction } from './reachout-function';

/** Props of the webhook delivery. */
export interface WebhookDeliveryProps {
  /** The Reachout event bus. */
  readonly bus: events.IEventBus;
  /** The `source` of Reachout events; the rule takes every event of it. */
  readonly eventSource: string;
  /**
   * Environment of the delivery function (TABLE_NAME at least); WEBHOOK_QUEUE_URL is added.
   * @default - WEBHOOK_QUEUE_URL only
   */
  readonly environment?: Record<string, string>;
  /**
   * Where the rule puts events it could not send to the delivery queue.
   * @default - no dead-letter queue on the rule target
   */
  readonly ruleDeadLetterQueue?: sqs.IQueue;
  /**
   * Timeout of one POST to a receiver.
   * @default Duration.seconds(10)
   */
  readonly requestTimeout?: Duration;
  /**
   * Receives of a message before it moves to the dead-letter queue (failures of the function itself; a
   * receiver's failures are retried through delayed messages, not receives).
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * Concurrent delivery functions the queue starts (2 to 1000).
   * @default 5
   */
  readonly maxConcurrency?: number;
}

/**
 * Webhook delivery (E2): a rule sends every Reachout event to the delivery queue; the delivery function
 * (functions/webhook-delivery.ts) looks up the instance's subscriptions, signs and POSTs, and re-queues
 * failed deliveries with a delay (exponential backoff for 24 h), then dead-letters them in the table
 * for redelivery through the API. The queue's own dead-letter queue catches messages the function fails on.
 */
export class WebhookDelivery extends Construct {
  /** Events and delivery tasks. */
  public readonly queue: sqs.Queue;
  /** Messages the delivery function failed on `maxReceiveCount` times. */
  public readonly deadLetterQueue: sqs.Queue;
  /** The delivery function. */
  public readonly handler: ReachoutFunction;
  /** The rule feeding the queue. */
  public readonly rule: events.Rule;
  /** WEBHOOK_QUEUE_URL, for functions that redeliver (the API). */
  public readonly environment: Record<string, string>;

  constructor(scope: Construct, id: string, props: WebhookDeliveryProps) {
    super(scope, id);
    const timeout = Duration.seconds(60);
    this.deadLetterQueue = new sqs.Queue(this, 'Dlq', { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    acknowledge(this.deadLetterQueue, 'AwsSolutions-SQS3', 'This queue is the dead-letter queue of the webhook delivery queue');
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Six times the function timeout, as Lambda's SQS guidance asks.
      visibilityTimeout: Duration.seconds(timeout.toSeconds() * 6),
      // Retries wait in the queue (delayed messages) for up to 24 h in 15-minute hops; 4 days covers an outage of the function too.
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
    });
    this.environment = { WEBHOOK_QUEUE_URL: this.queue.queueUrl };

    this.handler = new ReachoutFunction(this, 'Handler', {
      entry: 'functions/webhook-delivery.ts',
      description: 'Signs and posts Reachout events to webhook subscriptions, with retries',
      timeout,
      environment: {
        ...props.environment,
        ...this.environment,
        WEBHOOK_TIMEOUT_MS: String((props.requestTimeout ?? Duration.seconds(10)).toMilliseconds()),
      },
    });
    this.handler.addEventSource(new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: props.maxConcurrency ?? 5 }));
    this.queue.grantSendMessages(this.handler);

    this.rule = new events.Rule(this, 'Rule', {
      eventBus: props.bus,
      description: 'Every Reachout event to the webhook delivery queue',
      eventPattern: { source: [props.eventSource] },
    });
    this.rule.addTarget(
      new targets.SqsQueue(this.queue, {
        ...(props.ruleDeadLetterQueue ? { deadLetterQueue: props.ruleDeadLetterQueue } : {}),
        retryAttempts: 185,
        maxEventAge: Duration.hours(24),
      }),
    );
  }

  /** Lets a principal send redeliveries to the queue (the API). */
  grantRedeliver(grantee: iam.IGrantable): iam.Grant {
    return this.queue.grantSendMessages(grantee);
  }
}
