import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { DynamoDbStore } from '../../lib/adapters/aws/dynamodb-store';
import { EventBridgeBus } from '../../lib/adapters/aws/eventbridge-bus';
import { S3Blobs } from '../../lib/adapters/aws/s3-blobs';
import { SfnWorkflows } from '../../lib/adapters/aws/sfn-workflows';
import { SqsQueue } from '../../lib/adapters/aws/sqs-queue';
import { awsServices } from '../composition';
import { createApiHandler } from './handler';
import { apiRoutes } from './routes';

let api: ReturnType<typeof createApiHandler> | undefined;

/** API Gateway HTTP API (payload 2.0) entry point; services are built on the first request of a container. */
export const handler = (event: APIGatewayProxyEventV2, context: Context) =>
  (api ??= createApiHandler(awsServices('api', { store: DynamoDbStore, bus: EventBridgeBus, queue: SqsQueue, blobs: S3Blobs, workflows: SfnWorkflows }), apiRoutes()))(event, context);
