import { RECOGNITION_PROVIDERS_ENV } from '../bundling';
import type { NluProviders } from './nlu-providers';
import { createHash } from 'node:crypto';
import { Annotations, CfnOutput, CfnResource, CustomResourceProviderBase, Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lex from 'aws-cdk-lib/aws-lex';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { ChimePhoneNumber, ChimeSipMediaApp, PhoneCountry, PhoneNumberType, PhoneProductType } from 'cdk-amazon-chime-resources';
import { Construct } from 'constructs';
import { acknowledge, nagResource } from './nag';
import { REACHOUT_RUNTIME, ReachoutFunction } from './reachout-function';
import {
  RECOGNIZER_LOCALES as BOT_LOCALES,
  RECOGNIZER_NLU_CONFIDENCE_THRESHOLD,
  recognizerBotAliasPolicy,
} from '../../lib/telephony/recognizer-bot';

/** The Chime service principal that invokes SIP media applications, writes recordings and talks to Lex. */
export const CHIME_VOICE_PRINCIPAL = 'voiceconnector.chime.amazonaws.com';

/** Locales of the recogniser bot (T2), as lib/telephony/recognizer-bot.ts describes the bot. */
export const RECOGNIZER_LOCALES = BOT_LOCALES.map((l) => l.localeId);

/** Sample utterances of the placeholder intent per locale (Lex builds no locale whose only intent is the fallback). */
const PLACEHOLDER_UTTERANCES: Record<string, string[]> = {
  en_US: ['hello', 'yes', 'no', 'who is this'],
  zh_CN: ['你好', '是的', '不是', '你是谁'],
};

/** Which phone numbers to order for calling out (the construct library orders them through a custom resource). */
export interface PhoneNumberOrder {
  /**
   * How many numbers to order.
   * @default 1
   */
  readonly count?: number;
  /**
   * US area code, e.g. 206.
   * @default - none (state or toll-free prefix instead)
   */
  readonly areaCode?: number;
  /**
   * US state, e.g. 'WA'.
   * @default - none
   */
  readonly state?: string;
  /**
   * US city (needs `state`).
   * @default - none
   */
  readonly city?: string;
  /**
   * Toll-free prefix, e.g. 844.
   * @default - none
   */
  readonly tollFreePrefix?: number;
  /**
   * ISO country.
   * @default 'US'
   */
  readonly country?: keyof typeof PhoneCountry;
}

/** Props of the telephony layer. */
export interface TelephonyProps {
  /**
   * Environment of the SIP media application handler and the recogniser hook.
   * @default - none
   */
  readonly environment?: Record<string, string>;
  /** Bucket Chime writes call recordings into. */
  readonly recordingsBucket: s3.IBucket;
  /**
   * Region of the SIP media application (a Chime SDK PSTN region; the handler must be in the same one).
   * @default - the stack's region
   */
  readonly region?: string;
  /**
   * Phone numbers to order; undefined orders none (bring numbers already in the account).
   * @default - none ordered
   */
  readonly phoneNumbers?: PhoneNumberOrder;
  /**
   * SIP media application message logs in CloudWatch (`/aws/ChimeSipMediaApplicationSipMessages/<id>`). They hold the
   * SIP messages of every call, phone numbers unmasked, so they are off unless asked for; when on, the stack owns the
   * log group (with `logRetention`) and turns logging off again when the option is removed.
   * @default false
   */
  readonly smaMessageLogs?: boolean;
  /**
   * Retention of the SIP message logs and of the custom resource providers' logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Recognition providers scenarios may choose (S9: Lex V2 bots, Bedrock models): the SMA handler is told which are on
   * (its grants come from infra/needs.ts).
   * @default - none: a scenario that chooses one is recognised by the built-in recogniser
   */
  readonly nluProviders?: NluProviders;
}

/**
 * Telephony (T1, T2, T5): the SIP media application and its handler (`functions/sma.ts`), ordered phone numbers,
 * the Lex V2 recogniser bot (en_US, zh_CN) with its code hook (`functions/recognizer-hook.ts`), and the
 * permissions Chime needs (invoke the handler, use the bot, write recordings).
 */
export class Telephony extends Construct {
  /** SIP media application handler. */
  public readonly smaHandler: ReachoutFunction;
  /** Attaches recordings to their calls when Chime writes them (recordings bucket notifications, T5). */
  public readonly recordingsHandler: ReachoutFunction;
  /** Recording notifications the handler could not take within a day. */
  public readonly recordingsDeadLetterQueue: sqs.Queue;
  /** Lex fallback / fulfilment code hook. */
  public readonly recognizerHook: ReachoutFunction;
  /** The SIP media application. */
  public readonly sipMediaApp: ChimeSipMediaApp;
  /** Its id (SMA_ID). */
  public readonly smaId: string;
  /** Ordered phone numbers (E.164). */
  public readonly phoneNumbers: string[];
  /** The recogniser bot. */
  public readonly bot: lex.CfnBot;
  /** Its published version. */
  public readonly botVersion: lex.CfnBotVersion;
  /** The alias StartBotConversation uses. */
  public readonly botAlias: lex.CfnBotAlias;
  /** ARN of the alias (RECOGNIZER_BOT_ALIAS_ARN). */
  public readonly botAliasArn: string;
  /** Region of the SIP media application. */
  public readonly smaRegion: string;

  constructor(scope: Construct, id: string, props: TelephonyProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const region = props.region ?? stack.region;
    this.smaRegion = region;

    // The hook is pure (transcript in, transcript out): no table, queue or bus, so no environment either.
    this.recognizerHook = new ReachoutFunction(this, 'RecognizerHook', {
      entry: 'functions/recognizer-hook.ts',
      description: 'Lex V2 code hook of the recogniser bot',
      timeout: Duration.seconds(10),
    });

    const botRole = new iam.Role(this, 'BotRole', {
      assumedBy: new iam.ServicePrincipal('lexv2.amazonaws.com'),
      description: 'Recogniser bot: speech synthesis for its prompts',
      inlinePolicies: {
        polly: new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: ['polly:SynthesizeSpeech'], resources: ['*'] })] }),
      },
    });
    acknowledge(botRole, 'AwsSolutions-IAM5[Resource::*]', 'polly:SynthesizeSpeech has no resource-level permissions');

    const botLocales = BOT_LOCALES.map((l) => this.locale(l.localeId, l.voiceId, l.engine, PLACEHOLDER_UTTERANCES[l.localeId] ?? ['hello']));
    this.bot = new lex.CfnBot(this, 'RecognizerBot', {
      name: Names.uniqueResourceName(this, { maxLength: 100, separator: '-' }),
      description: 'Reachout speech recogniser: returns what the person said; the built-in NLU classifies it',
      roleArn: botRole.roleArn,
      dataPrivacy: { ChildDirected: false },
      idleSessionTtlInSeconds: 300,
      autoBuildBotLocales: true,
      botLocales,
    });

    // A bot version is immutable: a new one is made only when its properties change, so the description carries
    // a digest of the locales.
    const digest = createHash('sha256').update(JSON.stringify(botLocales)).digest('hex').slice(0, 16);
    this.botVersion = new lex.CfnBotVersion(this, 'RecognizerBotVersion', {
      botId: this.bot.attrId,
      description: `locales ${digest}`,
      botVersionLocaleSpecification: RECOGNIZER_LOCALES.map((localeId) => ({ localeId, botVersionLocaleDetails: { sourceBotVersion: 'DRAFT' } })),
    });
    this.botAlias = new lex.CfnBotAlias(this, 'RecognizerBotAlias', {
      botId: this.bot.attrId,
      botAliasName: 'live',
      botVersion: this.botVersion.attrBotVersion,
      sentimentAnalysisSettings: { DetectSentiment: false },
      botAliasLocaleSettings: RECOGNIZER_LOCALES.map((localeId) => ({
        localeId,
        botAliasLocaleSetting: {
          enabled: true,
          codeHookSpecification: { lambdaCodeHook: { codeHookInterfaceVersion: '1.0', lambdaArn: this.recognizerHook.functionArn } },
        },
      })),
    });
    this.botAliasArn = this.botAlias.attrArn;
    this.recognizerHook.addPermission('InvokeByLex', {
      principal: new iam.ServicePrincipal('lexv2.amazonaws.com'),
      sourceAccount: stack.account,
      sourceArn: stack.formatArn({ service: 'lex', resource: 'bot-alias', resourceName: `${this.bot.attrId}/*` }),
    });

    this.smaHandler = new ReachoutFunction(this, 'SmaHandler', {
      entry: 'functions/sma.ts',
      description: 'SIP media application handler: dialog engine to SMA actions',
      timeout: Duration.seconds(5),
      memorySize: 1024,
      environment: {
        ...props.environment,
        RECOGNIZER_BOT_ALIAS_ARN: this.botAliasArn,
        ...(props.nluProviders?.enabled ? { [RECOGNITION_PROVIDERS_ENV]: props.nluProviders.names } : {}),
      },
    });

    // Chime calls the handler with its service principal; it names no source ARN before the SMA exists.
    this.smaHandler.addPermission('InvokeByChime', {
      principal: new iam.ServicePrincipal(CHIME_VOICE_PRINCIPAL),
      sourceAccount: stack.account,
    });

    this.sipMediaApp = new ChimeSipMediaApp(this, 'SipMediaApp', { region, endpoint: this.smaHandler.functionArn });
    this.sipMediaApp.node.addDependency(this.smaHandler.permissionsNode.findChild('InvokeByChime'));
    this.smaId = this.sipMediaApp.sipMediaAppId;
    const retention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    if (props.smaMessageLogs ?? false) this.enableMessageLogs(region, retention);

    new lex.CfnResourcePolicy(this, 'RecognizerBotAliasPolicy', {
      resourceArn: this.botAliasArn,
      policy: recognizerBotAliasPolicy({ region, accountId: stack.account, botAliasArn: this.botAliasArn, sipMediaApplicationId: this.smaId }),
    });

    props.recordingsBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowChimeWriteRecordings',
        principals: [new iam.ServicePrincipal(CHIME_VOICE_PRINCIPAL)],
        actions: ['s3:PutObject', 's3:PutObjectAcl', 's3:PutObjectTagging'],
        resources: [props.recordingsBucket.arnForObjects('*')],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': [`arn:${stack.partition}:chime:*:${stack.account}:*`, `arn:${stack.partition}:voiceconnector:*:${stack.account}:*`] },
        },
      }),
    );

    // Chime writes a recording after the call ended: its object-created notification attaches it to the call.
    this.recordingsHandler = new ReachoutFunction(this, 'RecordingsHandler', {
      entry: 'functions/recordings.ts',
      description: 'Attaches call recordings to their call records and publishes RecordingReady',
      timeout: Duration.seconds(30),
      environment: props.environment,
    });
    // The recordings bucket sends its object-created events to EventBridge (infra/constructs/data.ts); this rule
    // hands the .wav ones to the handler, retrying for a day, then into a dead-letter queue.
    this.recordingsDeadLetterQueue = new sqs.Queue(this, 'RecordingsDlq', { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    acknowledge(this.recordingsDeadLetterQueue, 'AwsSolutions-SQS3', 'This queue is the dead-letter queue of the recording notifications rule');
    new events.Rule(this, 'RecordingCreated', {
      description: 'A call recording landed in the recordings bucket',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [props.recordingsBucket.bucketName] }, object: { key: [{ suffix: '.wav' }] } },
      },
      targets: [new targets.LambdaFunction(this.recordingsHandler, { retryAttempts: 10, maxEventAge: Duration.hours(24), deadLetterQueue: this.recordingsDeadLetterQueue })],
    });

    this.phoneNumbers = [];
    const order = props.phoneNumbers;
    for (let i = 0; order && i < (order.count ?? 1); i++) {
      const country = order.country ?? 'US';
      const number = new ChimePhoneNumber(this, `PhoneNumber${i + 1}`, {
        phoneAreaCode: order.areaCode,
        phoneState: order.state,
        phoneCity: order.city,
        phoneNumberTollFreePrefix: order.tollFreePrefix,
        phoneCountry: PhoneCountry[country],
        phoneNumberType: order.tollFreePrefix ? PhoneNumberType.TOLLFREE : country === 'US' ? undefined : PhoneNumberType.LOCAL,
        phoneProductType: PhoneProductType.SMA,
      });
      this.phoneNumbers.push(number.phoneNumber);
      new CfnOutput(this, `PhoneNumber${i + 1}Output`, { value: number.phoneNumber, description: `Ordered caller number ${i + 1}` });
    }
    new CfnOutput(this, 'SipMediaApplicationId', { value: this.smaId });
    new CfnOutput(this, 'RecognizerBotAliasArn', { value: this.botAliasArn });

    // Last: every PSTN resource (SIP media application, numbers) shares this one provider.
    this.takeOverChimeProvider(region, retention);
  }

  /** Lets a principal place calls (CreateSipMediaApplicationCall) and/or update live ones, on this SIP media application only. */
  grantCalls(grantee: iam.IGrantable, what: { place?: boolean; update?: boolean } = { place: true, update: true }): iam.Grant {
    const actions = [
      ...(what.place ? ['chime:CreateSipMediaApplicationCall'] : []),
      ...(what.update ? ['chime:UpdateSipMediaApplicationCall'] : []),
    ];
    return iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this.smaArn()] });
  }

  /** ARN of the SIP media application (in its own region). */
  private smaArn(): string {
    return Stack.of(this).formatArn({ service: 'chime', resource: 'sma', resourceName: this.smaId, region: this.smaRegion });
  }

  /**
   * Message logs: the log group Chime writes to, made first with a retention, then logging switched on with an SDK
   * call (boolean typed, switched off again on delete). The construct library's own `logging()` passes the flag as a
   * string under a property name its handler does not read, so it is not used.
   */
  private enableMessageLogs(region: string, retention: logs.RetentionDays): void {
    const stack = Stack.of(this);
    let logGroup: logs.LogGroup | undefined;
    if (region === stack.region) {
      logGroup = new logs.LogGroup(this, 'SipMessageLogs', {
        // Chime's fixed name (Chime SDK developer guide, "Troubleshooting SIP media applications").
        logGroupName: `/aws/ChimeSipMediaApplicationSipMessages/${this.smaId}`,
        retention,
        removalPolicy: RemovalPolicy.DESTROY,
      });
    } else {
      Annotations.of(this).addWarning(
        `SIP media application region ${region} differs from the stack's: Chime creates its message log group there, with no retention`,
      );
    }
    const call = (enable: boolean): cr.AwsSdkCall => ({
      service: 'ChimeSDKVoice',
      action: 'PutSipMediaApplicationLoggingConfiguration',
      region,
      parameters: { SipMediaApplicationId: this.smaId, SipMediaApplicationLoggingConfiguration: { EnableSipMediaApplicationMessageLogs: enable } },
      physicalResourceId: cr.PhysicalResourceId.of(`${this.smaId}-message-logs`),
      // Switching off a SIP media application that is already gone (replaced, or deleted first) is done.
      ...(enable ? {} : { ignoreErrorCodesMatching: 'NotFoundException' }),
    });
    const providerLogs = new logs.LogGroup(this, 'MessageLogsSwitchLogs', { retention, removalPolicy: RemovalPolicy.DESTROY });
    const role = new iam.Role(this, 'MessageLogsSwitchRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Switches SIP media application message logs on and off',
    });
    providerLogs.grant(role, 'logs:CreateLogStream', 'logs:PutLogEvents');
    const smaArn = this.smaArn();
    const logsWildcard = `arn:${stack.partition}:logs:${region}:${stack.account}:log-group:*`;
    const switcher = new cr.AwsCustomResource(this, 'MessageLogsSwitch', {
      onCreate: call(true),
      onUpdate: call(true),
      onDelete: call(false),
      role,
      logGroup: providerLogs,
      installLatestAwsSdk: false,
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['chime:PutSipMediaApplicationLoggingConfiguration'], resources: [smaArn] }),
        // Chime delivers the logs as vended logs, set up with the caller's rights.
        new iam.PolicyStatement({
          actions: ['logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery', 'logs:ListLogDeliveries'],
          resources: ['*'],
        }),
        new iam.PolicyStatement({ actions: ['logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups'], resources: [logsWildcard] }),
      ]),
    });
    if (logGroup) switcher.node.addDependency(logGroup);
    acknowledge(
      switcher,
      'AwsSolutions-IAM5[Resource::*]',
      'CloudWatch Logs log-delivery actions (Create/Get/Update/Delete/ListLogDeliveries) support no resource-level permissions; Chime calls them with the caller\'s rights to deliver SIP message logs',
    );
    acknowledge(
      switcher,
      `AwsSolutions-IAM5[Resource::${nagResource(this, logsWildcard)}]`,
      'CloudWatch Logs requires the log-group:* wildcard for PutResourcePolicy, DescribeResourcePolicies and DescribeLogGroups when a service delivers logs (CloudWatch Logs user guide, "Logs sent to CloudWatch Logs")',
    );
  }

  /**
   * The construct library's custom resource provider is raw CloudFormation (a CfnResource role cdk-nag never
   * inspects) with about 24 `chime:` actions, logs, `lambda:AddPermission` and `iam:CreateServiceLinkedRole` on `*`,
   * on nodejs18.x. It is taken over here: a real iam.Role with only what its handler calls for the resources this
   * stack makes (SIP media application, phone numbers), scoped wherever Chime allows; nodejs24.x (its handler is one
   * self-contained CommonJS bundle behind CDK's async entry point); and its own log group with a retention.
   */
  private takeOverChimeProvider(smaRegion: string, retention: logs.RetentionDays): void {
    const stack = Stack.of(this);
    const provider = stack.node.tryFindChild('Custom::PSTNResourcesCustomResourceProvider');
    if (!(provider instanceof CustomResourceProviderBase)) throw new Error('cdk-amazon-chime-resources no longer creates Custom::PSTNResourcesCustomResourceProvider: review Telephony');
    const handler = provider.node.findChild('Handler') as CfnResource;
    const oldRole = provider.node.findChild('Role') as CfnResource;

    const logGroup = providerLogGroup(provider, retention);
    const role = new iam.Role(this, 'ChimeProviderRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Chime PSTN custom resources: the SIP media application and phone numbers of this stack',
    });
    logGroup.grant(role, 'logs:CreateLogStream', 'logs:PutLogEvents');
    const ssmParameter = (name: string) => stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: `chime/${name}*` });
    const noResourceLevel = [
      // Service Authorization Reference, Amazon Chime: none of these has a resource type.
      'chime:CreateSipMediaApplication',
      'chime:SearchAvailablePhoneNumbers',
      'chime:CreatePhoneNumberOrder',
      'chime:GetPhoneNumberOrder',
      'chime:GetPhoneNumber',
      'chime:DeletePhoneNumber',
      // Its resource type (sip-media-application) is optional; the rule of a dial-in number is disabled before deletion.
      'chime:UpdateSipRule',
    ];
    const anySmaHere = stack.formatArn({ service: 'chime', resource: 'sma', resourceName: '*', region: smaRegion });
    const serviceLinkedRole = stack.formatArn({
      service: 'iam',
      region: '',
      resource: 'role',
      resourceName: 'aws-service-role/voiceconnector.chime.amazonaws.com/AWSServiceRoleForAmazonChimeVoiceConnector',
    });
    const policy = new iam.Policy(this, 'ChimeProviderPolicy', {
      statements: [
        new iam.PolicyStatement({ sid: 'ChimeNoResourceLevel', actions: noResourceLevel, resources: ['*'] }),
        // The id is known only once created; the handler deletes the one it made (id kept in SSM).
        new iam.PolicyStatement({ sid: 'DeleteSipMediaApplication', actions: ['chime:DeleteSipMediaApplication'], resources: [anySmaHere] }),
        new iam.PolicyStatement({
          sid: 'HandlerState',
          actions: ['ssm:PutParameter', 'ssm:GetParameter', 'ssm:DeleteParameter'],
          resources: [ssmParameter('sipMediaApp'), ssmParameter('phoneNumber')],
        }),
        new iam.PolicyStatement({ sid: 'SmaEndpoint', actions: ['lambda:GetPolicy', 'lambda:AddPermission'], resources: [this.smaHandler.functionArn] }),
        new iam.PolicyStatement({
          sid: 'ChimeVoiceServiceLinkedRole',
          actions: ['iam:CreateServiceLinkedRole'],
          resources: [serviceLinkedRole],
          conditions: { StringEquals: { 'iam:AWSServiceName': 'voiceconnector.chime.amazonaws.com' } },
        }),
      ],
    });
    role.attachInlinePolicy(policy);
    acknowledge(
      policy,
      'AwsSolutions-IAM5[Resource::*]',
      'chime:CreateSipMediaApplication, SearchAvailablePhoneNumbers, CreatePhoneNumberOrder, GetPhoneNumberOrder, GetPhoneNumber and DeletePhoneNumber have no resource type in the Service Authorization Reference (Amazon Chime), and UpdateSipRule only an optional one',
    );
    acknowledge(
      policy,
      `AwsSolutions-IAM5[Resource::${nagResource(this, anySmaHere)}]`,
      'A SIP media application id exists only after the handler creates it; deletion is limited to SIP media applications of this account and region',
    );
    for (const name of ['sipMediaApp', 'phoneNumber']) {
      acknowledge(
        policy,
        `AwsSolutions-IAM5[Resource::${nagResource(this, ssmParameter(name))}]`,
        `The handler keeps each resource's id in /chime/${name}<unique id>; limited to that prefix`,
      );
    }

    handler.addPropertyOverride('Role', role.roleArn);
    handler.addPropertyOverride('Runtime', REACHOUT_RUNTIME.name);
    handler.removeResourceDependency(oldRole);
    handler.node.addDependency(role, policy);
    provider.node.tryRemoveChild('Role');
  }

  private locale(localeId: string, voiceId: string, engine: string, utterances: string[]): lex.CfnBot.BotLocaleProperty {
    const hook = { enabled: true };
    return {
      localeId,
      // At 1 every utterance goes to the fallback intent; the placeholder only lets the locale build.
      nluConfidenceThreshold: RECOGNIZER_NLU_CONFIDENCE_THRESHOLD,
      voiceSettings: { voiceId, engine },
      intents: [
        // Every intent ends in the code hook, which hands the transcript back, so which one matches does not matter.
        { name: 'Speech', sampleUtterances: utterances.map((utterance) => ({ utterance })), fulfillmentCodeHook: hook },
        { name: 'FallbackIntent', parentIntentSignature: 'AMAZON.FallbackIntent', fulfillmentCodeHook: hook },
      ],
    };
  }
}

/**
 * The log group of a CDK custom resource provider (CustomResourceProvider, e.g. the Chime PSTN one or S3 auto-delete),
 * made once with a retention and wired through the function's LoggingConfig; without it Lambda creates
 * `/aws/lambda/<name>` with no retention.
 */
export function providerLogGroup(provider: CustomResourceProviderBase, retention: logs.RetentionDays): logs.LogGroup {
  const existing = provider.node.tryFindChild('Logs');
  if (existing instanceof logs.LogGroup) return existing;
  const logGroup = new logs.LogGroup(provider, 'Logs', { retention, removalPolicy: RemovalPolicy.DESTROY });
  const handler = provider.node.findChild('Handler') as CfnResource;
  handler.addPropertyOverride('LoggingConfig', { LogGroup: logGroup.logGroupName, LogFormat: 'JSON' });
  return logGroup;
}
