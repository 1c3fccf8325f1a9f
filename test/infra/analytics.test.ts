import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Analytics } from '../../infra/constructs/analytics';
import { DATASET_DETAIL_TYPES } from '../../infra/constructs/analytics-delivery';
import { DATA_PREFIXES } from '../../infra/constructs/data';
import { ANALYTICS_PREFIX, DATASET_NAMES, datasetColumns, partitionPrefix, type DatasetName } from '../../lib/analytics/datasets';
import { SAVED_QUERIES } from '../../lib/analytics/queries';
import { syntheticEvents } from '../../lib/analytics/synthetic';
import { ManualClock } from '../../lib/ports/clock';
import { attachLocalAnalytics } from '../../local/analytics';
import { FileBlobs } from '../../local/blobs';
import { LocalBus } from '../../local/bus';
import { openAnalyticsDb } from '../../local/query';
import { resourcesOf, TEST_ENV } from './support';

/** The Analytics construct alone in a small stack (cheap: no bundling, no Reachout stack). */
function synth(): { template: Template; analytics: Analytics } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'AnalyticsTest', { env: TEST_ENV });
  const bucket = new s3.Bucket(stack, 'DataBucket');
  const bus = new events.EventBus(stack, 'Bus');
  const analytics = new Analytics(stack, 'Analytics', { dataBucket: bucket, bus, eventSource: 'reachout', bytesScannedCutoffPerQuery: 5 * 1024 ** 3 });
  return { template: Template.fromStack(stack), analytics };
}

type Props = Record<string, unknown>;
const { template, analytics } = synth();
const tableInputs = () => Object.values(resourcesOf(template, 'AWS::Glue::Table')).map((t) => t.Properties!.TableInput as Props);
const tableOf = (dataset: DatasetName) => tableInputs().find((t) => t.Name === dataset)!;
const streamOf = (dataset: DatasetName) => {
  const id = Object.keys(resourcesOf(template, 'AWS::KinesisFirehose::DeliveryStream')).find((k) => k.startsWith(`AnalyticsDelivery${dataset[0]!.toUpperCase()}${dataset.slice(1)}Stream`));
  return resourcesOf(template, 'AWS::KinesisFirehose::DeliveryStream')[id!]!.Properties!.ExtendedS3DestinationConfiguration as Props;
};
const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  Stack.of(analytics).getLogicalId((construct.node.defaultChild ?? construct) as never);

