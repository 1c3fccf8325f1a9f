import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { DynamoDbStore } from '../../lib/adapters/aws/dynamodb-store';
import { EventBridgeBus } from '../../lib/adapters/aws/eventbridge-bus';
import { S3Blobs } from '../../lib/adapters/aws/s3-blobs';
import { SfnWorkflows } from '../../lib/adapters/aws/sfn-workflows';
import { SqsQueue } from '../../lib/adapters/aws/sqs-queue';
import { awsServices } from '../composition';
import { apiOptionsFromEnv, createApiHandler } from './handler';
import { apiRoutes } from './routes';

let api: ReturnType<typeof createApiHandler> | undefined;

/** Builds the API on the first request of a container: services from the function's needs, options from its environment. */
function build() {
  const svc = awsServices('api', { store: DynamoDbStore, bus: EventBridgeBus, queue: SqsQueue, blobs: S3Blobs, workflows: SfnWorkflows });
  const options = apiOptionsFromEnv();
  if (!options.cursorSecret) {
    // Each Lambda process would seal cursors with its own random key: pages would fail across instances.
    svc.log.error('CURSOR_SECRET is not set; pagination cursors only work within one Lambda instance');
  }
  return createApiHandler(svc, apiRoutes(), options);
}

/** API Gateway HTTP API (payload 2.0) entry point. */
export const handler = (event: APIGatewayProxyEventV2, context: Context) => (api ??= build())(event, context);
