import { App, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { PhoneNumberOrder } from './constructs/telephony';
import type { PrincipalMapping } from '../lib/instances/principals';
import { ReachoutStack, type WebhookConfig } from './stacks/reachout-stack';

/**
 * Context keys (cdk.json or `-c key=value`):
 *   stackName (default Reachout), region, account,
 *   phoneCount, phoneAreaCode, phoneState, phoneCity, phoneTollFreePrefix, phoneCountry  (no number ordered without
 *     an area code, state or toll-free prefix),
 *   smaRegion, callsPerSecond (1, whole), concurrentCallsQuota (10, alarm only), smaMessageLogs (false), alarmEmail,
 *   corsAllowOrigins (comma separated), removalPolicy (retain | destroy), webhooks (JSON array of { id, endpoint,
 *   detailTypes? }), apiKeyApi (default false: also deploy an HTTP API where the handler checks API keys), nag (default true),
 *   iamPrincipals (JSON: { "<role or user ARN>": { "instances": ["<id>" | "*"], "admin": true|false } }),
 *   allAttributeIndexes (comma separated, e.g. gsi1,gsi2,gsi3: keep a table made before their projections were narrowed, docs/deploy.md),
 *   lexBotAliases (comma separated botId/botAliasId) and bedrockModelIds (comma separated): recognition providers
 *     scenarios may choose (docs/scenarios.md, S9); none by default.
 */
const app = new App();

const ctx = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
};
const num = (key: string): number | undefined => {
  const value = ctx(key);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`context ${key} must be a number, got ${value}`);
  return n;
};

function phoneNumbers(): PhoneNumberOrder | undefined {
  const order = {
    count: num('phoneCount'),
    areaCode: num('phoneAreaCode'),
    state: ctx('phoneState'),
    city: ctx('phoneCity'),
    tollFreePrefix: num('phoneTollFreePrefix'),
    country: ctx('phoneCountry') as PhoneNumberOrder['country'],
  };
  const located = order.areaCode !== undefined || order.state !== undefined || order.tollFreePrefix !== undefined;
  return located && order.count !== 0 ? order : undefined;
}

const wholeNumber = (key: string): number | undefined => {
  const n = num(key);
  if (n !== undefined && (!Number.isInteger(n) || n < 1)) throw new Error(`context ${key} must be a whole number from 1, got ${n}`);
  return n;
};

if (ctx('maxConcurrency') !== undefined) {
  throw new Error(
    'context maxConcurrency was removed: each instance sets its own maxConcurrency through the API; concurrentCallsQuota (default 10) sets the calls-in-flight alarm',
  );
}

const webhooks = ((): WebhookConfig[] => {
  const raw: unknown = app.node.tryGetContext('webhooks');
  if (raw === undefined || raw === null || raw === '') return [];
  return (typeof raw === 'string' ? JSON.parse(raw) : raw) as WebhookConfig[];
})();

new ReachoutStack(app, ctx('stackName') ?? 'Reachout', {
  // Without an account and region the stack stays environment-agnostic, so synth works offline.
  env: {
    account: ctx('account') ?? process.env.CDK_DEFAULT_ACCOUNT,
    region: ctx('region') ?? process.env.CDK_DEFAULT_REGION,
  },
  phoneNumbers: phoneNumbers(),
  smaRegion: ctx('smaRegion'),
  callsPerSecond: wholeNumber('callsPerSecond'),
  concurrentCallsQuota: wholeNumber('concurrentCallsQuota'),
  smaMessageLogs: ctx('smaMessageLogs') === 'true',
  alarmEmail: ctx('alarmEmail'),
  corsAllowOrigins: ctx('corsAllowOrigins')?.split(',').map((s) => s.trim()),
  removalPolicy: ctx('removalPolicy') === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
  webhooks,
  apiKeyApi: ctx('apiKeyApi') === 'true',
  allAttributeIndexes: ctx('allAttributeIndexes')?.split(',').map((s) => s.trim()).filter(Boolean),
  nluProviders: {
    lexBotAliases: (ctx('lexBotAliases')?.split(',').map((s) => s.trim()).filter(Boolean) ?? []).map((alias) => {
      const [botId, botAliasId, extra] = alias.split('/');
      if (!botId || !botAliasId || extra !== undefined) throw new Error(`context lexBotAliases must list botId/botAliasId pairs, got ${alias}`);
      return { botId, botAliasId };
    }),
    bedrockModelIds: ctx('bedrockModelIds')?.split(',').map((s) => s.trim()).filter(Boolean) ?? [],
  },
  iamPrincipals: ctx('iamPrincipals') === undefined ? undefined : (JSON.parse(ctx('iamPrincipals')!) as PrincipalMapping),
});

if (ctx('nag') !== 'false') Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
