import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ANALYTICS_DATASETS } from '../../infra/constructs/analytics';
import { TABLE_INDEXES } from '../../infra/constructs/data';
import { DUE_QUEUE_ATTRIBUTES } from '../../lib/store/indexes';
import { FUNCTION_NAMES } from '../../infra/needs';
import { logicalIdOf, resourcesOf, synthesized } from './support';

// Synthesised once for all infra test files, while vitest collects this file (see support.ts).
const { template, stack } = synthesized('default');

const fnId = (prefix: string) => logicalIdOf(template, 'AWS::Lambda::Function', prefix);
const fnProps = (prefix: string) => resourcesOf(template, 'AWS::Lambda::Function')[fnId(prefix)]!.Properties!;
const envOf = (prefix: string) => (fnProps(prefix).Environment as { Variables: Record<string, unknown> }).Variables;
/** All statements of a function's default policy, flattened. */
const statementsOf = (prefix: string) => {
  const id = logicalIdOf(template, 'AWS::IAM::Policy', `${prefix}ServiceRoleDefaultPolicy`);
  const doc = resourcesOf(template, 'AWS::IAM::Policy')[id]!.Properties!.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] };
  return doc.Statement;
};
const actionsOf = (prefix: string) => statementsOf(prefix).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

describe('Data', () => {
  it('creates the single table with pk/sk, three ALL-projected string GSIs and the keys-only pending index, on demand, with PITR and encryption', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        GlobalSecondaryIndexes: TABLE_INDEXES.map((index) => ({
          IndexName: index,
          KeySchema: [
            { AttributeName: `${index}pk`, KeyType: 'HASH' },
            { AttributeName: `${index}sk`, KeyType: 'RANGE' },
          ],
          // The due queue projects the job's fields (not its pending effects); the lookups and the outbox index hold keys.
          Projection: index === 'gsi1' ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...DUE_QUEUE_ATTRIBUTES] } : { ProjectionType: 'KEYS_ONLY' },
        })),
      }),
    });
    const table = Object.values(resourcesOf(template, 'AWS::DynamoDB::Table'))[0]!;
    const attributes = table.Properties!.AttributeDefinitions as { AttributeName: string; AttributeType: string }[];
    expect(attributes.every((a) => a.AttributeType === 'S')).toBe(true);
    expect(attributes.map((a) => a.AttributeName).sort()).toEqual(['gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'gsi3pk', 'gsi3sk', 'gsi4pk', 'gsi4sk', 'pk', 'sk']);
  });

  it('blocks public access, encrypts, versions and retains every bucket', () => {
    const buckets = resourcesOf(template, 'AWS::S3::Bucket');
    expect(Object.keys(buckets)).toHaveLength(3);
    for (const bucket of Object.values(buckets)) {
      expect(bucket.DeletionPolicy).toBe('Retain');
      expect(bucket.Properties!.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties!.BucketEncryption).toBeDefined();
    }
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Prefix: 'exports/', ExpirationInDays: 7, Status: 'Enabled' })]) },
    });
  });

  it('denies non-TLS access on every bucket policy', () => {
    const policies = resourcesOf(template, 'AWS::S3::BucketPolicy');
    expect(Object.keys(policies)).toHaveLength(3);
    for (const policy of Object.values(policies)) {
      const statements = (policy.Properties!.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });
});

