import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { NluProviders } from '../../infra/constructs/nlu-providers';

function synth(props: ConstructorParameters<typeof NluProviders>[2]) {
  const stack = new Stack(new App(), 'S', { env: { account: '123456789012', region: 'us-east-1' } });
  const role = new iam.Role(stack, 'Handler', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  const nlu = new NluProviders(stack, 'Nlu', props);
  nlu.grantRecognize(role);
  return { nlu, template: Template.fromStack(stack) };
}

describe('NluProviders', () => {
  // Synthesised while collecting, as the other infra tests do: the first CDK import is slow on a loaded machine.
  const none = synth({});
  const both = synth({ lexBotAliases: [{ botId: 'ABCDEFGHIJ', botAliasId: 'KLMNOPQRST' }], bedrockModelIds: ['amazon.titan-embed-text-v2:0'] });

  it('grants nothing when no provider is enabled', () => {
    const { nlu, template } = none;
    expect(nlu.enabled).toBe(false);
    template.resourceCountIs('AWS::IAM::Policy', 0);
  });

  it('grants RecognizeText on the enabled bot aliases and InvokeModel on the enabled models only', () => {
    const { nlu, template } = both;
    expect(nlu.enabled).toBe(true);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'lex:RecognizeText', Resource: Match.anyValue() }),
          Match.objectLike({ Action: 'bedrock:InvokeModel', Resource: Match.anyValue() }),
        ]),
      },
    });
    const json = JSON.stringify(template.toJSON());
    expect(json).toContain('bot-alias/ABCDEFGHIJ/KLMNOPQRST');
    expect(json).toContain('foundation-model/amazon.titan-embed-text-v2:0');
    expect(json).not.toContain('"Resource":"*"');
  });
});
