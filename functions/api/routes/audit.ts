import * as z from 'zod';
import { AuditEntityType, AuditEntry, queryAudit } from '../../../lib/audit';
import { ValidationError } from '../../../lib/core/errors';
import { isoAt } from '../../../lib/ports/clock';
import { route, type Route } from '../route';

const DAY = 86_400_000;

/** Query of `GET /audit` (E4). */
export const AuditSearchQuery = z.object({
  from: z.iso.datetime({ offset: true }).optional().describe('Changes at or after (ISO 8601); default 7 days before `to`'),
  to: z.iso.datetime({ offset: true }).optional().describe('Changes at or before (ISO 8601); default now'),
  actor: z.string().min(1).max(300).optional().describe('API key id, JWT subject or IAM principal ARN'),
  entityType: AuditEntityType.optional(),
  entityId: z.string().min(1).max(200).optional().describe('Needs entityType'),
  action: z.string().min(1).max(100).optional().describe('Action or action prefix, e.g. `scenario.publish` or `campaign.`'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(2000).optional(),
});

const example = {
  auditId: 'A01JH3QF6G8H0J2K4M6N8P0Q2R',
  instanceId: 'I01JH3Q5X8Y2Z4W6V7T9R0S1P2N',
  at: '2026-01-05T08:59:59.000Z',
  actor: 'key-01JH3Q0',
  action: 'scenario.publish',
  entityType: 'scenario',
  entityId: 'S01JH3Q2R4T6V8X0Z2B4D6F8H0J',
  before: { publishedVersion: 2 },
  after: { publishedVersion: 3 },
  requestId: 'req-8f14e45f',
};

/** The audit trail of the caller's instance (SPEC E4). */
export const auditRoutes: Route[] = [
  route({
    method: 'GET',
    path: '/audit',
    summary: 'Who changed what and when: audit entries newest first, by time range, actor, entity and action (E4)',
    tags: ['audit'],
    query: AuditSearchQuery,
    response: z.object({ items: z.array(AuditEntry), cursor: z.string().optional() }).meta({ examples: [{ items: [example] }] }),
    async handle(req, deps) {
      const q = req.query;
      if (q.entityId && !q.entityType) throw new ValidationError('entityId needs entityType', [{ path: 'entityType', message: 'required with entityId' }]);
      const toMs = q.to ? Date.parse(q.to) : deps.clock.now();
      const fromMs = q.from ? Date.parse(q.from) : toMs - 7 * DAY;
      if (fromMs > toMs) throw new ValidationError('from must not be after to', [{ path: 'from', message: 'after to' }]);
      const page = await queryAudit(deps.store, req.instanceId, {
        from: isoAt(fromMs),
        to: isoAt(toMs),
        actor: q.actor,
        entityType: q.entityType,
        entityId: q.entityId,
        action: q.action,
        limit: q.limit,
        cursor: q.cursor,
      });
      return { body: page };
    },
  }),
];
