import { Duration, RemovalPolicy, Stack, type CfnElement } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { phoneGeoCopyCommands } from '../../lib/adapters/geo/bundle';
import { acknowledge, nagArnRef } from './nag';
import { ReachoutFunction } from './reachout-function';

/**
 * The planning functions (tick, dispatch) geocode numbers for local presence and callee time zones (P8,
 * P2): libphonenumber's data (≈ 7.4 MB of BSON files, read at run time, never part of the JavaScript
 * bundle) is copied beside their bundle only. The sweep has its own entry (functions/sweep.ts) and never plans.
 */
const GEOCODING = {
  commandHooks: {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir: string, outputDir: string) => phoneGeoCopyCommands(inputDir, outputDir),
  },
};

/** A work queue with its dead-letter queue. */
export interface QueueWithDlq {
  /** The queue consumers read. */
  readonly queue: sqs.Queue;
  /** Where messages go after `maxReceiveCount` failed receives. */
  readonly deadLetterQueue: sqs.Queue;
}

/** Props of the dialing machinery. */
export interface DialingProps {
  /**
   * Environment shared by every function (table, bus, buckets, quotas); the queue URLs are added here.
   * @default - queue URLs only
   */
  readonly environment?: Record<string, string>;
  /**
   * Reserved concurrency of the dialer. Calls are paced by CALLS_PER_SECOND anyway, so the dialer needs
   * little concurrency; reserving it fails on accounts with the minimum concurrency quota, hence optional.
   * @default - none; concurrency is capped by the event source's maximum concurrency instead
   */
  readonly dialerReservedConcurrency?: number;
  /**
   * Maximum concurrent dialer invocations the SQS event source starts (2 to 1000).
   * @default 2
   */
  readonly dialerMaxConcurrency?: number;
  /**
   * Dial requests per dialer invocation.
   * @default 5
   */
  readonly dialerBatchSize?: number;
  /**
   * Receives before a message goes to its dead-letter queue.
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * How often the sweep looks for stalled campaigns, leases and loops.
   * @default Duration.minutes(1)
   */
  readonly sweepEvery?: Duration;
  /**
   * Retention of the state machine's execution log.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Dialing (S4, P1-P7): dial / tick / work queues with dead-letter queues, the dialer, the tick consumer, the
 * per-campaign dispatch loop (Step Functions: dispatch, then wait the seconds it asks for, until done), the
 * minute sweep and the import/export worker.
 */
export class Dialing extends Construct {
  /** DialRequest messages, consumed by the dialer. */
  public readonly dial: QueueWithDlq;
  /** TickRequest messages, consumed by the scheduler's tick handler. */
  public readonly tick: QueueWithDlq;
  /** Imports and exports, consumed by the worker. */
  public readonly work: QueueWithDlq;
  /** Places calls (`functions/dialer.ts`). */
  public readonly dialer: ReachoutFunction;
  /** Refills capacity on ticks (`functions/scheduler.ts` tickHandler). */
  public readonly tickConsumer: ReachoutFunction;
  /** One dispatch step of a campaign loop (`functions/scheduler.ts` dispatchHandler). */
  public readonly dispatch: ReachoutFunction;
  /** Minute sweep (`functions/sweep.ts`). */
  public readonly sweep: ReachoutFunction;
  /** Imports and exports (`functions/worker.ts`). */
  public readonly worker: ReachoutFunction;
  /** The per-campaign dispatch loop. */
  public readonly stateMachine: sfn.StateMachine;
  /** The sweep's schedule. */
  public readonly sweepSchedule: scheduler.Schedule;
  /** Dead-letter queue of the sweep schedule's failed invocations. */
  public readonly sweepDeadLetterQueue: sqs.Queue;
  /** Queue URLs and MAX_RECEIVE_COUNT, as the functions' environment expects them. */
  public readonly environment: Record<string, string>;