describe('Api', () => {
  it('routes ANY /{proxy+} through the Cognito JWT authoriser and the IAM authoriser, health and openapi public', () => {
    const routes = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Route')).map((r) => [r.Properties!.RouteKey, r.Properties!.AuthorizationType]);
    // Public on both APIs: health, the OpenAPI document, and the report page's shell and scripts (no tenant data).
    expect(routes.sort()).toEqual(
      [
        ['ANY /{proxy+}', 'JWT'],
        ['ANY /{proxy+}', 'AWS_IAM'],
        ...['/health', '/openapi.json', '/campaigns/{campaignId}/report.html', '/report-assets/{file}'].flatMap((p) => [[`GET ${p}`, 'NONE'], [`GET ${p}`, 'NONE']]),
      ].sort(),
    );
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Audience: [Match.anyValue()], Issuer: Match.anyValue() },
    });
  });

  it('has a user pool with the instanceId custom attribute and no self sign-up', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      Schema: Match.arrayWith([Match.objectLike({ Name: 'instanceId', AttributeDataType: 'String', Mutable: true })]),
      MfaConfiguration: 'ON',
    });
  });

  it('logs access and throttles both stages', () => {
    const stages = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Stage'));
    expect(stages).toHaveLength(2);
    for (const s of stages) {
      expect(s.Properties!.StageName).toBe('$default');
      expect(s.Properties!.AccessLogSettings).toMatchObject({ DestinationArn: expect.anything() });
      expect(s.Properties!.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 });
    }
  });

  it('integrates functions/api/index.ts handler with payload 2.0', () => {
    expect(fnProps('ApiHandler').Handler).toBe('index.handler');
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', { IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
  });
});

