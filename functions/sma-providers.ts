import type { Services } from '../lib/core/deps';
import type { ProviderRecognizers } from '../lib/dialog/provider-intent';

/**
 * The external recognisers a deployment enables (`RECOGNITION_PROVIDERS`, e.g. `lex,bedrock`, set by the stack's
 * NluProviders together with the grants); undefined when the list names none. Their modules and clients load on the
 * first scenario that uses one, so a container that never meets one pays nothing at start; a load that fails is logged,
 * that scenario version is recognised by the built-in recogniser in this container, and the next version's load tries again.
 */
export function enabledProviders(list: string, log: Services['log']): ProviderRecognizers | undefined {
  const enabled = new Set(list.split(',').map((s) => s.trim()).filter(Boolean));
  if (!enabled.has('lex') && !enabled.has('bedrock')) return undefined;
  let built: Promise<ProviderRecognizers> | undefined;
  const build = async (): Promise<ProviderRecognizers> => {
    const [{ providerRecognizers }, lex, bedrock] = await Promise.all([
      import('../lib/dialog/external'),
      enabled.has('lex') ? import('@aws-sdk/client-lex-runtime-v2') : undefined,
      enabled.has('bedrock') ? import('@aws-sdk/client-bedrock-runtime') : undefined,
    ]);
    return providerRecognizers({
      ...(lex ? { lex: new lex.LexRuntimeV2Client({}) } : {}),
      ...(bedrock ? { bedrock: new bedrock.BedrockRuntimeClient({}) } : {}),
      onFallback: (error) => log.warn('recogniser provider failed or was late; the built-in recogniser answered', { error }),
    });
  };
  return async (compiled, versionKey) => {
    built ??= build();
    try {
      return await (await built)(compiled, versionKey);
    } catch (error) {
      // The scenario is then recognised by the built-in recogniser; the next scenario load tries again.
      built = undefined;
      log.error('recogniser providers not loaded; the built-in recogniser answers', { versionKey, error });
      return undefined;
    }
  };
}
