import type { Store } from '../ports/store';
import { keys } from '../store/keys';

/**
 * Concurrency leases (SPEC P3): one item per slot, slot < maxConcurrency. A slot is taken with a
 * conditional put that succeeds only when the slot is free or its lease expired, so no crash, retry or
 * duplicate message can put more calls in flight than there are slots.
 *
 * The holder is the CALL id of the attempt, unique per claim. (It used to be `jobId#attempt`: two
 * dispatch rounds planning the same job both "took" the same slot, since a slot already held by the
 * same holder counted as free, and the loser's rollback then deleted the winner's lease while its call
 * was live — how 43 calls ended up in flight under a maximum of 30.)
 *
 * A lease lives LEASE_TTL_MS and is renewed while its call lives (the dialer at placement, the SMA handler
 * on call events, and for as long as a transfer may last when bridging), and released at hang-up.
 */

/** How long a lease lives without renewal: longer than any gap between a live call's events. */
export const LEASE_TTL_MS = 15 * 60_000;
/** A call renews its lease when less than this is left. */
export const LEASE_RENEW_WHEN_LEFT_MS = 10 * 60_000;
/** How long a bridged (transferred) call may last without an event: the lease is renewed this far when bridging. */
export const BRIDGE_LEASE_MS = 4 * 60 * 60_000;

/** A held lease. */
export interface Lease {
  slot: number;
  /** Call id of the attempt holding the line. */
  holder: string;
  campaignId: string;
  jobId: string;
  attempt: number;
  expiresAt: number;
}

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

/** Tries to take a free (or expired) slot for a call; false when someone holds it. */
export async function acquireLease(
  store: Store,
  instanceId: string,
  slot: number,
  lease: { campaignId: string; jobId: string; attempt: number; callId: string },
  now: number,
): Promise<boolean> {
  const { callId, ...rest } = lease;
  const result = await store.put(
    { ...keys.leaseSlot(instanceId, slot), type: 'lease', slot, holder: callId, ...rest, expiresAt: now + LEASE_TTL_MS, takenAt: now },
    { or: [{ notExists: 'holder' }, { lt: ['expiresAt', now] }] },
  );
  return result.ok;
}

/** Extends a lease its call still holds; false when the call lost it (expired and taken, or released). */
export async function renewLease(store: Store, instanceId: string, slot: number, callId: string, until: number): Promise<boolean> {
  const result = await store.update(keys.leaseSlot(instanceId, slot), { set: { expiresAt: until } }, { eq: ['holder', callId] });
  return result.ok;
}

/** Releases a slot if this call still holds it (idempotent; never frees a line someone else has since taken). */
export async function releaseLease(store: Store, instanceId: string, slot: number | undefined, callId: string): Promise<void> {
  if (slot === undefined) return;
  await store.delete(keys.leaseSlot(instanceId, slot), { eq: ['holder', callId] });
}