describe('Analytics tables', () => {
  it('has one table per dataset, partitioned by instance_id then dt, with projection (injected ids, projected days)', () => {
    expect(tableInputs().map((t) => t.Name).sort()).toEqual([...DATASET_NAMES].sort());
    for (const dataset of DATASET_NAMES) {
      const t = tableOf(dataset);
      expect(t.PartitionKeys).toEqual([
        { Name: 'instance_id', Type: 'string' },
        { Name: 'dt', Type: 'string' },
      ]);
      expect(t.Parameters).toMatchObject({
        classification: 'parquet',
        'projection.enabled': 'true',
        'projection.instance_id.type': 'injected',
        'projection.dt.type': 'date',
        'projection.dt.format': 'yyyy-MM-dd',
        'projection.dt.range': '2024-01-01,NOW',
      });
      expect((t.StorageDescriptor as { SerdeInfo: { SerializationLibrary: string } }).SerdeInfo.SerializationLibrary).toContain('ParquetHiveSerDe');
    }
  });

  it('has the columns of the dataset\u2019s zod schema, in order, without the partition keys', () => {
    for (const dataset of DATASET_NAMES) {
      const columns = (tableOf(dataset).StorageDescriptor as { Columns: { Name: string; Type: string }[] }).Columns;
      expect(columns.map((c) => [c.Name, c.Type])).toEqual(
        datasetColumns(dataset)
          .filter((c) => !c.partition)
          .map((c) => [c.name, c.type]),
      );
    }
  });

  it('locates partitions exactly where Firehose and the local writer put them', () => {
    expect(ANALYTICS_PREFIX).toBe(DATA_PREFIXES.analytics);
    for (const dataset of DATASET_NAMES) {
      const template = JSON.stringify(tableOf(dataset).Parameters);
      const locationTemplate = /"storage\.location\.template":\{"Fn::Join":\["",\[(.*?)\]\]\}/.exec(template)![1]!;
      // s3://<bucket>/ + the key template
      const keyTemplate = JSON.parse(`[${locationTemplate}]`).slice(2).join('') as string;
      expect(keyTemplate.replace(/^\//, '')).toBe(partitionPrefix(dataset, '${instance_id}', '${dt}'));
      const firehosePrefix = streamOf(dataset).Prefix as string;
      expect(firehosePrefix.replace('!{partitionKeyFromLambda:instance_id}', '${instance_id}').replace('!{partitionKeyFromLambda:dt}', '${dt}')).toBe(keyTemplate.replace(/^\//, ''));
    }
  });
});

describe('Analytics delivery (EventBridge \u2192 Firehose \u2192 S3)', () => {
  it('writes each dataset with its own Firehose stream: Lambda transformation, dynamic partitioning, Parquet conversion against the table', () => {
    template.resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 4);
    const transformId = logicalId(analytics.delivery!.transform);
    for (const dataset of DATASET_NAMES) {
      const s = streamOf(dataset);
      expect(s).toMatchObject({
        Prefix: `analytics/${dataset}/instance_id=!{partitionKeyFromLambda:instance_id}/dt=!{partitionKeyFromLambda:dt}/`,
        ErrorOutputPrefix: `analytics/errors/${dataset}/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/`,
        BufferingHints: { IntervalInSeconds: 300, SizeInMBs: 128 },
        DynamicPartitioningConfiguration: { Enabled: true, RetryOptions: { DurationInSeconds: 7200 } },
        DataFormatConversionConfiguration: {
          Enabled: true,
          InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
          OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: 'GZIP' } } },
          SchemaConfiguration: { DatabaseName: analytics.databaseName, TableName: { Ref: logicalId(analytics.tables[dataset] as never) }, VersionId: 'LATEST' },
        },
      });
      const processors = (s.ProcessingConfiguration as { Enabled: boolean; Processors: { Type: string; Parameters: { ParameterName: string; ParameterValue: unknown }[] }[] });
      expect(processors.Enabled).toBe(true);
      expect(processors.Processors.map((p) => p.Type)).toEqual(['Lambda']);
      expect(JSON.stringify(processors.Processors[0]!.Parameters)).toContain(transformId);
    }
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', { DeliveryStreamEncryptionConfigurationInput: { KeyType: 'AWS_OWNED_CMK' } });
    template.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs24.x', Handler: 'index.handler', Architectures: ['arm64'] });
  });

  it('routes the events each dataset needs, wrapped with the dataset name, with retries and a dead-letter queue', () => {
    const rules = Object.values(resourcesOf(template, 'AWS::Events::Rule')).map((r) => r.Properties!);
    expect(rules).toHaveLength(4);
    const dlqId = logicalId(analytics.delivery!.deadLetterQueue);
    for (const dataset of DATASET_NAMES) {
      const streamId = logicalId(analytics.delivery!.streams[dataset]);
      const rule = rules.find((r) => JSON.stringify(r.Targets).includes(streamId))!;
      const types = DATASET_DETAIL_TYPES[dataset];
      expect(rule.EventPattern).toEqual({ source: ['reachout'], ...(types ? { 'detail-type': types } : {}) });
      expect(rule.Targets).toEqual([
        expect.objectContaining({
          InputTransformer: { InputTemplate: `{"dataset":"${dataset}","event":<aws.events.event.json>}` },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
        }),
      ]);
    }
    expect(DATASET_DETAIL_TYPES).toEqual({ calls: ['CallFinished'], turns: ['CallFinished'], jobs: ['JobComplete'], events: undefined });
  });
});

