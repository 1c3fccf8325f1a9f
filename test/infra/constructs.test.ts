import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { Data } from '../../infra/constructs/data';
import { EVENT_DETAIL_TYPES, Events } from '../../infra/constructs/events';
import { REACHOUT_RUNTIME } from '../../infra/constructs/reachout-function';
import { buildStack, logicalIdOf, resourcesOf, synthesized, TEST_ENV } from './support';

const bareStack = () => new Stack(new App(), 'Bare', { env: TEST_ENV });

describe('ReachoutFunction', () => {
  it('uses the newest Node.js runtime of aws-cdk-lib', () => {
    expect(REACHOUT_RUNTIME.name).toBe('nodejs24.x');
  });
});

describe('Events.addWebhook', () => {
  const stack = bareStack();
  const events = new Events(stack, 'Events');
  events.addWebhook('Crm', { endpoint: 'https://crm.example.com/reachout', detailTypes: ['CallFinished', 'JobComplete'], retryAttempts: 50 });
  events.addWebhook('All', { endpoint: 'https://all.example.com/reachout', instanceIds: ['i-1'] });
  const template = Template.fromStack(stack);

  it('posts the chosen events through an API destination with retries and the dead-letter queue', () => {
    template.resourceCountIs('AWS::Events::Connection', 2);
    template.hasResourceProperties('AWS::Events::ApiDestination', {
      InvocationEndpoint: 'https://crm.example.com/reachout',
      HttpMethod: 'POST',
      InvocationRateLimitPerSecond: 10,
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['reachout'], 'detail-type': ['CallFinished', 'JobComplete'] },
      Targets: [
        Match.objectLike({
          RetryPolicy: { MaximumRetryAttempts: 50, MaximumEventAgeInSeconds: 86_400 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('EventsWebhookDlq'), 'Arn'] } },
        }),
      ],
    });
  });

  it('defaults to every detail type, filters by instance, and authenticates with a generated token header', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['reachout'], 'detail-type': [...EVENT_DETAIL_TYPES], detail: { instanceId: ['i-1'] } },
    });
    template.resourceCountIs('AWS::SecretsManager::Secret', 2);
    template.hasResourceProperties('AWS::Events::Connection', {
      AuthorizationType: 'API_KEY',
      AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-reachout-webhook-token', ApiKeyValue: Match.anyValue() } },
    });
  });
});

describe('Data', () => {
  it('can be destroyed with the stack when asked (development stacks)', () => {
    const stack = bareStack();
    new Data(stack, 'Data', { removalPolicy: RemovalPolicy.DESTROY });
    const template = Template.fromStack(stack);
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
    template.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
  });

  it('keeps every attribute in the indexes a table made before narrowed projections asks for, and refuses other names', () => {
    const projections = (allAttributeIndexes: string[]) => {
      const stack = bareStack();
      new Data(stack, 'Data', { allAttributeIndexes });
      const indexes = (Object.values(Template.fromStack(stack).findResources('AWS::DynamoDB::Table'))[0] as { Properties: { GlobalSecondaryIndexes: { IndexName: string; Projection: { ProjectionType: string } }[] } })
        .Properties.GlobalSecondaryIndexes;
      return Object.fromEntries(indexes.map((i) => [i.IndexName, i.Projection.ProjectionType]));
    };
    expect(projections(['gsi2', 'gsi3'])).toEqual({ gsi1: 'INCLUDE', gsi2: 'ALL', gsi3: 'ALL', gsi4: 'KEYS_ONLY' });
    expect(projections(['gsi1', 'gsi2', 'gsi3'])).toEqual({ gsi1: 'ALL', gsi2: 'ALL', gsi3: 'ALL', gsi4: 'KEYS_ONLY' });
    expect(() => new Data(bareStack(), 'Data', { allAttributeIndexes: ['gsi9'] })).toThrow(/gsi9 is not an index with a narrowed projection/);
  });
});

