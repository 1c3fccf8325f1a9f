import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../lib/adapters/memory/store';
import { audit, MAX_STATE_BYTES, queryAudit, redact } from '../../../lib/audit';
import { createLogger, silentLogger } from '../../../lib/core/log';
import { ManualClock } from '../../../lib/ports/clock';
import { keys } from '../../../lib/store/keys';

const range = { from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' };

function setup() {
  const store = new MemoryStore();
  const clock = new ManualClock();
  const deps = { store, clock, log: silentLogger };
  const record = async (actor: string, action: string, type: 'scenario' | 'campaign' | 'webhook', id: string, extra: Record<string, unknown> = {}) => {
    clock.advance(1000);
    return audit(deps, 'inst', { actor, action, entity: { type, id }, ...extra });
  };
  return { store, clock, deps, record };
}

describe('audit', () => {
  it('records who changed what and when, with the small states before and after', async () => {
    const t = setup();
    const result = await t.record('key_1', 'scenario.publish', 'scenario', 'S1', { before: { publishedVersion: 1 }, after: { publishedVersion: 2 }, requestId: 'r1' });
    expect(result.ok).toBe(true);
    const page = await queryAudit(t.store, 'inst', range);
    expect(page.items).toEqual([
      {
        auditId: expect.stringMatching(/^A/),
        instanceId: 'inst',
        at: '2026-01-05T09:00:01.000Z',
        actor: 'key_1',
        action: 'scenario.publish',
        entityType: 'scenario',
        entityId: 'S1',
        before: { publishedVersion: 1 },
        after: { publishedVersion: 2 },
        requestId: 'r1',
      },
    ]);
  });

  it('keeps only the fact of a change when a state is large, and never a secret', async () => {
    const t = setup();
    await t.record('key_1', 'scenario.save', 'scenario', 'S1', { before: { draft: 'x'.repeat(MAX_STATE_BYTES) }, after: { name: 'n', secret: 'whsec_abc', nested: [{ apiKey: 'ro_x' }] } });
    const [entry] = (await queryAudit(t.store, 'inst', range)).items;
    expect(entry).toMatchObject({ beforeOmitted: true, after: { name: 'n', secret: '[redacted]', nested: [{ apiKey: '[redacted]' }] } });
    expect(entry).not.toHaveProperty('before');
    expect(redact({ token: 't', keep: 1 })).toEqual({ token: '[redacted]', keep: 1 });
  });

  it('finds entries by time range, actor, entity and action prefix, newest first', async () => {
    const t = setup();
    await t.record('key_1', 'scenario.publish', 'scenario', 'S1');
    await t.record('key_2', 'campaign.start', 'campaign', 'C1');
    await t.record('key_1', 'campaign.stop', 'campaign', 'C1');
    await t.record('key_2', 'scenario.save', 'scenario', 'S2');
    const actions = async (q: Partial<Parameters<typeof queryAudit>[2]>) => (await queryAudit(t.store, 'inst', { ...range, ...q })).items.map((e) => e.action);
    expect(await actions({})).toEqual(['scenario.save', 'campaign.stop', 'campaign.start', 'scenario.publish']);
    expect(await actions({ actor: 'key_1' })).toEqual(['campaign.stop', 'scenario.publish']);
    expect(await actions({ entityType: 'campaign', entityId: 'C1' })).toEqual(['campaign.stop', 'campaign.start']);
    expect(await actions({ action: 'scenario.' })).toEqual(['scenario.save', 'scenario.publish']);
    expect(await actions({ from: '2026-01-05T09:00:02.000Z', to: '2026-01-05T09:00:03.000Z' })).toEqual(['campaign.stop', 'campaign.start']);
    expect(await actions({ entityType: 'scenario' })).toEqual(['scenario.save', 'scenario.publish']);
    const first = await queryAudit(t.store, 'inst', { ...range, limit: 3 });
    expect(first.items).toHaveLength(3);
    const rest = await queryAudit(t.store, 'inst', { ...range, limit: 3, cursor: first.cursor });
    expect(rest.items.map((e) => e.action)).toEqual(['scenario.publish']);
    expect(await queryAudit(t.store, 'other', range)).toEqual({ items: [] });
  });

  it('reads the entries the first audit helper wrote (principal, action, target)', async () => {
    const t = setup();
    await t.store.put({ ...keys.audit('inst', '2026-01-05T08:00:00.000Z', 'old1'), type: 'audit', at: '2026-01-05T08:00:00.000Z', principal: 'key_9', action: 'campaign.pause', target: 'C7', details: { version: 3 } });
    expect((await queryAudit(t.store, 'inst', range)).items).toEqual([
      { auditId: 'old1', instanceId: 'inst', at: '2026-01-05T08:00:00.000Z', actor: 'key_9', action: 'campaign.pause', entityType: 'campaign', entityId: 'C7', details: { version: 3 } },
    ]);
  });

  it('reports a failed write as a value and logs the whole entry, without failing the change it records', async () => {
    const t = setup();
    const lines: string[] = [];
    t.store.put = async () => {
      throw new Error('throttled');
    };
    const result = await audit({ ...t.deps, log: createLogger({}, 'error', (l) => lines.push(l)) }, 'inst', { actor: 'k', action: 'list.add', entity: { type: 'list', id: 'allow' } });
    expect(result).toMatchObject({ ok: false, error: 'throttled', entry: { action: 'list.add' } });
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'ERROR', message: 'audit entry not written', entry: { action: 'list.add', entityId: 'allow' } });
  });
});
