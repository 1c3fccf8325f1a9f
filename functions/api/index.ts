import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { DynamoDbStore } from '../../lib/adapters/aws/dynamodb-store';
import { EventBridgeBus } from '../../lib/adapters/aws/eventbridge-bus';
import { S3Blobs } from '../../lib/adapters/aws/s3-blobs';
import { SfnWorkflows } from '../../lib/adapters/aws/sfn-workflows';
import { SqsQueue } from '../../lib/adapters/aws/sqs-queue';
import { awsServices } from '../composition';
import { loadCursorSecret } from '../../lib/store/cursor-secret';
import { apiOptionsFromEnv, createApiHandler } from './handler';
import { apiRoutes } from './routes';

let api: Promise<ReturnType<typeof createApiHandler>> | undefined;

/**
 * Builds the API on the first request of a container: services from the function's needs, options from its
 * environment. Every Lambda process must seal cursors with the same secret (a page fetched by one process is
 * continued by another): `CURSOR_SECRET` when set, else the one kept in the table.
 */
async function build() {
  const svc = awsServices('api', { store: DynamoDbStore, bus: EventBridgeBus, queue: SqsQueue, blobs: S3Blobs, workflows: SfnWorkflows });
  const options = apiOptionsFromEnv();
  const cursorSecret = options.cursorSecret ?? (await loadCursorSecret(svc.store));
  return createApiHandler(svc, apiRoutes(), { ...options, cursorSecret });
}

/** API Gateway HTTP API (payload 2.0) entry point. */
export const handler = async (event: APIGatewayProxyEventV2, context: Context) => {
  // A failed start (the table unreachable) is not cached: the next request tries again.
  api ??= build().catch((error: unknown) => {
    api = undefined;
    throw error;
  });
  return (await api)(event, context);
};
