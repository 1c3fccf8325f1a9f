import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { INDEX_NAMES, INDEX_PROJECTIONS, type Projection } from '../../lib/store/indexes';
import { acknowledgeOnGrantee, nagArnRef } from './nag';

/** Secondary indexes of the single table (lib/store/keys.ts puts `<index>pk` / `<index>sk` on items to index them). */
export const TABLE_INDEXES = INDEX_NAMES;

/** Key prefixes in the data bucket that other constructs rely on. */
export const DATA_PREFIXES = {
  /** Generated exports (R6): short-lived, downloaded by link. */
  exports: 'exports/',
  /** Uploaded contact lists before import. */
  imports: 'imports/',
  /** Analytics datasets (R7), Hive-style `dt=` partitions under one prefix per dataset. */
  analytics: 'analytics/',
  /** Athena query results. */
  athenaResults: 'athena-results/',
  /** Presigned contact uploads (`uploads/{instanceId}/{campaignId}/{importId}.{csv|xlsx}`); their object-created events start imports. */
  uploads: 'uploads/',
} as const;

/** Props of the data layer. */
export interface DataProps {
  /**
   * What happens to the table and buckets when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Origins whose pages may PUT presigned contact uploads to the data bucket (CORS).
   * @default ['*'] (the presigned URL is the authorisation)
   */
  readonly uploadOrigins?: string[];
  /**
   * Days an export stays in the data bucket.
   * @default 7
   */
  readonly exportRetentionDays?: number;
  /**
   * Days an uploaded import file stays in the data bucket.
   * @default 7
   */
  readonly importRetentionDays?: number;
  /**
   * Days before recordings move to infrequent access.
   * @default 30
   */
  readonly recordingsInfrequentAccessDays?: number;
  /**
   * Days a recording is kept; undefined keeps recordings forever.
   * @default - kept forever
   */
  readonly recordingRetentionDays?: number;
  /**
   * Indexes to keep projecting every attribute although lib/store/indexes.ts narrows them (gsi2, gsi3: keys only;
   * gsi1: the job's fields): for a table made before they were narrowed, whose indexes DynamoDB cannot change in
   * place (CloudFormation refuses the update). Every attribute is a superset of what the code reads from them (it
   * reads other attributes back by key), so such a table works unchanged, at the older write cost, until it is
   * migrated (docs/deploy.md).
   * @default [] (every index projects what INDEX_PROJECTIONS says)
   */
  readonly allAttributeIndexes?: readonly string[];
}

/** An index projection as the CDK table spells it. */
function cdkProjection(p: Projection): { projectionType: dynamodb.ProjectionType; nonKeyAttributes?: string[] } {
  if (p.type === 'INCLUDE') return { projectionType: dynamodb.ProjectionType.INCLUDE, nonKeyAttributes: [...p.attributes] };
  return { projectionType: p.type === 'KEYS_ONLY' ? dynamodb.ProjectionType.KEYS_ONLY : dynamodb.ProjectionType.ALL };
}

