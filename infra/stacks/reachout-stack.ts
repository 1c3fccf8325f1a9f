import { CfnParameter, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Analytics } from '../constructs/analytics';
import { Api } from '../constructs/api';
import { Data } from '../constructs/data';
import { Dialing } from '../constructs/dialing';
import { Events, type WebhookOptions } from '../constructs/events';
import { Monitoring } from '../constructs/monitoring';
import { Telephony, type PhoneNumberOrder } from '../constructs/telephony';
import { acknowledgeNagFindings } from './nag-acknowledgements';

/** A webhook configured at deploy time. */
export interface WebhookConfig extends WebhookOptions {
  /** Construct id of the webhook (letters and digits). */
  readonly id: string;
}

/** Props of the Reachout stack; the app fills them from context (see infra/app.ts). */
export interface ReachoutStackProps extends StackProps {
  /**
   * Phone numbers to order; undefined orders none.
   * @default - none ordered
   */
  readonly phoneNumbers?: PhoneNumberOrder;
  /**
   * Region of the SIP media application.
   * @default - the stack's region
   */
  readonly smaRegion?: string;
  /**
   * Default of the CallsPerSecond parameter (account-wide call placement rate).
   * @default 1
   */
  readonly callsPerSecond?: number;
  /**
   * Default of the MaxConcurrency parameter (concurrent calls ceiling of an instance).
   * @default 10
   */
  readonly maxConcurrency?: number;
  /**
   * Removal policy of the table, buckets and user pool.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * E-mail address that receives alarms.
   * @default - none
   */
  readonly alarmEmail?: string;
  /**
   * Webhooks created at deploy time.
   * @default - none
   */
  readonly webhooks?: readonly WebhookConfig[];
  /**
   * Deploy the API-key HTTP API as well (see Api).
   * @default false
   */
  readonly apiKeyApi?: boolean;
  /**
   * Allowed CORS origins of the people API.
   * @default - no CORS
   */
  readonly corsAllowOrigins?: string[];
}

