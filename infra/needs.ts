import type * as iam from 'aws-cdk-lib/aws-iam';
import type { Data } from './constructs/data';
import type { Dialing } from './constructs/dialing';
import type { Events } from './constructs/events';
import type { Telephony } from './constructs/telephony';

/**
 * Least privilege as data: what each Lambda function uses, and the one function that turns it into IAM grants.
 *
 * FUNCTION_NEEDS is written from the code paths of each entry point today (functions/*.ts and the lib/ modules they
 * call). The composition root (lib/composition.ts, in progress) will declare the same record per function from the
 * adapters it builds; this file then imports it instead of spelling it out, and test/infra/needs.test.ts keeps
 * checking that every function's synthesised policy equals its needs, no more, no less.
 *
 * Adding a capability: one optional field in {@link FunctionNeeds}, one case in {@link grantNeeds}, one line in the
 * policy reader of the test.
 *
 * @module
 */

/** The Lambda functions of the stack. */
export const FUNCTION_NAMES = ['api', 'dialer', 'tick', 'dispatch', 'sweep', 'worker', 'sma', 'recognizerHook'] as const;
/** One of them. */
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** The work queues (each with a dead-letter queue). */
export type QueueName = 'dial' | 'tick' | 'work';

/** What a function touches. Absent means not at all. */
export interface FunctionNeeds {
  /** Items of the single table and its indexes. */
  readonly table?: 'read' | 'readWrite';
  /** The data bucket (uploads, exports, analytics datasets). */
  readonly dataBucket?: 'read' | 'readWrite';
  /** The recordings bucket (presigned links, finding a recording). */
  readonly recordings?: 'read';
  /** Queues it sends to. */
  readonly send?: readonly QueueName[];
  /** The queue whose event source invokes it (the event source mapping grants receive/delete). */
  readonly consume?: QueueName;
  /** Publishes events on the bus. */
  readonly publish?: boolean;
  /** Places calls (CreateSipMediaApplicationCall) and/or updates live calls (UpdateSipMediaApplicationCall). */
  readonly telephony?: readonly ('place' | 'update')[];
  /** Starts campaign loops (Step Functions StartExecution). */
  readonly startWorkflows?: boolean;
}

/** What each function uses (see the module comment for where this comes from). */
export const FUNCTION_NEEDS: Readonly<Record<FunctionName, FunctionNeeds>> = {
  // CRUD, uploads and exports, recording links; starts and stops campaigns (loops, ticks, imports and cancels as work).
  api: { table: 'readWrite', dataBucket: 'readWrite', recordings: 'read', send: ['tick', 'work'], publish: true, startWorkflows: true },
  // Places calls, schedules its ring timeout as a delayed dial message, ends calls that ring too long, refills on failure.
  dialer: { table: 'readWrite', send: ['dial', 'tick'], consume: 'dial', publish: true, telephony: ['place', 'update'] },
  // Planning: dispatches dial requests, finishes stale calls, re-ticks.
  tick: { table: 'readWrite', send: ['dial', 'tick'], consume: 'tick', publish: true },
  dispatch: { table: 'readWrite', send: ['dial', 'tick'], publish: true },
  sweep: { table: 'readWrite', send: ['dial', 'tick'], publish: true },
  // Imports lists (continuing in the next shard), re-runs and cancels; reads uploads, writes exports.
  worker: { table: 'readWrite', dataBucket: 'readWrite', send: ['tick', 'work'], consume: 'work', publish: true },
  // Dialog state, call records and transcripts, finds the recording Chime wrote; finishing a call enqueues a tick.
  sma: { table: 'readWrite', recordings: 'read', send: ['tick'], publish: true },
  // Pure: hands the transcript back to Lex, touches nothing.
  recognizerHook: {},
};

/** The resources needs refer to. */
export interface NeedResources {
  /** Table and buckets. */
  readonly data: Data;
  /** Bus. */
  readonly events: Events;
  /** Queues and campaign loop. */
  readonly dialing: Dialing;
  /** SIP media application. */
  readonly telephony: Telephony;
}

/** Grants a function exactly its needs (consumption excepted: its event source mapping grants that). */
export function grantNeeds(grantee: iam.IGrantable, needs: FunctionNeeds, r: NeedResources): void {
  if (needs.table === 'readWrite') r.data.grantTableReadWrite(grantee);
  else if (needs.table === 'read') r.data.grantTableRead(grantee);
  if (needs.dataBucket === 'readWrite') r.data.grantDataReadWrite(grantee);
  else if (needs.dataBucket === 'read') r.data.grantDataRead(grantee);
  if (needs.recordings === 'read') r.data.grantRecordingsRead(grantee);
  for (const queue of needs.send ?? []) r.dialing[queue].queue.grantSendMessages(grantee);
  if (needs.publish) r.events.grantPublish(grantee);
  const telephony = needs.telephony ?? [];
  if (telephony.length > 0) r.telephony.grantCalls(grantee, { place: telephony.includes('place'), update: telephony.includes('update') });
  if (needs.startWorkflows) r.dialing.grantStartLoop(grantee);
}
