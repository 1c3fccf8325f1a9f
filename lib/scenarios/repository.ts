/**
 * Scenario lifecycle on the store (S10): drafts, immutable published versions, an edited draft
 * beside the published version, history, rollback, copy, export and import. Every write of the head
 * item is conditional on its `revision`, so two editors cannot silently overwrite each other.
 */
import { ConflictError, NotFoundError, ReachoutError, ValidationError, fieldIssues } from '../core/errors';
import { newId } from '../core/ids';
import type { Item, Store } from '../ports/store';
import { keys } from '../store/keys';
import { Scenario, ScenarioDefinition, ScenarioVersion, type ScenarioDefinitionInput } from './schema';
import { validateScenario } from './validate';

export { listScenarioVariables } from './validate';

/** Errors of the scenarios module. */
export class ScenarioError extends ReachoutError {
  override readonly name = 'ScenarioError';
}

/** Format marker of exported scenarios. */
export const EXPORT_FORMAT = 'reachout.scenario';

/** A scenario as exported to JSON (S10). */
export interface ScenarioExport {
  format: typeof EXPORT_FORMAT;
  schemaVersion: 1;
  exportedAt: string;
  source: { scenarioId: string; version?: number };
  definition: ScenarioDefinition;
}

const iso = (ms: number) => new Date(ms).toISOString();

function headFrom(item: Item): Scenario {
  return Scenario.parse({
    scenarioId: item.scenarioId,
    name: item.name,
    status: item.status,
    draft: item.draft,
    revision: item.revision,
    publishedVersion: item.publishedVersion,
    latestVersion: item.latestVersion,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
  });
}

function versionFrom(item: Item): ScenarioVersion {
  return ScenarioVersion.parse({
    scenarioId: item.scenarioId,
    version: item.version,
    definition: item.definition,
    publishedAt: item.publishedAt,
    rolledBackFrom: item.rolledBackFrom,
  });
}

function parseDefinition(input: unknown): ScenarioDefinition {
  const r = ScenarioDefinition.safeParse(input);
  if (!r.success) throw new ValidationError('the scenario definition is invalid', fieldIssues(r.error.issues));
  return r.data;
}

/** Drops undefined attributes, which DynamoDB marshalling rejects. */
const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const headItem = (instanceId: string, s: Scenario): Item => plain({
  ...keys.scenario(instanceId, s.scenarioId),
  type: 'scenario',
  ...s,
});

/** Creates a scenario with a draft. */
export async function createScenario(
  store: Store,
  instanceId: string,
  definition: ScenarioDefinitionInput | ScenarioDefinition,
  now: number,
  options: { scenarioId?: string } = {},
): Promise<Scenario> {
  const draft = parseDefinition(definition);
  const s: Scenario = {
    scenarioId: options.scenarioId ?? newId('scn_', now),
    name: draft.name,
    status: 'draft',
    draft,
    revision: 1,
    latestVersion: 0,
    createdAt: iso(now),
    updatedAt: iso(now),
  };
  const written = await store.put(headItem(instanceId, s), { notExists: 'pk' });
  if (!written.ok) throw new ConflictError(`scenario ${s.scenarioId} already exists`, { scenarioId: s.scenarioId });
  return s;
}

/** Reads a scenario (draft + lifecycle pointers); NotFoundError when absent. */
export async function getScenario(store: Store, instanceId: string, scenarioId: string): Promise<Scenario> {
  const item = await store.get(keys.scenario(instanceId, scenarioId));
  if (!item) throw new NotFoundError('scenario', scenarioId);
  return headFrom(item);
}

/** A scenario in a listing: lifecycle only, no draft body. */
export type ScenarioSummary = Omit<Scenario, 'draft'> & { language: 'en' | 'zh' };

/** Lists the instance's scenarios, one page at a time. */
export async function listScenarios(
  store: Store,
  instanceId: string,
  page: { limit?: number; cursor?: string } = {},
): Promise<{ items: ScenarioSummary[]; cursor?: string }> {
  const { pk } = keys.scenario(instanceId, '');
  const res = await store.query({ pk, beginsWith: 'SCN#', limit: page.limit ?? 50, ...(page.cursor ? { cursor: page.cursor } : {}) });
  return {
    items: res.items.map((i) => {
      const { draft, ...rest } = headFrom(i);
      return { ...rest, language: draft.voice.language };
    }),
    ...(res.cursor ? { cursor: res.cursor } : {}),
  };
}