describe('Dialing', () => {
  it('gives the dial, tick and work queues a dead-letter queue after 5 receives, SSE and a visibility above the consumer timeout', () => {
    const queues = resourcesOf(template, 'AWS::SQS::Queue');
    for (const [name, consumer] of [
      ['DialingDialQueue', 'DialingDialer'],
      ['DialingTickQueue', 'DialingTickConsumer'],
      ['DialingWorkQueue', 'DialingWorker'],
    ] as const) {
      const q = queues[logicalIdOf(template, 'AWS::SQS::Queue', name)]!.Properties!;
      expect(q.SqsManagedSseEnabled).toBe(true);
      expect(q.RedrivePolicy).toMatchObject({ maxReceiveCount: 5, deadLetterTargetArn: { 'Fn::GetAtt': [expect.stringMatching(/Dlq/), 'Arn'] } });
      expect(q.VisibilityTimeout as number).toBeGreaterThan(fnProps(consumer).Timeout as number);
    }
    for (const q of Object.values(queues)) expect(q.Properties!.SqsManagedSseEnabled).toBe(true);
  });

  it('enforces TLS on every queue', () => {
    const policies = Object.values(resourcesOf(template, 'AWS::SQS::QueuePolicy'));
    expect(policies).toHaveLength(Object.keys(resourcesOf(template, 'AWS::SQS::Queue')).length);
    for (const p of policies) {
      expect((p.Properties!.PolicyDocument as { Statement: unknown[] }).Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('consumes the queues with partial batch responses and caps dialer concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fnId('DialingDialer') },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 4);
    for (const m of Object.values(resourcesOf(template, 'AWS::Lambda::EventSourceMapping'))) {
      expect(m.Properties!.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    }
  });

  it('points each scheduler function at its handler in functions/scheduler.ts', () => {
    expect(fnProps('DialingTickConsumer').Handler).toBe('index.tickHandler');
    expect(fnProps('DialingDispatch').Handler).toBe('index.dispatchHandler');
    expect(fnProps('DialingSweep').Handler).toBe('index.handler');
    // No recognition providers unless asked: no flag for the SMA handler, no Lex or Bedrock grant anywhere.
    expect(envOf('TelephonySmaHandler').RECOGNITION_PROVIDERS).toBeUndefined();
    expect(JSON.stringify(template.toJSON())).not.toMatch(/lex:RecognizeText|bedrock:InvokeModel/);
    expect(fnProps('DialingDialer').Handler).toBe('index.handler');
    expect(fnProps('DialingWorker').Handler).toBe('index.handler');
  });

  it('loops dispatch, then waits $.waitSeconds, until done, retrying Lambda service errors', () => {
    const machine = Object.values(resourcesOf(template, 'AWS::StepFunctions::StateMachine'))[0]!;
    const definition = JSON.parse(
      (machine.Properties!.DefinitionString as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : 'X')).join(''),
    ) as { StartAt: string; States: Record<string, Record<string, unknown>> };
    const task = definition.States[definition.StartAt]!;
    expect(task.Type).toBe('Task');
    expect(task.Parameters).toMatchObject({ Payload: { 'instanceId.$': '$.instanceId', 'campaignId.$': '$.campaignId' } });
    expect(task.Retry).toContainEqual(expect.objectContaining({ ErrorEquals: expect.arrayContaining(['Lambda.ServiceException', 'Lambda.TooManyRequestsException']) }));
    const choice = definition.States[task.Next as string]!;
    expect(choice.Type).toBe('Choice');
    expect(choice.Choices).toEqual([expect.objectContaining({ Variable: '$.done', BooleanEquals: true })]);
    expect(definition.States[(choice.Choices as { Next: string }[])[0]!.Next]!.Type).toBe('Succeed');
    const wait = definition.States[choice.Default as string]!;
    expect(wait).toMatchObject({ Type: 'Wait', SecondsPath: '$.waitSeconds', Next: definition.StartAt });
    expect(machine.Properties!.TracingConfiguration).toEqual({ Enabled: true });
  });

  it('sweeps every minute through EventBridge Scheduler with a dead-letter queue', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 minute)',
      Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId('DialingSweep'), 'Arn'] }, DeadLetterConfig: Match.objectLike({ Arn: Match.anyValue() }) }),
    });
  });

  it('lets the API (and nobody else) start campaign loops, and gives it STATE_MACHINE_ARN', () => {
    expect(actionsOf('ApiHandler')).toContain('states:StartExecution');
    expect(envOf('ApiHandler').STATE_MACHINE_ARN).toEqual({ Ref: logicalIdOf(template, 'AWS::StepFunctions::StateMachine', 'DialingCampaignLoop') });
    for (const fn of ['DialingDialer', 'DialingTickConsumer', 'DialingDispatch', 'DialingWorker', 'TelephonySmaHandler']) {
      expect(actionsOf(fn)).not.toContain('states:StartExecution');
    }
  });

  it('starts an import when a presigned contact upload lands: data bucket events to EventBridge, uploads/ to the work queue', () => {
    const bucket = logicalIdOf(template, 'AWS::S3::Bucket', 'DataDataBucket');
    template.hasResourceProperties('AWS::S3::Bucket', { NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } }, CorsConfiguration: { CorsRules: [Match.objectLike({ AllowedMethods: ['PUT'] })] } });
    expect(resourcesOf(template, 'AWS::S3::Bucket')[bucket]!.Properties!.NotificationConfiguration).toEqual({ EventBridgeConfiguration: { EventBridgeEnabled: true } });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.s3'], 'detail-type': ['Object Created'], detail: { bucket: { name: [{ Ref: bucket }] }, object: { key: [{ prefix: 'uploads/' }] } } },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::SQS::Queue', 'DialingWorkQueue'), 'Arn'] } })],
    });
  });

  it('lets the planners and the dialer (its ring timeout) enqueue dial requests, and the worker continue its own work', () => {
    const sends = (fn: string) => statementsOf(fn).filter((s) => JSON.stringify(s.Action).includes('sqs:SendMessage')).map((s) => JSON.stringify(s.Resource));
    const queueArn = (name: string) => JSON.stringify({ 'Fn::GetAtt': [logicalIdOf(template, 'AWS::SQS::Queue', name), 'Arn'] });
    for (const fn of ['DialingDispatch', 'DialingTickConsumer', 'DialingSweep', 'DialingDialer']) expect(sends(fn)).toContain(queueArn('DialingDialQueue'));
    for (const fn of ['ApiHandler', 'DialingWorker', 'TelephonySmaHandler']) expect(sends(fn)).not.toContain(queueArn('DialingDialQueue'));
    expect(sends('DialingWorker')).toContain(queueArn('DialingWorkQueue'));
    expect(sends('TelephonySmaHandler')).toEqual([queueArn('DialingTickQueue')]);
  });
});

