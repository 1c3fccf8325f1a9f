import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ChimeTelephony } from '../lib/adapters/aws/chime-telephony';
import { DynamoDbStore } from '../lib/adapters/aws/dynamodb-store';
import { EventBridgeBus } from '../lib/adapters/aws/eventbridge-bus';
import { S3Blobs } from '../lib/adapters/aws/s3-blobs';
import { SfnWorkflows } from '../lib/adapters/aws/sfn-workflows';
import { SqsQueue } from '../lib/adapters/aws/sqs-queue';
import { DEFAULT_EVENT_SOURCE, type Deps } from '../lib/core/deps';
import { createLogger } from '../lib/core/log';
import { systemClock } from '../lib/ports/clock';

function env(name: string, fallback?: string): string {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`environment variable ${name} is not set`);
  return value;
}

let cached: Deps | undefined;

/**
 * Deps for a deployed function, from its environment. Built once per module (SDK clients live for
 * the container's lifetime); only the adapters a function's environment names are usable.
 */
export function awsDeps(service = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'reachout'): Deps {
  if (cached) return cached;
  const lazy = <T extends object>(make: () => T): T => {
    let value: T | undefined;
    // Adapters are made on first use, so a function only needs the environment of what it touches.
    return new Proxy({} as T, {
      get: (_t, prop) => {
        const target = (value ??= make());
        const member = Reflect.get(target, prop);
        return typeof member === 'function' ? member.bind(target) : member;
      },
    });
  };
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  cached = {
    store: lazy(() => new DynamoDbStore({ tableName: env('TABLE_NAME'), client: doc })),
    queues: {
      dial: lazy(() => new SqsQueue({ queueUrl: env('DIAL_QUEUE_URL') })),
      tick: lazy(() => new SqsQueue({ queueUrl: env('TICK_QUEUE_URL') })),
      work: lazy(() => new SqsQueue({ queueUrl: env('WORK_QUEUE_URL') })),
    },
    bus: lazy(() => new EventBridgeBus({ busName: env('EVENT_BUS_NAME') })),
    blobs: {
      data: lazy(() => new S3Blobs({ bucket: env('DATA_BUCKET') })),
      recordings: lazy(() => new S3Blobs({ bucket: env('RECORDINGS_BUCKET') })),
    },
    telephony: lazy(() => new ChimeTelephony({ sipMediaApplicationId: env('SMA_ID') })),
    workflows: lazy(() => new SfnWorkflows({ stateMachineArn: env('STATE_MACHINE_ARN') })),
    clock: systemClock,
    log: createLogger({ service }),
    config: {
      eventSource: env('EVENT_SOURCE', DEFAULT_EVENT_SOURCE),
      callsPerSecond: Number(env('CALLS_PER_SECOND', '1')),
      recognizerBotAliasArn: process.env.RECOGNIZER_BOT_ALIAS_ARN,
      region: env('AWS_REGION', 'us-east-1'),
    },
  };
  return cached;
}
