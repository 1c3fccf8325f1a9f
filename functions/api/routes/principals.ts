import * as z from 'zod';
import { audit } from '../../../lib/audit';
import { NotFoundError, ValidationError } from '../../../lib/core/errors';
import {
  ALL_INSTANCES,
  deletePrincipalGrant,
  getPrincipalGrant,
  listPrincipalGrants,
  normalisePrincipalArn,
  PrincipalGrant,
  putPrincipalGrant,
} from '../../../lib/instances/principals';
import { keys } from '../../../lib/store/keys';
import { route, type Route } from '../route';

const tags = ['principals'];
const PrincipalQuery = z.object({ principal: z.string().min(1).max(1000) });

/**
 * IAM principal grants (issue 15): which instances a role or user of the service API acts on, and whether
 * it administers. Administrators only. The deploy-time `IAM_PRINCIPALS` mapping is merged with these
 * grants on every request and is not listed or changed here.
 */
export const principalRoutes: Route[] = [
  route({
    method: 'GET',
    path: '/principals',
    summary: 'List the stored IAM principal grants, or read one with `?principal=<arn>` (administrators)',
    tags,
    adminOnly: true,
    query: z.object({
      principal: z.string().min(1).max(1000).optional().describe('ARN of one principal (an assumed-role session ARN is normalised to its role)'),
      limit: z.coerce.number().int().min(1).max(200).default(100),
      cursor: z.string().max(4096).optional(),
    }),
    response: z.object({ items: z.array(PrincipalGrant), cursor: z.string().optional() }),
    async handle(req, deps) {
      if (req.query.principal) {
        const grant = await getPrincipalGrant(deps.store, req.query.principal);
        return { body: { items: grant ? [grant] : [] } };
      }
      return { body: await listPrincipalGrants(deps.store, { limit: req.query.limit, cursor: req.query.cursor }) };
    },
  }),
  route({
    method: 'PUT',
    path: '/principals',
    summary: 'Grant an IAM principal (role or user ARN) the instances it may act on; replaces its previous grant (administrators)',
    tags,
    adminOnly: true,
    body: PrincipalGrant,
    response: PrincipalGrant,
    async handle(req, deps) {
      const missing: { path: string; message: string }[] = [];
      for (const [i, instanceId] of req.body.instances.entries()) {
        if (instanceId !== ALL_INSTANCES && !(await deps.store.get(keys.instance(instanceId)))) missing.push({ path: `body.instances.${i}`, message: `instance ${instanceId} does not exist` });
      }
      if (missing.length) throw new ValidationError(`unknown instances: ${missing.map((m) => m.message).join('; ')}`, missing);
      const grant = await putPrincipalGrant(deps.store, req.body, deps.clock.now(), req.principal);
      await audit(deps, req.instanceId, { actor: req.principal, requestId: req.requestId, action: 'principal.grant', entity: { type: 'principal', id: grant.principal }, after: { instances: grant.instances, admin: grant.admin } });
      return { body: grant };
    },
  }),
  route({
    method: 'DELETE',
    path: '/principals',
    summary: 'Remove the stored grant of an IAM principal (administrators)',
    tags,
    adminOnly: true,
    query: PrincipalQuery,
    status: 204,
    async handle(req, deps) {
      const principal = normalisePrincipalArn(req.query.principal);
      if (!(await deletePrincipalGrant(deps.store, principal))) throw new NotFoundError('principal grant', principal);
      await audit(deps, req.instanceId, { actor: req.principal, requestId: req.requestId, action: 'principal.revoke', entity: { type: 'principal', id: principal } });
      return { status: 204 };
    },
  }),
];