describe('Telephony', () => {
  it('creates the SIP media application on the SMA handler through the Chime custom resource', () => {
    template.hasResourceProperties('Custom::PSTNResources', {
      resourceType: 'SMA',
      properties: Match.objectLike({ endpoint: { 'Fn::GetAtt': [fnId('TelephonySmaHandler'), 'Arn'] }, region: 'us-east-1' }),
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: Match.objectLike({ 'Fn::GetAtt': [fnId('TelephonySmaHandler'), 'Arn'] }),
      Principal: 'voiceconnector.chime.amazonaws.com',
      SourceAccount: '123456789012',
    });
  });

  it('orders no phone number unless asked', () => {
    expect(Object.values(resourcesOf(template, 'Custom::PSTNResources')).filter((r) => r.Properties!.resourceType === 'PhoneNumber')).toHaveLength(0);
  });

  it('lets the dialer (and nobody else) place and update calls, on this SIP media application only', () => {
    const st = statementsOf('DialingDialer').find((s) => JSON.stringify(s.Action).includes('chime:CreateSipMediaApplicationCall'))!;
    expect(st.Action).toEqual(['chime:CreateSipMediaApplicationCall', 'chime:UpdateSipMediaApplicationCall']);
    expect(JSON.stringify(st.Resource)).toContain(':sma/');
    const smaId = { 'Fn::GetAtt': [logicalIdOf(template, 'Custom::PSTNResources', 'TelephonySipMediaAppsipMediaAppRequest'), 'sipMediaAppId'] };
    expect(envOf('DialingDialer').SMA_ID).toEqual(smaId);
    expect(envOf('ApiHandler').SMA_ID).toEqual(smaId);
    for (const fn of ['ApiHandler', 'DialingTickConsumer', 'DialingDispatch', 'DialingSweep', 'DialingWorker', 'TelephonySmaHandler', 'TelephonyRecordingsHandler']) {
      expect(actionsOf(fn).some((a) => a.startsWith('chime:')), fn).toBe(false);
    }
  });

  it('deploys the Lex recogniser with en_US and zh_CN, a version and an alias with the code hook', () => {
    const bot = Object.values(resourcesOf(template, 'AWS::Lex::Bot'))[0]!.Properties!;
    const locales = bot.BotLocales as { LocaleId: string; Intents: { Name: string; ParentIntentSignature?: string; FulfillmentCodeHook?: unknown }[] }[];
    expect(locales.map((l) => l.LocaleId)).toEqual(['en_US', 'zh_CN']);
    for (const l of locales) {
      expect(l.Intents).toContainEqual(expect.objectContaining({ Name: 'FallbackIntent', ParentIntentSignature: 'AMAZON.FallbackIntent', FulfillmentCodeHook: { Enabled: true } }));
    }
    template.hasResourceProperties('AWS::Lex::BotVersion', {
      BotVersionLocaleSpecification: [
        { LocaleId: 'en_US', BotVersionLocaleDetails: { SourceBotVersion: 'DRAFT' } },
        { LocaleId: 'zh_CN', BotVersionLocaleDetails: { SourceBotVersion: 'DRAFT' } },
      ],
    });
    template.hasResourceProperties('AWS::Lex::BotAlias', {
      BotAliasLocaleSettings: Match.arrayWith([
        {
          LocaleId: 'zh_CN',
          BotAliasLocaleSetting: {
            Enabled: true,
            CodeHookSpecification: { LambdaCodeHook: { CodeHookInterfaceVersion: '1.0', LambdaArn: { 'Fn::GetAtt': [fnId('TelephonyRecognizerHook'), 'Arn'] } } },
          },
        },
      ]),
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: Match.objectLike({ 'Fn::GetAtt': [fnId('TelephonyRecognizerHook'), 'Arn'] }),
      Principal: 'lexv2.amazonaws.com',
    });
  });

  it('lets Chime (this account, this SIP media application) use the bot alias', () => {
    const policy = Object.values(resourcesOf(template, 'AWS::Lex::ResourcePolicy'))[0]!.Properties!;
    const aliasId = logicalIdOf(template, 'AWS::Lex::BotAlias', 'TelephonyRecognizerBotAlias');
    expect(policy.ResourceArn).toEqual({ 'Fn::GetAtt': [aliasId, 'Arn'] });
    const [statement] = (policy.Policy as { Statement: Record<string, unknown>[] }).Statement;
    expect(statement).toMatchObject({
      Effect: 'Allow',
      Principal: { Service: 'voiceconnector.chime.amazonaws.com' },
      Action: 'lex:StartConversation',
      Condition: { StringEquals: { 'AWS:SourceAccount': '123456789012' } },
    });
    expect(JSON.stringify((statement!.Condition as Record<string, unknown>).ArnEquals)).toContain(':sma/');
    expect(envOf('TelephonySmaHandler').RECOGNIZER_BOT_ALIAS_ARN).toEqual({ 'Fn::GetAtt': [aliasId, 'Arn'] });
  });

  it('lets Chime write recordings into the recordings bucket, scoped to this account', () => {
    const id = logicalIdOf(template, 'AWS::S3::BucketPolicy', 'DataRecordingsBucketPolicy');
    const statements = (resourcesOf(template, 'AWS::S3::BucketPolicy')[id]!.Properties!.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'voiceconnector.chime.amazonaws.com' },
        Action: expect.arrayContaining(['s3:PutObject', 's3:PutObjectAcl']),
        Condition: expect.objectContaining({ StringEquals: { 'aws:SourceAccount': '123456789012' }, ArnLike: expect.anything() }),
      }),
    );
  });

  it('runs the Chime custom resource provider on nodejs24.x with its own role and a log group with a retention', () => {
    const provider = fnProps('CustomPSTNResourcesCustomResourceProvider');
    expect(provider.Runtime).toBe('nodejs24.x');
    expect(provider.Role).toEqual({ 'Fn::GetAtt': [logicalIdOf(template, 'AWS::IAM::Role', 'TelephonyChimeProviderRole'), 'Arn'] });
    const logGroup = (provider.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    expect(resourcesOf(template, 'AWS::Logs::LogGroup')[logGroup]!.Properties!.RetentionInDays).toBe(30);
    // The construct library's raw role is gone.
    expect(Object.keys(resourcesOf(template, 'AWS::IAM::Role')).filter((id) => id.startsWith('CustomPSTNResourcesCustomResourceProviderRole'))).toEqual([]);
  });

  it('keeps SIP media application message logs off by default', () => {
    expect(Object.values(resourcesOf(template, 'Custom::PSTNResources')).filter((r) => r.Properties!.resourceType === 'SMALogging')).toHaveLength(0);
    template.resourceCountIs('Custom::AWS', 0);
  });
});

