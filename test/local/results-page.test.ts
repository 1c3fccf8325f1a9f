import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHandler } from '../../functions/api/handler';
import { apiRoutes } from '../../functions/api/routes';
import { keys } from '../../lib/store/keys';
import { createApiKey } from '../../lib/instances/repository';
import { aggregateWrites, applyAggregateWrites, callContribution } from '../../lib/results/aggregate';
import { rebuildCampaignResults } from '../../lib/results/rebuild';
import { CallRecord } from '../../lib/telephony/call-records';
import { startHttpServer, type LocalHttpServer } from '../../local/http';
import { reportingScenario } from '../lib/results/fixtures';
import { seedCampaign } from '../lib/results/seed';
import { testDeps } from '../support/deps';

/** Debian's Chromium (`apt-get install -y chromium`); CI must install it (see docs/results.md). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(process.cwd(), 'test', 'artifacts');
/** The few browser globals the page checks use (the test compiles without the DOM library). */
interface Browser {
  document: { body: { dataset: Record<string, string | undefined> }; getElementById(id: string): { textContent: string | null } };
}

const CHARTS = ['chart-funnel', 'chart-timeline', 'chart-intentions', 'chart-status', 'chart-intents', 'chart-hangups'];

describe('report page in a real browser', () => {
  let server: LocalHttpServer;
  let context: BrowserContext;
  let profile: string;
  let t: ReturnType<typeof testDeps> & Awaited<ReturnType<typeof seedCampaign>> & { apiKey: string };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium not found at ${CHROMIUM}: the report page test needs a real browser. Install it with "apt-get update && apt-get install -y chromium" (Debian) or set CHROMIUM_PATH.`);
    }
    const base = testDeps();
    const seeded = await seedCampaign(base.deps, { jobs: 80, seed: 7 });
    await rebuildCampaignResults(base.deps.store, seeded.instanceId, seeded.campaignId);
    // A running campaign: the page keeps refreshing.
    await base.deps.store.update(keys.campaign(seeded.instanceId, seeded.campaignId), { set: { state: 'running' }, add: { version: 1 } });
    const apiKey = (await createApiKey(base.deps.store, seeded.instanceId, base.clock.now())).apiKey;
    t = { ...base, ...seeded, apiKey };
    server = await startHttpServer({ port: 0, routes: [{ prefix: '/', handler: createApiHandler(base.deps, apiRoutes()) }] });
    profile = mkdtempSync(join(tmpdir(), 'reachout-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 1400 },
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  async function open(fragment: string): Promise<{ page: Page; problems: string[] }> {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
    await page.goto(`${server.url}/campaigns/${t.campaignId}/report.html${fragment}`);
    return { page, problems };
  }

  const chartData = (page: Page) =>
    page.evaluate((ids) => {
      const g = globalThis as unknown as { document: { getElementById(id: string): unknown }; Chart: { getChart(el: unknown): { data: { labels: unknown[]; datasets: { data: number[] }[] } } | undefined } };
      return ids.map((id) => {
        const chart = g.Chart.getChart(g.document.getElementById(id));
        return { id, labels: chart?.data.labels.length ?? 0, values: chart?.data.datasets[0]?.data ?? [] };
      });
    }, CHARTS);

  it('renders every chart from the API with no console error, refreshes live, and keeps a screenshot', async () => {
    const { page, problems } = await open(`#key=${encodeURIComponent(t.apiKey)}&refresh=1`);
    await page.waitForFunction(() => (globalThis as unknown as Browser).document.body.dataset.rendered === 'true', undefined, { timeout: 60_000 });
    // The credential left the address bar.
    expect(page.url()).not.toContain('key=');
    const data = await chartData(page);
    for (const c of data) {
      expect(c.labels, c.id).toBeGreaterThan(0);
      expect(c.values.some((v) => v > 0), c.id).toBe(true);
    }
    const calls = t.jobs.flatMap((j) => j.calls);
    expect(data.find((c) => c.id === 'chart-funnel')!.values[0]).toBe(calls.length);

    // Live: a call ends while the page is open; the next refresh shows it.
    const updates = Number(await page.evaluate(() => (globalThis as unknown as Browser).document.body.dataset.updates));
    const record = CallRecord.parse({
      callId: 'live-1',
      instanceId: t.instanceId,
      campaignId: t.campaignId,
      jobId: 'live-job',
      attempt: 1,
      dialledAt: '2026-02-01T10:00:00.000Z',
      status: 'Succeeded',
      answered: true,
      completed: true,
      tags: { promise: 'today' },
    });
    const delta = callContribution(record, [], { scenario: reportingScenario(), timeZone: 'UTC', job: {} });
    await applyAggregateWrites(t.deps.store, aggregateWrites(t.instanceId, t.campaignId, record.callId, delta));
    await page.waitForFunction((n) => Number((globalThis as unknown as Browser).document.body.dataset.updates) > n + 1, updates, { timeout: 60_000 });
    const after = await chartData(page);
    expect(after.find((c) => c.id === 'chart-funnel')!.values[0]).toBe(calls.length + 1);
    expect(after.find((c) => c.id === 'chart-timeline')!.labels).toBe(data.find((c) => c.id === 'chart-timeline')!.labels + 1);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
    expect(existsSync(join(ARTIFACTS, 'report.png'))).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);

  it('asks for the API key when the URL has none, and rejects a wrong one', async () => {
    const { page, problems } = await open('');
    await page.waitForSelector('#auth:not([hidden])');
    await page.fill('#key', 'wrong-key');
    await page.click('#auth button');
    await page.waitForFunction(() => (globalThis as unknown as Browser).document.getElementById('auth-error').textContent !== '', undefined, { timeout: 60_000 });
    await page.fill('#key', t.apiKey);
    await page.click('#auth button');
    await page.waitForFunction(() => (globalThis as unknown as Browser).document.body.dataset.rendered === 'true', undefined, { timeout: 60_000 });
    // The rejected key's 401 is the only thing the browser reports.
    expect(problems.filter((p) => !p.includes('401'))).toEqual([]);
    await page.close();
  }, 120_000);
});
