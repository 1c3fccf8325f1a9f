import type * as z from 'zod';
import type { Services } from '../../lib/core/deps';

/** What a route handler receives: validated input plus the caller's instance. */
export interface RouteRequest<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** Lower-cased request headers. */
  headers: Record<string, string>;
  /** Raw body bytes for uploads (spreadsheets); undefined for JSON routes. */
  rawBody?: Buffer;
  /** The instance every read and write of this request is scoped to (SPEC I2). */
  instanceId: string;
  /** Who called (API key id or JWT subject), for the audit log. */
  principal: string;
  /** The caller may administer instances (create them, read any). */
  admin: boolean;
  requestId: string;
}

/** What a route handler returns; `body` is serialised as JSON unless it is a Buffer or string. */
export interface RouteResponse {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One REST route. Schemas validate the input and generate the OpenAPI document. */
export interface Route<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path with `{name}` placeholders, e.g. `/campaigns/{campaignId}`. */
  path: string;
  summary: string;
  tags?: string[];
  params?: P;
  query?: Q;
  body?: B;
  /** Raw (non-JSON) body accepted, e.g. a spreadsheet upload. */
  rawBody?: { contentTypes: string[] };
  /** Response body schema, for the OpenAPI document. */
  response?: z.ZodType;
  /** Success status (default 200). */
  status?: number;
  /** Routes without authentication (health). Default false. */
  public?: boolean;
  /** Only administrators may call it (403 otherwise). Default false. */
  adminOnly?: boolean;
  /**
   * Largest body accepted, bytes (413 above). Default: 6 MB for JSON bodies (the Lambda payload limit),
   * none for raw uploads. Routes that store the body as one item set less (DynamoDB items are ≤ 400 KB).
   */
  maxBodyBytes?: number;
  /**
   * Largest element of a top-level array of a JSON body, bytes (each element, e.g. one contact, becomes one
   * stored item). Default `MAX_ELEMENT_BYTES` (64 KB).
   */
  maxElementBytes?: number;
  /** Content types of a non-JSON success body (file downloads), for the OpenAPI document. */
  produces?: string[];
  handle(request: RouteRequest<z.infer<P>, z.infer<Q>, z.infer<B>>, deps: Services): Promise<RouteResponse>;
}

/** Helper that keeps the schema types flowing into `handle`. */
export function route<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(r: Route<P, Q, B>): Route {
  return r as unknown as Route;
}
