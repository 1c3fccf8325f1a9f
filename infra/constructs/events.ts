import { CfnOutput, Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EVENT_TYPES, type EventType } from '../../lib/events/schemas';
import { EventSchemas } from './event-schemas';
import { acknowledge } from './nag';

/** Detail types Reachout publishes (SPEC E1); the event contract in lib/events is their source. */
export const EVENT_DETAIL_TYPES = EVENT_TYPES;

/** One of the published detail types. */
export type EventDetailType = EventType;

/** Props of the event layer. */
export interface EventsProps {
  /**
   * The `source` of every Reachout event (EVENT_SOURCE).
   * @default 'reachout'
   */
  readonly eventSource?: string;
  /**
   * How long the archive keeps events (replay window).
   * @default Duration.days(30)
   */
  readonly archiveRetention?: Duration;
}

/**
 * A webhook configured at deploy time (E2), delivered by an EventBridge API destination with a static
 * token header: for receivers that cannot verify signatures or need EventBridge's rate limiting. The
 * webhooks managed through the API (`/webhooks`, signed the Standard Webhooks way, with a delivery log
 * and redelivery) are the default; see docs/events.md.
 */
export interface WebhookOptions {
  /** HTTPS endpoint the events are posted to. */
  readonly endpoint: string;
  /**
   * Which detail types to post.
   * @default - all of EVENT_DETAIL_TYPES
   */
  readonly detailTypes?: readonly string[];
  /**
   * Only events of these instances.
   * @default - every instance
   */
  readonly instanceIds?: readonly string[];
  /**
   * How the endpoint authenticates the posts.
   * @default - a generated token in Secrets Manager, sent in the `x-reachout-webhook-token` header
   */
  readonly authorization?: events.Authorization;
  /**
   * Maximum posts per second.
   * @default 10
   */
  readonly rateLimitPerSecond?: number;
  /**
   * Retries before an event goes to the webhook dead-letter queue (0 to 185).
   * @default 185
   */
  readonly retryAttempts?: number;
  /**
   * How long EventBridge keeps retrying an event.
   * @default Duration.hours(24)
   */
  readonly maxEventAge?: Duration;
}

/** What addWebhook made. */
export interface Webhook {
  /** The connection (authorisation). */
  readonly connection: events.Connection;
  /** The API destination. */
  readonly destination: events.ApiDestination;
  /** The rule that routes events to it. */
  readonly rule: events.Rule;
  /** The generated token, when no authorisation was given. */
  readonly token?: secretsmanager.Secret;
}

/**
 * Events (E1, E2): the bus, an archive of every event for replay, the schema registry of the event contract
 * (one JSON Schema per detail type, generated from lib/events at synth time), and deploy-time webhooks on API
 * destinations with retries and a shared dead-letter queue.
 */
export class Events extends Construct {
  /** The Reachout event bus (EVENT_BUS_NAME). */
  public readonly bus: events.EventBus;
  /** Everything published, for replay. */
  public readonly archive: events.Archive;
  /** Events no webhook endpoint accepted in time. */
  public readonly webhookDeadLetterQueue: sqs.Queue;
  /** The `source` of Reachout events. */
  public readonly eventSource: string;
  /** The schema registry of the event contract. */
  public readonly schemas: EventSchemas;

  constructor(scope: Construct, id: string, props: EventsProps = {}) {
    super(scope, id);
    this.eventSource = props.eventSource ?? 'reachout';
    this.bus = new events.EventBus(this, 'Bus', { description: 'Reachout events' });
    this.archive = this.bus.archive('Archive', {
      description: 'Every Reachout event, for replay',
      eventPattern: { source: [this.eventSource] },
      retention: props.archiveRetention ?? Duration.days(30),
    });
    this.schemas = new EventSchemas(this, 'Schemas', { eventSource: this.eventSource });
    this.webhookDeadLetterQueue = new sqs.Queue(this, 'WebhookDlq', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(this.webhookDeadLetterQueue, 'AwsSolutions-SQS3', 'This queue is the dead-letter queue of the webhook targets');
    new CfnOutput(this, 'EventBusName', { value: this.bus.eventBusName });
    new CfnOutput(this, 'EventSchemaRegistryName', { value: this.schemas.registry.attrRegistryName });
  }

  /** Lets a principal publish to the bus. */
  grantPublish(grantee: iam.IGrantable): iam.Grant {
    return this.bus.grantPutEventsTo(grantee);
  }

  /** Posts chosen events to an HTTPS endpoint through an API destination, with retries and the dead-letter queue. */
  addWebhook(id: string, options: WebhookOptions): Webhook {
    const scope = new Construct(this, id);
    let token: secretsmanager.Secret | undefined;
    let authorization = options.authorization;
    if (!authorization) {
      token = new secretsmanager.Secret(scope, 'Token', {
        description: `Token Reachout sends to the ${id} webhook`,
        generateSecretString: { passwordLength: 40, excludePunctuation: true },
      });
      acknowledge(token, 'AwsSolutions-SMG4', 'The receiver checks this token; rotating it automatically would break the receiver until it is told the new one');
      authorization = events.Authorization.apiKey('x-reachout-webhook-token', token.secretValue);
    }
    const connection = new events.Connection(scope, 'Connection', { description: `Reachout webhook ${id}`, authorization });
    const destination = new events.ApiDestination(scope, 'Destination', {
      connection,
      endpoint: options.endpoint,
      httpMethod: events.HttpMethod.POST,
      rateLimitPerSecond: options.rateLimitPerSecond ?? 10,
      description: `Reachout webhook ${id}`,
    });
    const rule = new events.Rule(scope, 'Rule', {
      eventBus: this.bus,
      description: `Reachout events to webhook ${id}`,
      eventPattern: {
        source: [this.eventSource],
        detailType: [...(options.detailTypes ?? EVENT_DETAIL_TYPES)],
        ...(options.instanceIds ? { detail: { instanceId: [...options.instanceIds] } } : {}),
      },
    });
    rule.addTarget(
      new targets.ApiDestination(destination, {
        deadLetterQueue: this.webhookDeadLetterQueue,
        retryAttempts: options.retryAttempts ?? 185,
        maxEventAge: options.maxEventAge ?? Duration.hours(24),
      }),
    );
    return { connection, destination, rule, token };
  }
}
