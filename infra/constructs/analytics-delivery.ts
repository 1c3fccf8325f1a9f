import { Duration, Size, Stack } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as glue from 'aws-cdk-lib/aws-glue';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ANALYTICS_ERRORS_PREFIX, ANALYTICS_PREFIX, DATASET_NAMES, type DatasetName } from '../../lib/analytics/datasets';
import { deliveryInputTemplate } from '../../lib/analytics/firehose';
import { acknowledge, nagArnRef } from './nag';
import { ReachoutFunction } from './reachout-function';

/** The events each dataset's stream receives (detail types; undefined = every Reachout event). */
export const DATASET_DETAIL_TYPES: Record<DatasetName, readonly string[] | undefined> = {
  calls: ['CallFinished'],
  turns: ['CallFinished'],
  jobs: ['JobComplete'],
  events: undefined,
};

/** Props of the delivery path. */
export interface AnalyticsDeliveryProps {
  /** Bucket the datasets are written to. */
  readonly dataBucket: s3.IBucket;
  /** The bus of Reachout events. */
  readonly bus: events.IEventBus;
  /**
   * The `source` of Reachout events.
   * @default 'reachout'
   */
  readonly eventSource?: string;
  /** The Glue table of each dataset (Firehose converts JSON to Parquet against it). */
  readonly tables: Record<DatasetName, glue.CfnTable>;
  /**
   * Firehose buffer interval (60–900 s).
   * @default Duration.minutes(5)
   */
  readonly bufferInterval?: Duration;
}

/** A rule target input that is a fixed template around the whole event (`<aws.events.event.json>`). */
class WholeEventTemplate extends events.RuleTargetInput {
  constructor(private readonly template: string) {
    super();
  }
  bind(): events.RuleTargetInputProperties {
    return { inputTemplate: this.template };
  }
}

/** A Firehose target with a dead-letter queue and retry policy (the CDK target has neither option). */
class FirehoseTarget implements events.IRuleTarget {
  constructor(
    private readonly stream: firehose.IDeliveryStream,
    private readonly input: events.RuleTargetInput,
    private readonly deadLetterQueue: sqs.IQueue,
  ) {}
  bind(rule: events.IRuleRef, id?: string): events.RuleTargetConfig {
    const base = new targets.FirehoseDeliveryStream(this.stream, { message: this.input }).bind(rule, id);
    targets.addToDeadLetterQueueResourcePolicy(rule, this.deadLetterQueue);
    return { ...base, ...targets.bindBaseTargetConfig({ deadLetterQueue: this.deadLetterQueue, retryAttempts: 185, maxEventAge: Duration.hours(24) }) };
  }
}

/**
 * How the datasets are written in AWS (SPEC R7), by AWS's own engines: one EventBridge rule per dataset sends the
 * matching events (wrapped as `{"dataset", "event"}` by an input transformer) to that dataset's Data Firehose
 * stream; a transformation Lambda (functions/analytics-transform.ts, the same mapping the local runtime uses) turns
 * each event into the dataset's rows — one per CallFinished for `calls`, one per turn for `turns` — and returns the
 * partition keys; Firehose buffers per partition, converts the JSON rows to Parquet (GZIP) against the Glue table
 * and writes `analytics/<dataset>/instance_id=<id>/dt=<day>/` (dynamic partitioning). Records the Lambda rejects,
 * and files Firehose cannot convert or deliver, go to `analytics/errors/<dataset>/<error type>/`; events Firehose
 * does not accept for 24 h go to the dead-letter queue. See docs/analytics.md for latency, cost and duplicates.
 */
