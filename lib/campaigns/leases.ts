import type { Store } from '../ports/store';
import { keys } from '../store/keys';

/**
 * Concurrency leases (SPEC P3): one item per slot, slot < maxConcurrency. A slot is taken with a
 * conditional put that succeeds only when the slot is free or its lease expired, so no crash, retry
 * or duplicate message can put more calls in flight than there are slots, and a lost hang-up frees
 * its line when the lease expires.
 */

/** How long a lease lives without its call ending; longer than any call (ring + talk). */
export const LEASE_TTL_MS = 30 * 60_000;

/** A held lease. */
export interface Lease {
  slot: number;
  holder: string;
  campaignId: string;
  jobId: string;
  attempt: number;
  expiresAt: number;
}

/** The holder id of a job attempt. */
export const holderOf = (jobId: string, attempt: number) => `${jobId}#${attempt}`;

/** Leases of an instance not yet expired (one query over at most maxConcurrency small items). */
export async function activeLeases(store: Store, instanceId: string, now: number): Promise<Lease[]> {
  const out: Lease[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.query({ pk: keys.leaseSlot(instanceId, 0).pk, limit: 1000, cursor });
    for (const i of page.items) {
      if (typeof i.holder !== 'string' || Number(i.expiresAt) <= now) continue;
      out.push({ slot: Number(i.slot), holder: i.holder, campaignId: String(i.campaignId), jobId: String(i.jobId), attempt: Number(i.attempt), expiresAt: Number(i.expiresAt) });
    }
    cursor = page.cursor;
  } while (cursor);
  return out;
}

/** Tries to take a slot for a job attempt. */
export async function acquireLease(
  store: Store,
  instanceId: string,
  slot: number,
  lease: { campaignId: string; jobId: string; attempt: number },
  now: number,
): Promise<boolean> {
  const holder = holderOf(lease.jobId, lease.attempt);
  const result = await store.put(
    { ...keys.leaseSlot(instanceId, slot), type: 'lease', slot, holder, ...lease, expiresAt: now + LEASE_TTL_MS, takenAt: now },
    { or: [{ notExists: 'holder' }, { lt: ['expiresAt', now] }, { eq: ['holder', holder] }] },
  );
  return result.ok;
}

/** Releases a slot if this attempt still holds it (idempotent). */
export async function releaseLease(store: Store, instanceId: string, slot: number | undefined, jobId: string, attempt: number): Promise<void> {
  if (slot === undefined) return;
  await store.delete(keys.leaseSlot(instanceId, slot), { eq: ['holder', holderOf(jobId, attempt)] });
}
