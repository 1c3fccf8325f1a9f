import { awsDeps } from '../deps';
import { createApiHandler } from './handler';
import { openApiDocument } from './openapi';
import { route } from './route';
import { SERVICE_VERSION } from './routes/health';
import { allRoutes } from './routes';

/** Routes plus the OpenAPI document describing them. */
export function routesWithOpenApi() {
  const openapi = route({
    method: 'GET',
    path: '/openapi.json',
    summary: 'The OpenAPI document of this API',
    tags: ['health'],
    public: true,
    async handle() {
      return { body: document };
    },
  });
  const routes = [...allRoutes, openapi];
  const document = openApiDocument(routes, { version: SERVICE_VERSION });
  return routes;
}

/** API Gateway HTTP API (payload 2.0) entry point. */
export const handler = createApiHandler(awsDeps('api'), routesWithOpenApi());
