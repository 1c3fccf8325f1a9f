import type { Route } from '../route';
import { healthRoutes } from './health';
import { instanceRoutes } from './instances';

/** Every route of the REST API, in the order they are documented. */
export const allRoutes: Route[] = [...healthRoutes, ...instanceRoutes];
