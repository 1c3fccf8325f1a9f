/**
 * Seeing events locally: `GET /events` (local platform only) reads what the in-process bus published,
 * and `npm run events` (local/events-cli.ts) prints it, following new events with `--follow`.
 */
import * as z from 'zod';
import { route, type Route } from '../functions/api/route';
import type { BusEventFilter, LocalBus } from './bus';

/** Query of `GET /events`. */
export const EventLogQuery = z.object({
  type: z.string().max(500).optional().describe('Detail types, comma separated'),
  since: z.iso.datetime({ offset: true }).optional().describe('Events at or after this time'),
  campaignId: z.string().max(100).optional(),
  after: z.coerce.number().int().min(0).optional().describe('Only events after this sequence number (the `last` of the previous answer)'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const Entry = z.object({
  seq: z.number().int(),
  event: z.record(z.string(), z.unknown()).describe('The EventBridge envelope as rule targets receive it'),
  rules: z.array(z.string()).describe('Rules whose pattern matched'),
  failures: z.array(z.object({ rule: z.string(), target: z.string(), error: z.string() })).describe('Deliveries that failed for good'),
});

/** Answer of `GET /events`. */
export const EventLogPage = z.object({
  items: z.array(Entry),
  /** Sequence number to pass as `after` next time. */
  last: z.number().int(),
});
/** Answer of `GET /events`. */
export type EventLogPage = z.infer<typeof EventLogPage>;

/**
 * `GET /events` on the local platform: the events the bus published for the caller's instance
 * (every instance for an administrator), oldest first. Not part of the deployed API: register it
 * only where a LocalBus exists, e.g. `apiRoutes([...allRoutes, ...localEventRoutes(bus)])`.
 */
export function localEventRoutes(bus: LocalBus): Route[] {
  return [
    route({
      method: 'GET',
      path: '/events',
      summary: 'Events the local bus published (local runtime only), oldest first; follow with `after`',
      tags: ['events'],
      query: EventLogQuery,
      response: EventLogPage,
      async handle(req) {
        const q = req.query;
        const filter: BusEventFilter = {
          types: q.type ? q.type.split(',').map((t) => t.trim()).filter(Boolean) : undefined,
          since: q.since,
          campaignId: q.campaignId,
          after: q.after,
          limit: q.limit,
          ...(req.admin ? {} : { instanceId: req.instanceId }),
        };
        const items = bus.events(filter);
        // A full page continues after its last item; otherwise nothing later matched, so the follower may skip to the end.
        const last = items.length === q.limit ? items[items.length - 1]!.seq : Math.max(q.after ?? 0, bus.lastSeq());
        return { body: { items, last } };
      },
    }),
  ];
}

/** Options of fetchEvents. */
export interface FetchEventsOptions {
  url: string;
  apiKey: string;
  types?: string[];
  since?: string;
  campaignId?: string;
  after?: number;
  limit?: number;
}

/** Reads one page of `GET /events` from a running local platform. */
export async function fetchEvents(options: FetchEventsOptions): Promise<EventLogPage> {
  const params = new URLSearchParams();
  if (options.types?.length) params.set('type', options.types.join(','));
  if (options.since) params.set('since', options.since);
  if (options.campaignId) params.set('campaignId', options.campaignId);
  if (options.after !== undefined) params.set('after', String(options.after));
  if (options.limit !== undefined) params.set('limit', String(options.limit));
  const response = await fetch(`${options.url.replace(/\/$/, '')}/events?${params.toString()}`, { headers: { 'x-api-key': options.apiKey } });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET /events answered ${response.status}: ${text.slice(0, 500)}`);
  return EventLogPage.parse(JSON.parse(text));
}
