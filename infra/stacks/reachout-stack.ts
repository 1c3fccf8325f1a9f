import { NluProviders, type NluProvidersProps } from '../constructs/nlu-providers';
import { CfnParameter, CustomResourceProviderBase, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { metricsNamespace } from '../../lib/core/metrics';
import { parsePrincipalMapping, type PrincipalMapping } from '../../lib/instances/principals';
import { Analytics } from '../constructs/analytics';
import { Api } from '../constructs/api';
import { Data, DATA_PREFIXES } from '../constructs/data';
import { Dialing } from '../constructs/dialing';
import { Events, type WebhookOptions } from '../constructs/events';
import { Monitoring } from '../constructs/monitoring';
import { providerLogGroup, Telephony, type PhoneNumberOrder } from '../constructs/telephony';
import { WebhookDelivery } from '../constructs/webhook-delivery';
import type { ReachoutFunction } from '../constructs/reachout-function';
import { FUNCTION_NAMES, FUNCTION_NEEDS, grantNeeds, type FunctionName } from '../needs';
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
   * Default of the CallsPerSecond parameter: calls placed per second, account-wide (the Chime
   * CreateSipMediaApplicationCall quota). A whole number from 1: the dialer's limiter counts whole calls per second.
   * @default 1
   */
  readonly callsPerSecond?: number;
  /**
   * Default of the ConcurrentCallsQuota parameter: concurrent calls the account may hold (Chime quota). It only sets
   * the "calls in flight over quota" alarm; each instance's own ceiling is its `maxConcurrency` setting (API).
   * @default 10
   */
  readonly concurrentCallsQuota?: number;
  /**
   * SIP media application message logs (SIP messages with unmasked numbers) in a stack-owned log group.
   * @default false
   */
  readonly smaMessageLogs?: boolean;
  /**
   * Retention of the campaign loop's, SIP message and custom resource providers' log groups (functions keep theirs a
   * month, API access logs three).
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Removal policy of the table, buckets and user pool.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Indexes to keep projecting every attribute, for a table made before their projections were narrowed
   * (see DataProps.allAttributeIndexes and docs/deploy.md).
   * @default [] (gsi1 projects the job's fields, gsi2-gsi4 keys only)
   */
  readonly allAttributeIndexes?: readonly string[];
  /**
   * Recognition providers scenarios may choose (S9): Lex V2 bot aliases and Bedrock model ids; only these are granted.
   * @default - none
   */
  readonly nluProviders?: NluProvidersProps;
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
  /**
   * Deploy-time grants of IAM callers of the API (`IAM_PRINCIPALS`), merged with the grants stored through
   * `PUT /principals`: role or user ARN → instances it may act on and whether it is admin there. Validated at synth.
   * @default - none (only grants stored through the API)
   */
  readonly iamPrincipals?: PrincipalMapping;
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
  /** Recognition providers scenarios may choose (granted through infra/needs.ts). */
  public readonly nluProviders: NluProviders;
  /** Glue and Athena. */
  public readonly analytics: Analytics;
  /** Alarms and dashboard. */
  public readonly monitoring: Monitoring;
  /** Delivery of the webhooks managed through the API (E2). */
  public readonly webhooks: WebhookDelivery;

  constructor(scope: Construct, id: string, props: ReachoutStackProps = {}) {
    super(scope, id, { description: 'Reachout: outbound voice robot on Amazon Chime SDK PSTN audio', ...props });

    const callsPerSecond = new CfnParameter(this, 'CallsPerSecond', {
      // A string with a pattern: CloudFormation cannot require a Number parameter to be whole.
      type: 'String',
      default: String(wholeNumber('callsPerSecond', props.callsPerSecond ?? 1)),
      allowedPattern: '^[1-9][0-9]{0,3}$',
      constraintDescription: 'a whole number of calls per second from 1 to 9999',
      description: 'Calls placed per second, account-wide (Chime CreateSipMediaApplicationCall quota); whole number >= 1',
    });
    const concurrentCallsQuota = new CfnParameter(this, 'ConcurrentCallsQuota', {
      type: 'Number',
      default: wholeNumber('concurrentCallsQuota', props.concurrentCallsQuota ?? 10),
      minValue: 1,
      description: 'Concurrent calls the account may hold (Chime quota); more calls in flight raise an alarm',
    });
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    this.data = new Data(this, 'Data', { removalPolicy: props.removalPolicy, allAttributeIndexes: props.allAttributeIndexes });
    this.events = new Events(this, 'Events');
    for (const webhook of props.webhooks ?? []) this.events.addWebhook(webhook.id, webhook);

    const base: Record<string, string> = {
      TABLE_NAME: this.data.table.tableName,
      EVENT_BUS_NAME: this.events.bus.eventBusName,
      EVENT_SOURCE: this.events.eventSource,
      DATA_BUCKET: this.data.dataBucket.bucketName,
      RECORDINGS_BUCKET: this.data.recordingsBucket.bucketName,
      CALLS_PER_SECOND: callsPerSecond.valueAsString,
    };

    this.webhooks = new WebhookDelivery(this, 'Webhooks', {
      bus: this.events.bus,
      eventSource: this.events.eventSource,
      environment: base,
      ruleDeadLetterQueue: this.events.webhookDeadLetterQueue,
    });

    this.dialing = new Dialing(this, 'Dialing', { environment: base, logRetention });
    // A presigned contact upload landing in the data bucket starts its import: S3 → EventBridge → work queue → worker.
    new events.Rule(this, 'ContactUploadCreated', {
      description: 'A presigned contact upload landed in the data bucket: import it (docs/imports.md)',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [this.data.dataBucket.bucketName] }, object: { key: [{ prefix: DATA_PREFIXES.uploads }] } },
      },
      targets: [new targets.SqsQueue(this.dialing.work.queue, { retryAttempts: 10, maxEventAge: Duration.hours(24), deadLetterQueue: this.dialing.work.deadLetterQueue })],
    });
    const shared = { ...base, ...this.dialing.environment };

    this.nluProviders = new NluProviders(this, 'NluProviders', props.nluProviders);
    this.telephony = new Telephony(this, 'Telephony', {
      environment: shared,
      nluProviders: this.nluProviders,
      recordingsBucket: this.data.recordingsBucket,
      region: props.smaRegion,
      phoneNumbers: props.phoneNumbers,
      smaMessageLogs: props.smaMessageLogs,
      logRetention,
    });

    this.api = new Api(this, 'Api', {
      environment: {
        ...shared,
        SMA_ID: this.telephony.smaId,
        STATE_MACHINE_ARN: this.dialing.stateMachine.stateMachineArn,
        RECOGNIZER_BOT_ALIAS_ARN: this.telephony.botAliasArn,
        ...this.webhooks.environment,
        ...(props.iamPrincipals ? { IAM_PRINCIPALS: JSON.stringify(parsePrincipalMapping(JSON.stringify(props.iamPrincipals))) } : {}),
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
      functions: FUNCTION_NAMES.map((name) => ({ name, fn: this.functions[name] })),
      queues: [...this.dialing.queues, { name: 'webhooks', queue: this.webhooks.queue, deadLetterQueue: this.webhooks.deadLetterQueue }],
      deadLetterQueues: [
        { name: 'webhookDlq', queue: this.events.webhookDeadLetterQueue },
        { name: 'sweepScheduleDlq', queue: this.dialing.sweepDeadLetterQueue },
        { name: 'recordingsDlq', queue: this.telephony.recordingsDeadLetterQueue },
        { name: 'analyticsDlq', queue: this.analytics.delivery!.deadLetterQueue },
      ],
      stateMachines: [{ name: 'campaignLoop', stateMachine: this.dialing.stateMachine }],
      httpApis: [
        { name: 'peopleApi', api: this.api.peopleApi },
        { name: 'serviceApi', api: this.api.serviceApi },
        ...(this.api.keyApi ? [{ name: 'keyApi', api: this.api.keyApi }] : []),
      ],
      product: { namespace: metricsNamespace(this.stackName), concurrentCallsQuota: concurrentCallsQuota.valueAsNumber },
    });

    // Custom resource providers (Chime PSTN, S3 auto-delete) log to groups with a retention too.
    for (const provider of this.node.findAll().filter((c): c is CustomResourceProviderBase => c instanceof CustomResourceProviderBase)) {
      providerLogGroup(provider, logRetention);
    }

    acknowledgeNagFindings(this);
  }

  /** Every Lambda function of the stack, by the name infra/needs.ts uses. */
  get functions(): Record<FunctionName, ReachoutFunction> {
    const { api, dialing, telephony } = this;
    return {
      api: api.handler,
      dialer: dialing.dialer,
      tick: dialing.tickConsumer,
      dispatch: dialing.dispatch,
      sweep: dialing.sweep,
      worker: dialing.worker,
      sma: telephony.smaHandler,
      recordings: telephony.recordingsHandler,
      recognizerHook: telephony.recognizerHook,
      webhookDelivery: this.webhooks.handler,
      analyticsTransform: this.analytics.delivery!.transform,
    };
  }

  /** Least privilege: each function gets what infra/needs.ts says it uses, nothing stack-wide. */
  private grant(): void {
    const resources = { data: this.data, events: this.events, dialing: this.dialing, telephony: this.telephony, webhooks: this.webhooks, nluProviders: this.nluProviders };
    for (const name of FUNCTION_NAMES) grantNeeds(this.functions[name], FUNCTION_NEEDS[name], resources);
    // The sweep applies any effect a crash left pending, including starting a campaign's loop (needs.ts says so).
    this.dialing.sweep.addEnvironment('STATE_MACHINE_ARN', this.dialing.stateMachine.stateMachineArn);
  }
}

/** A whole number from 1, or an error naming the setting. */
function wholeNumber(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number from 1, got ${value}`);
  return value;
}
