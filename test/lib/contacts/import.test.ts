import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCampaign, listJobs, readCounters } from '../../../lib/campaigns/repository';
import { CampaignSettings } from '../../../lib/campaigns/schema';
import { recountCampaign } from '../../../lib/campaigns/transitions';
import { beginImport, fromArray, getImport, IMPORT_CHUNK, listImports, runImport } from '../../../lib/contacts/import';
import { csvRows } from '../../../lib/contacts/parse';
import { MemoryStore } from '../../../lib/adapters/memory/store';
import { createInstance } from '../../../lib/instances/repository';
import type { Store } from '../../../lib/ports/store';
import { testDeps } from '../../support/deps';

const phone = (i: number) => `+1415${String(2_000_000 + i)}`;
/** A CSV of the given number indexes (with an invalid row every 97 rows). */
const csv = (numbers: number[]) => 'phone,name\n' + numbers.map((n, i) => (i % 97 === 13 ? `12${n},bad\n` : `${phone(n)},P${n}\n`)).join('');
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** A store whose every call first yields a seeded number of times, so parallel imports interleave differently per seed. */
function shuffling(store: Store, seed: number): Store {
  let s = seed || 1;
  const next = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff), s);
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        // Mostly a few ticks, sometimes many: one importer falls behind, then catches up in the middle of another's chunk.
        for (let i = next() % 8 === 0 ? next() % 60 : next() % 3; i > 0; i--) await new Promise<void>((r) => setImmediate(r));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** A store that dies after `writes` writes: that write and every later one throw, as if the process had crashed. */
