import { awsDeps } from '../deps';
import { apiOptionsFromEnv, createApiHandler } from './handler';
import { apiRoutes } from './routes';

const deps = awsDeps('api');
const options = apiOptionsFromEnv();
if (!options.cursorSecret) {
  // Each Lambda process would seal cursors with its own random key: pages would fail across instances.
  deps.log.error('CURSOR_SECRET is not set; pagination cursors only work within one Lambda instance');
}

/** API Gateway HTTP API (payload 2.0) entry point. */
export const handler = createApiHandler(deps, apiRoutes(), options);
