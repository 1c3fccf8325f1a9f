import { Names, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DATA_PREFIXES } from './data';

/** A Glue column. */
export interface AnalyticsColumn {
  /** Column name (snake_case: Athena lower-cases names). */
  readonly name: string;
  /** Hive type. */
  readonly type: string;
}

const col = (name: string, type = 'string'): AnalyticsColumn => ({ name, type });

/**
 * The analytics datasets (R7): Parquet files under `analytics/<dataset>/dt=YYYY-MM-DD/` in the data bucket, one
 * row per call / job / turn / event. Writers use these column names; times are ISO 8601 strings (UTC).
 */
export const ANALYTICS_DATASETS: Record<'calls' | 'jobs' | 'turns' | 'events', readonly AnalyticsColumn[]> = {
  calls: [
    col('call_id'), col('instance_id'), col('campaign_id'), col('job_id'), col('attempt', 'int'), col('caller'), col('callee'),
    col('reference_id'), col('scenario_id'), col('scenario_version', 'int'), col('planned_at'), col('dialled_at'), col('rung_at'),
    col('answered_at'), col('ended_at'), col('ring_seconds', 'double'), col('talk_seconds', 'double'), col('turns', 'int'),
    col('answered', 'boolean'), col('completed', 'boolean'), col('transferred', 'boolean'), col('no_match_hangup', 'boolean'),
    col('hangup_party'), col('hangup_node'), col('hangup_reason'), col('status'), col('sip_code', 'int'), col('recording_key'),
    col('tags', 'map<string,string>'),
  ],
  jobs: [
    col('job_id'), col('instance_id'), col('campaign_id'), col('reference_id'), col('callee'), col('status'), col('failure_reason'),
    col('attempts', 'int'), col('intent_grade'), col('created_at'), col('updated_at'), col('completed_at'),
    col('tags', 'map<string,string>'), col('variables', 'map<string,string>'),
  ],
  turns: [
    col('call_id'), col('instance_id'), col('campaign_id'), col('job_id'), col('turn_index', 'int'), col('time'), col('node_id'),
    col('prompt'), col('user_text'), col('intent'), col('score', 'double'), col('outcome'),
  ],
  events: [col('id'), col('instance_id'), col('detail_type'), col('source'), col('time'), col('detail')],
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
}

/**
 * Analytics (R7): a Glue database with Parquet tables partitioned by `dt` (Hive style, partition projection, so no
 * crawler and no MSCK REPAIR), an Athena workgroup with enforced settings and its results in the data bucket, and
 * saved example queries.
 */
export class Analytics extends Construct {
  /** The Glue database. */
  public readonly database: glue.CfnDatabase;
  /** Its name. */
  public readonly databaseName: string;
  /** Tables by dataset. */
  public readonly tables: Record<keyof typeof ANALYTICS_DATASETS, glue.CfnTable>;
  /** The Athena workgroup. */
  public readonly workgroup: athena.CfnWorkGroup;
  /** Its name. */
  public readonly workgroupName: string;
  /** Saved example queries. */
  public readonly namedQueries: athena.CfnNamedQuery[];
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
      databaseInput: { name: this.databaseName, description: 'Reachout analytics datasets (calls, jobs, turns, events)' },
    });

    const tables = {} as Record<keyof typeof ANALYTICS_DATASETS, glue.CfnTable>;
    for (const [dataset, columns] of Object.entries(ANALYTICS_DATASETS) as [keyof typeof ANALYTICS_DATASETS, readonly AnalyticsColumn[]][]) {
      const location = `s3://${props.dataBucket.bucketName}/${DATA_PREFIXES.analytics}${dataset}/`;
      const table = new glue.CfnTable(this, `${dataset[0]!.toUpperCase()}${dataset.slice(1)}Table`, {
        catalogId: stack.account,
        databaseName: this.databaseName,
        tableInput: {
          name: dataset,
          description: `Reachout ${dataset}, one Parquet dataset per day`,
          tableType: 'EXTERNAL_TABLE',
          partitionKeys: [{ name: 'dt', type: 'string' }],
          parameters: {
            classification: 'parquet',
            EXTERNAL: 'TRUE',
            'parquet.compression': 'SNAPPY',
            'projection.enabled': 'true',
            'projection.dt.type': 'date',
            'projection.dt.format': 'yyyy-MM-dd',
            'projection.dt.range': `${firstDay},NOW`,
            'projection.dt.interval': '1',
            'projection.dt.interval.unit': 'DAYS',
            'storage.location.template': `${location}dt=\${dt}/`,
          },
          storageDescriptor: {
            location,
            columns: columns.map((c) => ({ name: c.name, type: c.type })),
            inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
            outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
            serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
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

    const queries: { name: string; description: string; sql: string }[] = [
      {
        name: 'answer-rate-by-campaign-and-day',
        description: 'Calls placed, answered and answer rate per campaign and day (R4)',
        sql: `SELECT campaign_id, dt, count(*) AS calls, count_if(answered) AS answered,
  round(100.0 * count_if(answered) / count(*), 2) AS answer_rate_pct
FROM calls
WHERE dt >= date_format(current_date - interval '7' day, '%Y-%m-%d')
GROUP BY campaign_id, dt
ORDER BY dt DESC, campaign_id;`,
      },
      {
        name: 'call-status-distribution',
        description: 'Call statuses of the last 7 days (T3)',
        sql: `SELECT status, count(*) AS calls
FROM calls
WHERE dt >= date_format(current_date - interval '7' day, '%Y-%m-%d')
GROUP BY status
ORDER BY calls DESC;`,
      },
      {
        name: 'top-intents',
        description: 'Top 30 matched intents of the last 7 days (R3)',
        sql: `SELECT intent, count(*) AS turns, round(avg(score), 3) AS avg_score
FROM turns
WHERE dt >= date_format(current_date - interval '7' day, '%Y-%m-%d') AND intent IS NOT NULL
GROUP BY intent
ORDER BY turns DESC
LIMIT 30;`,
      },
      {
        name: 'top-hangup-nodes',
        description: 'Top 30 nodes where the person hung up (R3)',
        sql: `SELECT hangup_node, count(*) AS calls
FROM calls
WHERE dt >= date_format(current_date - interval '7' day, '%Y-%m-%d') AND hangup_party = 'callee' AND hangup_node IS NOT NULL
GROUP BY hangup_node
ORDER BY calls DESC
LIMIT 30;`,
      },
      {
        name: 'job-outcomes-by-campaign',
        description: 'Job statuses and failure reasons per campaign',
        sql: `SELECT campaign_id, status, failure_reason, count(*) AS jobs
FROM jobs
GROUP BY campaign_id, status, failure_reason
ORDER BY campaign_id, jobs DESC;`,
      },
    ];
    this.namedQueries = queries.map((q) => {
      const query = new athena.CfnNamedQuery(this, `Query-${q.name}`, {
        name: q.name,
        description: q.description,
        database: this.databaseName,
        workGroup: this.workgroupName,
        queryString: q.sql,
      });
      query.addResourceDependency(this.workgroup);
      query.addResourceDependency(this.database);
      return query;
    });
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
    this.dataBucket.grantRead(grantee, `${DATA_PREFIXES.analytics}*`);
    this.dataBucket.grantReadWrite(grantee, `${DATA_PREFIXES.athenaResults}*`);
  }

  /** Lets a principal write the datasets. */
  grantWriteDatasets(grantee: iam.IGrantable): iam.Grant {
    return this.dataBucket.grantPut(grantee, `${DATA_PREFIXES.analytics}*`);
  }
}
