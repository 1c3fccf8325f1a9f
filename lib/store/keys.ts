import { shardOf } from '../core/ids';

/**
 * Key layout of the single table (docs/data-model.md is the reference).
 * Every instance-owned key starts with `I#<instanceId>` so no query can cross instances (SPEC I2).
 * Indexes: gsi1 (due queue and attempts out, sparse), gsi2 (job by phone number), gsi3 (job by reference id, call history),
 * gsi4 (pending effects); gsi2-gsi4 project keys only (lib/store/indexes.ts).
 */

/** Partitions a campaign's jobs are spread over, so a 1,000,000-job campaign has no hot partition. */
export const JOB_SHARDS = 16;
/** Partitions of a campaign's counters (summed on read: O(1) in campaign size). */
export const COUNTER_SHARDS = 8;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Key builders, one per entity. */
export const keys = {
  /** Instance metadata and settings. */
  instance: (instanceId: string) => ({ pk: `I#${instanceId}`, sk: 'META' }),
  /** API key (hash of the secret) → instance. */
  apiKey: (keyHash: string) => ({ pk: `APIKEY#${keyHash}`, sk: 'APIKEY' }),
  /** Registry of all instances (for the scheduler's sweep). */
  instanceRegistry: (instanceId: string) => ({ pk: 'INSTANCES', sk: instanceId }),
  /** Instance-wide statistics counters (I3), sharded. */
  instanceCounters: (instanceId: string, shard: number) => ({ pk: `I#${instanceId}#STATS`, sk: `SHARD#${pad(shard)}` }),

  /** Scenario head (draft + pointers to versions); listed by querying `I#<instance>#SCN` . */
  scenario: (instanceId: string, scenarioId: string) => ({ pk: `I#${instanceId}#SCN`, sk: `SCN#${scenarioId}` }),
  /** Immutable published scenario version. */
  scenarioVersion: (instanceId: string, scenarioId: string, version: number) => ({
    pk: `I#${instanceId}#SCN#${scenarioId}`,
    sk: `V#${pad(version, 6)}`,
  }),

  /** Campaign metadata; listed by querying `I#<instance>#CMP`. */
  campaign: (instanceId: string, campaignId: string) => ({ pk: `I#${instanceId}#CMP`, sk: `CMP#${campaignId}` }),
  /** gsi1 partition listing an instance's live campaigns (scheduled, running, paused, stopping). */
  liveCampaigns: (instanceId: string) => `I#${instanceId}#LIVE`,
  /** One shard of a campaign's counters. */
  campaignCounters: (instanceId: string, campaignId: string, shard: number) => ({
    pk: `I#${instanceId}#CMP#${campaignId}#CNT`,
    sk: `SHARD#${pad(shard)}`,
  }),
  /** Partition of a campaign's jobs for a shard. */
  jobPartition: (instanceId: string, campaignId: string, shard: number) => `I#${instanceId}#CMP#${campaignId}#J#${pad(shard)}`,
  /** A job; the shard is derived from the job id. */
  job: (instanceId: string, campaignId: string, jobId: string) => ({
    pk: keys.jobPartition(instanceId, campaignId, shardOf(jobId, JOB_SHARDS)),
    sk: `JOB#${jobId}`,
  }),
  /** gsi1 partition of a campaign's due queue shard (sparse: only jobs waiting to be dialled carry it). */
  dueQueue: (instanceId: string, campaignId: string, shard: number) => `I#${instanceId}#CMP#${campaignId}#DUE#${pad(shard)}`,
  /**
   * gsi1 partition of a campaign's attempts in progress (Executing jobs) for a shard, sorted by lease expiry.
   * Apart from the due queue so that an attempt whose outcome never came is found by a `le now` read at its
   * lease expiry, however many fresh jobs are due before it.
   */
  attemptsOut: (instanceId: string, campaignId: string, shard: number) => `I#${instanceId}#CMP#${campaignId}#OUT#${pad(shard)}`,
  /** gsi2 partition for looking a job up by phone number across campaigns (C7). */
  byPhone: (instanceId: string, e164: string) => `I#${instanceId}#TEL#${e164}`,
  /** gsi3 partition for looking a job up by external reference id (C7). */
  byReference: (instanceId: string, referenceId: string) => `I#${instanceId}#REF#${referenceId}`,
  /** Dedup marker of a phone number within a campaign (C4: deduplicated valid numbers). */
  campaignNumber: (instanceId: string, campaignId: string, e164: string) => ({
    pk: `I#${instanceId}#CMP#${campaignId}#NUM#${pad(shardOf(e164, JOB_SHARDS))}`,
    sk: e164,
  }),
  /** Suspend-list entry of a campaign (C5). */
  suspended: (instanceId: string, campaignId: string, e164: string) => ({ pk: `I#${instanceId}#CMP#${campaignId}#SUSP`, sk: e164 }),
  /** Contact import of a campaign, with its progress. */
  contactImport: (instanceId: string, campaignId: string, importId: string) => ({
    pk: `I#${instanceId}#CMP#${campaignId}#IMP`,
    sk: `IMP#${importId}`,
  }),
  /** Rejected rows of an import, in row order. */
  importRejection: (instanceId: string, importId: string, row: number) => ({ pk: `I#${instanceId}#IMP#${importId}#REJ`, sk: pad(row, 10) }),

  /** Call detail record of one attempt (T4); the job's calls are the `CALL#` items of `I#<inst>#JOBCALLS#<jobId>`. */
  call: (instanceId: string, jobId: string, callId: string) => ({ pk: `I#${instanceId}#JOBCALLS#${jobId}`, sk: `CALL#${callId}` }),
  /** Call id → job pointer, so a call can be found from its id alone. */
  callPointer: (instanceId: string, callId: string) => ({ pk: `I#${instanceId}#CALL#${callId}`, sk: 'PTR' }),
  /** One transcript turn of a call (T6). */
  turn: (instanceId: string, callId: string, index: number) => ({ pk: `I#${instanceId}#CALL#${callId}`, sk: `TURN#${pad(index, 4)}` }),
  /** gsi3 partition of the instance's call history for one day (R5). */
  callHistoryDay: (instanceId: string, isoDate: string) => `I#${instanceId}#CALLS#${isoDate}`,

  /** One concurrency lease slot (P3); at most maxConcurrency slots exist per instance. */
  leaseSlot: (instanceId: string, slot: number) => ({ pk: `I#${instanceId}#LEASE`, sk: `SLOT#${pad(slot, 5)}` }),
  /** Per-callee daily counter across the instance (P6). */
  calleeDay: (instanceId: string, e164: string, isoDate: string) => ({ pk: `I#${instanceId}#TEL#${e164}`, sk: `DAY#${isoDate}` }),
  /** Per-caller-number rate window (P4). */
  callerWindow: (instanceId: string, e164: string, windowStart: number) => ({ pk: `I#${instanceId}#CALLER#${e164}`, sk: `W#${windowStart}` }),
  /** Do-not-call list entry (P7). */
  doNotCall: (instanceId: string, e164: string) => ({ pk: `I#${instanceId}#DNC`, sk: e164 }),
  /** Allow list entry (P7). */
  allowList: (instanceId: string, e164: string) => ({ pk: `I#${instanceId}#ALLOW`, sk: e164 }),
  /** Export job (R6). */
  export: (instanceId: string, exportId: string) => ({ pk: `I#${instanceId}#EXP`, sk: `EXP#${exportId}` }),
  /** Idempotency record for a request key (E3). */
  idempotency: (instanceId: string, scope: string, key: string) => ({ pk: `I#${instanceId}#IDEM`, sk: `${scope}#${key}` }),
  /** Audit entry (E4), newest last. */
  audit: (instanceId: string, at: string, id: string) => ({ pk: `I#${instanceId}#AUDIT`, sk: `${at}#${id}` }),

  /** What an IAM principal (normalised ARN) may act on: instance ids and the admin flag (issue 15). Outside any instance. */
  principalGrant: (principalArn: string) => ({ pk: `PRINCIPAL#${principalArn}`, sk: 'GRANT' }),
  /** gsi1 partition that lists every principal grant (gsi1sk = the ARN). */
  principalRegistry: () => 'PRINCIPALS',

  /** The deployment's cursor secret when none is configured (one per table, outside any instance). */
  cursorSecret: () => ({ pk: 'DEPLOYMENT', sk: 'CURSOR_SECRET' }),
};
