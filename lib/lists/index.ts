import type { Deps, Services } from '../core/deps';
import type { Store } from '../ports/store';
import { isoAt } from '../ports/clock';
import { keys } from '../store/keys';
import { cancelWaitingJob } from '../campaigns/jobs';
import { jobsByPhone } from '../campaigns/repository';
import { toE164 } from '../contacts/normalize';

/**
 * Do-not-call and allow lists of an instance (SPEC P7) and a campaign's suspend list (C5).
 * One item per number under one partition per list: membership of a batch of numbers is one batchGet.
 */

/** Instance-wide lists. */
export type InstanceList = 'doNotCall' | 'allow';

const keyOf = (list: InstanceList, instanceId: string, e164: string) =>
  list === 'doNotCall' ? keys.doNotCall(instanceId, e164) : keys.allowList(instanceId, e164);

/** Result of adding numbers: how many were added, and the values that are not numbers. */
export interface ListChange {
  added: number;
  rejected: { value: string; reason: 'InvalidNumber' }[];
}

/** Normalises numbers; invalid ones are reported, duplicates folded. */
export function normaliseNumbers(values: readonly string[], defaultRegion: string): { numbers: string[]; rejected: ListChange['rejected'] } {
  const numbers = new Set<string>();
  const rejected: ListChange['rejected'] = [];
  for (const v of values) {
    const e164 = toE164(v, defaultRegion);
    if (e164) numbers.add(e164);
    else rejected.push({ value: v, reason: 'InvalidNumber' });
  }
  return { numbers: [...numbers], rejected };
}

/** Adds numbers to an instance list (bulk: batch writes). */
export async function addToList(
  deps: Deps,
  instanceId: string,
  list: InstanceList,
  values: readonly string[],
  options: { defaultRegion: string; note?: string },
): Promise<ListChange> {
  const { numbers, rejected } = normaliseNumbers(values, options.defaultRegion);
  const at = isoAt(deps.clock.now());
  await deps.store.batchPut(numbers.map((n) => ({ ...keyOf(list, instanceId, n), type: list, phone: n, addedAt: at, ...(options.note ? { note: options.note } : {}) })));
  return { added: numbers.length, rejected };
}

/** Removes numbers from an instance list. */
export async function removeFromList(store: Store, instanceId: string, list: InstanceList, values: readonly string[], defaultRegion: string): Promise<number> {
  const { numbers } = normaliseNumbers(values, defaultRegion);
  await store.batchDelete(numbers.map((n) => keyOf(list, instanceId, n)));
  return numbers.length;
}

/** Pages through an instance list in number order. */
export async function listEntries(store: Store, instanceId: string, list: InstanceList, options: { limit?: number; cursor?: string } = {}) {
  const page = await store.query({ pk: keyOf(list, instanceId, 'x').pk, limit: options.limit ?? 100, cursor: options.cursor });
  return { items: page.items.map((i) => ({ phone: String(i.sk), addedAt: String(i.addedAt ?? ''), ...(i.note ? { note: String(i.note) } : {}) })), cursor: page.cursor };
}

/** Which of these numbers are on the list (one batch read). */
export async function onList(store: Store, instanceId: string, list: InstanceList, numbers: readonly string[]): Promise<Set<string>> {
  if (numbers.length === 0) return new Set();
  const items = await store.batchGet([...new Set(numbers)].map((n) => keyOf(list, instanceId, n)));
  return new Set(items.map((i) => String(i.sk)));
}

/** Which of these numbers are on a campaign's suspend list. */
export async function suspendedAmong(store: Store, instanceId: string, campaignId: string, numbers: readonly string[]): Promise<Set<string>> {
  if (numbers.length === 0) return new Set();
  const items = await store.batchGet([...new Set(numbers)].map((n) => keys.suspended(instanceId, campaignId, n)));
  return new Set(items.map((i) => String(i.sk)));
}

/**
 * Adds numbers to a campaign's suspend list (C5) and cancels their jobs that wait to be dialled;
 * a job in a call finishes that call and is not redialled (the outcome handler checks the list).
 */
export async function suspendNumbers(
  deps: Services,
  instanceId: string,
  campaignId: string,
  values: readonly string[],
  defaultRegion: string,
): Promise<ListChange & { jobsCancelled: number }> {
  const { numbers, rejected } = normaliseNumbers(values, defaultRegion);
  const at = isoAt(deps.clock.now());
  await deps.store.batchPut(numbers.map((n) => ({ ...keys.suspended(instanceId, campaignId, n), type: 'suspended', phone: n, addedAt: at })));
  let jobsCancelled = 0;
  for (const n of numbers) {
    for (const job of await jobsByPhone(deps.store, instanceId, n)) {
      if (job.campaignId !== campaignId) continue;
      if (await cancelWaitingJob(deps, instanceId, campaignId, job.jobId, 'ContactSuspended')) jobsCancelled++;
    }
  }
  return { added: numbers.length, rejected, jobsCancelled };
}

/** Removes numbers from a campaign's suspend list (cancelled jobs stay cancelled). */
export async function unsuspendNumbers(store: Store, instanceId: string, campaignId: string, values: readonly string[], defaultRegion: string): Promise<number> {
  const { numbers } = normaliseNumbers(values, defaultRegion);
  await store.batchDelete(numbers.map((n) => keys.suspended(instanceId, campaignId, n)));
  return numbers.length;
}

/** Pages through a campaign's suspend list. */
export async function listSuspended(store: Store, instanceId: string, campaignId: string, options: { limit?: number; cursor?: string } = {}) {
  const page = await store.query({ pk: keys.suspended(instanceId, campaignId, 'x').pk, limit: options.limit ?? 100, cursor: options.cursor });
  return { items: page.items.map((i) => ({ phone: String(i.sk), addedAt: String(i.addedAt ?? '') })), cursor: page.cursor };
}