describe('Events', () => {
  it('has a bus with an archive of Reachout events and a webhook dead-letter queue', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Events::Archive', { EventPattern: { source: ['reachout'] }, RetentionDays: 30 });
    logicalIdOf(template, 'AWS::SQS::Queue', 'EventsWebhookDlq');
    template.resourceCountIs('AWS::EventSchemas::Registry', 1);
    template.resourceCountIs('AWS::EventSchemas::Schema', 9);
  });

  it('lets every function that publishes events (all but the recogniser hook) put them on the bus', () => {
    for (const fn of ['ApiHandler', 'DialingDialer', 'DialingTickConsumer', 'DialingDispatch', 'DialingSweep', 'DialingWorker', 'TelephonySmaHandler']) {
      expect(actionsOf(fn)).toContain('events:PutEvents');
    }
    expect(actionsOf('TelephonyRecognizerHook')).not.toContain('events:PutEvents');
  });
});

describe('Analytics', () => {
  it('defines Parquet tables for calls, turns, jobs and events partitioned by instance_id and dt (details: test/infra/analytics.test.ts)', () => {
    const tables = Object.values(resourcesOf(template, 'AWS::Glue::Table')).map((t) => (t.Properties!.TableInput as Record<string, unknown>));
    expect(tables.map((t) => t.Name).sort()).toEqual(Object.keys(ANALYTICS_DATASETS).sort());
    for (const t of tables) expect(t.PartitionKeys).toEqual([{ Name: 'instance_id', Type: 'string' }, { Name: 'dt', Type: 'string' }]);
  });

  it('feeds each dataset from the bus through its own Firehose stream', () => {
    template.resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 4);
    template.hasResourceProperties('AWS::Events::Rule', { EventBusName: { Ref: logicalIdOf(template, 'AWS::Events::EventBus', 'EventsBus') }, EventPattern: { source: ['reachout'], 'detail-type': ['JobComplete'] } });
  });
});