describe('ReachoutStack with everything optional (numbers, webhooks, API keys, SIP message logs, destroy)', () => {
  // Shared with the other infra test files (support.ts); cdk-nag ran in the same synthesis.
  const { template } = synthesized('full');

  it('adds the API-key HTTP API without a gateway authoriser when asked', () => {
    const routes = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Route')).map((r) => `${r.Properties!.RouteKey as string} ${r.Properties!.AuthorizationType as string}`);
    expect(routes.filter((r) => r === 'ANY /{proxy+} NONE')).toHaveLength(1);
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 3);
  });

  it('gives the API function the deploy-time IAM principal mapping, normalised, when asked', () => {
    const withMapping = Object.values(resourcesOf(template, 'AWS::Lambda::Function'))
      .map((f) => (f.Properties!.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.IAM_PRINCIPALS)
      .filter((v) => v !== undefined);
    expect(withMapping).toHaveLength(1);
    expect(JSON.parse(withMapping[0] as string)).toEqual({ 'arn:aws:iam::123456789012:role/Ops': { instances: ['*'], admin: true } });
  });

  it('tells the SMA handler which recognition providers are on and grants it exactly their calls', () => {
    const functions = resourcesOf(template, 'AWS::Lambda::Function');
    const withProviders = Object.entries(functions).filter(([, f]) => (f.Properties!.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.RECOGNITION_PROVIDERS !== undefined);
    expect(withProviders.map(([id]) => id.replace(/[0-9A-F]{8}$/, ''))).toEqual(['TelephonySmaHandler']);
    expect((withProviders[0]![1].Properties!.Environment as { Variables: Record<string, unknown> }).Variables.RECOGNITION_PROVIDERS).toBe('lex,bedrock');
    const statements = Object.values(resourcesOf(template, 'AWS::IAM::Policy')).flatMap((p) => (p.Properties!.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement);
    const granting = (action: string) => statements.filter((st) => (Array.isArray(st.Action) ? st.Action : [st.Action]).includes(action));
    expect(granting('lex:RecognizeText')).toHaveLength(1);
    expect(JSON.stringify(granting('lex:RecognizeText')[0]!.Resource)).toContain('bot-alias/ABCDEFGHIJ/KLMNOPQRST');
    expect(granting('bedrock:InvokeModel')).toHaveLength(1);
    expect(JSON.stringify(granting('bedrock:InvokeModel')[0]!.Resource)).toContain('foundation-model/amazon.titan-embed-text-v2:0');
  });

  it('refuses an invalid IAM principal mapping at synth', () => {
    expect(() => buildStack({ iamPrincipals: { 'not-an-arn': { instances: [], admin: 'yes' } } as never })).toThrow(/IAM_PRINCIPALS/);
  });

  it('orders the requested numbers for the SIP media application and outputs them', () => {
    const numbers = Object.values(resourcesOf(template, 'Custom::PSTNResources')).filter((r) => r.Properties!.resourceType === 'PhoneNumber');
    expect(numbers).toHaveLength(2);
    for (const n of numbers) {
      expect(n.Properties!.properties).toMatchObject({ phoneAreaCode: 206, phoneCountry: 'US', phoneProductType: 'SipMediaApplicationDialIn' });
    }
    expect(Object.keys(template.findOutputs('*')).filter((k) => /PhoneNumber\dOutput/.test(k))).toHaveLength(2);
  });

  it('uses the quotas as parameter defaults', () => {
    template.hasParameter('CallsPerSecond', { Default: '5' });
    template.hasParameter('ConcurrentCallsQuota', { Default: 30 });
  });

  it('owns the SIP message log group (Chime\'s name, a retention) before switching message logs on, and off on delete', () => {
    const groups = Object.entries(resourcesOf(template, 'AWS::Logs::LogGroup')).filter(([id]) => id.startsWith('TelephonySipMessageLogs'));
    expect(groups).toHaveLength(1);
    const [groupId, group] = groups[0]!;
    expect(group.Properties).toMatchObject({ RetentionInDays: 30 });
    expect(JSON.stringify(group.Properties!.LogGroupName)).toContain('/aws/ChimeSipMediaApplicationSipMessages/');
    const [switchId, sw] = Object.entries(resourcesOf(template, 'Custom::AWS'))[0]!;
    expect(sw.DependsOn).toEqual(expect.arrayContaining([groupId]));
    const create = JSON.stringify(sw.Properties!.Create);
    const del = JSON.stringify(sw.Properties!.Delete);
    expect(create).toContain('PutSipMediaApplicationLoggingConfiguration');
    expect(create).toContain('\\"EnableSipMediaApplicationMessageLogs\\":true');
    expect(del).toContain('\\"EnableSipMediaApplicationMessageLogs\\":false');
    expect(switchId).toMatch(/^TelephonyMessageLogsSwitch/);
  });

  it('runs every function, custom resource providers included, on nodejs24.x with a log group that has a retention', () => {
    const groups = resourcesOf(template, 'AWS::Logs::LogGroup');
    const fns = Object.entries(resourcesOf(template, 'AWS::Lambda::Function'));
    expect(fns.map(([id]) => id).filter((id) => /AutoDeleteObjects/.test(id))).toHaveLength(1);
    for (const [id, fn] of fns) {
      expect(fn.Properties!.Runtime, id).toBe('nodejs24.x');
      const ref = (fn.Properties!.LoggingConfig as { LogGroup?: { Ref?: string } } | undefined)?.LogGroup?.Ref;
      expect(ref, id).toBeDefined();
      expect(groups[ref!]!.Properties!.RetentionInDays, id).toBeGreaterThan(0);
    }
    expect(logicalIdOf(template, 'AWS::IAM::Role', 'TelephonyMessageLogsSwitchRole')).toBeDefined();
  });

  it('creates the configured webhooks', () => {
    template.resourceCountIs('AWS::Events::ApiDestination', 1);
  });
});