  constructor(scope: Construct, id: string, props: DialingProps = {}) {
    super(scope, id);
    const maxReceiveCount = props.maxReceiveCount ?? 5;

    const timeouts = { dialer: Duration.seconds(30), tick: Duration.seconds(60), dispatch: Duration.seconds(60), sweep: Duration.seconds(120), worker: Duration.minutes(15) };

    this.dial = this.queueWithDlq('Dial', timeouts.dialer, maxReceiveCount);
    this.tick = this.queueWithDlq('Tick', timeouts.tick, maxReceiveCount);
    this.work = this.queueWithDlq('Work', timeouts.worker, maxReceiveCount);
    this.environment = {
      DIAL_QUEUE_URL: this.dial.queue.queueUrl,
      TICK_QUEUE_URL: this.tick.queue.queueUrl,
      WORK_QUEUE_URL: this.work.queue.queueUrl,
      // A consumer failing a record whose receive count reached this knows it goes to the dead-letter queue (DeadLettered metric).
      MAX_RECEIVE_COUNT: String(maxReceiveCount),
    };
    const environment = { ...props.environment, ...this.environment };

    this.dialer = new ReachoutFunction(this, 'Dialer', {
      entry: 'functions/dialer.ts',
      description: 'Places calls for dial requests',
      timeout: timeouts.dialer,
      environment,
      reservedConcurrentExecutions: props.dialerReservedConcurrency,
    });
    this.dialer.addEventSource(
      new SqsEventSource(this.dial.queue, {
        batchSize: props.dialerBatchSize ?? 5,
        reportBatchItemFailures: true,
        maxConcurrency: props.dialerMaxConcurrency ?? 2,
      }),
    );

    this.tickConsumer = new ReachoutFunction(this, 'TickConsumer', {
      entry: 'functions/scheduler.ts',
      handler: 'tickHandler',
      description: 'Refills campaign capacity on ticks',
      timeout: timeouts.tick,
      environment,
      bundling: GEOCODING,
    });
    this.tickConsumer.addEventSource(
      new SqsEventSource(this.tick.queue, { batchSize: 10, maxBatchingWindow: Duration.seconds(1), reportBatchItemFailures: true, maxConcurrency: 5 }),
    );

    this.dispatch = new ReachoutFunction(this, 'Dispatch', {
      entry: 'functions/scheduler.ts',
      handler: 'dispatchHandler',
      description: 'One dispatch step of a campaign loop',
      timeout: timeouts.dispatch,
      environment,
      bundling: GEOCODING,
    });

    this.worker = new ReachoutFunction(this, 'Worker', {
      entry: 'functions/worker.ts',
      description: 'Imports contact lists and builds exports',
      timeout: timeouts.worker,
      memorySize: 2048,
      environment,
    });
    this.worker.addEventSource(new SqsEventSource(this.work.queue, { batchSize: 1, reportBatchItemFailures: true, maxConcurrency: 5 }));

    this.stateMachine = this.campaignLoop(props.logRetention ?? logs.RetentionDays.ONE_MONTH);

    this.sweep = new ReachoutFunction(this, 'Sweep', {
      entry: 'functions/sweep.ts',
      description: 'Minute sweep: stalled campaigns, expired leases, lost loops',
      timeout: timeouts.sweep,
      environment,
    });

    this.sweepDeadLetterQueue = new sqs.Queue(this, 'SweepDlq', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(this.sweepDeadLetterQueue, 'AwsSolutions-SQS3', 'This queue is the dead-letter queue of the sweep schedule');
    const scheduleRole = new iam.Role(this, 'SweepScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
      description: 'EventBridge Scheduler invokes the sweep',
    });
    acknowledge(
      scheduleRole,
      `AwsSolutions-IAM5[Resource::${nagArnRef(this.sweep.node.defaultChild as CfnElement)}:*]`,
      'Invoke grant covers the sweep function and its versions; nothing else',
    );
    this.sweepSchedule = new scheduler.Schedule(this, 'SweepSchedule', {
      description: 'Reachout minute sweep',
      schedule: scheduler.ScheduleExpression.rate(props.sweepEvery ?? Duration.minutes(1)),
      target: new schedulerTargets.LambdaInvoke(this.sweep, {
        role: scheduleRole,
        deadLetterQueue: this.sweepDeadLetterQueue,
        retryAttempts: 2,
        // A late sweep is pointless: the next one comes a minute later.
        maxEventAge: Duration.minutes(2),
      }),
    });
  }

  /** Lets a principal start campaign loops (StartExecution; the execution name makes it idempotent). */
  grantStartLoop(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(grantee);
  }

