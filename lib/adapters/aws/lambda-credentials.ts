/**
 * The AWS SDK's default credential provider as Reachout's Lambda bundles have it: environment variables only.
 *
 * Lambda hands a function its role's credentials in `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
 * `AWS_SESSION_TOKEN`, which is the first link of `@aws-sdk/credential-provider-node`'s chain. The other links (SSO,
 * ini files, processes, web identity, container and instance metadata) and the STS/SSO clients they load weigh
 * ~86 KB per bundle, and esbuild inlines them although they are only reached through `import()` (a Lambda bundle
 * is one file). The bundler aliases `@aws-sdk/credential-provider-node` to this module for deployed functions
 * only (infra/bundling.ts); the local runtime, tests and benchmarks keep the full chain.
 *
 * The exports mirror `@aws-sdk/credential-provider-node`'s, which every client's runtime config imports.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

/** Options the SDK passes to the default provider; only the logger is used here. */
type DefaultProviderInit = Parameters<typeof fromEnv>[0];
/** A credential provider, as the SDK's clients expect it. */
type CredentialProvider = ReturnType<typeof fromEnv>;
/** Credentials, as a provider resolves them. */
type Credentials = Awaited<ReturnType<CredentialProvider>>;

/** The default credential provider of a Lambda bundle: the function's role credentials from its environment. */
export const defaultProvider = (init: DefaultProviderInit = {}): CredentialProvider => fromEnv(init);

/** Same as `@aws-sdk/credential-provider-node`: credentials with an expiry may need a refresh. */
export const credentialsWillNeedRefresh = (credentials?: Credentials): boolean => credentials?.expiration !== undefined;

/** Same as `@aws-sdk/credential-provider-node`: credentials expiring within five minutes count as expired. */
export const credentialsTreatedAsExpired = (credentials?: Credentials): boolean =>
  credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300_000;
