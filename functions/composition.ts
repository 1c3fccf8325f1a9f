import type { ChimeTelephony } from '../lib/adapters/aws/chime-telephony';
import { PHONE_GEO_FOLDER } from '../lib/adapters/geo/bundle';
import type { LibphonenumberGeo } from '../lib/adapters/geo/libphonenumber-geo';
import type { DynamoDbStore } from '../lib/adapters/aws/dynamodb-store';
import type { EventBridgeBus } from '../lib/adapters/aws/eventbridge-bus';
import type { S3Blobs } from '../lib/adapters/aws/s3-blobs';
import type { SfnWorkflows } from '../lib/adapters/aws/sfn-workflows';
import type { SqsQueue } from '../lib/adapters/aws/sqs-queue';
import { compose } from '../lib/composition';
import { DEFAULT_EVENT_SOURCE, type Deps, type Services } from '../lib/core/deps';
import { AdapterError } from '../lib/core/errors';
import { createLogger } from '../lib/core/log';
import { systemClock } from '../lib/ports/clock';
import { FUNCTION_NEEDS, type FunctionName } from './needs';

/**
 * The AWS side of the composition root: a function's adapters from its environment and its declared
 * needs (functions/needs.ts). Each entry module passes the adapter classes it imports, so its bundle
 * carries only those SDK clients; a port the function does not declare fails loudly when used.
 */

/** Adapter classes an entry module provides. */
export interface AwsAdapters {
  store?: typeof DynamoDbStore;
  bus?: typeof EventBridgeBus;
  queue?: typeof SqsQueue;
  blobs?: typeof S3Blobs;
  telephony?: typeof ChimeTelephony;
  workflows?: typeof SfnWorkflows;
  /** Phone geocoding; its data files are copied beside the bundle of the functions that pass it (infra/constructs/dialing.ts). */
  geo?: typeof LibphonenumberGeo;
}


function env(name: string, fallback?: string): string {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`environment variable ${name} is not set`);
  return value;
}

/** A port the function did not declare: any use is a deployment error, reported as such. */
function absent<T extends object>(fn: string, port: string): T {
  return new Proxy({} as T, {
    get: (_t, prop) => {
      if (prop === 'then') return undefined;
      return () => {
        throw new AdapterError(port, String(prop), `function ${fn} does not declare ${port} in functions/needs.ts`);
      };
    },
  });
}

const cache = new Map<FunctionName, Services>();

/** The services of a deployed function, built once per container. */
export function awsServices(fn: FunctionName, adapters: AwsAdapters): Services {
  const hit = cache.get(fn);
  if (hit) return hit;
  const needs = FUNCTION_NEEDS[fn] as (typeof FUNCTION_NEEDS)[FunctionName] & Record<string, unknown>;
  const send = new Set<string>((needs.send as readonly string[] | undefined) ?? []);
  const queue = (name: 'dial' | 'tick' | 'work' | 'webhooks', variable: string) =>
    send.has(name) && adapters.queue ? new adapters.queue({ queueUrl: env(variable) }) : absent<SqsQueue>(fn, `${name} queue`);
  const log = createLogger({ service: fn });
  const deps: Deps = {
    // The adapter's own client: one per container, made on first use (lib/adapters/aws/dynamodb-store.ts).
    store: needs.store && adapters.store ? new adapters.store({ tableName: env('TABLE_NAME') }) : absent(fn, 'store'),
    queues: {
      dial: queue('dial', 'DIAL_QUEUE_URL'),
      tick: queue('tick', 'TICK_QUEUE_URL'),
      work: queue('work', 'WORK_QUEUE_URL'),
      ...(send.has('webhooks') ? { webhooks: queue('webhooks', 'WEBHOOK_QUEUE_URL') } : {}),
    },
    bus: needs.bus && adapters.bus ? new adapters.bus({ busName: env('EVENT_BUS_NAME') }) : absent(fn, 'bus'),
    blobs: {
      data: needs.data && adapters.blobs ? new adapters.blobs({ bucket: env('DATA_BUCKET') }) : absent(fn, 'data bucket'),
      recordings: needs.recordings && adapters.blobs ? new adapters.blobs({ bucket: env('RECORDINGS_BUCKET') }) : absent(fn, 'recordings bucket'),
    },
    telephony: needs.telephony && adapters.telephony ? new adapters.telephony({ sipMediaApplicationId: env('SMA_ID') }) : absent(fn, 'telephony'),
    workflows: needs.workflows && adapters.workflows ? new adapters.workflows({ stateMachineArn: env('STATE_MACHINE_ARN') }) : absent(fn, 'workflows'),
    ...(adapters.geo ? { geo: new adapters.geo({ dataDir: env('PHONE_GEO_DIR', `${env('LAMBDA_TASK_ROOT', '.')}/${PHONE_GEO_FOLDER}`), log }) } : {}),
    clock: systemClock,
    log,
    config: {
      eventSource: env('EVENT_SOURCE', DEFAULT_EVENT_SOURCE),
      callsPerSecond: Number(env('CALLS_PER_SECOND', '1')),
      recognizerBotAliasArn: process.env.RECOGNIZER_BOT_ALIAS_ARN,
      region: env('AWS_REGION', 'us-east-1'),
    },
  };
  const svc = compose(deps);
  cache.set(fn, svc);
  return svc;
}