function crashing(store: Store, writes: number): Store {
  let left = writes;
  const WRITES = new Set(['put', 'update', 'delete', 'batchPut', 'batchDelete']);
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function' || !WRITES.has(String(prop))) return typeof value === 'function' ? value.bind(target) : value;
      return async (...args: unknown[]) => {
        if (left-- <= 0) throw new Error('crash injected');
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

async function campaignIn(store: Store) {
  const { deps } = testDeps({ store });
  const now = deps.clock.now();
  const { instanceId } = await createInstance(store, { name: 'i' }, now);
  const { campaignId } = await createCampaign(store, instanceId, CampaignSettings.parse({ name: 'c', scenarioId: 's', scenarioVersion: 1 }), now);
  return { instanceId, campaignId };
}

async function importCsv(store: Store, ids: { instanceId: string; campaignId: string }, text: string, importId?: string) {
  const { deps } = testDeps({ store });
  const report = await beginImport(deps, ids.instanceId, ids.campaignId, 'csv', importId ? { importId } : {});
  return runImport(deps, report, { kind: 'rows', rows: csvRows(Readable.from([Buffer.from(text)])) }, { instanceId: ids.instanceId, defaultRegion: 'US', requiredVariables: [] });
}

/** The same numbers as an API batch (no file parsing between store calls: the importers run in lockstep). */
async function importBatch(store: Store, ids: { instanceId: string; campaignId: string }, numbers: number[]) {
  const { deps } = testDeps({ store });
  const report = await beginImport(deps, ids.instanceId, ids.campaignId, 'api');
  const contacts = numbers.map((n, i) => ({ row: i + 1, contact: { phone: i % 97 === 13 ? `12${n}` : phone(n), name: `P${n}` } }));
  return runImport(deps, report, { kind: 'contacts', contacts: fromArray(contacts) }, { instanceId: ids.instanceId, defaultRegion: 'US', requiredVariables: [] });
}

async function jobsByPhone(store: Store, ids: { instanceId: string; campaignId: string }) {
  const byPhone = new Map<string, number>();
  let cursor: string | undefined;
  do {
    const page = await listJobs(store, ids.instanceId, ids.campaignId, { limit: 500, cursor });
    for (const j of page.items) byPhone.set(j.contact.phone, (byPhone.get(j.contact.phone) ?? 0) + 1);
    cursor = page.cursor;
  } while (cursor);
  return byPhone;
}

const valid = (numbers: number[]) => new Set(numbers.filter((_, i) => i % 97 !== 13).map(phone));

describe('runImport', () => {
  it('creates one job per number when parallel imports offer overlapping numbers, whatever the interleaving', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), async (seed) => {
        const raw = new MemoryStore();
        const ids = await campaignIn(raw);
        const files = [range(0, 700), range(400, 1100), range(0, 700), range(650, 800)];
        const reports = await Promise.all(files.map((f, i) => (i % 2 ? importCsv(shuffling(raw, seed + i), ids, csv(f)) : importBatch(shuffling(raw, seed + i), ids, f))));
        const expected = new Set(files.flatMap((f) => [...valid(f)]));
        const jobs = await jobsByPhone(raw, ids);
        expect(jobs.size).toBe(expected.size);
        expect([...jobs.values()].every((n) => n === 1)).toBe(true);
        // Every number is accepted by exactly one import; the counters equal a recount of the jobs.
        expect(reports.reduce((s, r) => s + r.accepted, 0)).toBe(expected.size);
        expect((await readCounters(raw, ids.instanceId, ids.campaignId)).total).toBe(expected.size);
        expect((await recountCampaign({ store: raw }, ids.instanceId, ids.campaignId)).total).toBe(expected.size);
        expect(reports.every((r) => r.status === 'completed' && r.accepted + r.rejected === r.rowsRead)).toBe(true);
      }),
      { numRuns: 4 },
    );
  });

  it('resumes a crashed import from its last committed chunk and counts every row once', async () => {
    const numbers = [...range(0, 1800), ...range(100, 130)]; // 30 in-file duplicates at the end
    for (const crashAfter of [1, 3, 180, 520, 1100, 1790]) {
      const raw = new MemoryStore();
      const ids = await campaignIn(raw);
      const { deps } = testDeps({ store: raw });
      const report = await beginImport(deps, ids.instanceId, ids.campaignId, 'csv');
      const crashed = testDeps({ store: crashing(raw, crashAfter) }).deps;
      await runImport(crashed, report, { kind: 'rows', rows: csvRows(Readable.from([Buffer.from(csv(numbers))])) }, { instanceId: ids.instanceId, defaultRegion: 'US', requiredVariables: [] }).catch(() => undefined);
      const midway = await getImport(raw, ids.instanceId, ids.campaignId, report.importId);
      // A redelivery of the same import id, with a healthy store.
      const final = await importCsv(raw, ids, csv(numbers), report.importId);
      const expected = valid(numbers);
      const validRows = numbers.filter((_, i) => i % 97 !== 13).length;
      expect(final, `crash after ${crashAfter} writes`).toMatchObject({ status: 'completed', rowsRead: numbers.length, accepted: expected.size, rejected: numbers.length - expected.size });
      expect(final.byReason.DuplicateInFile).toBe(validRows - expected.size);
      expect((await jobsByPhone(raw, ids)).size).toBe(expected.size);
      expect((await readCounters(raw, ids.instanceId, ids.campaignId)).total).toBe(expected.size);
      // It resumed where the crashed run had committed, not from row 1.
      expect(midway!.status).toBe('running');
      expect(final.runs).toBeGreaterThanOrEqual(2);
      if (midway!.cursor) expect(midway!.cursor % IMPORT_CHUNK).toBe(1);
    }
  });

  it('lets a redelivered import run beside the first run without a duplicate or a double count', async () => {
    const raw = new MemoryStore();
    const ids = await campaignIn(raw);
    const numbers = range(0, 1600);
    const { deps } = testDeps({ store: raw });
    const report = await beginImport(deps, ids.instanceId, ids.campaignId, 'csv');
    const run = (seed: number) =>
      runImport(testDeps({ store: shuffling(raw, seed) }).deps, report, { kind: 'rows', rows: csvRows(Readable.from([Buffer.from(csv(numbers))])) }, { instanceId: ids.instanceId, defaultRegion: 'US', requiredVariables: [] });
    await Promise.all([run(7), run(11)]);
    const final = await getImport(raw, ids.instanceId, ids.campaignId, report.importId);
    const expected = valid(numbers);
    expect(final).toMatchObject({ status: 'completed', rowsRead: numbers.length, accepted: expected.size });
    expect((await jobsByPhone(raw, ids)).size).toBe(expected.size);
    expect((await readCounters(raw, ids.instanceId, ids.campaignId)).total).toBe(expected.size);
    expect((await listImports(raw, ids.instanceId, ids.campaignId)).items.map((i) => i.importId)).toEqual([report.importId]);
  });
});
