import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from './nag';
import { ReachoutFunction } from './reachout-function';
import { CHART_JS_FILE } from '../../lib/results/page';

/** Paths answered without authentication (the handler marks the same routes `public`). */
export const PUBLIC_PATHS = ['/health', '/openapi.json', '/campaigns/{campaignId}/report.html', '/report-assets/{file}'] as const;

/** Props of the API. */
export interface ApiProps {
  /**
   * Environment of the API function (table, queues, bus, buckets, state machine...).
   * @default - none
   */
  readonly environment?: Record<string, string>;
  /**
   * Steady-state requests per second per API stage.
   * @default 50
   */
  readonly throttleRateLimit?: number;
  /**
   * Burst of requests per API stage.
   * @default 100
   */
  readonly throttleBurstLimit?: number;
  /**
   * Allowed CORS origins of the people API.
   * @default - no CORS
   */
  readonly corsAllowOrigins?: string[];
  /**
   * MFA setting of the people user pool.
   * @default cognito.Mfa.REQUIRED (TOTP)
   */
  readonly mfa?: cognito.Mfa;
  /**
   * Removal policy of the user pool.
   * @default RemovalPolicy.RETAIN
   */
  readonly userPoolRemovalPolicy?: RemovalPolicy;
  /**
   * Retention of the access logs.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly accessLogRetention?: logs.RetentionDays;
  /**
   * Also deploy a third HTTP API without a gateway authoriser, where the handler authenticates API keys
   * (`x-api-key`), for integrations that can sign neither JWTs nor SigV4.
   * @default false
   */
  readonly apiKeyApi?: boolean;
  /**
   * API function timeout.
   * @default Duration.seconds(29) (the HTTP API integration limit)
   */
  readonly timeout?: Duration;
}

/**
 * The REST API (E3): one Lambda (`functions/api/index.ts`) behind two HTTP APIs with the same routes, because
 * an HTTP API route has exactly one authoriser: the people API checks Cognito JWTs (the ID token carries
 * `custom:instanceId`), the service API checks SigV4 (IAM) and takes the instance from `x-reachout-instance`.
 * `GET /health` and `GET /openapi.json` are public on both.
 */
