import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ReachoutStack, type ReachoutStackProps } from '../../infra/stacks/reachout-stack';

/** A concrete environment, so region/account-dependent names resolve like a real deployment. */
export const TEST_ENV = { account: '123456789012', region: 'us-east-1' };

/** Builds the Reachout stack without bundling (fast); with `nag`, cdk-nag runs when the app synthesizes. */
export function buildStack(props: ReachoutStackProps = {}, options: { nag?: boolean } = {}): { app: App; stack: ReachoutStack } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new ReachoutStack(app, 'Test', { env: TEST_ENV, ...props });
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

/** The synthesized template of a freshly built stack. */
export function synthTemplate(props: ReachoutStackProps = {}): { stack: ReachoutStack; template: Template } {
  const { stack } = buildStack(props);
  return { stack, template: Template.fromStack(stack) };
}

/** Resources of one type, by logical id. */
export function resourcesOf(template: Template, type: string): Record<string, { Properties?: Record<string, unknown> } & Record<string, unknown>> {
  return template.findResources(type) as Record<string, { Properties?: Record<string, unknown> } & Record<string, unknown>>;
}

/** Logical id of the only resource of a type whose logical id starts with `prefix`. */
export function logicalIdOf(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} starting with ${prefix}, found ${ids.join(', ') || 'none'}`);
  return ids[0]!;
}
