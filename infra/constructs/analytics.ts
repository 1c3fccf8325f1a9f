import { Names, Stack, type Duration } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import type * as events from 'aws-cdk-lib/aws-events';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ANALYTICS_PREFIX, DATASET_NAMES, glueColumns, PARTITION_KEYS, type DatasetName } from '../../lib/analytics/datasets';
import { SAVED_QUERIES } from '../../lib/analytics/queries';
import { AnalyticsDelivery } from './analytics-delivery';
import { DATA_PREFIXES } from './data';

/** A Glue column. */
export interface AnalyticsColumn {
  /** Column name (snake_case: Athena lower-cases names). */
  readonly name: string;
  /** Hive type. */
  readonly type: string;
}

/**
 * The Glue columns of each dataset (without the partition keys), generated from the datasets' zod schemas
 * (lib/analytics/datasets.ts), the single source of the columns.
 */
export const ANALYTICS_DATASETS: Record<DatasetName, readonly AnalyticsColumn[]> = {
  calls: glueColumns('calls').map(({ name, type }) => ({ name, type })),
  turns: glueColumns('turns').map(({ name, type }) => ({ name, type })),
  jobs: glueColumns('jobs').map(({ name, type }) => ({ name, type })),
  events: glueColumns('events').map(({ name, type }) => ({ name, type })),
};

/** Props of the analytics layer. */
export interface AnalyticsProps {
  /** Bucket holding the datasets and the Athena results. */
  readonly dataBucket: s3.IBucket;
  /**
   * First day partition projection considers.
   * @default '2024-01-01'
   */
  readonly firstDay?: string;
  /**
   * Bytes one query may scan before Athena cancels it.
   * @default 10 GiB
   */
  readonly bytesScannedCutoffPerQuery?: number;
  /**
   * The bus whose events feed the datasets (through Firehose); without it only the tables, workgroup and saved
   * queries are created and something else must write the files.
   * @default - no delivery
   */
  readonly bus?: events.IEventBus;
  /**
   * The `source` of Reachout events on the bus.
   * @default 'reachout'
   */
  readonly eventSource?: string;
  /**
   * How long Firehose buffers a partition before writing a file (60 s to 900 s): the longest wait before new rows
   * can be queried, and the number of files per partition and day (86,400 / interval).
   * @default Duration.minutes(5)
   */
  readonly bufferInterval?: Duration;
}

/**
 * Analytics (SPEC R7): a Glue database with one Parquet table per dataset (calls, turns, jobs, events), partitioned
 * Hive-style by `instance_id` and `dt` under `analytics/<dataset>/` of the data bucket, with partition projection
 * (injected instance ids, projected days: no crawler, no MSCK REPAIR) matching exactly the layout Firehose writes;
 * an Athena workgroup with enforced settings, encrypted results and a bytes-scanned limit; the saved queries of
 * lib/analytics/queries.ts; and, given the bus, the delivery path (AnalyticsDelivery).
 */
export class Analytics extends Construct {
  /** The Glue database. */
  public readonly database: glue.CfnDatabase;
  /** Its name. */
  public readonly databaseName: string;
  /** Tables by dataset. */
  public readonly tables: Record<DatasetName, glue.CfnTable>;
  /** The Athena workgroup. */
  public readonly workgroup: athena.CfnWorkGroup;
  /** Its name. */
  public readonly workgroupName: string;
  /** Saved queries. */
  public readonly namedQueries: athena.CfnNamedQuery[];
  /** EventBridge → Firehose → S3 delivery, when a bus was given. */
  public readonly delivery?: AnalyticsDelivery;
  private readonly dataBucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: AnalyticsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.dataBucket = props.dataBucket;
    const firstDay = props.firstDay ?? '2024-01-01';