describe('Monitoring', () => {
  it('alarms on every dead-letter queue, every function error and throttle, failed loops and the product metrics', () => {
    const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties!);
    const dlqs = Object.keys(resourcesOf(template, 'AWS::SQS::Queue')).filter((id) => /Dlq/.test(id));
    for (const dlq of dlqs) {
      expect(alarms).toContainEqual(expect.objectContaining({ MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }] }));
    }
    const fns = stack.monitoring.alarms.length;
    expect(fns).toBe(alarms.length);
    for (const metric of ['Errors', 'Throttles']) expect(alarms.filter((a) => a.MetricName === metric)).toHaveLength(FUNCTION_NAMES.length);
    expect(alarms).toContainEqual(expect.objectContaining({ MetricName: 'ExecutionsFailed', Namespace: 'AWS/States' }));
    for (const metric of ['SmaErrors', 'DeadLettered', 'CallsInFlight']) {
      expect(alarms).toContainEqual(expect.objectContaining({ MetricName: metric, Namespace: 'Reachout/Test', Dimensions: [{ Name: 'service', Value: 'reachout' }] }));
    }
    expect(alarms).toContainEqual(expect.objectContaining({ Threshold: { Ref: 'ConcurrentCallsQuota' }, ComparisonOperator: 'GreaterThanThreshold', MetricName: 'CallsInFlight' }));
    const noMatch = alarms.find((a) => JSON.stringify(a.Metrics ?? []).includes('NluNoMatches'))!;
    expect(JSON.stringify(noMatch.Metrics)).toContain('NluTurns');
    for (const a of alarms) expect(a.AlarmActions).toHaveLength(1);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});

