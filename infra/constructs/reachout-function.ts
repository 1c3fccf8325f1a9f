import { fileURLToPath } from 'node:url';
import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { METRICS_SERVICE, metricsNamespace } from '../../lib/core/metrics';
import { BUNDLE_ALIASES, BUNDLE_BANNER, BUNDLE_MAIN_FIELDS, bundleDefine, RECOGNITION_PROVIDERS_ENV } from '../bundling';
import { acknowledge } from './nag';

/** Repository root: entries, the lock file and esbuild are resolved from here, whatever the working directory. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The Node.js runtime every Reachout function runs on. */
export const REACHOUT_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** Props of a Reachout function. */
export interface ReachoutFunctionProps {
  /** Entry file relative to the repository root, e.g. `functions/dialer.ts`. */
  readonly entry: string;
  /**
   * Exported handler name.
   * @default 'handler'
   */
  readonly handler?: string;
  /**
   * What the function does (shows in the console).
   * @default - none
   */
  readonly description?: string;
  /**
   * Timeout.
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /**
   * Memory in MiB.
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Environment variables, merged over the defaults (NODE_OPTIONS, LOG_LEVEL).
   * @default - defaults only
   */
  readonly environment?: Record<string, string>;
  /**
   * Reserved concurrency.
   * @default - none (unreserved; new accounts have too little concurrency to reserve any)
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Application log level (also passed as LOG_LEVEL).
   * @default 'INFO'
   */
  readonly logLevel?: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL';
  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Removal policy of the function's log group.
   * @default RemovalPolicy.DESTROY
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * Extra bundling options, merged over the defaults (ESM, node24, minified, source maps).
   * @default - defaults only
   */
  readonly bundling?: NodejsFunctionProps['bundling'];
}

/**
 * The one Lambda function shape of Reachout: Node.js 24 on arm64, JSON logs, active tracing, its own log group with a
 * retention, source maps, and ESM bundles made by the locally installed esbuild.
 *
 * Its role may write to its own log group only (no AWSLambdaBasicExecutionRole, whose logs actions apply to every log
 * group of the account); grants add the rest (infra/needs.ts). Powertools reads POWERTOOLS_SERVICE_NAME and
 * POWERTOOLS_METRICS_NAMESPACE (`Reachout/<stack name>`, where the alarms look for the product metrics).
 */
export class ReachoutFunction extends NodejsFunction {
  /** The function's log group. */
  public readonly logs: logs.ILogGroup;

  constructor(scope: Construct, id: string, props: ReachoutFunctionProps) {
    const logLevel = props.logLevel ?? 'INFO';
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(scope, `${id}ServiceRole`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Reachout function ${id}: its own logs plus what infra/needs.ts grants`,
    });
    // CreateLogStream and PutLogEvents on this log group (its ARN ends in `:*`, the streams).
    logGroup.grant(role, 'logs:CreateLogStream', 'logs:PutLogEvents');
    super(scope, id, {
      entry: path.join(PROJECT_ROOT, props.entry),
      handler: props.handler ?? 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: REACHOUT_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      timeout: props.timeout ?? Duration.seconds(30),
      memorySize: props.memorySize ?? 512,
      tracing: lambda.Tracing.ACTIVE,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel[logLevel],
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      logGroup,
      role,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        LOG_LEVEL: logLevel,
        POWERTOOLS_SERVICE_NAME: METRICS_SERVICE,
        POWERTOOLS_METRICS_NAMESPACE: metricsNamespace(Stack.of(scope).stackName),
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        // Bundle the pinned SDK versions instead of trusting whatever the runtime ships.
        externalModules: [],
        mainFields: BUNDLE_MAIN_FIELDS,
        banner: BUNDLE_BANNER,
        // Deployment settings read at module level are fixed in the bundle, as in the environment (infra/bundling.ts).
        define: bundleDefine(props.environment?.[RECOGNITION_PROVIDERS_ENV]),
        // The SDK's credential chain reduced to what Lambda uses (infra/bundling.ts).
        esbuildArgs: { '--alias': Object.entries(BUNDLE_ALIASES).map(([name, path]) => `${name}=${path}`) },
        forceDockerBundling: false,
        ...props.bundling,
      },
    });
    this.logs = logGroup;
    acknowledge(role, 'AwsSolutions-IAM5[Resource::*]', 'X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) support no resource-level permissions');
  }
}
