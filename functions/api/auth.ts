import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Deps } from '../../lib/core/deps';
import { ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../../lib/core/errors';
import { resolveApiKey } from '../../lib/instances/repository';
import { ALL_INSTANCES, grantCovers, normalisePrincipalArn, resolvePrincipal, type PrincipalMapping } from '../../lib/instances/principals';

/** Header naming the instance a service (IAM) caller acts on. */
export const INSTANCE_HEADER = 'x-reachout-instance';

/** The caller, resolved from a JWT (people), an IAM principal (services) or an API key. */
export interface Caller {
  instanceId: string;
  /** JWT subject, normalised IAM ARN or API key id; for the audit log. */
  principal: string;
  /** May administer: create instances, read any instance, manage principal grants. */
  admin: boolean;
  via: 'jwt' | 'iam' | 'apiKey' | 'public';
}

type AuthorizerContext = {
  jwt?: { claims?: Record<string, unknown> };
  iam?: { userArn?: string };
};

function header(headers: Record<string, string>, name: string): string | undefined {
  const v = headers[name];
  return v === undefined || v === '' ? undefined : v;
}

/**
 * Authenticates a request and scopes it to one instance (SPEC I2, issue 15). In order:
 * 1. **JWT** (people API, Cognito authoriser): the instance is the token's `custom:instanceId` claim;
 *    `custom:admin` = `true` makes an administrator. A token without the claim is refused (403).
 * 2. **IAM** (service API, SigV4): the principal's grant (deploy-time mapping ∪ stored grant) must cover
 *    the instance named in `x-reachout-instance` (the header may be left out when the grant names exactly
 *    one instance). A principal with no grant is refused (403); an instance outside its grant is not
 *    found (404), like any other instance's ids. Administrator only when the grant says so.
 * 3. **API key** (`x-api-key` or `Authorization: Bearer`), hashed and looked up.
 * Nothing of these: 401.
 */
export async function authenticate(
  event: APIGatewayProxyEventV2,
  headers: Record<string, string>,
  deps: Deps,
  principals: PrincipalMapping,
): Promise<Caller> {
  const authorizer = (event.requestContext as { authorizer?: AuthorizerContext } | undefined)?.authorizer;
  const jwt = authorizer?.jwt;
  if (jwt) {
    const claims = jwt.claims ?? {};
    const instanceId = claims['custom:instanceId'];
    if (typeof instanceId !== 'string' || !instanceId) {
      throw new ForbiddenError('the token carries no custom:instanceId claim; an administrator sets it on the user');
    }
    return { instanceId, principal: String(claims.sub ?? 'jwt'), admin: claims['custom:admin'] === 'true', via: 'jwt' };
  }
  const arn = authorizer?.iam?.userArn;
  if (arn) {
    const grant = await resolvePrincipal(deps.store, principals, arn);
    if (!grant) {
      throw new ForbiddenError(`principal ${normalisePrincipalArn(arn)} may act on no instance; an administrator grants it with PUT /principals or the IAM_PRINCIPALS mapping`);
    }
    const named = header(headers, INSTANCE_HEADER);
    const concrete = grant.instances.filter((i) => i !== ALL_INSTANCES);
    const instanceId = named ?? (concrete.length === 1 && !grant.instances.includes(ALL_INSTANCES) ? concrete[0] : undefined);
    if (!instanceId) {
      throw new ValidationError(`name the instance in the ${INSTANCE_HEADER} header`, [{ path: INSTANCE_HEADER, message: 'required' }]);
    }
    if (instanceId.length > 100 || !/^[\x21-\x7e]+$/.test(instanceId)) {
      throw new ValidationError(`${INSTANCE_HEADER} is not an instance id`, [{ path: INSTANCE_HEADER, message: 'at most 100 printable ASCII characters' }]);
    }
    if (!grantCovers(grant, instanceId)) throw new NotFoundError('instance', instanceId.slice(0, 100));
    return { instanceId, principal: grant.principal, admin: grant.admin, via: 'iam' };
  }
  const bearer = header(headers, 'authorization')?.replace(/^Bearer\s+/i, '');
  const apiKey = header(headers, 'x-api-key') ?? bearer;
  if (!apiKey) throw new UnauthorizedError('send an API key in the x-api-key header');
  if (apiKey.length > 200) throw new UnauthorizedError('unknown or revoked API key');
  const resolved = await resolveApiKey(deps.store, apiKey);
  if (!resolved) throw new UnauthorizedError('unknown or revoked API key');
  return { instanceId: resolved.instanceId, principal: resolved.keyId, admin: resolved.admin, via: 'apiKey' };
}