describe('Athena', () => {
  it('has a workgroup with enforced settings, SSE-S3 encrypted results in the data bucket and a bytes-scanned limit', () => {
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: Match.objectLike({
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 5 * 1024 ** 3,
        ResultConfiguration: {
          OutputLocation: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([`/${DATA_PREFIXES.athenaResults}`])] }),
          EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
        },
      }),
    });
  });

  it('saves every query of lib/analytics/queries.ts, word for word, in the workgroup and database', () => {
    const named = Object.values(resourcesOf(template, 'AWS::Athena::NamedQuery')).map((q) => q.Properties!);
    expect(named.map((q) => q.Name)).toEqual(SAVED_QUERIES.map((q) => q.name));
    for (const q of SAVED_QUERIES) {
      expect(named.find((n) => n.Name === q.name)).toMatchObject({ QueryString: q.sql, Database: analytics.databaseName, WorkGroup: analytics.workgroupName });
    }
    expect(SAVED_QUERIES.map((q) => q.name)).toEqual(
      expect.arrayContaining(['answer-rate-by-day', 'intention-grades', 'funnel', 'top-hangup-nodes', 'attempts-per-callee', 'calls-by-status-and-sip-code']),
    );
    // The code writes hangupParty 'person' (lib/domain/statuses.ts), not 'callee'.
    expect(named.find((n) => n.Name === 'top-hangup-nodes')!.QueryString).toContain("hangup_party = 'person'");
  });

  it('can be created without a bus (tables and queries only)', () => {
    const stack = new Stack(new App(), 'NoBus', { env: TEST_ENV });
    const bare = new Analytics(stack, 'Analytics', { dataBucket: new s3.Bucket(stack, 'B') });
    expect(bare.delivery).toBeUndefined();
    Template.fromStack(stack).resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 0);
  });
});

describe('dataset schemas agree: zod, Glue columns and the Parquet files written', () => {
  let root: string;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'analytics-schema-'));
    const clock = new ManualClock();
    const bus = new LocalBus({ name: 's', clock });
    const writer = attachLocalAnalytics(bus, new FileBlobs({ root, baseUrl: 'http://127.0.0.1/', secret: 's' }), clock);
    await bus.publish([...syntheticEvents({ jobs: 20, seed: 2 })]);
    await bus.idle();
    await writer.close();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const duckType: Record<string, string> = { VARCHAR: 'string', INTEGER: 'int', DOUBLE: 'double', BOOLEAN: 'boolean', 'MAP(VARCHAR, VARCHAR)': 'map<string,string>' };

  it('every written file has exactly the Glue columns (names, order, types), and the views add the partition keys', async () => {
    const db = await openAnalyticsDb(root);
    try {
      for (const dataset of DATASET_NAMES) {
        const glue = (tableOf(dataset).StorageDescriptor as { Columns: { Name: string; Type: string }[] }).Columns.map((c) => [c.Name, c.Type]);
        const files = await db.query(`SELECT DISTINCT file FROM glob(?) ORDER BY file`, [join(root, ANALYTICS_PREFIX, dataset, '*', '*', '*.parquet')]);
        expect(files.length).toBeGreaterThan(0);
        for (const { file } of files) {
          const described = await db.query(`DESCRIBE SELECT * FROM read_parquet(?, hive_partitioning = false)`, [file as string]);
          expect(described.map((d) => [d.column_name, duckType[d.column_type as string] ?? d.column_type])).toEqual(glue);
        }
        const view = await db.query(`DESCRIBE ${dataset}`);
        expect(view.map((d) => [d.column_name, duckType[d.column_type as string] ?? d.column_type])).toEqual(datasetColumns(dataset).map((c) => [c.name, c.type]));
      }
    } finally {
      db.close();
    }
  });
});