    // Glue and Athena names must be chosen; derive them from the construct path so two stacks never clash.
    this.databaseName = Names.uniqueResourceName(this, { maxLength: 60, separator: '_' }).toLowerCase();
    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: stack.account,
      databaseInput: { name: this.databaseName, description: 'Reachout analytics datasets (calls, turns, jobs, events)' },
    });

    const tables = {} as Record<DatasetName, glue.CfnTable>;
    for (const dataset of DATASET_NAMES) {
      const location = `s3://${props.dataBucket.bucketName}/${ANALYTICS_PREFIX}${dataset}/`;
      const table = new glue.CfnTable(this, `${dataset[0]!.toUpperCase()}${dataset.slice(1)}Table`, {
        catalogId: stack.account,
        databaseName: this.databaseName,
        tableInput: {
          name: dataset,
          description: `Reachout ${dataset}: Parquet, partitioned by instance_id and dt (UTC day); see docs/analytics.md`,
          tableType: 'EXTERNAL_TABLE',
          partitionKeys: PARTITION_KEYS.map((name) => ({ name, type: 'string' })),
          parameters: {
            classification: 'parquet',
            EXTERNAL: 'TRUE',
            'parquet.compression': 'GZIP',
            'projection.enabled': 'true',
            // Instance ids are created at run time: queries name the instance (WHERE instance_id = '...').
            'projection.instance_id.type': 'injected',
            'projection.dt.type': 'date',
            'projection.dt.format': 'yyyy-MM-dd',
            'projection.dt.range': `${firstDay},NOW`,
            'projection.dt.interval': '1',
            'projection.dt.interval.unit': 'DAYS',
            'storage.location.template': `${location}instance_id=\${instance_id}/dt=\${dt}/`,
          },
          storageDescriptor: {
            location,
            columns: glueColumns(dataset),
            inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
            outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
            serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe', parameters: { 'serialization.format': '1' } },
          },
        },
      });
      table.addResourceDependency(this.database);
      tables[dataset] = table;
    }
    this.tables = tables;

    this.workgroupName = Names.uniqueResourceName(this, { maxLength: 120, separator: '-' });
    this.workgroup = new athena.CfnWorkGroup(this, 'Workgroup', {
      name: this.workgroupName,
      description: 'Reachout analytics',
      recursiveDeleteOption: true,
      state: 'ENABLED',
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        requesterPaysEnabled: false,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery ?? 10 * 1024 ** 3,
        engineVersion: { selectedEngineVersion: 'AUTO' },
        resultConfiguration: {
          outputLocation: `s3://${props.dataBucket.bucketName}/${DATA_PREFIXES.athenaResults}`,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        },
      },
    });

    this.namedQueries = SAVED_QUERIES.map((q) => {
      const query = new athena.CfnNamedQuery(this, `Query-${q.name}`, {
        name: q.name,
        description: `${q.description}. Parameters: ${q.parameters.join(', ')}`.slice(0, 1024),
        database: this.databaseName,
        workGroup: this.workgroupName,
        queryString: q.sql,
      });
      query.addResourceDependency(this.workgroup);
      query.addResourceDependency(this.database);
      return query;
    });

    if (props.bus) {
      this.delivery = new AnalyticsDelivery(this, 'Delivery', {
        dataBucket: props.dataBucket,
        bus: props.bus,
        eventSource: props.eventSource,
        tables,
        bufferInterval: props.bufferInterval,
      });
    }
  }

  /** Lets a principal run Athena queries in the workgroup over the datasets. */
  grantQuery(grantee: iam.IGrantable): void {
    const stack = Stack.of(this);
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution', 'athena:GetWorkGroup'],
      resourceArns: [stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.workgroupName })],
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartitions'],
      resourceArns: [
        stack.formatArn({ service: 'glue', resource: 'catalog' }),
        stack.formatArn({ service: 'glue', resource: 'database', resourceName: this.databaseName }),
        stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${this.databaseName}/*` }),
      ],
    });
    this.dataBucket.grantRead(grantee, `${ANALYTICS_PREFIX}*`);
    this.dataBucket.grantReadWrite(grantee, `${DATA_PREFIXES.athenaResults}*`);
  }

  /** Lets a principal write the datasets. */
  grantWriteDatasets(grantee: iam.IGrantable): iam.Grant {
    return this.dataBucket.grantPut(grantee, `${ANALYTICS_PREFIX}*`);
  }
}
