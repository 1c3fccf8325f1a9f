import { readFileSync } from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { Events } from '../../infra/constructs/events';
import { WebhookDelivery } from '../../infra/constructs/webhook-delivery';
import { examplesInMarkdown } from '../../lib/events/docs';
import { EVENT_TYPES, type EventType } from '../../lib/events/schemas';
import { draft4Validator, schemaCheck } from '../lib/events/support';
import { resourcesOf, TEST_ENV } from './support';

// The Events construct exactly as the Reachout stack makes it (new Events(this, 'Events')), without the rest of the app.
const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'EventsOnly', { env: TEST_ENV });
const events = new Events(stack, 'Events');
new WebhookDelivery(stack, 'Webhooks', { bus: events.bus, eventSource: events.eventSource, environment: { TABLE_NAME: 'table' }, ruleDeadLetterQueue: events.webhookDeadLetterQueue });
const template = Template.fromStack(stack);
const docs = readFileSync(new URL('../../docs/events.md', import.meta.url), 'utf8');

describe('EventSchemas', () => {
  it('holds one registry with one JSONSchemaDraft4 schema per event type', () => {
    template.resourceCountIs('AWS::EventSchemas::Registry', 1);
    const schemas = Object.values(resourcesOf(template, 'AWS::EventSchemas::Schema'));
    expect(schemas.map((s) => s.Properties!.SchemaName).sort()).toEqual(EVENT_TYPES.map((t) => `reachout@${t}`).sort());
    const registryId = Object.keys(resourcesOf(template, 'AWS::EventSchemas::Registry'))[0]!;
    for (const s of schemas) expect(s.Properties).toMatchObject({ Type: 'JSONSchemaDraft4', RegistryName: { 'Fn::GetAtt': [registryId, 'RegistryName'] } });
  });

  it('registers schemas that accept the example of their type in docs/events.md and refuse the others', () => {
    const examples = examplesInMarkdown(docs);
    const ajv = draft4Validator();
    for (const s of Object.values(resourcesOf(template, 'AWS::EventSchemas::Schema'))) {
      const type = String(s.Properties!.SchemaName).split('@')[1] as EventType;
      const check = schemaCheck(ajv, JSON.parse(String(s.Properties!.Content)) as object);
      check(examples[type]);
      for (const other of EVENT_TYPES.filter((t) => t !== type)) expect(() => check(examples[other])).toThrow();
    }
  });

  it('keeps the archive of every Reachout event for replay', () => {
    template.hasResourceProperties('AWS::Events::Archive', { EventPattern: { source: ['reachout'] }, RetentionDays: 30 });
  });
});

describe('WebhookDelivery', () => {
  it('sends every Reachout event to the delivery queue, with a dead-letter queue for what the rule cannot deliver', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['reachout'] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('WebhooksQueue'), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('EventsWebhookDlq'), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
        }),
      ],
    });
  });

  it('consumes the queue with the delivery function, reporting failed items, with a redrive to its dead-letter queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('WebhooksQueue'), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 360,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('WebhooksDlq'), 'Arn'] }, maxReceiveCount: 5 },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TABLE_NAME: 'table', WEBHOOK_QUEUE_URL: Match.anyValue(), WEBHOOK_TIMEOUT_MS: '10000' }) },
    });
  });

  it('lets the delivery function re-queue its retries', () => {
    const queueId = Object.keys(resourcesOf(template, 'AWS::SQS::Queue')).find((id) => id.startsWith('WebhooksQueue'))!;
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['sqs:SendMessage']), Resource: { 'Fn::GetAtt': [queueId, 'Arn'] } })]),
      },
    });
  });
});
