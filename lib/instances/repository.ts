import { createHash, randomBytes } from 'node:crypto';
import { ConflictError, NotFoundError, ReachoutError } from '../core/errors';
import { newId } from '../core/ids';
import { mergePatch, type MergePatch } from '../core/merge-patch';
import type { Store } from '../ports/store';
import { keys } from '../store/keys';
import { Instance, InstanceSettings } from './schema';

/** Errors of the instances module. */
export class InstanceError extends ReachoutError {
  override readonly name = 'InstanceError';
}

/** Hash under which an API key is stored; the secret itself is never stored. */
export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function fromItem(item: Record<string, unknown>): Instance {
  return Instance.parse({
    instanceId: item.instanceId,
    name: item.name,
    settings: item.settings,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    version: item.version,
  });
}

/** Creates an instance with default settings merged with the given ones. */
export async function createInstance(
  store: Store,
  input: { name: string; settings?: Partial<InstanceSettings>; instanceId?: string },
  now: number,
): Promise<Instance> {
  const instanceId = input.instanceId ?? newId('in_', now);
  const at = new Date(now).toISOString();
  const instance: Instance = {
    instanceId,
    name: input.name,
    settings: InstanceSettings.parse(input.settings ?? {}),
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  const written = await store.put({ ...keys.instance(instanceId), type: 'instance', ...instance }, { notExists: 'pk' });
  if (!written.ok) throw new ConflictError(`instance ${instanceId} already exists`, { instanceId });
  await store.put({ ...keys.instanceRegistry(instanceId), instanceId, name: input.name });
  return instance;
}

/** Reads an instance; NotFoundError when absent. */
export async function getInstance(store: Store, instanceId: string): Promise<Instance> {
  const item = await store.get(keys.instance(instanceId));
  if (!item) throw new NotFoundError('instance', instanceId);
  return fromItem(item);
}

/** Reads an instance's settings; the planner, dialer and SMA handler call this. */
export async function getInstanceSettings(store: Store, instanceId: string): Promise<InstanceSettings> {
  return (await getInstance(store, instanceId)).settings;
}

/**
 * Updates name and/or settings. Settings take a JSON merge patch (RFC 7386): what the patch does not mention
 * stays as it is (a PATCH of windows used to reset the caller numbers to none, and dialling stopped), nested
 * objects merge, `null` resets a field to its default; the result is validated as a whole.
 * Optimistic concurrency: retried a few times when another writer got there first.
 */
export async function updateInstance(
  store: Store,
  instanceId: string,
  patch: { name?: string; settings?: MergePatch },
  now: number,
): Promise<Instance> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await getInstance(store, instanceId);
    const settings = InstanceSettings.parse(mergePatch(current.settings, patch.settings ?? {}));
    const next: Instance = {
      ...current,
      name: patch.name ?? current.name,
      settings,
      updatedAt: new Date(now).toISOString(),
      version: current.version + 1,
    };
    const written = await store.put(
      { ...keys.instance(instanceId), type: 'instance', ...next },
      { eq: ['version', current.version] },
    );
    if (written.ok) return next;
  }
  throw new ConflictError('instance was changed concurrently; try again', { instanceId });
}

/** Lists all instances (the registry partition; small: one item per instance). */
export async function listInstanceIds(store: Store): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.query({ pk: 'INSTANCES', cursor, limit: 1000 });
    ids.push(...page.items.map((i) => String(i.instanceId)));
    cursor = page.cursor;
  } while (cursor);
  return ids;
}

/** Issues a new API key for an instance; returns the secret once. */
export async function createApiKey(
  store: Store,
  instanceId: string,
  now: number,
  options: { label?: string; admin?: boolean; secret?: string } = {},
): Promise<{ apiKey: string; keyId: string }> {
  const secret = options.secret ?? `ro_${randomBytes(24).toString('base64url')}`;
  const keyId = newId('key_', now);
  await store.put({
    ...keys.apiKey(hashApiKey(secret)),
    type: 'apiKey',
    keyId,
    instanceId,
    label: options.label ?? 'default',
    admin: options.admin === true,
    createdAt: new Date(now).toISOString(),
  });
  return { apiKey: secret, keyId };
}

/** Resolves an API key to its instance, or undefined when unknown or revoked. Admin keys may create instances. */
export async function resolveApiKey(
  store: Store,
  secret: string,
): Promise<{ instanceId: string; keyId: string; admin: boolean } | undefined> {
  const item = await store.get(keys.apiKey(hashApiKey(secret)));
  if (!item || item.revokedAt) return undefined;
  return { instanceId: String(item.instanceId), keyId: String(item.keyId), admin: item.admin === true };
}

/** Adds to the instance-wide statistics (I3): calls placed and seconds talked. Sharded to spread hot writes. */
export async function addInstanceStats(
  store: Store,
  instanceId: string,
  delta: { callsPlaced?: number; secondsTalked?: number },
  shard: number,
): Promise<void> {
  await store.update(keys.instanceCounters(instanceId, shard % 8), {
    add: { callsPlaced: delta.callsPlaced ?? 0, secondsTalked: delta.secondsTalked ?? 0 },
  });
}

/** Global statistics of an instance (I3): calls placed, minutes talked, settings version. */
export async function getInstanceStats(
  store: Store,
  instanceId: string,
): Promise<{ callsPlaced: number; minutesTalked: number; version: number }> {
  const instance = await getInstance(store, instanceId);
  const page = await store.query({ pk: keys.instanceCounters(instanceId, 0).pk, limit: 100 });
  let calls = 0;
  let seconds = 0;
  for (const i of page.items) {
    calls += Number(i.callsPlaced ?? 0);
    seconds += Number(i.secondsTalked ?? 0);
  }
  return { callsPlaced: calls, minutesTalked: Math.round((seconds / 60) * 100) / 100, version: instance.version };
}
