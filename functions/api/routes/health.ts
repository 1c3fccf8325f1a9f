import * as z from 'zod';
import { route, type Route } from '../route';

/** Version reported by the health route and instance statistics. */
export const SERVICE_VERSION = '0.1.0';

/** `GET /health`: liveness plus a store round trip, unauthenticated. */
export const healthRoutes: Route[] = [
  route({
    method: 'GET',
    path: '/health',
    summary: 'Liveness check (unauthenticated)',
    tags: ['health'],
    public: true,
    response: z.object({ status: z.literal('ok'), version: z.string(), time: z.string() }),
    async handle(_req, deps) {
      await deps.store.get({ pk: 'HEALTH', sk: 'HEALTH' });
      return { body: { status: 'ok', version: SERVICE_VERSION, time: new Date(deps.clock.now()).toISOString() } };
    },
  }),
];
