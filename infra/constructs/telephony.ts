import { createHash } from 'node:crypto';
import { CfnOutput, CfnResource, Duration, Names, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lex from 'aws-cdk-lib/aws-lex';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import { ChimePhoneNumber, ChimeSipMediaApp, PhoneCountry, PhoneNumberType, PhoneProductType } from 'cdk-amazon-chime-resources';
import { Construct } from 'constructs';
import { acknowledge } from './nag';
import { ReachoutFunction } from './reachout-function';
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
   * SIP media application message logs in CloudWatch.
   * @default true
   */
  readonly smaMessageLogs?: boolean;
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

  constructor(scope: Construct, id: string, props: TelephonyProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const region = props.region ?? stack.region;

    this.recognizerHook = new ReachoutFunction(this, 'RecognizerHook', {
      entry: 'functions/recognizer-hook.ts',
      description: 'Lex V2 code hook of the recogniser bot',
      timeout: Duration.seconds(10),
      environment: props.environment,
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
      environment: { ...props.environment, RECOGNIZER_BOT_ALIAS_ARN: this.botAliasArn },
    });
    // Chime calls the handler with its service principal; it names no source ARN before the SMA exists.
    this.smaHandler.addPermission('InvokeByChime', {
      principal: new iam.ServicePrincipal(CHIME_VOICE_PRINCIPAL),
      sourceAccount: stack.account,
    });

    this.sipMediaApp = new ChimeSipMediaApp(this, 'SipMediaApp', { region, endpoint: this.smaHandler.functionArn });
    this.sipMediaApp.node.addDependency(this.smaHandler.permissionsNode.findChild('InvokeByChime'));
    this.smaId = this.sipMediaApp.sipMediaAppId;
    if (props.smaMessageLogs ?? true) this.sipMediaApp.logging({ enableSipMediaApplicationMessageLogs: true });
    this.modernizeChimeProvider();

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
    props.recordingsBucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(this.recordingsHandler), { suffix: '.wav' });
    // CDK configures bucket notifications with a deploy-time custom resource of its own (one per stack).
    const notifications = stack.node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834');
    if (notifications) {
      acknowledge(
        notifications,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'CDK\'s bucket-notification custom resource runs at deploy time only; the managed policy grants CloudWatch Logs writes (on *, as that policy does) and nothing else',
      );
      acknowledge(notifications, 'AwsSolutions-IAM5[Resource::*]', 'PutBucketNotificationConfiguration is granted by CDK on * for its deploy-time notification custom resource; it runs only during deployments');
    }

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
  }

  /** Lets a principal place and update calls through the SIP media application. */
  grantPlaceCalls(grantee: iam.IGrantable): iam.Grant {
    const stack = Stack.of(this);
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['chime:CreateSipMediaApplicationCall', 'chime:UpdateSipMediaApplicationCall'],
      resourceArns: [stack.formatArn({ service: 'chime', resource: 'sma', resourceName: this.smaId })],
    });
  }

  /**
   * The construct library's custom resource provider still asks for nodejs18.x, whose creation AWS disables in
   * 2027; its handler is one self-contained CommonJS bundle, so it runs unchanged on nodejs22.x.
   */
  private modernizeChimeProvider(): void {
    const provider = Stack.of(this).node.tryFindChild('Custom::PSTNResourcesCustomResourceProvider');
    const handler = provider?.node.tryFindChild('Handler');
    if (handler instanceof CfnResource) handler.addPropertyOverride('Runtime', 'nodejs22.x');
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
