import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLE_ALIASES, BUNDLE_BANNER, BUNDLE_MAIN_FIELDS } from '../../infra/bundling';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'reachout-bundling-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Bundles a DynamoDB client the way deployed functions are bundled (aliases resolved from the repository root). */
async function bundleClient(aliases: Readonly<Record<string, string>>): Promise<string> {
  const outfile = join(dir, `client-${Object.keys(aliases).length}.mjs`);
  await build({
    stdin: {
      contents: "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nexport const credentials = () => new DynamoDBClient({ region: 'eu-west-1' }).config.credentials();\n",
      resolveDir: root,
      loader: 'ts',
    },
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    mainFields: BUNDLE_MAIN_FIELDS,
    banner: { js: BUNDLE_BANNER },
    alias: Object.fromEntries(Object.entries(aliases).map(([name, path]) => [name, join(root, path)])),
    logLevel: 'silent',
  });
  return outfile;
}

/** Resolves the bundled client's credentials in a fresh process with the environment Lambda gives a function. */
function resolvedCredentials(bundle: string, env: Record<string, string>): unknown {
  const script = `const m = await import(${JSON.stringify(bundle)}); process.stdout.write(JSON.stringify(await m.credentials()));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: dir, ...env },
  });
  return JSON.parse(out);
}

describe('deployed bundles', () => {
  it('resolve the role credentials Lambda puts in the environment when the credential chain is aliased', async () => {
    const bundle = await bundleClient(BUNDLE_ALIASES);
    const credentials = resolvedCredentials(bundle, { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token' });
    expect(credentials).toMatchObject({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' });
  });

  it('leave the SDK credential chain links Lambda never uses out of the bundle', async () => {
    const aliased = readFileSync(await bundleClient(BUNDLE_ALIASES), 'utf8');
    const full = readFileSync(await bundleClient({}), 'utf8');
    // The SSO link's debug message is in the full chain only.
    expect(full).toContain('defaultProvider::fromSSO');
    expect(aliased).not.toContain('defaultProvider::fromSSO');
    expect(aliased.length).toBeLessThan(full.length - 50_000);
  });
});

/** TypeScript sources under a folder of the repository. */
function sources(folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(folder, f));
}

describe('bundled sources', () => {
  it('import zod as a namespace, the form esbuild can shake (the named `z` binding carried all of zod, 444 KB)', () => {
    const offenders = ['lib', 'functions'].flatMap(sources).filter((f) => /import\s*\{\s*z\s*\}\s*from\s*'zod'/.test(readFileSync(join(root, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