export class Api extends Construct {
  /** The API handler. */
  public readonly handler: ReachoutFunction;
  /** Users (people) of the console and API; `custom:instanceId` ties a user to an instance. */
  public readonly userPool: cognito.UserPool;
  /** App client whose ID tokens the people API accepts. */
  public readonly userPoolClient: cognito.UserPoolClient;
  /** HTTP API with the Cognito JWT authoriser. */
  public readonly peopleApi: apigw.HttpApi;
  /** HTTP API with IAM authorisation, for services. */
  public readonly serviceApi: apigw.HttpApi;
  /** HTTP API where the handler checks API keys, when enabled. */
  public readonly keyApi?: apigw.HttpApi;
  /** Access log group of the APIs. */
  public readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ApiProps = {}) {
    super(scope, id);

    this.handler = new ReachoutFunction(this, 'Handler', {
      entry: 'functions/api/index.ts',
      description: 'Reachout REST API',
      timeout: props.timeout ?? Duration.seconds(29),
      memorySize: 1024,
      environment: props.environment,
      bundling: {
        // The report page's chart library is served by the API (no CDN): a copy sits beside the bundle.
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) => [`cp "${inputDir}/node_modules/chart.js/dist/${CHART_JS_FILE}" "${outputDir}/${CHART_JS_FILE}"`],
        },
      },
    });

    this.userPool = new cognito.UserPool(this, 'People', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      mfa: props.mfa ?? cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: { minLength: 12, requireDigits: true, requireLowercase: true, requireUppercase: true, requireSymbols: true, tempPasswordValidity: Duration.days(3) },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      customAttributes: {
        instanceId: new cognito.StringAttribute({ minLen: 1, maxLen: 64, mutable: true }),
        admin: new cognito.StringAttribute({ minLen: 4, maxLen: 5, mutable: true }),
      },
      deletionProtection: (props.userPoolRemovalPolicy ?? RemovalPolicy.RETAIN) === RemovalPolicy.RETAIN,
      removalPolicy: props.userPoolRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.userPool,
      'AwsSolutions-COG8',
      'No self sign-up: administrators create users, MFA is required; the Plus tier (threat protection) is priced per user and left to the operator',
    );
    this.userPoolClient = this.userPool.addClient('Console', {
      authFlows: { userSrp: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      // Only administrators (AdminUpdateUserAttributes) may set the tenancy attributes.
      readAttributes: new cognito.ClientAttributes().withStandardAttributes({ email: true, emailVerified: true }).withCustomAttributes('instanceId', 'admin'),
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ email: true }),
    });

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const throttle = { rateLimit: props.throttleRateLimit ?? 50, burstLimit: props.throttleBurstLimit ?? 100 };
    const jwt = new HttpUserPoolAuthorizer('People', this.userPool, { userPoolClients: [this.userPoolClient] });

    this.peopleApi = this.httpApi('PeopleApi', 'Reachout API for people (Cognito JWT)', jwt, throttle, props.corsAllowOrigins);
    this.serviceApi = this.httpApi('ServiceApi', 'Reachout API for services (IAM)', new HttpIamAuthorizer(), throttle);

    if (props.apiKeyApi) {
      this.keyApi = this.httpApi('KeyApi', 'Reachout API for API keys (checked by the handler)', new apigw.HttpNoneAuthorizer(), throttle);
      const proxy = this.keyApi.node.findChild('ANY--{proxy+}');
      acknowledge(proxy, 'AwsSolutions-APIG4', 'The handler authenticates every non-public request by API key (hashed in the table) and rejects the rest');
      new CfnOutput(this, 'KeyApiUrl', { value: this.keyApi.apiEndpoint, description: 'API for API keys: x-api-key header' });
    }
    new CfnOutput(this, 'PeopleApiUrl', { value: this.peopleApi.apiEndpoint, description: 'API for people: send a Cognito ID token as Authorization: Bearer' });
    new CfnOutput(this, 'ServiceApiUrl', { value: this.serviceApi.apiEndpoint, description: 'API for services: SigV4-signed, x-reachout-instance header' });
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.userPoolClient.userPoolClientId });
  }

  /** Lets a principal call the service API (execute-api:Invoke on all its routes). */
  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: [Stack.of(this).formatArn({ service: 'execute-api', resource: this.serviceApi.apiId, resourceName: '*' })],
    });
  }

  private httpApi(
    id: string,
    description: string,
    authorizer: apigw.IHttpRouteAuthorizer,
    throttle: apigw.ThrottleSettings,
    corsAllowOrigins?: string[],
  ): apigw.HttpApi {
    // An integration belongs to one API, so each API gets its own (same function).
    const integration = new HttpLambdaIntegration(`${id}Integration`, this.handler, { payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0 });
    const api = new apigw.HttpApi(this, id, {
      description,
      createDefaultStage: false,
      corsPreflight: corsAllowOrigins
        ? {
            allowOrigins: corsAllowOrigins,
            allowMethods: [apigw.CorsHttpMethod.ANY],
            allowHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-api-key'],
            maxAge: Duration.hours(1),
          }
        : undefined,
    });
    new apigw.HttpStage(this, `${id}Stage`, {
      httpApi: api,
      autoDeploy: true,
      throttle,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            api: id,
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            method: '$context.httpMethod',
            routeKey: '$context.routeKey',
            path: '$context.path',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            latency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
          }),
        ),
      },
    });
    api.addRoutes({ path: '/{proxy+}', methods: [apigw.HttpMethod.ANY], integration, authorizer });
    for (const path of PUBLIC_PATHS) {
      const [route] = api.addRoutes({ path, methods: [apigw.HttpMethod.GET], integration, authorizer: new apigw.HttpNoneAuthorizer() });
      acknowledge(route!, 'AwsSolutions-APIG4', `${path} is public by design: liveness, the API description and the report page's shell and scripts carry no tenant data (the page asks for credentials and calls the guarded API)`);
    }
    return api;
  }
}
