import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { Data } from '../../infra/constructs/data';
import { EVENT_DETAIL_TYPES, Events } from '../../infra/constructs/events';
import { REACHOUT_RUNTIME } from '../../infra/constructs/reachout-function';
import { resourcesOf, synthTemplate, TEST_ENV } from './support';

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
});

describe('ReachoutStack with phone numbers, webhooks and quotas', () => {
  const { template } = synthTemplate({
    phoneNumbers: { areaCode: 206, count: 2 },
    callsPerSecond: 5,
    maxConcurrency: 30,
    webhooks: [{ id: 'Crm', endpoint: 'https://crm.example.com/reachout' }],
    apiKeyApi: true,
  });

  it('adds the API-key HTTP API without a gateway authoriser when asked', () => {
    const routes = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Route')).map((r) => `${r.Properties!.RouteKey as string} ${r.Properties!.AuthorizationType as string}`);
    expect(routes.filter((r) => r === 'ANY /{proxy+} NONE')).toHaveLength(1);
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 3);
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
    template.hasParameter('CallsPerSecond', { Default: 5 });
    template.hasParameter('MaxConcurrency', { Default: 30 });
  });

  it('creates the configured webhooks', () => {
    template.resourceCountIs('AWS::Events::ApiDestination', 1);
  });
});
