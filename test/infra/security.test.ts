import { describe, expect, it } from 'vitest';
import { PUBLIC_PATHS } from '../../infra/constructs/api';
import { PRODUCT_METRICS } from '../../lib/core/metrics';
import { allResources, resourcesOf, synthesized, type CfnResourceJson, type Variant } from './support';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  NotResource?: unknown;
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Every identity-policy statement of the template: AWS::IAM::Policy, managed policies and roles' inline policies. */
function identityStatements(resources: Record<string, CfnResourceJson>): { where: string; statement: Statement }[] {
  const out: { where: string; statement: Statement }[] = [];
  for (const [id, r] of Object.entries(resources)) {
    const docs: unknown[] = [];
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') docs.push(r.Properties!.PolicyDocument);
    if (r.Type === 'AWS::IAM::Role') for (const p of list(r.Properties!.Policies as { PolicyDocument: unknown }[] | undefined)) docs.push(p.PolicyDocument);
    for (const doc of docs) for (const statement of (doc as { Statement: Statement[] }).Statement) out.push({ where: id, statement });
  }
  return out;
}

/** Services whose resources hold Reachout's data. */
const DATA_SERVICES = ['dynamodb', 's3', 'sqs', 'events', 'states', 'sns', 'secretsmanager'];

for (const variant of ['default', 'full'] as Variant[]) {
  const { template } = synthesized(variant);
  const resources = allResources(template);

  describe(`security (${variant} stack)`, () => {
    it('grants no wildcard action (`*`, `service:*`) anywhere, and no data action on `*`', () => {
      const problems: string[] = [];
      for (const { where, statement } of identityStatements(resources)) {
        if (statement.Effect !== 'Allow') continue;
        expect(statement.NotResource, where).toBeUndefined();
        for (const action of list(statement.Action)) {
          if (action === '*' || action.endsWith(':*')) problems.push(`${where}: action ${action}`);
          const service = action.split(':')[0]!;
          if (DATA_SERVICES.includes(service) && list(statement.Resource).includes('*')) problems.push(`${where}: ${action} on *`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('encrypts the table, every bucket, every queue and the alarm topic', () => {
      for (const [id, r] of Object.entries(resources)) {
        const p = r.Properties ?? {};
        switch (r.Type) {
          case 'AWS::DynamoDB::Table':
            expect(p.SSESpecification, id).toMatchObject({ SSEEnabled: true });
            break;
          case 'AWS::S3::Bucket':
            expect((p.BucketEncryption as { ServerSideEncryptionConfiguration: unknown[] }).ServerSideEncryptionConfiguration, id).toHaveLength(1);
            break;
          case 'AWS::SQS::Queue':
            expect(p.SqsManagedSseEnabled === true || p.KmsMasterKeyId !== undefined, id).toBe(true);
            break;
          case 'AWS::SNS::Topic':
            expect(p.KmsMasterKeyId, id).toBeDefined();
            break;
        }
      }
      expect(Object.values(resources).filter((r) => r.Type === 'AWS::SQS::Queue').length).toBeGreaterThanOrEqual(8);
    });

    it('denies plain HTTP on every bucket and every queue', () => {
      const tlsOnly = (policy: CfnResourceJson) =>
        ((policy.Properties!.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement ?? []).some(
          (s) => s.Effect === 'Deny' && JSON.stringify(s.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }),
        );
      const buckets = Object.keys(resourcesOf(template, 'AWS::S3::Bucket'));
      const bucketPolicies = Object.values(resourcesOf(template, 'AWS::S3::BucketPolicy'));
      for (const b of buckets) expect(bucketPolicies.some((p) => JSON.stringify(p.Properties!.Bucket).includes(`"${b}"`) && tlsOnly(p)), b).toBe(true);
      const queues = Object.keys(resourcesOf(template, 'AWS::SQS::Queue'));
      const queuePolicies = Object.values(resourcesOf(template, 'AWS::SQS::QueuePolicy'));
      for (const q of queues) expect(queuePolicies.some((p) => JSON.stringify(p.Properties!.Queues).includes(`"${q}"`) && tlsOnly(p)), q).toBe(true);
    });

    it('routes every request through its API\'s authoriser: JWT (people), IAM (services), the handler\'s API key check (key API); only health and openapi public', () => {
      const apis = resourcesOf(template, 'AWS::ApiGatewayV2::Api');
      const flavour = (apiId: string) => (apiId.startsWith('ApiPeopleApi') ? 'people' : apiId.startsWith('ApiServiceApi') ? 'service' : apiId.startsWith('ApiKeyApi') ? 'key' : apiId);
      const authorizers = resourcesOf(template, 'AWS::ApiGatewayV2::Authorizer');
      const seen: string[] = [];
      for (const [id, route] of Object.entries(resourcesOf(template, 'AWS::ApiGatewayV2::Route'))) {
        const p = route.Properties!;
        const api = flavour((p.ApiId as { Ref: string }).Ref);
        const key = p.RouteKey as string;
        seen.push(`${api} ${key}`);
        if (PUBLIC_PATHS.some((path) => key === `GET ${path}`)) {
          expect(p.AuthorizationType, id).toBe('NONE');
          continue;
        }
        expect(key, id).toBe('ANY /{proxy+}');
        if (api === 'people') {
          expect(p.AuthorizationType, id).toBe('JWT');
          const authorizer = authorizers[(p.AuthorizerId as { Ref: string }).Ref]!.Properties!;
          expect(authorizer).toMatchObject({ AuthorizerType: 'JWT', ApiId: p.ApiId, IdentitySource: ['$request.header.Authorization'] });
          expect(JSON.stringify((authorizer.JwtConfiguration as { Issuer: unknown }).Issuer)).toContain('cognito-idp');
        } else if (api === 'service') {
          expect(p.AuthorizationType, id).toBe('AWS_IAM');
        } else {
          expect(api, id).toBe('key');
          // No gateway authoriser: functions/api authenticates x-api-key on every non-public route (acknowledged in cdk-nag).
          expect(p.AuthorizationType, id).toBe('NONE');
        }
      }
      const flavours = Object.keys(apis).map(flavour).sort();
      expect(flavours).toEqual(variant === 'full' ? ['key', 'people', 'service'] : ['people', 'service']);
      const expected = flavours.flatMap((api) => [`${api} ANY /{proxy+}`, ...PUBLIC_PATHS.map((path) => `${api} GET ${path}`)]);
      expect(seen.sort()).toEqual(expected.sort());
    });
  });

  describe(`operations (${variant} stack)`, () => {
    it('gives every log group a retention and every function, provider or not, a log group of the stack', () => {
      const groups = resourcesOf(template, 'AWS::Logs::LogGroup');
      for (const [id, g] of Object.entries(groups)) expect(g.Properties!.RetentionInDays, id).toBeGreaterThan(0);
      for (const [id, fn] of Object.entries(resourcesOf(template, 'AWS::Lambda::Function'))) {
        expect(fn.Properties!.Runtime, id).toBe('nodejs24.x');
        const ref = (fn.Properties!.LoggingConfig as { LogGroup?: { Ref?: string } } | undefined)?.LogGroup?.Ref;
        expect(ref && groups[ref], `${id} logs to a stack log group`).toBeTruthy();
      }
      for (const [id, sm] of Object.entries(resourcesOf(template, 'AWS::StepFunctions::StateMachine'))) {
        const arn = JSON.stringify((sm.Properties!.LoggingConfiguration as { Destinations: unknown[] }).Destinations);
        expect(Object.keys(groups).some((g) => arn.includes(`"${g}"`)), id).toBe(true);
      }
      for (const [id, stage] of Object.entries(resourcesOf(template, 'AWS::ApiGatewayV2::Stage'))) {
        const arn = JSON.stringify((stage.Properties!.AccessLogSettings as { DestinationArn: unknown }).DestinationArn);
        expect(Object.keys(groups).some((g) => arn.includes(`"${g}"`)), id).toBe(true);
      }
    });

    it('alarms on the product metrics, every dead-letter queue and every function, and charts every product metric', () => {
      const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties!);
      const text = JSON.stringify(alarms);
      for (const metric of ['SmaErrors', 'DeadLettered', 'CallsInFlight', 'NluNoMatches', 'NluTurns']) expect(text, metric).toContain(`"${metric}"`);
      const dlqs = Object.keys(resourcesOf(template, 'AWS::SQS::Queue')).filter((id) => /Dlq/.test(id));
      expect(dlqs.length).toBeGreaterThanOrEqual(5);
      for (const dlq of dlqs) expect(text, dlq).toContain(`"${dlq}"`);
      for (const fn of Object.keys(resourcesOf(template, 'AWS::Lambda::Function')).filter((id) => !id.startsWith('Custom') && !id.startsWith('AWS'))) {
        expect(alarms.filter((a) => a.MetricName === 'Errors' && JSON.stringify(a.Dimensions).includes(`"${fn}"`)), fn).toHaveLength(1);
      }
      const dashboard = JSON.stringify(Object.values(resourcesOf(template, 'AWS::CloudWatch::Dashboard'))[0]!.Properties!.DashboardBody);
      const missing = Object.entries(PRODUCT_METRICS).filter(([name, def]) => def.kind !== 'derived' && !dashboard.includes(`\\"${name}\\"`));
      expect(missing.map(([name]) => name)).toEqual([]);
    });
  });
}
