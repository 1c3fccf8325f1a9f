import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiHandler } from '../../functions/api/handler';
import { allRoutes, apiRoutes } from '../../functions/api/routes';
import { exampleEvent } from '../../lib/events/examples';
import { createApiKey, createInstance } from '../../lib/instances/repository';
import { ManualClock } from '../../lib/ports/clock';
import type { BusEvent } from '../../lib/ports/bus';
import { LocalBus } from '../../local/bus';
import { fetchEvents, localEventRoutes } from '../../local/events';
import { startHttpServer } from '../../local/http';
import { testDeps } from '../support/deps';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'reachout-events-'));
  dirs.push(d);
  return d;
};

const ofInstance = (event: BusEvent, instanceId: string, campaignId = 'C1'): BusEvent => ({
  ...event,
  detail: { ...event.detail, instanceId, ...('campaignId' in event.detail ? { campaignId } : {}) },
});

describe('LocalBus event log', () => {
  it('numbers what it publishes and filters by type, time, campaign, instance and position', async () => {
    const bus = new LocalBus({ name: 'reachout', clock: new ManualClock() });
    await bus.publish([exampleEvent('Dialing'), exampleEvent('CallFinished'), ofInstance(exampleEvent('JobComplete'), 'other', 'C2'), exampleEvent('ExportReady')]);
    const types = (entries: { event: { 'detail-type': string } }[]) => entries.map((e) => e.event['detail-type']);
    expect(bus.events().map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(types(bus.events({ types: ['CallFinished', 'JobComplete'] }))).toEqual(['CallFinished', 'JobComplete']);
    expect(types(bus.events({ since: '2026-01-05T09:00:30.000Z' }))).toEqual(['CallFinished', 'JobComplete', 'ExportReady']);
    expect(types(bus.events({ campaignId: 'C2' }))).toEqual(['JobComplete']);
    expect(types(bus.events({ instanceId: 'other' }))).toEqual(['JobComplete']);
    expect(types(bus.events({ after: 2, limit: 1 }))).toEqual(['JobComplete']);
    expect(bus.lastSeq()).toBe(4);
  });

  it('appends to a JSON Lines file and reads it back after a restart, numbering on', async () => {
    const file = join(tempDir(), 'events.jsonl');
    const first = new LocalBus({ name: 'reachout', clock: new ManualClock(), logFile: file });
    await first.publish([exampleEvent('Dialing'), exampleEvent('Ringing')]);
    expect(readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l).seq)).toEqual([1, 2]);
    writeFileSync(file, readFileSync(file, 'utf8') + '{"seq": 3, "event": {"detail-ty');
    const second = new LocalBus({ name: 'reachout', clock: new ManualClock(), logFile: file });
    expect(second.events().map((e) => e.event['detail-type'])).toEqual(['Dialing', 'Ringing']);
    await second.publish([exampleEvent('CallAnswered')]);
    expect(second.events({ after: 2 }).map((e) => [e.seq, e.event['detail-type']])).toEqual([[3, 'CallAnswered']]);
  });

  it('rolls the file over past its size limit', async () => {
    const file = join(tempDir(), 'events.jsonl');
    const bus = new LocalBus({ name: 'reachout', clock: new ManualClock(), logFile: file, maxLogFileBytes: 1000 });
    await bus.publish([exampleEvent('CallFinished'), exampleEvent('JobComplete')]);
    expect(readFileSync(`${file}.1`, 'utf8')).toContain('CallFinished');
    expect(readFileSync(file, 'utf8')).toContain('JobComplete');
    expect(readFileSync(file, 'utf8')).not.toContain('"CallFinished"');
  });
});

describe('GET /events (local platform)', () => {
  it("serves the caller's instance events to a follower, page by page", async () => {
    const { deps, clock } = testDeps();
    const bus = new LocalBus({ name: 'reachout', clock });
    const instance = await createInstance(deps.store, { name: 'i' }, clock.now());
    const { apiKey } = await createApiKey(deps.store, instance.instanceId, clock.now());
    const server = await startHttpServer({ routes: [{ prefix: '/', handler: createApiHandler(deps, apiRoutes([...allRoutes, ...localEventRoutes(bus)])) }] });
    try {
      const mine = (e: BusEvent) => ofInstance(e, instance.instanceId);
      await bus.publish([mine(exampleEvent('Dialing')), ofInstance(exampleEvent('Ringing'), 'someone-else'), mine(exampleEvent('CallFinished'))]);
      const page = await fetchEvents({ url: server.url, apiKey, limit: 1 });
      expect(page.items.map((i) => i.event['detail-type'])).toEqual(['Dialing']);
      const next = await fetchEvents({ url: server.url, apiKey, after: page.last });
      expect(next.items.map((i) => i.event['detail-type'])).toEqual(['CallFinished']);
      expect(next.last).toBe(3);
      expect((await fetchEvents({ url: server.url, apiKey, after: next.last })).items).toEqual([]);
      await bus.publish([mine(exampleEvent('JobComplete'))]);
      const typed = await fetchEvents({ url: server.url, apiKey, after: next.last, types: ['JobComplete', 'ExportReady'] });
      expect(typed.items.map((i) => i.seq)).toEqual([4]);
      await expect(fetchEvents({ url: server.url, apiKey, since: 'yesterday' })).rejects.toThrow(/400/);
    } finally {
      await server.close();
    }
  });

  it('is not part of the deployed API', () => {
    expect(allRoutes.some((r) => r.path === '/events')).toBe(false);
  });
});