export class AnalyticsDelivery extends Construct {
  /** The transformation function (all four streams). */
  public readonly transform: ReachoutFunction;
  /** The Firehose stream of each dataset. */
  public readonly streams: Record<DatasetName, firehose.DeliveryStream>;
  /** The EventBridge rule feeding each stream. */
  public readonly rules: Record<DatasetName, events.Rule>;
  /** Events the rules could not hand to Firehose within 24 h. */
  public readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: AnalyticsDeliveryProps) {
    super(scope, id);
    const eventSource = props.eventSource ?? 'reachout';
    const interval = props.bufferInterval ?? Duration.minutes(5);

    this.transform = new ReachoutFunction(this, 'Transform', {
      entry: 'functions/analytics-transform.ts',
      description: 'Firehose transformation: Reachout events to analytics dataset rows (calls, turns, jobs, events)',
      timeout: Duration.minutes(1),
      memorySize: 512,
    });
    this.deadLetterQueue = new sqs.Queue(this, 'Dlq', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(this.deadLetterQueue, 'AwsSolutions-SQS3', 'This queue is the dead-letter queue of the analytics rules');

    const streams = {} as Record<DatasetName, firehose.DeliveryStream>;
    const rules = {} as Record<DatasetName, events.Rule>;
    for (const dataset of DATASET_NAMES) {
      const Name = `${dataset[0]!.toUpperCase()}${dataset.slice(1)}`;
      const stream = new firehose.DeliveryStream(this, `${Name}Stream`, {
        encryption: firehose.StreamEncryption.awsOwnedKey(),
        destination: new firehose.S3Bucket(props.dataBucket, {
          dataOutputPrefix: `${ANALYTICS_PREFIX}${dataset}/instance_id=!{partitionKeyFromLambda:instance_id}/dt=!{partitionKeyFromLambda:dt}/`,
          errorOutputPrefix: `${ANALYTICS_ERRORS_PREFIX}${dataset}/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/`,
          // Dynamic partitioning needs a buffer of at least 64 MiB; the interval is what bounds the wait.
          bufferingInterval: interval,
          bufferingSize: Size.mebibytes(128),
          dynamicPartitioning: { enabled: true, retryDuration: Duration.hours(2) },
          processors: [
            new firehose.LambdaFunctionProcessor(this.transform, {
              bufferInterval: Duration.seconds(60),
              bufferSize: Size.mebibytes(3),
              retries: 3,
            }),
          ],
          dataFormatConversion: {
            schemaConfiguration: firehose.SchemaConfiguration.fromCfnTable(props.tables[dataset]),
            inputFormat: firehose.InputFormat.OPENX_JSON,
            outputFormat: new firehose.ParquetOutputFormat({ compression: firehose.ParquetCompression.GZIP }),
          },
        }),
      });
      streams[dataset] = stream;
      const detailTypes = DATASET_DETAIL_TYPES[dataset];
      rules[dataset] = new events.Rule(this, `${Name}Rule`, {
        eventBus: props.bus,
        description: `Reachout events to the ${dataset} dataset (Firehose)`,
        eventPattern: { source: [eventSource], ...(detailTypes ? { detailType: [...detailTypes] } : {}) },
        targets: [new FirehoseTarget(stream, new WholeEventTemplate(deliveryInputTemplate(dataset)), this.deadLetterQueue)],
      });
    }
    this.streams = streams;
    this.rules = rules;
    this.acknowledgeFindings(props);
  }

  private acknowledgeFindings(props: AnalyticsDeliveryProps): void {
    const bucket = props.dataBucket.node.defaultChild as CfnElement | undefined;
    const stack = Stack.of(this);
    const transformArn = `<${stack.getLogicalId(this.transform.node.defaultChild as CfnElement)}.Arn>`;
    for (const stream of Object.values(this.streams)) {
      if (bucket) acknowledge(stream, `AwsSolutions-IAM5[Resource::${nagArnRef(bucket)}/*]`, 'Firehose writes partitioned objects (keys known only at run time) into the one data bucket');
      for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*']) {
        acknowledge(stream, `AwsSolutions-IAM5[Action::${action}]`, "The Firehose S3 destination's grant action groups, on the one data bucket");
      }
      acknowledge(stream, `AwsSolutions-IAM5[Resource::${transformArn}:*]`, 'Firehose may invoke any version of its transformation function');
      acknowledge(stream, 'AwsSolutions-IAM5[Resource::*]', 'glue:GetSchemaVersion (record format conversion) takes no resource');
    }
  }
}