/** Writes the head if nobody else changed it since `expected` was read. */
async function writeHead(store: Store, instanceId: string, expected: Scenario, next: Scenario): Promise<Scenario> {
  const written = await store.put(headItem(instanceId, next), { eq: ['revision', expected.revision] });
  if (!written.ok)
    throw new ConflictError(`scenario ${expected.scenarioId} was changed by someone else; reload and try again`, {
      scenarioId: expected.scenarioId,
      revision: expected.revision,
    });
  return next;
}

function checkRevision(current: Scenario, expectedRevision: number | undefined): void {
  if (expectedRevision !== undefined && expectedRevision !== current.revision)
    throw new ConflictError(`scenario ${current.scenarioId} is at revision ${current.revision}, not ${expectedRevision}`, {
      scenarioId: current.scenarioId,
      revision: current.revision,
    });
}

/** Replaces the draft; a published scenario becomes "published (edited)" (S10). */
export async function updateDraft(
  store: Store,
  instanceId: string,
  scenarioId: string,
  definition: unknown,
  now: number,
  expectedRevision?: number,
): Promise<Scenario> {
  const draft = parseDefinition(definition);
  const current = await getScenario(store, instanceId, scenarioId);
  checkRevision(current, expectedRevision);
  return writeHead(store, instanceId, current, {
    ...current,
    name: draft.name,
    draft,
    status: current.publishedVersion ? 'publishedEdited' : 'draft',
    revision: current.revision + 1,
    updatedAt: iso(now),
  });
}

/** Deletes a scenario and its versions. */
export async function deleteScenario(store: Store, instanceId: string, scenarioId: string): Promise<void> {
  const current = await getScenario(store, instanceId, scenarioId);
  const versionKeys: { pk: string; sk: string }[] = [];
  let cursor: string | undefined;
  const { pk } = keys.scenarioVersion(instanceId, scenarioId, 1);
  do {
    const page = await store.query({ pk, beginsWith: 'V#', ...(cursor ? { cursor } : {}) });
    versionKeys.push(...page.items.map((i) => ({ pk: i.pk, sk: i.sk })));
    cursor = page.cursor;
  } while (cursor);
  const deleted = await store.delete(keys.scenario(instanceId, scenarioId), { eq: ['revision', current.revision] });
  if (!deleted.ok) throw new ConflictError(`scenario ${scenarioId} was changed by someone else; reload and try again`, { scenarioId });
  if (versionKeys.length) await store.batchDelete(versionKeys);
}

/** Throws a ValidationError naming each node and problem when the definition cannot be published. */
export function assertPublishable(def: ScenarioDefinition): void {
  const issues = validateScenario(def);
  if (issues.length)
    throw new ValidationError(
      `the scenario cannot be published: ${issues.length} problem${issues.length > 1 ? 's' : ''}`,
      issues.map(({ path, message }) => ({ path, message })),
      { issues },
    );
}

async function addVersion(
  store: Store,
  instanceId: string,
  current: Scenario,
  definition: ScenarioDefinition,
  now: number,
  rolledBackFrom?: number,
): Promise<{ scenario: Scenario; version: ScenarioVersion }> {
  const version: ScenarioVersion = {
    scenarioId: current.scenarioId,
    version: current.latestVersion + 1,
    definition,
    publishedAt: iso(now),
    ...(rolledBackFrom !== undefined ? { rolledBackFrom } : {}),
  };
  const scenario = await writeHead(store, instanceId, current, {
    ...current,
    name: definition.name,
    draft: definition,
    status: 'published',
    publishedVersion: version.version,
    latestVersion: version.version,
    revision: current.revision + 1,
    updatedAt: iso(now),
  });
  // The head moved first, so a lost race never leaves an orphan version; the version number is ours alone.
  await store.put(
    plain({ ...keys.scenarioVersion(instanceId, current.scenarioId, version.version), type: 'scenarioVersion', ...version }),
    { notExists: 'pk' },
  );
  return { scenario, version };
}

