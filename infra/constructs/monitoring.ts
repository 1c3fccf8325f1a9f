import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** A function to watch, with a short name for alarm descriptions and the dashboard. */
export interface WatchedFunction {
  /** Short name, e.g. 'dialer'. */
  readonly name: string;
  /** The function. */
  readonly fn: lambda.IFunction;
}

/** A queue to watch. */
export interface WatchedQueue {
  /** Short name, e.g. 'dial'. */
  readonly name: string;
  /** The queue. */
  readonly queue: sqs.IQueue;
  /**
   * Its dead-letter queue.
   * @default - none
   */
  readonly deadLetterQueue?: sqs.IQueue;
}

/** Props of the monitoring layer. */
export interface MonitoringProps {
  /** Functions to alarm on (errors, throttles) and chart. */
  readonly functions: readonly WatchedFunction[];
  /** Queues to chart and whose dead-letter queues to alarm on. */
  readonly queues: readonly WatchedQueue[];
  /**
   * Standalone dead-letter queues (webhooks, schedules) to alarm on.
   * @default - none
   */
  readonly deadLetterQueues?: readonly WatchedQueue[];
  /**
   * Step Functions state machines whose failed executions raise an alarm.
   * @default - none
   */
  readonly stateMachines?: readonly { name: string; stateMachine: sfn.IStateMachine }[];
  /**
   * HTTP APIs whose 5xx responses raise an alarm.
   * @default - none
   */
  readonly httpApis?: readonly { name: string; api: apigw.IHttpApi }[];
  /**
   * E-mail address subscribed to the alarm topic.
   * @default - no subscription
   */
  readonly alarmEmail?: string;
  /**
   * Errors per 5 minutes of one function that raise its alarm.
   * @default 1
   */
  readonly functionErrorThreshold?: number;
}

/** Operability (D3): alarms on dead-letter queues, function errors and throttles, failed loops and API 5xx, and a dashboard. */
export class Monitoring extends Construct {
  /** Alarms notify this topic. */
  public readonly topic: sns.Topic;
  /** Every alarm made. */
  public readonly alarms: cloudwatch.Alarm[] = [];
  /** The dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'Reachout alarms',
      enforceSSL: true,
      masterKey: kms.Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
    });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    const period = Duration.minutes(5);

    for (const { name, fn } of props.functions) {
      this.alarm(`${name}Errors`, fn.metricErrors({ period, statistic: 'Sum' }), props.functionErrorThreshold ?? 1, `Function ${name} reported errors`);
      this.alarm(`${name}Throttles`, fn.metricThrottles({ period, statistic: 'Sum' }), 1, `Function ${name} was throttled`);
    }
    const dlqs = [
      ...props.queues.filter((q) => q.deadLetterQueue).map((q) => ({ name: `${q.name}Dlq`, queue: q.deadLetterQueue! })),
      ...(props.deadLetterQueues ?? []).map((q) => ({ name: q.name, queue: q.queue })),
    ];
    for (const { name, queue } of dlqs) {
      this.alarm(`${name}Depth`, queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }), 1, `Messages in dead-letter queue ${name}`);
    }
    for (const { name, stateMachine } of props.stateMachines ?? []) {
      this.alarm(`${name}Failed`, stateMachine.metricFailed({ period, statistic: 'Sum' }), 1, `Executions of ${name} failed`);
      this.alarm(`${name}TimedOut`, stateMachine.metricTimedOut({ period, statistic: 'Sum' }), 1, `Executions of ${name} timed out`);
    }
    for (const { name, api } of props.httpApis ?? []) {
      this.alarm(`${name}ServerErrors`, api.metricServerError({ period, statistic: 'Sum' }), 5, `API ${name} answered 5xx`);
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    const fns = props.functions;
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Invocations', left: fns.map((f) => f.fn.metricInvocations({ period: Duration.minutes(1), label: f.name })), width: 8 }),
      new cloudwatch.GraphWidget({ title: 'Errors', left: fns.map((f) => f.fn.metricErrors({ period: Duration.minutes(1), label: f.name })), width: 8 }),
      new cloudwatch.GraphWidget({ title: 'Duration p99', left: fns.map((f) => f.fn.metricDuration({ period: Duration.minutes(1), statistic: 'p99', label: f.name })), width: 8 }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Throttles', left: fns.map((f) => f.fn.metricThrottles({ period: Duration.minutes(1), label: f.name })), width: 8 }),
      new cloudwatch.GraphWidget({
        title: 'Queue depth',
        left: props.queues.map((q) => q.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), label: q.name })),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Oldest message age (s)',
        left: props.queues.map((q) => q.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), label: q.name })),
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Dead-letter queues', left: dlqs.map((d) => d.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), label: d.name })), width: 8 }),
      new cloudwatch.GraphWidget({
        title: 'API requests and 5xx',
        left: (props.httpApis ?? []).map((a) => a.api.metricCount({ period: Duration.minutes(1), label: `${a.name} requests` })),
        right: (props.httpApis ?? []).map((a) => a.api.metricServerError({ period: Duration.minutes(1), label: `${a.name} 5xx` })),
        width: 8,
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 8 }),
    );
  }

  private alarm(id: string, metric: cloudwatch.IMetric, threshold: number, description: string): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    alarm.addOkAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}
