import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DATASET_NAMES } from '../../lib/analytics/datasets';
import { syntheticEvents } from '../../lib/analytics/synthetic';
import { ManualClock } from '../../lib/ports/clock';
import { attachLocalAnalytics, LocalAnalytics } from '../../local/analytics';
import { FileBlobs } from '../../local/blobs';
import { LocalBus } from '../../local/bus';
import { openAnalyticsDb } from '../../local/query';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

function setup(options: { maxRows?: number; maxAgeMs?: number } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'analytics-'));
  roots.push(root);
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 9));
  const bus = new LocalBus({ name: 'test', clock });
  const blobs = new FileBlobs({ root, baseUrl: 'http://127.0.0.1/', secret: 's' });
  const analytics = attachLocalAnalytics(bus, blobs, clock, options);
  return { root, clock, bus, blobs, analytics };
}

/** Every file under a folder, relative, sorted. */
function files(root: string, dir = root): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...files(root, p));
    else out.push(relative(root, p));
  }
  return out.sort();
}

describe('LocalAnalytics', () => {
  it('writes each dataset as Parquet in the Hive layout instance_id=<id>/dt=<day>/, as Firehose does in AWS', async () => {
    const { root, bus, analytics } = setup();
    await bus.publish([...syntheticEvents({ jobs: 30, seed: 3, instanceId: 'in_a', days: 2 })]);
    await bus.idle();
    await analytics.flush();
    const written = files(root).filter((f) => !f.startsWith('.reachout-'));
    expect(written.length).toBeGreaterThan(0);
    for (const f of written) expect(f).toMatch(/^analytics\/(calls|turns|jobs|events)\/instance_id=in_a\/dt=2026-01-0[5-7]\/reachout-(calls|turns|jobs|events)-1-[\d-]+-[0-9a-f-]{36}\.parquet$/);
    expect(new Set(written.map((f) => f.split('/')[1]))).toEqual(new Set(DATASET_NAMES));
    expect(analytics.stats.problems).toBe(0);
  });

  it('writes a partition when its buffer is full (size) and when its oldest row is old enough on the platform clock (time)', async () => {
    const { root, bus, clock, analytics } = setup({ maxRows: 1000, maxAgeMs: 60_000 });
    await bus.publish([...syntheticEvents({ jobs: 3, seed: 4, instanceId: 'in_b', days: 0, onlyDatasetEvents: true })]);
    await bus.idle();
    expect(files(root).filter((f) => f.endsWith('.parquet'))).toEqual([]);
    clock.advance(59_999);
    await analytics.settled();
    expect(files(root).filter((f) => f.endsWith('.parquet'))).toEqual([]);
    clock.advance(1);
    // The age timers resolve (a microtask later), then the writes they start finish.
    await Promise.resolve();
    await analytics.settled();
    expect(files(root).filter((f) => f.endsWith('.parquet')).length).toBeGreaterThan(0);

    const small = setup({ maxRows: 5, maxAgeMs: 3_600_000 });
    await small.bus.publish([...syntheticEvents({ jobs: 20, seed: 5, instanceId: 'in_c', days: 0 })]);
    await small.bus.idle();
    await small.analytics.settled();
    // Without any flush or clock move, full buffers were written already.
    expect(files(small.root).filter((f) => f.endsWith('.parquet')).length).toBeGreaterThan(3);
    await small.analytics.close();
  });

  it('keeps every row across a failed write and writes it on the next flush', async () => {
    const root = mkdtempSync(join(tmpdir(), 'analytics-'));
    roots.push(root);
    const clock = new ManualClock();
    const real = new FileBlobs({ root, baseUrl: 'http://127.0.0.1/', secret: 's' });
    let fail = true;
    const flaky = { ...real, put: async (...args: Parameters<FileBlobs['put']>) => (fail ? Promise.reject(new Error('disk full')) : real.put(...args)) } as unknown as FileBlobs;
    const analytics = new LocalAnalytics(flaky, clock);
    const events = [...syntheticEvents({ jobs: 10, seed: 6, onlyDatasetEvents: true })];
    for (const e of events) await analytics.accept({ version: '0', id: e.id, 'detail-type': e.detailType, source: e.source, time: e.time, account: '0', region: 'local', resources: [], detail: e.detail });
    await analytics.flush();
    expect(analytics.stats.writeFailures).toBeGreaterThan(0);
    expect(analytics.stats.files).toBe(0);
    fail = false;
    await analytics.flush();
    const db = await openAnalyticsDb(root);
    try {
      const [{ n }] = (await db.query('SELECT count(*) AS n FROM calls')) as [{ n: number }];
      expect(n).toBe(events.filter((e) => e.detailType === 'CallFinished').length);
    } finally {
      db.close();
    }
  });

  it('writes events it cannot map to analytics/errors/<dataset>/processing-failed/ with the reason', async () => {
    const { root, bus, analytics } = setup();
    await bus.publish([{ id: 'x1', source: 'reachout', detailType: 'CallFinished', time: '2026-01-05T09:00:00Z', detail: { instanceId: 'in_a', callId: 'c' } }]);
    await bus.idle();
    await analytics.flush();
    const errors = files(root).filter((f) => f.startsWith('analytics/errors/'));
    expect(errors).toEqual([expect.stringMatching(/^analytics\/errors\/calls\/processing-failed\/2026\/01\/05\/[0-9a-f-]{36}\.json$/)]);
    // The events row of the same event is still written.
    expect(files(root).some((f) => f.startsWith('analytics/events/instance_id=in_a/'))).toBe(true);
  });
});
