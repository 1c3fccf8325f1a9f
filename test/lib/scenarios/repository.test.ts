import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../lib/adapters/memory/store';
import { ConflictError, NotFoundError, ValidationError } from '../../../lib/core/errors';
import {
  copyScenario,
  createScenario,
  deleteScenario,
  exportScenario,
  getPublishedVersion,
  getScenario,
  getScenarioVersion,
  importScenario,
  listScenarios,
  listVersions,
  publishScenario,
  rollbackScenario,
  updateDraft,
} from '../../../lib/scenarios/repository';
import { sampleScenario } from '../dialog/fixtures';

const I = 'in_a';
const now = Date.UTC(2026, 0, 5);

async function setup() {
  const store = new MemoryStore();
  const s = await createScenario(store, I, sampleScenario(), now, { scenarioId: 'scn_1' });
  return { store, s };
}

describe('scenario repository', () => {
  it('creates a draft and reads it back', async () => {
    const { store, s } = await setup();
    expect(s).toMatchObject({ scenarioId: 'scn_1', status: 'draft', revision: 1, latestVersion: 0, name: 'Sample' });
    expect(await getScenario(store, I, 'scn_1')).toEqual(s);
    await expect(getScenario(store, 'in_other', 'scn_1')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('rejects an invalid definition with field paths', async () => {
    const store = new MemoryStore();
    const err = await createScenario(store, I, { name: '' } as never, now).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).details[0]!.path).toBe('name');
  });

  it('publishes immutable versions and marks an edited draft as published (edited)', async () => {
    const { store } = await setup();
    const p1 = await publishScenario(store, I, 'scn_1', now);
    expect(p1.scenario).toMatchObject({ status: 'published', publishedVersion: 1, latestVersion: 1 });
    const edited = await updateDraft(store, I, 'scn_1', sampleScenario({ name: 'Sample v2' }), now + 1);
    expect(edited).toMatchObject({ status: 'publishedEdited', publishedVersion: 1, name: 'Sample v2' });
    expect((await getPublishedVersion(store, I, 'scn_1'))!.definition.name).toBe('Sample');
    const p2 = await publishScenario(store, I, 'scn_1', now + 2);
    expect(p2.version).toMatchObject({ version: 2, definition: { name: 'Sample v2' } });
    expect((await getScenarioVersion(store, I, 'scn_1', 1))!.definition.name).toBe('Sample');
    const history = await listVersions(store, I, 'scn_1');
    expect(history.items.map((v) => [v.version, v.name])).toEqual([
      [2, 'Sample v2'],
      [1, 'Sample'],
    ]);
  });

  it('does not add a version when the published draft is unchanged', async () => {
    const { store } = await setup();
    await publishScenario(store, I, 'scn_1', now);
    const again = await publishScenario(store, I, 'scn_1', now + 1);
    expect(again.version.version).toBe(1);
  });

  it('refuses to publish an invalid draft, naming each node and problem', async () => {
    const { store } = await setup();
    const broken = sampleScenario({
      nodes: sampleScenario().nodes!.map((n) => (n.id === 'bye' ? { ...n, prompt: { text: 'Bye @ghost' } } : n)),
    });
    await updateDraft(store, I, 'scn_1', broken, now);
    const err = (await publishScenario(store, I, 'scn_1', now).catch((e: unknown) => e)) as ValidationError;
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.details).toEqual([{ path: 'nodes.5.prompt.text', message: "node 'bye' prompt uses @ghost, which is not a declared variable" }]);
    expect((await getScenario(store, I, 'scn_1')).status).toBe('draft');
  });

  it('detects concurrent edits through the revision', async () => {
    const { store } = await setup();
    await updateDraft(store, I, 'scn_1', sampleScenario({ name: 'A' }), now, 1);
    await expect(updateDraft(store, I, 'scn_1', sampleScenario({ name: 'B' }), now, 1)).rejects.toBeInstanceOf(ConflictError);
    expect((await getScenario(store, I, 'scn_1')).name).toBe('A');
  });

  it('rolls back by publishing an old version again and resetting the draft', async () => {
    const { store } = await setup();
    await publishScenario(store, I, 'scn_1', now);
    await updateDraft(store, I, 'scn_1', sampleScenario({ name: 'Two' }), now);
    await publishScenario(store, I, 'scn_1', now);
    const r = await rollbackScenario(store, I, 'scn_1', 1, now);
    expect(r.version).toMatchObject({ version: 3, rolledBackFrom: 1, definition: { name: 'Sample' } });
    expect(r.scenario).toMatchObject({ status: 'published', publishedVersion: 3, name: 'Sample', draft: { name: 'Sample' } });
    await expect(rollbackScenario(store, I, 'scn_1', 9, now)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('copies, exports and imports scenarios', async () => {
    const { store } = await setup();
    const copy = await copyScenario(store, I, 'scn_1', now);
    expect(copy).toMatchObject({ name: 'Sample (copy)', status: 'draft' });
    expect(copy.scenarioId).not.toBe('scn_1');
    const exported = await exportScenario(store, I, 'scn_1', now);
    expect(exported).toMatchObject({ format: 'reachout.scenario', schemaVersion: 1, source: { scenarioId: 'scn_1' } });
    const imported = await importScenario(store, I, JSON.parse(JSON.stringify(exported)), now);
    expect(imported.draft).toEqual(exported.definition);
    const bare = await importScenario(store, I, sampleScenario({ name: 'Bare' }), now);
    expect(bare.name).toBe('Bare');
    expect((await listScenarios(store, I)).items.map((s) => s.name).sort()).toEqual(['Bare', 'Sample', 'Sample', 'Sample (copy)']);
  });

  it('deletes a scenario with its versions', async () => {
    const { store } = await setup();
    await publishScenario(store, I, 'scn_1', now);
    await deleteScenario(store, I, 'scn_1');
    await expect(getScenario(store, I, 'scn_1')).rejects.toBeInstanceOf(NotFoundError);
    expect(await getScenarioVersion(store, I, 'scn_1', 1)).toBeUndefined();
  });
});