/** Everything Reachout runs on (D1): the stack only wires the constructs and grants each function what it uses. */
export class ReachoutStack extends Stack {
  /** Table and buckets. */
  public readonly data: Data;
  /** Bus, archive, webhooks. */
  public readonly events: Events;
  /** Queues, dialer, scheduler, campaign loop, worker. */
  public readonly dialing: Dialing;
  /** SIP media application, numbers, recogniser bot. */
  public readonly telephony: Telephony;
  /** REST API. */
  public readonly api: Api;
  /** Glue and Athena. */
  public readonly analytics: Analytics;
  /** Alarms and dashboard. */
  public readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: ReachoutStackProps = {}) {
    super(scope, id, { description: 'Reachout: outbound voice robot on Amazon Chime SDK PSTN audio', ...props });

    const callsPerSecond = new CfnParameter(this, 'CallsPerSecond', {
      type: 'Number',
      default: props.callsPerSecond ?? 1,
      minValue: 0.1,
      description: 'Calls placed per second, account-wide (Chime CreateSipMediaApplicationCall quota)',
    });
    const maxConcurrency = new CfnParameter(this, 'MaxConcurrency', {
      type: 'Number',
      default: props.maxConcurrency ?? 10,
      minValue: 1,
      description: 'Ceiling of concurrent calls of one instance',
    });

    this.data = new Data(this, 'Data', { removalPolicy: props.removalPolicy });
    this.events = new Events(this, 'Events');
    for (const webhook of props.webhooks ?? []) this.events.addWebhook(webhook.id, webhook);

    const base: Record<string, string> = {
      TABLE_NAME: this.data.table.tableName,
      EVENT_BUS_NAME: this.events.bus.eventBusName,
      EVENT_SOURCE: this.events.eventSource,
      DATA_BUCKET: this.data.dataBucket.bucketName,
      RECORDINGS_BUCKET: this.data.recordingsBucket.bucketName,
      CALLS_PER_SECOND: callsPerSecond.valueAsString,
      MAX_CONCURRENCY: maxConcurrency.valueAsString,
    };

    this.dialing = new Dialing(this, 'Dialing', { environment: base });
    const shared = { ...base, ...this.dialing.environment };

    this.telephony = new Telephony(this, 'Telephony', {
      environment: shared,
      recordingsBucket: this.data.recordingsBucket,
      region: props.smaRegion,
      phoneNumbers: props.phoneNumbers,
    });

    this.api = new Api(this, 'Api', {
      environment: {
        ...shared,
        SMA_ID: this.telephony.smaId,
        STATE_MACHINE_ARN: this.dialing.stateMachine.stateMachineArn,
        RECOGNIZER_BOT_ALIAS_ARN: this.telephony.botAliasArn,
      },
      userPoolRemovalPolicy: props.removalPolicy,
      corsAllowOrigins: props.corsAllowOrigins,
      apiKeyApi: props.apiKeyApi,
    });
    this.dialing.dialer.addEnvironment('SMA_ID', this.telephony.smaId);
    this.dialing.dialer.addEnvironment('RECOGNIZER_BOT_ALIAS_ARN', this.telephony.botAliasArn);

    this.analytics = new Analytics(this, 'Analytics', { dataBucket: this.data.dataBucket, bus: this.events.bus, eventSource: this.events.eventSource });

    this.grant();

    this.monitoring = new Monitoring(this, 'Monitoring', {
      alarmEmail: props.alarmEmail,
      functions: [
        { name: 'api', fn: this.api.handler },
        { name: 'dialer', fn: this.dialing.dialer },
        { name: 'tick', fn: this.dialing.tickConsumer },
        { name: 'dispatch', fn: this.dialing.dispatch },
        { name: 'sweep', fn: this.dialing.sweep },
        { name: 'worker', fn: this.dialing.worker },
        { name: 'sma', fn: this.telephony.smaHandler },
        { name: 'recognizerHook', fn: this.telephony.recognizerHook },
        ...(this.analytics.delivery ? [{ name: 'analyticsTransform', fn: this.analytics.delivery.transform }] : []),
      ],
      queues: this.dialing.queues,
      deadLetterQueues: [
        { name: 'webhookDlq', queue: this.events.webhookDeadLetterQueue },
        { name: 'sweepScheduleDlq', queue: this.dialing.sweepDeadLetterQueue },
        ...(this.analytics.delivery ? [{ name: 'analyticsDlq', queue: this.analytics.delivery.deadLetterQueue }] : []),
      ],
      stateMachines: [{ name: 'campaignLoop', stateMachine: this.dialing.stateMachine }],
      httpApis: [
        { name: 'peopleApi', api: this.api.peopleApi },
        { name: 'serviceApi', api: this.api.serviceApi },
        ...(this.api.keyApi ? [{ name: 'keyApi', api: this.api.keyApi }] : []),
      ],
    });

    acknowledgeNagFindings(this);
  }

  /** Least privilege: each function gets the rights its code path uses, nothing stack-wide. */
  private grant(): void {
    const { data, events, dialing, telephony, api } = this;
    const { dialer, tickConsumer, dispatch, sweep, worker } = dialing;

    // API: everything a request can touch (CRUD, uploads/exports, recording links, start loops, test calls).
    data.grantReadWrite(api.handler);
    data.grantRecordingsRead(api.handler);
    events.grantPublish(api.handler);
    dialing.grantEnqueue(api.handler);
    dialing.grantStartLoop(api.handler);
    telephony.grantPlaceCalls(api.handler);

    // Dialer: places calls, records attempts, refills on failure.
    data.grantTableReadWrite(dialer);
    events.grantPublish(dialer);
    dialing.tick.queue.grantSendMessages(dialer);
    telephony.grantPlaceCalls(dialer);

    // Scheduler: plans and enqueues dial requests, finishes stale calls (ticks); campaign loops are started by the API only.
    for (const fn of [tickConsumer, dispatch, sweep]) {
      data.grantTableReadWrite(fn);
      events.grantPublish(fn);
      dialing.dial.queue.grantSendMessages(fn);
      dialing.tick.queue.grantSendMessages(fn);
    }

    // Worker: imports lists (continuing in the next shard), writes exports and analytics datasets.
    data.grantReadWrite(worker);
    data.grantRecordingsRead(worker);
    events.grantPublish(worker);
    dialing.tick.queue.grantSendMessages(worker);
    dialing.work.queue.grantSendMessages(worker);

    // SMA handler: dialog state, CDRs and transcripts; finds the recording Chime wrote; finishing a call enqueues a tick.
    data.grantTableReadWrite(telephony.smaHandler);
    data.grantRecordingsRead(telephony.smaHandler);
    events.grantPublish(telephony.smaHandler);
    dialing.tick.queue.grantSendMessages(telephony.smaHandler);

    // Recogniser hook: reads scenario hints only.
    data.grantTableRead(telephony.recognizerHook);
  }
}
