import { awsDeps } from '../deps';
import { createApiHandler } from './handler';
import { apiRoutes } from './routes';

/** API Gateway HTTP API (payload 2.0) entry point. */
export const handler = createApiHandler(awsDeps('api'), apiRoutes());