/** The single DynamoDB table and the two buckets (data: imports, exports, analytics; recordings: call audio). */
export class Data extends Construct {
  /** The single table (pk/sk + gsi1..gsi4). */
  public readonly table: dynamodb.Table;
  /** Imports, exports, analytics datasets and Athena results. */
  public readonly dataBucket: s3.Bucket;
  /** Call recordings, written by Chime (T5). */
  public readonly recordingsBucket: s3.Bucket;
  /** Server access logs of both buckets. */
  public readonly accessLogsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: DataProps = {}) {
    super(scope, id);
    // Log delivery through a bucket policy instead of the legacy LogDeliveryWrite ACL, whatever the app's flags.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const allAttributes = new Set(props.allAttributeIndexes ?? []);
    const narrowed = INDEX_NAMES.filter((i) => INDEX_PROJECTIONS[i].type !== 'ALL');
    for (const index of allAttributes) {
      if (!(narrowed as readonly string[]).includes(index)) throw new Error(`allAttributeIndexes: ${index} is not an index with a narrowed projection (${narrowed.join(', ')})`);
    }
    const destroying = removalPolicy === RemovalPolicy.DESTROY;

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });
    for (const index of TABLE_INDEXES) {
      this.table.addGlobalSecondaryIndex({
        indexName: index,
        partitionKey: { name: `${index}pk`, type: dynamodb.AttributeType.STRING },
        sortKey: { name: `${index}sk`, type: dynamodb.AttributeType.STRING },
        // gsi2-gsi4 project keys only and gsi1 the job's fields, so an item's updates of other attributes (its
        // pending effects above all) never write to them (lib/store/indexes.ts).
        ...cdkProjection(allAttributes.has(index) ? { type: 'ALL' } : INDEX_PROJECTIONS[index]),
      });
    }

    const common: s3.BucketProps = {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      removalPolicy,
      autoDeleteObjects: destroying,
    };
    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      ...common,
      versioned: false,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(90) }],
    });
    this.dataBucket = new s3.Bucket(this, 'DataBucket', {
      ...common,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'data/',
      lifecycleRules: [
        { id: 'expire-exports', prefix: DATA_PREFIXES.exports, expiration: Duration.days(props.exportRetentionDays ?? 7), noncurrentVersionExpiration: Duration.days(1) },
        { id: 'expire-imports', prefix: DATA_PREFIXES.imports, expiration: Duration.days(props.importRetentionDays ?? 7), noncurrentVersionExpiration: Duration.days(1) },
        { id: 'expire-uploads', prefix: DATA_PREFIXES.uploads, expiration: Duration.days(props.importRetentionDays ?? 7), noncurrentVersionExpiration: Duration.days(1) },
        { id: 'expire-athena-results', prefix: DATA_PREFIXES.athenaResults, expiration: Duration.days(7), noncurrentVersionExpiration: Duration.days(1) },
        { id: 'noncurrent-versions', noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    // Presigned uploads go straight from the client (browsers included) to the bucket: the signature
    // authorises the PUT, CORS only lets a page send it.
    this.dataBucket.addCorsRule({ allowedMethods: [s3.HttpMethods.PUT], allowedOrigins: props.uploadOrigins ?? ['*'], allowedHeaders: ['content-type'], maxAge: 3600 });
    // Object-created events go to EventBridge: a rule sends the `uploads/` ones to the work queue (the stack wires it).
    (this.dataBucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
    this.recordingsBucket = new s3.Bucket(this, 'RecordingsBucket', {
      ...common,
      // Chime writes recordings as the voiceconnector service principal; SSE-S3 needs no key policy for it.
      encryption: s3.BucketEncryption.S3_MANAGED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'recordings/',
      lifecycleRules: [
        {
          id: 'recordings',
          transitions: [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(props.recordingsInfrequentAccessDays ?? 30) }],
          expiration: props.recordingRetentionDays === undefined ? undefined : Duration.days(props.recordingRetentionDays),
          noncurrentVersionExpiration: Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    // Object-created events go to EventBridge (a bucket property, no deploy-time custom resource): a rule
    // there attaches each recording to its call (infra/constructs/telephony.ts).
    (this.recordingsBucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
  }

  /** Read and write items of the table and its indexes. */
  grantTableReadWrite(grantee: iam.IGrantable): iam.Grant {
    this.acknowledgeIndexes(grantee);
    return this.table.grantReadWriteData(grantee);
  }

  /** Read items of the table and its indexes. */
  grantTableRead(grantee: iam.IGrantable): iam.Grant {
    this.acknowledgeIndexes(grantee);
    return this.table.grantReadData(grantee);
  }

  /** Read and write the data bucket. */
  grantDataReadWrite(grantee: iam.IGrantable): iam.Grant {
    this.acknowledgeBucket(grantee, this.dataBucket, true);
    return this.dataBucket.grantReadWrite(grantee);
  }

  /** Read the data bucket. */
  grantDataRead(grantee: iam.IGrantable): iam.Grant {
    this.acknowledgeBucket(grantee, this.dataBucket, false);
    return this.dataBucket.grantRead(grantee);
  }

  /** Read the recordings bucket (presigned links are signed with the caller's rights). */
  grantRecordingsRead(grantee: iam.IGrantable): iam.Grant {
    this.acknowledgeBucket(grantee, this.recordingsBucket, false);
    return this.recordingsBucket.grantRead(grantee);
  }

  /** Read and write the recordings bucket. */
  grantRecordingsReadWrite(grantee: iam.IGrantable): iam.Grant {
    this.acknowledgeBucket(grantee, this.recordingsBucket, true);
    return this.recordingsBucket.grantReadWrite(grantee);
  }

  private acknowledgeIndexes(grantee: iam.IGrantable): void {
    acknowledgeOnGrantee(
      grantee,
      `AwsSolutions-IAM5[Resource::${nagArnRef(this.table.node.defaultChild as CfnElement)}/index/*]`,
      'Queries use the single table\'s secondary indexes (gsi1..gsi4), all of this one table',
    );
  }

  private acknowledgeBucket(grantee: iam.IGrantable, bucket: s3.Bucket, write: boolean): void {
    const why = 'Objects are keyed per instance and per entity at run time; access is limited to this one bucket';
    acknowledgeOnGrantee(grantee, `AwsSolutions-IAM5[Resource::${nagArnRef(bucket.node.defaultChild as CfnElement)}/*]`, why);
    const actions = write ? ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'] : ['s3:GetObject*', 's3:GetBucket*', 's3:List*'];
    for (const action of actions) {
      acknowledgeOnGrantee(grantee, `AwsSolutions-IAM5[Action::${action}]`, 'CDK grant action groups (object read/write/delete, multipart abort) on one bucket');
    }
  }

  /** Table read/write plus data bucket read/write: what most functions need. */
  grantReadWrite(grantee: iam.IGrantable): void {
    this.grantTableReadWrite(grantee);
    this.grantDataReadWrite(grantee);
  }
}
