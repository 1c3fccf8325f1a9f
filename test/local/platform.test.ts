import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocalPlatform } from '../../local/platform';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('startLocalPlatform', () => {
  it('answers health and an authenticated instance read', async () => {
    const platform = await startLocalPlatform({ memory: true, port: 0 });
    try {
      const health = await fetch(`${platform.url}/health`);
      expect(health.status).toBe(200);
      const instance = await fetch(`${platform.url}/instance`, { headers: { 'x-api-key': platform.apiKey } });
      expect(instance.status).toBe(200);
      expect(((await instance.json()) as { instanceId: string }).instanceId).toBe(platform.instanceId);
      const anonymous = await fetch(`${platform.url}/instance`);
      expect(anonymous.status).toBe(401);
    } finally {
      await platform.close();
    }
  });

  it('keeps data and credentials across a restart of the same data folder', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'reachout-test-'));
    dirs.push(dataDir);
    const first = await startLocalPlatform({ dataDir, port: 0 });
    const patched = await fetch(`${first.url}/instance`, {
      method: 'PATCH',
      headers: { 'x-api-key': first.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Renamed', settings: { maxConcurrency: 7 } }),
    });
    expect(patched.status).toBe(200);
    await first.close();

    const second = await startLocalPlatform({ dataDir, port: 0 });
    try {
      expect(second.apiKey).toBe(first.apiKey);
      const res = await fetch(`${second.url}/instance`, { headers: { 'x-api-key': second.apiKey } });
      const body = (await res.json()) as { name: string; settings: { maxConcurrency: number } };
      expect(body.name).toBe('Renamed');
      expect(body.settings.maxConcurrency).toBe(7);
    } finally {
      await second.close();
    }
  });
});
