import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** Props of `NluProviders`. */
export interface NluProvidersProps {
  /**
   * Lex V2 bot aliases scenarios may use as their recogniser (`recognition.provider.kind = lex`), as
   * `{ botId, botAliasId }`. Empty = Lex recognition not enabled, nothing granted.
   * @default []
   */
  readonly lexBotAliases?: readonly { readonly botId: string; readonly botAliasId: string }[];
  /**
   * Bedrock foundation model ids scenarios may use (`bedrock-embeddings`, `bedrock-converse`), e.g.
   * `amazon.titan-embed-text-v2:0`, `amazon.nova-micro-v1:0`. Empty = Bedrock not enabled, nothing granted.
   * @default []
   */
  readonly bedrockModelIds?: readonly string[];
}

/**
 * Intent-recognition providers (SPEC S9) beyond the built-in recogniser: the permissions a call
 * handler needs to ask Amazon Lex V2 (RecognizeText) or Amazon Bedrock (InvokeModel, Converse),
 * granted only for what is enabled. With no bot and no model it grants nothing.
 */
export class NluProviders extends Construct {
  /** True when at least one provider is enabled. */
  readonly enabled: boolean;
  private readonly lexArns: string[];
  private readonly modelArns: string[];

  constructor(scope: Construct, id: string, props: NluProvidersProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    this.lexArns = (props.lexBotAliases ?? []).map((b) =>
      stack.formatArn({ service: 'lex', resource: 'bot-alias', resourceName: `${b.botId}/${b.botAliasId}` }),
    );
    this.modelArns = (props.bedrockModelIds ?? []).map((m) => stack.formatArn({ service: 'bedrock', account: '', resource: 'foundation-model', resourceName: m }));
    this.enabled = this.lexArns.length + this.modelArns.length > 0;
  }

  /** The enabled provider kinds as the SMA function reads them (`RECOGNITION_PROVIDERS`: `lex`, `bedrock`, comma separated). */
  get names(): string {
    return [...(this.lexArns.length > 0 ? ['lex'] : []), ...(this.modelArns.length > 0 ? ['bedrock'] : [])].join(',');
  }

  /** Grants a handler (the SMA function) the calls of the enabled providers; a no-op when none is. */
  grantRecognize(grantee: iam.IGrantable): void {
    if (this.lexArns.length > 0) iam.Grant.addToPrincipal({ grantee, actions: ['lex:RecognizeText'], resourceArns: this.lexArns });
    // Converse is authorised by bedrock:InvokeModel on the model.
    if (this.modelArns.length > 0) iam.Grant.addToPrincipal({ grantee, actions: ['bedrock:InvokeModel'], resourceArns: this.modelArns });
  }
}
