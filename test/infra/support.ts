import { App, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ReachoutStack, type ReachoutStackProps } from '../../infra/stacks/reachout-stack';

/**
 * Shared synthesis for the infra tests. Synthesising the whole stack takes seconds on a quiet machine and half a
 * minute on a loaded one, so each variant is synthesised once per process and every infra test file reads the same
 * result. vitest.config.ts runs the infra files in one process, one after the other, without isolation, so "once per
 * process" is once per run; test files call {@link synthesized} at module level, i.e. while vitest collects them,
 * where no test timeout applies — the assertions themselves take milliseconds.
 */

/** A concrete environment, so region/account-dependent names resolve like a real deployment. */
export const TEST_ENV = { account: '123456789012', region: 'us-east-1' };

/** The stacks the tests look at. */
export const VARIANTS = {
  /** Nothing optional: what `cdk deploy` makes without context. */
  default: {},
  /** Everything optional, throw-away: numbers, webhooks, API keys, SIP message logs, recognition providers, destroy on delete (S3 auto-delete provider). */
  full: {
    phoneNumbers: { areaCode: 206, count: 2 },
    callsPerSecond: 5,
    concurrentCallsQuota: 30,
    webhooks: [{ id: 'Crm', endpoint: 'https://crm.example.com/reachout' }],
    apiKeyApi: true,
    smaMessageLogs: true,
    removalPolicy: RemovalPolicy.DESTROY,
    iamPrincipals: { 'arn:aws:iam::123456789012:role/service/Ops': { instances: ['*'], admin: true } },
    nluProviders: { lexBotAliases: [{ botId: 'ABCDEFGHIJ', botAliasId: 'KLMNOPQRST' }], bedrockModelIds: ['amazon.titan-embed-text-v2:0'] },
  },
} satisfies Record<string, ReachoutStackProps>;

/** A variant's name. */
export type Variant = keyof typeof VARIANTS;

/** A synthesised variant. */
export interface Synthesized {
  /** The stack construct (for the constructs' own lists, e.g. monitoring.alarms). */
  readonly stack: ReachoutStack;
  /** Its template. */
  readonly template: Template;
  /** cdk-nag's report when it found unacknowledged findings (full variant only; undefined when clean). */
  readonly nagFailure?: string;
}

/** Builds the Reachout stack without bundling (fast); with `nag`, cdk-nag runs when the app synthesizes. */
export function buildStack(props: ReachoutStackProps = {}, options: { nag?: boolean } = {}): { app: App; stack: ReachoutStack } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new ReachoutStack(app, 'Test', { env: TEST_ENV, ...props });
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

const cache = new Map<Variant, Synthesized>();

/** The variant, synthesised once per process; the full variant also runs cdk-nag in the same synthesis. */
export function synthesized(variant: Variant): Synthesized {
  const hit = cache.get(variant);
  if (hit) return hit;
  const nag = variant === 'full';
  const { app, stack } = buildStack(VARIANTS[variant], { nag });
  let result: Synthesized;
  try {
    const assembly = app.synth();
    result = { stack, template: Template.fromJSON(assembly.getStackArtifact(stack.artifactId).template as Record<string, unknown>) };
  } catch (error) {
    if (!nag) throw error;
    // cdk-nag failed the synthesis: keep its report for the nag test, and synthesise again without it for the others.
    const again = buildStack(VARIANTS[variant]);
    result = { stack: again.stack, template: Template.fromStack(again.stack), nagFailure: String(error) };
  }
  cache.set(variant, result);
  return result;
}

/** One CloudFormation resource as the tests read it. */
export type CfnResourceJson = { Type: string; Properties?: Record<string, unknown> } & Record<string, unknown>;

/** Resources of one type, by logical id. */
export function resourcesOf(template: Template, type: string): Record<string, CfnResourceJson> {
  return template.findResources(type) as Record<string, CfnResourceJson>;
}

/** Every resource of the template, by logical id. */
export function allResources(template: Template): Record<string, CfnResourceJson> {
  return (template.toJSON() as { Resources: Record<string, CfnResourceJson> }).Resources;
}

/** Logical id of the only resource of a type whose logical id starts with `prefix`. */
export function logicalIdOf(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} starting with ${prefix}, found ${ids.join(', ') || 'none'}`);
  return ids[0]!;
}
