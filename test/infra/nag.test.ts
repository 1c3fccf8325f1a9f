import { App, Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { synthesized } from './support';

/** Synthesizes and returns the validation failure text, or undefined when validation passed. */
function validationFailure(app: App): string | undefined {
  try {
    app.synth();
    return undefined;
  } catch (error) {
    // The error carries the validation report: rule, construct path, acknowledgement id.
    return String(error);
  }
}

describe('cdk-nag AwsSolutions checks', () => {
  it('report nothing unacknowledged on the Reachout stack with every option on', () => {
    // The full variant is synthesised with the AwsSolutions pack (support.ts).
    expect(synthesized('full').nagFailure).toBeUndefined();
  });

  it('fail synthesis when a finding is not acknowledged (the plugin is really running)', () => {
    const app = new App();
    new sqs.Queue(new Stack(app, 'Bare'), 'Queue');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(validationFailure(app)).toMatch(/AwsSolutions-SQS4/);
  });
});
