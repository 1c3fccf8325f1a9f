/**
 * Audit trail (SPEC E4): who changed what, when, with the state before and after when it is small.
 * One item per change in the instance's audit partition (time range queries), indexed by actor (gsi2)
 * and by entity (gsi3) so "what did this key do" and "what happened to this campaign" are key-bounded
 * queries, never scans. AWS API calls themselves are in CloudTrail (docs/audit.md).
 */
import * as z from 'zod';
import type { Logger } from '../core/log';
import { newId } from '../core/ids';
import { isoAt, type Clock } from '../ports/clock';
import type { Item, Query, Store } from '../ports/store';
import { queryItems } from '../store/indexes';
import { keys } from '../store/keys';

/** Kinds of things that change. */
export const AuditEntityType = z.enum(['instance', 'settings', 'apiKey', 'scenario', 'campaign', 'list', 'webhook', 'principal']);
/** A kind of audited thing. */
export type AuditEntityType = z.infer<typeof AuditEntityType>;

/** One audit entry as stored and returned by GET /audit. */
export const AuditEntry = z.object({
  auditId: z.string(),
  instanceId: z.string(),
  /** ISO 8601 time of the change. */
  at: z.string(),
  /** Who: API key id, JWT subject or IAM principal ARN; `system` for the platform itself. */
  actor: z.string(),
  /** What, as `<entity>.<verb>`, e.g. `scenario.publish`, `campaign.start`, `webhook.rotateSecret`. */
  action: z.string(),
  entityType: AuditEntityType,
  entityId: z.string(),
  /** State before the change, when small (else `beforeOmitted`). */
  before: z.unknown().optional(),
  /** State after the change, when small (else `afterOmitted`). */
  after: z.unknown().optional(),
  beforeOmitted: z.boolean().optional(),
  afterOmitted: z.boolean().optional(),
  /** Anything else worth knowing (counts, versions). */
  details: z.record(z.string(), z.unknown()).optional(),
  /** The API request that made the change. */
  requestId: z.string().optional(),
});
/** An audit entry. */
export type AuditEntry = z.infer<typeof AuditEntry>;

/** What a caller records. */
export interface AuditInput {
  actor: string;
  action: string;
  entity: { type: AuditEntityType; id: string };
  before?: unknown;
  after?: unknown;
  details?: Record<string, unknown>;
  requestId?: string;
}

/** Largest before/after kept, in bytes of JSON each; larger states keep only the fact that they changed. */
export const MAX_STATE_BYTES = 4 * 1024;

const SECRET_KEYS = /^(secret|secrets|apiKey|apiKeys|password|token|authorization|keyHash)$/i;

/** Copies a value with every secret-looking field replaced by `[redacted]`; audit entries never hold secrets. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 20 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = SECRET_KEYS.test(k) ? '[redacted]' : redact(v, depth + 1);
  return out;
}

function small(value: unknown): { keep: boolean; value?: unknown } {
  if (value === undefined) return { keep: false };
  const clean = redact(value);
  return Buffer.byteLength(JSON.stringify(clean) ?? '', 'utf8') <= MAX_STATE_BYTES ? { keep: true, value: clean } : { keep: false };
}

/** gsi2 partition of an actor's audit entries. */
export const auditByActor = (instanceId: string, actor: string) => `I#${instanceId}#AUDIT#ACTOR#${actor}`;
/** gsi3 partition of an entity's audit entries. */
export const auditByEntity = (instanceId: string, type: AuditEntityType, id: string) => `I#${instanceId}#AUDIT#ENT#${type}#${id}`;

/** Outcome of writing an audit entry. */
export type AuditResult = { ok: true; entry: AuditEntry } | { ok: false; entry: AuditEntry; error: string };

/**
 * The stored item of an audit entry (pure): the entry with its actor and entity index keys. State
 * machines put it as an effect of the change they commit (so the entry is written exactly when the
 * change is); `audit` writes it after a change made elsewhere.
 */
