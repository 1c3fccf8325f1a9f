import { openApiDocument } from '../openapi';
import { route, type Route } from '../route';
import { SERVICE_VERSION, healthRoutes } from './health';
import { instanceRoutes } from './instances';
import { scenarioRoutes } from './scenarios';
import { callRoutes } from './calls';
import { campaignRoutes } from './campaigns';
import { jobRoutes } from './jobs';
import { listRoutes } from './lists';
import { resultRoutes } from './results';

/** Every route of the REST API, in the order they are documented. */
export const allRoutes: Route[] = [...healthRoutes, ...instanceRoutes, ...scenarioRoutes, ...callRoutes, ...campaignRoutes, ...jobRoutes, ...listRoutes, ...resultRoutes];

/** All routes plus `GET /openapi.json`, the document generated from their schemas (E3). */
export function apiRoutes(routes: Route[] = allRoutes): Route[] {
  const document = openApiDocument(routes, { version: SERVICE_VERSION });
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
  return [...routes, openapi];
}
