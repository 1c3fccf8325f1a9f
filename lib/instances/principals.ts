import * as z from 'zod';
import { ValidationError } from '../core/errors';
import type { Store } from '../ports/store';
import { queryItems } from '../store/indexes';
import { keys } from '../store/keys';

/**
 * Which instances an IAM principal may act on (issue 15, SPEC I2).
 *
 * Callers of the service API authenticate with SigV4; API Gateway hands the handler their ARN. The ARN is
 * normalised (an assumed-role session becomes its role) and looked up in two places, merged:
 * - the **deploy-time mapping** (`IAM_PRINCIPALS` environment variable, JSON), for the operators' own
 *   roles, so a fresh deployment has an administrator without any write to the table;
 * - **grant items** in the table (`PRINCIPAL#<arn>`/`GRANT`), managed by administrators through
 *   `GET/PUT/DELETE /principals`.
 * A principal found in neither may act on nothing. `*` in `instances` means every instance.
 */

/** Instance id that grants every instance. */
export const ALL_INSTANCES = '*';

const Arn = z
  .string()
  .min(1)
  .max(1000)
  .regex(/^arn:[a-z0-9-]+:(iam|sts)::\d{12}:[\x21-\x7e]+$/, 'expected an IAM role, user or assumed-role ARN');

/** What a principal may do. */
export const PrincipalGrant = z.object({
  /** Normalised principal ARN (a role, not a role session). */
  principal: Arn,
  /** Instance ids the principal acts on; `*` for all. */
  instances: z.array(z.string().min(1).max(100)).min(1).max(1000),
  /** May administer: create instances, read any instance, manage grants. */
  admin: z.boolean().default(false),
});
/** What a principal may do. */
export type PrincipalGrant = z.infer<typeof PrincipalGrant>;

/** The deploy-time mapping: principal ARN → grant (without the principal). */
export const PrincipalMapping = z.record(Arn, PrincipalGrant.omit({ principal: true }));
/** The deploy-time mapping. */
export type PrincipalMapping = z.infer<typeof PrincipalMapping>;

/**
 * Normalises a principal ARN so grants name roles, not sessions: `arn:aws:sts::123456789012:assumed-role/Ops/alice`
 * becomes `arn:aws:iam::123456789012:role/Ops`. A role ARN loses its path (`role/service/Ops` → `role/Ops`)
 * because session ARNs do not carry it. Users, federated users and roots are kept as they are.
 */
export function normalisePrincipalArn(arn: string): string {
  const text = arn.trim();
  const session = /^arn:([a-z0-9-]+):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(text);
  if (session) return `arn:${session[1]}:iam::${session[2]}:role/${session[3]}`;
  const role = /^arn:([a-z0-9-]+):iam::(\d{12}):role\/(?:[^/]+\/)*([^/]+)$/.exec(text);
  if (role) return `arn:${role[1]}:iam::${role[2]}:role/${role[3]}`;
  return text;
}

/** Parses the deploy-time mapping (JSON); an invalid mapping is a deployment error, reported at start-up. */
export function parsePrincipalMapping(json: string | undefined): PrincipalMapping {
  if (!json || !json.trim()) return {};
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new Error(`IAM_PRINCIPALS is not valid JSON: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const parsed = PrincipalMapping.safeParse(value);
  if (!parsed.success) throw new Error(`IAM_PRINCIPALS is not a principal mapping: ${z.prettifyError(parsed.error)}`);
  return Object.fromEntries(Object.entries(parsed.data).map(([arn, g]) => [normalisePrincipalArn(arn), g]));
}

function fromItem(item: Record<string, unknown>): PrincipalGrant | undefined {
  const parsed = PrincipalGrant.safeParse({ principal: item.principal, instances: item.instances, admin: item.admin });
  return parsed.success ? parsed.data : undefined;
}

/** Reads the stored grant of a principal (normalised ARN). */
export async function getPrincipalGrant(store: Store, principal: string): Promise<PrincipalGrant | undefined> {
  const item = await store.get(keys.principalGrant(normalisePrincipalArn(principal)));
  return item ? fromItem(item) : undefined;
}

/** What a principal may do: the deploy-time mapping and its stored grant merged; undefined when neither names it. */
export async function resolvePrincipal(store: Store, mapping: PrincipalMapping, arn: string): Promise<PrincipalGrant | undefined> {
  const principal = normalisePrincipalArn(arn);
  const fixed = mapping[principal];
  const stored = await getPrincipalGrant(store, principal);
  if (!fixed && !stored) return undefined;
  return {
    principal,
    instances: [...new Set([...(fixed?.instances ?? []), ...(stored?.instances ?? [])])],
    admin: fixed?.admin === true || stored?.admin === true,
  };
}

/** Whether a grant lets its principal act on an instance. */
export function grantCovers(grant: PrincipalGrant, instanceId: string): boolean {
  return grant.instances.includes(ALL_INSTANCES) || grant.instances.includes(instanceId);
}

/** Writes (replaces) a principal's grant; one unconditional put of one item. */
export async function putPrincipalGrant(store: Store, grant: PrincipalGrant, now: number, by: string): Promise<PrincipalGrant> {
  const principal = normalisePrincipalArn(grant.principal);
  if (!Arn.safeParse(principal).success) throw new ValidationError('not a principal ARN', [{ path: 'principal', message: 'expected an IAM ARN' }]);
  const next = { ...grant, principal, instances: [...new Set(grant.instances)] };
  await store.put({
    ...keys.principalGrant(principal),
    type: 'principalGrant',
    ...next,
    gsi1pk: keys.principalRegistry(),
    gsi1sk: principal,
    updatedAt: new Date(now).toISOString(),
    updatedBy: by,
  });
  return next;
}

/** Deletes a principal's stored grant; true when there was one. The deploy-time mapping is not changed. */
export async function deletePrincipalGrant(store: Store, principal: string): Promise<boolean> {
  const result = await store.delete(keys.principalGrant(normalisePrincipalArn(principal)), { exists: 'pk' });
  return result.ok;
}

/** Lists stored grants by ARN, one page at a time. */
export async function listPrincipalGrants(store: Store, page: { limit?: number; cursor?: string } = {}): Promise<{ items: PrincipalGrant[]; cursor?: string }> {
  // gsi1 projects a job's fields only: the grants are read back by key.
  const res = await queryItems(store, { index: 'gsi1', pk: keys.principalRegistry(), limit: page.limit ?? 100, ...(page.cursor ? { cursor: page.cursor } : {}) });
  return { items: res.items.flatMap((i) => fromItem(i) ?? []), ...(res.cursor ? { cursor: res.cursor } : {}) };
}