export function auditItem(instanceId: string, input: AuditInput, now: number, auditId: string): { item: Item; entry: AuditEntry } {
  const at = isoAt(now);
  const before = small(input.before);
  const after = small(input.after);
  const entry: AuditEntry = {
    auditId,
    instanceId,
    at,
    actor: input.actor,
    action: input.action,
    entityType: input.entity.type,
    entityId: input.entity.id,
    ...(before.keep ? { before: before.value } : input.before !== undefined ? { beforeOmitted: true } : {}),
    ...(after.keep ? { after: after.value } : input.after !== undefined ? { afterOmitted: true } : {}),
    ...(input.details ? { details: redact(input.details) as Record<string, unknown> } : {}),
    ...(input.requestId ? { requestId: input.requestId } : {}),
  };
  const sk = `${at}#${auditId}`;
  return {
    entry,
    item: {
      ...keys.audit(instanceId, at, auditId),
      kind: 'audit',
      ...entry,
      gsi2pk: auditByActor(instanceId, input.actor),
      gsi2sk: sk,
      gsi3pk: auditByEntity(instanceId, input.entity.type, input.entity.id),
      gsi3sk: sk,
    },
  };
}

/**
 * Records a change. The change itself is already committed when this runs, so a failed write does not
 * undo or fail it: the entry goes to the error log in full (CloudWatch keeps it) and the outcome says so.
 */
export async function audit(deps: { store: Store; clock: Clock; log: Logger }, instanceId: string, input: AuditInput): Promise<AuditResult> {
  const now = deps.clock.now();
  const { item, entry } = auditItem(instanceId, input, now, newId('A', now));
  try {
    await deps.store.put(item);
    return { ok: true, entry };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    deps.log.error('audit entry not written', { entry, error: message });
    return { ok: false, entry, error: message };
  }
}

/** Filters of an audit query; the time range is inclusive. */
export interface AuditQuery {
  from: string;
  to: string;
  actor?: string;
  entityType?: AuditEntityType;
  entityId?: string;
  /** Action prefix, e.g. `scenario.` or `campaign.start`. */
  action?: string;
  limit?: number;
  cursor?: string;
}

/** An item as an entry; entries written by the first audit helper (`principal`, `target`) are read too. */
const strip = (item: Item): Record<string, unknown> => {
  const { pk: _pk, sk: _sk, kind: _k, gsi2pk: _a, gsi2sk: _b, gsi3pk: _c, gsi3sk: _d, type: _t, ...rest } = item;
  if (rest.actor !== undefined || typeof rest.principal !== 'string') return rest;
  const { principal, target, ...legacy } = rest;
  const action = String(legacy.action ?? '');
  const prefix = action.split('.')[0] ?? '';
  const entityType = AuditEntityType.safeParse(prefix).success ? prefix : 'instance';
  const auditId = String(item.sk).split('#').pop() ?? '';
  return { ...legacy, auditId, instanceId: String(item.pk).split('#')[1], actor: principal, entityType, entityId: String(target ?? '') };
};

/**
 * Audit entries newest first. With an entity (type and id) the entity index is read, with an actor
 * the actor index, else the instance's audit partition; all bounded by the time range. Other filters
 * apply to the pages read (at most 10 reads per call; the cursor continues).
 */
export async function queryAudit(store: Store, instanceId: string, q: AuditQuery): Promise<{ items: AuditEntry[]; cursor?: string }> {
  const limit = Math.min(200, q.limit ?? 50);
  const between: [string, string] = [q.from, `${q.to}\uffff`];
  const base: Query =
    q.entityType && q.entityId
      ? { index: 'gsi3', pk: auditByEntity(instanceId, q.entityType, q.entityId), between }
      : q.actor
        ? { index: 'gsi2', pk: auditByActor(instanceId, q.actor), between }
        : { pk: keys.audit(instanceId, '', '').pk, between };
  const match = (e: AuditEntry) =>
    (!q.actor || e.actor === q.actor) &&
    (!q.entityType || e.entityType === q.entityType) &&
    (!q.entityId || e.entityId === q.entityId) &&
    (!q.action || e.action.startsWith(q.action));
  const items: AuditEntry[] = [];
  let cursor = q.cursor;
  for (let reads = 0; reads < 10 && items.length < limit; reads++) {
    // The actor and entity indexes hold keys only: their entries are read back by key.
    const page = await queryItems(store, { ...base, reverse: true, limit: limit - items.length, cursor });
    for (const item of page.items) {
      const parsed = AuditEntry.safeParse(strip(item));
      if (parsed.success && match(parsed.data)) items.push(parsed.data);
    }
    cursor = page.cursor;
    if (!cursor) break;
  }
  return { items, ...(cursor ? { cursor } : {}) };
}
