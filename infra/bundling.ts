/**
 * esbuild settings shared by every deployed function's bundle (infra/constructs/reachout-function.ts) and by the
 * bundle benchmark (bench/bundles.ts), so the benchmark measures what is deployed.
 */

import { join } from 'node:path';
import type { BuildOptions } from 'esbuild';

/** ESM bundles still meet CommonJS dependencies that call require(). */
export const BUNDLE_BANNER =
  "import { createRequire as __reachoutCreateRequire } from 'module'; const require = __reachoutCreateRequire(import.meta.url);";

/** Package fields esbuild resolves first: the ES module builds, which it can tree-shake. */
export const BUNDLE_MAIN_FIELDS = ['module', 'main'];

/**
 * Modules replaced in deployed bundles, as `package → path relative to the repository root` (esbuild resolves a
 * relative alias from its working directory, which is the repository root for local bundling). The SDK's
 * default credential chain becomes the environment-only provider Lambda needs (lib/adapters/aws/lambda-credentials.ts).
 */
export const BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': './lib/adapters/aws/lambda-credentials.ts',
};

/** Environment variable naming the recognition providers a deployment enables (`lex`, `bedrock`; functions/sma.ts). */
export const RECOGNITION_PROVIDERS_ENV = 'RECOGNITION_PROVIDERS';

/**
 * Values fixed in a function's bundle: `process.env.RECOGNITION_PROVIDERS` becomes the deployment's list, so a
 * deployment without recognition providers leaves their code and the Lex and Bedrock clients out of the SMA bundle
 * (esbuild drops the branch that loads them). The function's environment carries the same value.
 */
export function bundleDefine(recognitionProviders = ''): Record<string, string> {
  return { [`process.env.${RECOGNITION_PROVIDERS_ENV}`]: JSON.stringify(recognitionProviders) };
}

/**
 * The esbuild options of a deployed bundle (ESM, node24, minified, nothing external, the banner, the aliases
 * resolved from `root`, the recognition providers fixed), for the benchmark and the tests that bundle entries
 * themselves; the stack passes the same settings through NodejsFunction (infra/constructs/reachout-function.ts).
 */
export function deployedBuildOptions(root: string, recognitionProviders = ''): BuildOptions {
  return {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    mainFields: BUNDLE_MAIN_FIELDS,
    external: [],
    banner: { js: BUNDLE_BANNER },
    define: bundleDefine(recognitionProviders),
    // Relative aliases resolve from the working directory, the repository root when the CDK bundles.
    alias: Object.fromEntries(Object.entries(BUNDLE_ALIASES).map(([name, path]) => [name, join(root, path)])),
    logLevel: 'silent',
  };
}