  /** Lets a principal send to the dial, tick and work queues. */
  grantEnqueue(grantee: iam.IGrantable): void {
    for (const q of [this.dial, this.tick, this.work]) q.queue.grantSendMessages(grantee);
  }

  /** Every queue and dead-letter queue, for alarms. */
  get queues(): { name: string; queue: sqs.Queue; deadLetterQueue: sqs.Queue }[] {
    return [
      { name: 'dial', ...this.dial },
      { name: 'tick', ...this.tick },
      { name: 'work', ...this.work },
    ];
  }

  /** Every function of the construct, for alarms and dashboards. */
  get functions(): ReachoutFunction[] {
    return [this.dialer, this.tickConsumer, this.dispatch, this.sweep, this.worker];
  }

  private queueWithDlq(id: string, consumerTimeout: Duration, maxReceiveCount: number): QueueWithDlq {
    const deadLetterQueue = new sqs.Queue(this, `${id}Dlq`, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const queue = new sqs.Queue(this, `${id}Queue`, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS's advice: six times the consumer's timeout, so a retried batch never overlaps a running one.
      visibilityTimeout: Duration.seconds(Math.min(consumerTimeout.toSeconds() * 6, 43_200)),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount },
    });
    return { queue, deadLetterQueue };
  }

  private campaignLoop(retention: logs.RetentionDays): sfn.StateMachine {
    const dispatch = new tasks.LambdaInvoke(this, 'DispatchStep', {
      lambdaFunction: this.dispatch,
      comment: 'Dispatches what the campaign may dial now; says whether it is done and how long to wait',
      // The run travels with every step: a loop whose run is stale (the campaign was paused and resumed,
      // which starts a new loop) ends itself instead of dialling beside the new one.
      payload: sfn.TaskInput.fromObject({
        instanceId: sfn.JsonPath.stringAt('$.instanceId'),
        campaignId: sfn.JsonPath.stringAt('$.campaignId'),
        run: sfn.JsonPath.numberAt('$.run'),
      }),
      // Keep the loop's state to exactly { instanceId, campaignId, run, done, waitSeconds }.
      resultSelector: {
        'instanceId.$': '$$.Execution.Input.instanceId',
        'campaignId.$': '$$.Execution.Input.campaignId',
        'run.$': '$$.Execution.Input.run',
        'done.$': '$.Payload.done',
        'waitSeconds.$': '$.Payload.waitSeconds',
      },
      retryOnServiceExceptions: false,
    });
    dispatch.addRetry({
      errors: ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException', 'Lambda.Unknown'],
      interval: Duration.seconds(2),
      maxAttempts: 6,
      backoffRate: 2,
      maxDelay: Duration.minutes(1),
      jitterStrategy: sfn.JitterType.FULL,
    });
    dispatch.addRetry({ errors: [sfn.Errors.TASKS_FAILED], interval: Duration.seconds(10), maxAttempts: 3, backoffRate: 2 });

    const wait = new sfn.Wait(this, 'WaitNextDispatch', { time: sfn.WaitTime.secondsPath('$.waitSeconds') });
    const done = new sfn.Succeed(this, 'CampaignLoopDone');
    const choice = new sfn.Choice(this, 'Done?').when(sfn.Condition.booleanEquals('$.done', true), done).otherwise(wait.next(dispatch));

    const logGroup = new logs.LogGroup(this, 'CampaignLoopLogs', { retention, removalPolicy: RemovalPolicy.DESTROY });
    const machine = new sfn.StateMachine(this, 'CampaignLoop', {
      comment: 'Reachout per-campaign dispatch loop',
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(dispatch.next(choice)),
      tracingEnabled: true,
      // Execution data stays out of the logs: ids only travel, but the policy is to log no payloads.
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    acknowledge(machine, 'AwsSolutions-IAM5[Resource::*]', 'X-Ray tracing and CloudWatch Logs delivery actions support no resource scoping');
    acknowledge(
      machine,
      `AwsSolutions-IAM5[Resource::${nagArnRef(this.dispatch.node.defaultChild as CfnElement)}:*]`,
      'Invoke grant covers the dispatch function and its versions; nothing else',
    );
    return machine;
  }
}
