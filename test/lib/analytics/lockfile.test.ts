import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * DuckDB's native bindings are per-platform optional packages; `npm ci` on another machine fails (or installs
 * nothing) when the lock file lacks that platform's entry, which is how an earlier attempt broke.
 */
describe('package-lock.json', () => {
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { version?: string; optionalDependencies?: Record<string, string>; os?: string[]; cpu?: string[]; integrity?: string }> };
  const bindings = lock.packages['node_modules/@duckdb/node-bindings']!;

  it('carries an entry, at the pinned version, for every platform binding DuckDB declares', () => {
    const platforms = Object.entries(bindings.optionalDependencies ?? {});
    expect(platforms.map(([name]) => name)).toEqual(
      expect.arrayContaining(['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64'].map((p) => `@duckdb/node-bindings-${p}`)),
    );
    for (const [name, version] of platforms) {
      const entry = lock.packages[`node_modules/${name}`];
      expect(entry, name).toBeDefined();
      expect(entry!.version, name).toBe(version);
      expect(entry!.integrity, name).toMatch(/^sha512-/);
      expect(entry!.os?.length, name).toBe(1);
      expect(entry!.cpu?.length, name).toBe(1);
    }
    expect(lock.packages['node_modules/@duckdb/node-api']!.version).toBe(bindings.version);
  });
});
