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
import { METRICS_SERVICE, type ProductMetricName } from '../../lib/core/metrics';

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
  /**
   * Alarms and widgets on the product metrics (lib/core/metrics.ts).
   * @default - infrastructure metrics only
   */
  readonly product?: ProductMonitoringProps;
}

/** Where the product metrics are and when they should wake someone up. */
export interface ProductMonitoringProps {
  /** CloudWatch namespace the functions write to (POWERTOOLS_METRICS_NAMESPACE). */
  readonly namespace: string;
  /** Concurrent calls the account may hold (Chime quota); more calls in flight than this raise an alarm. May be a parameter. */
  readonly concurrentCallsQuota: number;
  /**
   * SIP media application errors per 5 minutes that raise the alarm.
   * @default 5
   */
  readonly smaErrorThreshold?: number;
  /**
   * No-match rate (percent of classified answers over 15 minutes) that raises the alarm.
   * @default 40
   */
  readonly noMatchRateThreshold?: number;
  /**
   * Fewest classified answers in 15 minutes for the no-match rate to count (fewer is noise).
   * @default 20
   */
  readonly noMatchMinTurns?: number;
}

/**
 * Operability (D3): alarms on dead-letter queues, function errors and throttles, failed loops and API 5xx, and on the
 * product metrics (SIP media application errors, dead-lettered messages, calls in flight above the quota, NLU no-match
 * rate); a dashboard with the product first, then the infrastructure.
 */
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
    if (props.product) this.productAlarmsAndWidgets(props.product);
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

  /** A product metric, stack-wide (dimension service=reachout). */
  productMetric(props: ProductMonitoringProps, name: ProductMetricName, statistic: string, period: Duration, label?: string): cloudwatch.Metric {
    return new cloudwatch.Metric({ namespace: props.namespace, metricName: name, dimensionsMap: { service: METRICS_SERVICE }, statistic, period, label });
  }

  private productAlarmsAndWidgets(props: ProductMonitoringProps): void {
    const minute = Duration.minutes(1);
    const five = Duration.minutes(5);
    const quarter = Duration.minutes(15);
    const m = (name: ProductMetricName, statistic: string, period: Duration, label?: string) => this.productMetric(props, name, statistic, period, label);

    this.alarm('SmaErrors', m('SmaErrors', 'Sum', five), props.smaErrorThreshold ?? 5, 'SIP media application errors (ACTION_FAILED, INVALID_LAMBDA_RESPONSE, handler errors)');
    this.alarm('DeadLettered', m('DeadLettered', 'Sum', five), 1, 'A consumer gave up on a message (dead-lettered or unreadable)');
    const inFlight = this.alarm('CallsInFlightOverQuota', m('CallsInFlight', 'Maximum', minute), props.concurrentCallsQuota, 'More calls in flight than the concurrent calls quota: Chime refuses the excess', {
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
    });
    const minTurns = props.noMatchMinTurns ?? 20;
    const noMatchRate = new cloudwatch.MathExpression({
      expression: `IF(turns >= ${minTurns}, 100 * nomatch / turns, 0)`,
      usingMetrics: { turns: m('NluTurns', 'Sum', quarter), nomatch: m('NluNoMatches', 'Sum', quarter) },
      period: quarter,
      label: 'NLU no-match rate (%)',
    });
    const noMatch = this.alarm('NluNoMatchRate', noMatchRate, props.noMatchRateThreshold ?? 40, `More than the threshold share of answers matched no intent (over 15 minutes, at least ${minTurns} answers)`, {
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });

    const placed = m('CallsPlaced', 'Sum', minute, 'placed');
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({ markdown: '## Calls\nProduct metrics (docs/deploy.md, "What to watch"). Infrastructure below.', width: 24, height: 1 }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Calls per minute', left: [placed, m('CallsAnswered', 'Sum', minute, 'answered'), m('CallsFailed', 'Sum', minute, 'failed')], width: 8 }),
      new cloudwatch.GraphWidget({
        title: 'Call rate (calls/s) and answer rate (%)',
        left: [new cloudwatch.MathExpression({ expression: 'placed / PERIOD(placed)', usingMetrics: { placed }, label: 'call rate', period: minute })],
        right: [
          new cloudwatch.MathExpression({
            expression: 'IF(placed5 > 0, 100 * answered5 / placed5, 0)',
            usingMetrics: { placed5: m('CallsPlaced', 'Sum', five), answered5: m('CallsAnswered', 'Sum', five) },
            label: 'answer rate %',
            period: five,
          }),
        ],
        width: 8,
      }),
      new cloudwatch.AlarmWidget({ title: 'Calls in flight vs quota', alarm: inFlight, width: 8 }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.AlarmWidget({ title: 'NLU no-match rate (%)', alarm: noMatch, width: 6 }),
      new cloudwatch.GraphWidget({ title: 'NLU answers', left: [m('NluTurns', 'Sum', five, 'classified'), m('NluNoMatches', 'Sum', five, 'no match')], width: 6 }),
      new cloudwatch.GraphWidget({ title: 'SMA errors and dead-lettered messages', left: [m('SmaErrors', 'Sum', five), m('DeadLettered', 'Sum', five)], width: 6 }),
      new cloudwatch.GraphWidget({
        title: 'Talk time (s)',
        left: [m('TalkSeconds', 'Average', five, 'average call')],
        right: [m('TalkSeconds', 'Sum', five, 'total talk time')],
        width: 6,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Calls placed per instance',
        left: [
          new cloudwatch.MathExpression({
            expression: `SEARCH('{${props.namespace},instanceId,service} MetricName="CallsPlaced"', 'Sum', 60)`,
            label: '',
            period: minute,
          }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Calls in flight, all instances and per instance',
        left: [
          m('CallsInFlight', 'Maximum', minute, 'all instances'),
          new cloudwatch.MathExpression({
            expression: `SEARCH('{${props.namespace},instanceId,service} MetricName="CallsInFlight"', 'Maximum', 60)`,
            label: '',
            period: minute,
          }),
        ],
        width: 12,
      }),
    );
  }

  private alarm(id: string, metric: cloudwatch.IMetric, threshold: number, description: string, extra: Partial<cloudwatch.AlarmProps> = {}): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
      ...extra,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    alarm.addOkAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
    return alarm;
  }
}