/** Validates the draft and publishes it as the next immutable version (S10). */
export async function publishScenario(
  store: Store,
  instanceId: string,
  scenarioId: string,
  now: number,
  expectedRevision?: number,
): Promise<{ scenario: Scenario; version: ScenarioVersion }> {
  const current = await getScenario(store, instanceId, scenarioId);
  checkRevision(current, expectedRevision);
  assertPublishable(current.draft);
  if (current.status === 'published' && current.publishedVersion) {
    const version = await getScenarioVersion(store, instanceId, scenarioId, current.publishedVersion);
    if (version) return { scenario: current, version };
  }
  return addVersion(store, instanceId, current, current.draft, now);
}

/** Reads a published version (immutable); undefined when absent. */
export async function getScenarioVersion(store: Store, instanceId: string, scenarioId: string, version: number): Promise<ScenarioVersion | undefined> {
  const item = await store.get(keys.scenarioVersion(instanceId, scenarioId, version));
  return item ? versionFrom(item) : undefined;
}

/** Reads the currently published version; undefined when the scenario was never published. */
export async function getPublishedVersion(store: Store, instanceId: string, scenarioId: string): Promise<ScenarioVersion | undefined> {
  const item = await store.get(keys.scenario(instanceId, scenarioId));
  if (!item || typeof item.publishedVersion !== 'number') return undefined;
  return getScenarioVersion(store, instanceId, scenarioId, item.publishedVersion);
}

/** A version in the history listing. */
export type VersionSummary = Omit<ScenarioVersion, 'definition'> & { name: string };

/** Version history, newest first (S10). */
export async function listVersions(
  store: Store,
  instanceId: string,
  scenarioId: string,
  page: { limit?: number; cursor?: string } = {},
): Promise<{ items: VersionSummary[]; cursor?: string }> {
  await getScenario(store, instanceId, scenarioId);
  const { pk } = keys.scenarioVersion(instanceId, scenarioId, 1);
  const res = await store.query({ pk, beginsWith: 'V#', reverse: true, limit: page.limit ?? 50, ...(page.cursor ? { cursor: page.cursor } : {}) });
  return {
    items: res.items.map((i) => {
      const { definition, ...rest } = versionFrom(i);
      return { ...rest, name: definition.name };
    }),
    ...(res.cursor ? { cursor: res.cursor } : {}),
  };
}

/** Rolls back: publishes an old version's content as a new version, and resets the draft to it. */
export async function rollbackScenario(
  store: Store,
  instanceId: string,
  scenarioId: string,
  toVersion: number,
  now: number,
): Promise<{ scenario: Scenario; version: ScenarioVersion }> {
  const current = await getScenario(store, instanceId, scenarioId);
  const old = await getScenarioVersion(store, instanceId, scenarioId, toVersion);
  if (!old) throw new NotFoundError('scenario version', `${scenarioId}@${toVersion}`);
  return addVersion(store, instanceId, current, old.definition, now, toVersion);
}

/** Copies a scenario's draft into a new scenario (a draft, no history). */
export async function copyScenario(store: Store, instanceId: string, scenarioId: string, now: number, name?: string): Promise<Scenario> {
  const current = await getScenario(store, instanceId, scenarioId);
  return createScenario(store, instanceId, { ...current.draft, name: name ?? `${current.draft.name} (copy)` }, now);
}

/** Exports the draft, or a published version, as JSON (S10). */
export async function exportScenario(store: Store, instanceId: string, scenarioId: string, now: number, version?: number): Promise<ScenarioExport> {
  let definition: ScenarioDefinition;
  if (version !== undefined) {
    const v = await getScenarioVersion(store, instanceId, scenarioId, version);
    if (!v) throw new NotFoundError('scenario version', `${scenarioId}@${version}`);
    definition = v.definition;
  } else definition = (await getScenario(store, instanceId, scenarioId)).draft;
  return {
    format: EXPORT_FORMAT,
    schemaVersion: 1,
    exportedAt: iso(now),
    source: { scenarioId, ...(version !== undefined ? { version } : {}) },
    definition,
  };
}

/** Imports an export (or a bare definition) as a new draft scenario. */
export async function importScenario(store: Store, instanceId: string, body: unknown, now: number): Promise<Scenario> {
  const obj = (body ?? {}) as Record<string, unknown>;
  const definition = obj.format === EXPORT_FORMAT || 'definition' in obj ? obj.definition : body;
  return createScenario(store, instanceId, parseDefinition(definition), now);
}