describe('ReachoutStack', () => {
  it('gives every function the environment the handlers read, and the pure recogniser hook none of it', () => {
    const shared = ['TABLE_NAME', 'DIAL_QUEUE_URL', 'TICK_QUEUE_URL', 'WORK_QUEUE_URL', 'MAX_RECEIVE_COUNT', 'EVENT_BUS_NAME', 'EVENT_SOURCE', 'DATA_BUCKET', 'RECORDINGS_BUCKET', 'CALLS_PER_SECOND'];
    const powertools = { LOG_LEVEL: 'INFO', NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_SERVICE_NAME: 'reachout', POWERTOOLS_METRICS_NAMESPACE: 'Reachout/Test' };
    for (const fn of ['ApiHandler', 'DialingDialer', 'DialingTickConsumer', 'DialingDispatch', 'DialingSweep', 'DialingWorker', 'TelephonySmaHandler']) {
      expect(Object.keys(envOf(fn))).toEqual(expect.arrayContaining(shared));
      expect(envOf(fn)).toMatchObject({ ...powertools, CALLS_PER_SECOND: { Ref: 'CallsPerSecond' }, MAX_RECEIVE_COUNT: '5' });
      expect(envOf(fn)).not.toHaveProperty('MAX_CONCURRENCY');
    }
    expect(envOf('TelephonyRecognizerHook')).toEqual(powertools);
    expect(Object.keys(envOf('ApiHandler'))).toEqual(expect.arrayContaining(['SMA_ID', 'STATE_MACHINE_ARN', 'RECOGNIZER_BOT_ALIAS_ARN']));
  });

  it('takes the call rate as a whole number from 1 and the concurrent calls quota (alarm only) as parameters', () => {
    template.hasParameter('CallsPerSecond', { Type: 'String', Default: '1', AllowedPattern: '^[1-9][0-9]{0,3}$' });
    const pattern = new RegExp(template.toJSON().Parameters.CallsPerSecond.AllowedPattern as string);
    expect(['1', '5', '20', '9999'].every((v) => pattern.test(v))).toBe(true);
    expect(['0', '0.5', '1.5', '-1', '', '10000', '01'].some((v) => pattern.test(v))).toBe(false);
    template.hasParameter('ConcurrentCallsQuota', { Type: 'Number', Default: 10, MinValue: 1 });
    expect(template.toJSON().Parameters).not.toHaveProperty('MaxConcurrency');
  });

  it('runs every Reachout function on Node.js 24, arm64, JSON logs, active tracing, with its own retained log group', () => {
    // CDK's own deploy-time helpers (custom resources, bucket notifications) are not Reachout functions.
    const reachout = Object.entries(resourcesOf(template, 'AWS::Lambda::Function')).filter(([id]) => !id.startsWith('Custom') && !id.startsWith('BucketNotificationsHandler'));
    expect(reachout).toHaveLength(FUNCTION_NAMES.length);
    for (const [, fn] of reachout) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: expect.objectContaining({ LogFormat: 'JSON', LogGroup: { Ref: expect.any(String) } }),
      });
      expect((fn.Properties!.Environment as { Variables: Record<string, string> }).Variables.NODE_OPTIONS).toBe('--enable-source-maps');
    }
    for (const lg of Object.values(resourcesOf(template, 'AWS::Logs::LogGroup'))) expect(lg.Properties!.RetentionInDays).toBeGreaterThan(0);
  });

  it('gives each function a role that writes to its own log group only (no AWSLambdaBasicExecutionRole)', () => {
    for (const [id, fn] of Object.entries(resourcesOf(template, 'AWS::Lambda::Function')).filter(([id]) => !id.startsWith('Custom'))) {
      const roleId = (fn.Properties!.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      expect(resourcesOf(template, 'AWS::IAM::Role')[roleId]!.Properties!.ManagedPolicyArns, id).toBeUndefined();
      const logGroup = (fn.Properties!.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      const logStatements = statementsOf(id.replace(/[0-9A-F]{8}$/, '')).filter((s) => JSON.stringify(s.Action).includes('logs:'));
      expect(logStatements, id).toHaveLength(1);
      expect(logStatements[0]!.Action, id).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
      // The group and its streams (`…:log-group:<name>` and its ARN, which ends in `:*`), of this group only.
      const resources = logStatements[0]!.Resource as unknown[];
      expect(resources, id).toContainEqual({ 'Fn::GetAtt': [logGroup, 'Arn'] });
      for (const r of resources) expect(JSON.stringify(r), id).toContain(`"${logGroup}"`);
    }
  });

  it('gives no resource a physical name', () => {
    const named: [string, string][] = [
      ['AWS::DynamoDB::Table', 'TableName'],
      ['AWS::S3::Bucket', 'BucketName'],
      ['AWS::Lambda::Function', 'FunctionName'],
      ['AWS::SQS::Queue', 'QueueName'],
      ['AWS::SNS::Topic', 'TopicName'],
      ['AWS::IAM::Role', 'RoleName'],
      ['AWS::StepFunctions::StateMachine', 'StateMachineName'],
      ['AWS::Logs::LogGroup', 'LogGroupName'],
      ['AWS::Cognito::UserPool', 'UserPoolName'],
      ['AWS::Scheduler::Schedule', 'Name'],
      ['AWS::CloudWatch::Dashboard', 'DashboardName'],
      ['AWS::CloudWatch::Alarm', 'AlarmName'],
    ];
    for (const [type, prop] of named) {
      for (const [id, r] of Object.entries(resourcesOf(template, type))) expect(r.Properties?.[prop], `${id}.${prop}`).toBeUndefined();
    }
    // Names the service requires are derived from the stack's construct path, never a fixed literal.
    expect(Object.values(resourcesOf(template, 'AWS::Events::EventBus'))[0]!.Properties!.Name).toMatch(/^Test/);
    expect(Object.values(resourcesOf(template, 'AWS::Lex::Bot'))[0]!.Properties!.Name).toMatch(/^Test/);
    expect((Object.values(resourcesOf(template, 'AWS::Glue::Database'))[0]!.Properties!.DatabaseInput as { Name: string }).Name).toMatch(/^test/);
  });
});
