import * as z from 'zod';
import { openApiDocument } from '../openapi';
import { route, type Route } from '../route';
import { SERVICE_VERSION, healthRoutes } from './health';
import { instanceRoutes } from './instances';
import { scenarioRoutes } from './scenarios';
import { callRoutes } from './calls';
import { campaignRoutes } from './campaigns';
import { jobRoutes } from './jobs';
import { listRoutes } from './lists';
import { principalRoutes } from './principals';
import { webhookRoutes } from './webhooks';
import { auditRoutes } from './audit';
import { withSchemaExamples } from '../examples';
import { resultRoutes } from './results';

/** Every route of the REST API, in the order they are documented. */
export const allRoutes: Route[] = [
  ...healthRoutes,
  ...instanceRoutes,
  ...scenarioRoutes,
  ...callRoutes,
  ...campaignRoutes,
  ...jobRoutes,
  ...listRoutes,
  ...principalRoutes,
  ...webhookRoutes,
  ...auditRoutes,
  ...resultRoutes,
];
withSchemaExamples([...webhookRoutes, ...auditRoutes]);

/** All routes plus `GET /openapi.json`, the document generated from their schemas (E3). */
export function apiRoutes(routes: Route[] = allRoutes): Route[] {
  // Built on first request, not at module load: it is not needed by most invocations (cold start).
  let document: Record<string, unknown> | undefined;
  const openapi: Route = route({
    method: 'GET',
    path: '/openapi.json',
    summary: 'The OpenAPI document of this API',
    tags: ['health'],
    public: true,
    response: z.looseObject({ openapi: z.string(), info: z.looseObject({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()) }),
    async handle(): Promise<{ body: Record<string, unknown> }> {
      return { body: (document ??= openApiDocument([...routes, openapi], { version: SERVICE_VERSION })) };
    },
  });
  return [...routes, openapi];
}
