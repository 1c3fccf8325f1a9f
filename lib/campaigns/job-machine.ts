import * as z from 'zod';
import { shardOf } from '../core/ids';
import { CallOutcome } from '../domain/dialing';
import { JobFailureReason, TERMINAL_JOB_STATUSES, type JobStatus } from '../domain/statuses';
import { effectId, type EffectInput } from '../outbox/effects';
import { decideAfterCall } from '../planner/retry';
import { isoAt } from '../ports/clock';
import { CALL_TASKS, CallRecord, FinalCallFields, type CloseCallArgs } from '../telephony/call-records';
import type { Changes, Condition } from '../ports/store';
import { COUNTER_SHARDS, JOB_SHARDS, keys } from '../store/keys';
import { RetryPolicy, type Job } from './schema';

/**
 * The job attempt machine (SPEC C1, P3, P5, P6, T3): one contact in a campaign, as a pure transition
 * `(job, event, now) -> { changes, condition, effects, next } | rejected`. The repository turns the result
 * into ONE conditional write on the job item (effects stored on it, the outbox applies them), so a
 * duplicated, reordered or retried event can never apply twice: every transition is conditional on the
 * version it was computed from.
 *
 *     Scheduling/idle --claim--> Executing/queued --dialing--> Executing/dialing --placed--> Executing/inCall
 *          ^   |  \                   |  (unclaim: the attempt never left)  |                    |
 *          |   |   cancel             +-------------------------------------+--- attemptEnded ---+
 *          |   defer/pullForward                                                   |
 *          +------------------------------- retry ---------------------------------+--> Succeeded | Failed | Cancelled
 *
 *     Executing/queued --refuse--> Executing/ending --attemptEnded--> (as above)
 *     Executing/queued | dialing --lost--> Executing/ending;   Executing/inCall --lost--> Executing/inCall
 *
 * An attempt that ends outside the SMA handler (refused before dialling, or lost) does so in two steps, and the
 * job goes first: `refuse`/`lost` is conditional on the version the caller read, takes the attempt out of the
 * dialer's hands (`ending`: nothing can dial, requeue or give it back any more) and carries the effect that makes
 * its call record final; the record's own effects then apply `attemptEnded`. So a stale reader (a duplicate
 * delivery, a sweep that raced an `unclaim`) loses on the version and writes nothing: it never closes the record
 * of a call another delivery placed, nor creates a second record for an attempt given back.
 *
 * Campaign counters are a function of the job (`jobCounters`): each transition adds `f(after) − f(before)`,
 * so counters always equal a recount of the jobs.
 */

/** A DialRequest body as the claim carries it (the dial queue's message). */
const DialBody = z.string().min(2);

/** Events of the job machine; one zod schema each (they travel as effects between processes). */
export const JobEvent = z.discriminatedUnion('type', [
  /** The dispatcher took a line for the next attempt; the dial request goes out with it. */
  z.object({
    type: z.literal('claim'),
    attempt: z.number().int().positive(),
    callId: z.string(),
    leaseSlot: z.number().int().nonnegative(),
    from: z.string(),
    calleeDay: z.string().optional(),
    plannedAt: z.string(),
    /** Lease expiry: the job waits in the due queue until then in case no outcome ever comes. */
    leaseUntil: z.number(),
    dialRequest: DialBody,
  }),
  /** The dialer took the request (a duplicate finds the job past `queued`). */
  z.object({ type: z.literal('dialing'), attempt: z.number().int().positive(), callId: z.string(), leaseUntil: z.number().optional() }),
  /** The dialer hands the request back to the queue (throttled, no rate slot in time). */
  z.object({ type: z.literal('requeue'), attempt: z.number().int().positive(), callId: z.string() }),
  /** The telephony accepted the call. */
  z.object({ type: z.literal('placed'), attempt: z.number().int().positive(), callId: z.string(), transactionId: z.string() }),
  /** The attempt never left (paused campaign, lost lease): as if it had not been claimed. */
  z.object({ type: z.literal('unclaim'), attempt: z.number().int().positive(), callId: z.string(), reason: z.enum(['paused', 'leaseLost', 'notSent', 'outsideWindows']), retryAt: z.number().optional() }),
  /**
   * The dialer refuses the attempt before dialling (stopped campaign, number on the do-not-call list at dial
   * time), only while it is `queued` as that delivery read it: its effect makes `record` final with `final`.
   */
  z.object({ type: z.literal('refuse'), attempt: z.number().int().positive(), callId: z.string(), record: CallRecord, final: FinalCallFields }),
  /**
   * The attempt's lease expired with no outcome (a lost hang-up, a dialer that crashed or stalled): its effect makes
   * `record` (created when absent) final as lost, a system failure, ending `endedAt`.
   */
  z.object({ type: z.literal('lost'), attempt: z.number().int().positive(), callId: z.string(), record: CallRecord, endedAt: z.number() }),
  /** The call (or the refusal before dialling) is over. */
  z.object({
    type: z.literal('attemptEnded'),
    attempt: z.number().int().positive(),
    callId: z.string(),
    outcome: CallOutcome,
    policy: RetryPolicy,
    /** The campaign was stopped or is over: nothing is redialled. */
    stopped: z.boolean(),
    /** The number was put on the campaign's suspend list (C5). */
    suspended: z.boolean(),
    noRedialEmptyNumbers: z.boolean(),
  }),
  /** A waiting job is cancelled (stop, suspend list, do-not-call, end of a recurring plan). */
  z.object({ type: z.literal('cancel'), reason: z.enum(['Stopped', 'ContactSuspended', 'TimeUp', 'ContactBlockList']) }),
  /** The planner moves a waiting job later (outside windows, over the daily cap). */
  z.object({ type: z.literal('defer'), attempts: z.number().int().nonnegative(), until: z.number(), reason: z.string() }),
  /** Windows widened: a job deferred for windows is due now again. */
  z.object({ type: z.literal('pullForward') }),
  /** The attempt's lease was renewed (a long call): the job waits in the due queue until the new expiry. */
  z.object({ type: z.literal('extendLease'), attempt: z.number().int().positive(), callId: z.string(), until: z.number() }),
]);
/** An event of the job machine. */
export type JobEvent = z.infer<typeof JobEvent>;
/** An event as callers build it (defaults may be left out). */
export type JobEventInput = z.input<typeof JobEvent>;

/** A committed transition: write `changes` if `condition` holds, then apply `effects`. */
export interface JobTransition {
  ok: true;
  next: Job;
  changes: Changes;
  condition: Condition;
  effects: EffectInput[];
}

/** A transition the machine refuses (a duplicate, a stale event, a lost race); a value, not an error. */
export interface JobRejected {
  ok: false;
  reason: string;
}

/** Campaign counters (R1) as a function of one job. */
export type JobCounters = Record<
  | 'total'
  | 'dialled'
  | 'completed'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'suspended'
  | 'answered'
  | 'notAnswered'
  | 'cancelledUndialled'
  | 'callsPlaced'
  | 'callsAnswered',
  number
>;

/** Whether a status is terminal. */
export const isTerminal = (status: JobStatus) => TERMINAL_JOB_STATUSES.includes(status);

/** What one job contributes to its campaign's counters; the counters are the sum over the jobs. */
export function jobCounters(job: Job | undefined): JobCounters {
  const zero: JobCounters = {
    total: 0, dialled: 0, completed: 0, succeeded: 0, failed: 0, cancelled: 0, suspended: 0,
    answered: 0, notAnswered: 0, cancelledUndialled: 0, callsPlaced: 0, callsAnswered: 0,
  };
  if (!job) return zero;
  const done = isTerminal(job.status);
  return {
    total: 1,
    dialled: job.attempts > 0 ? 1 : 0,
    completed: done ? 1 : 0,
    succeeded: job.status === 'Succeeded' ? 1 : 0,
    failed: job.status === 'Failed' ? 1 : 0,
    cancelled: job.status === 'Cancelled' ? 1 : 0,
    suspended: job.failureReason === 'ContactSuspended' ? 1 : 0,
    answered: done && job.answered ? 1 : 0,
    notAnswered: done && job.status !== 'Succeeded' && !job.answered ? 1 : 0,
    cancelledUndialled: job.status === 'Cancelled' && job.attempts === 0 ? 1 : 0,
    callsPlaced: job.placedCalls,
    callsAnswered: job.answeredCalls,
  };
}

/** `f(after) − f(before)`, zero entries left out. */
export function counterDelta(before: Job | undefined, after: Job | undefined): Partial<JobCounters> {
  const a = jobCounters(before);
  const b = jobCounters(after);
  const out: Partial<JobCounters> = {};
  for (const k of Object.keys(a) as (keyof JobCounters)[]) if (b[k] !== a[k]) out[k] = b[k] - a[k];
  return out;
}

const reject = (reason: string): JobRejected => ({ ok: false, reason });

/** The condition every transition writes under: the job is still at the version it was computed from. */
export function versionCondition(version: number): Condition {
  return version === 0 ? { or: [{ notExists: 'version' }, { eq: ['version', 0] }] } : { eq: ['version', version] };
}

/** Fields an attempt in progress holds; cleared when it ends. */
const ATTEMPT_FIELDS = ['callId', 'leaseSlot', 'from', 'calleeDay', 'plannedAt', 'transactionId'] as const;

/** Job fields written to the item (everything but identity, which never changes). */
const WRITABLE: (keyof Job)[] = [
  'status', 'failureReason', 'dialState', 'attempts', 'tries', 'finishedAttempt', 'systemAttempts', 'dueAt', 'deferReason',
  'callId', 'leaseSlot', 'from', 'calleeDay', 'plannedAt', 'transactionId', 'placedCalls', 'answeredCalls', 'lastCallStatus',
  'lastCallId', 'answered', 'interacted', 'tags', 'captured', 'updatedAt', 'completedAt', 'version',
];

/**
 * The gsi1 partition a non-terminal job is indexed in: the due queue while it waits, the campaign's attempts
 * out while an attempt is in progress (Executing, `dueAt` = its lease expiry). Apart, because the due queue is
 * read earliest first a few items per shard: an attempt whose hang-up was lost sorted behind every fresh job
 * due before its lease expiry and was reached hours late in a long campaign (chaos soak, issue 14).
 */
export function jobIndexPartition(job: Pick<Job, 'instanceId' | 'campaignId' | 'jobId' | 'status'>): string {
  const shard = shardOf(job.jobId, JOB_SHARDS);
  return job.status === 'Executing' ? keys.attemptsOut(job.instanceId, job.campaignId, shard) : keys.dueQueue(job.instanceId, job.campaignId, shard);
}

/** The Changes turning `before` into `after`, with the gsi1 index (due queue or attempts out) following `dueAt` and the status. */
function changesOf(before: Job, after: Job): Changes {
  const set: Record<string, unknown> = {};
  const remove: string[] = [];
  for (const k of WRITABLE) {
    const a = before[k];
    const b = after[k];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    if (b === undefined) remove.push(k);
    else set[k] = b;
  }
  if (isTerminal(after.status)) {
    remove.push('gsi1pk', 'gsi1sk');
  } else if (after.dueAt !== undefined && (after.dueAt !== before.dueAt || (after.status === 'Executing') !== (before.status === 'Executing'))) {
    set.gsi1pk = jobIndexPartition(after);
    set.gsi1sk = `${String(Math.max(0, Math.floor(after.dueAt))).padStart(13, '0')}#${after.jobId}`;
  }
  return { set, remove: [...new Set(remove)].filter((k) => !(k in set)) };
}

/** Effects every change of counters brings: the campaign's counter shard of this job. */
function countEffect(before: Job, after: Job, now: number, n: number): EffectInput[] {
  const delta = counterDelta(before, after);
  if (Object.keys(delta).length === 0) return [];
  return [
    {
      type: 'count',
      id: effectId(now, 'job', after.jobId, `v${after.version}`, n),
      key: keys.campaignCounters(after.instanceId, after.campaignId, shardOf(after.jobId, COUNTER_SHARDS)),
      add: delta as Record<string, number>,
      set: { type: 'counters' },
    },
  ];
}

const tickBody = (job: Job, reason: 'callEnded' | 'stateChanged') =>
  JSON.stringify({ type: 'tick', instanceId: job.instanceId, campaignId: job.campaignId, reason });

/** Effects of a job reaching its terminal status: JobComplete, then the campaign's completion check. */
function completionEffects(job: Job, now: number): EffectInput[] {
  const args = { instanceId: job.instanceId, campaignId: job.campaignId, jobId: job.jobId };
  return [
    { type: 'task', id: effectId(now, 'job', job.jobId, `v${job.version}`, 'complete'), order: 1, task: 'job.complete', args },
    { type: 'task', id: effectId(now, 'job', job.jobId, `v${job.version}`, 'campaign'), order: 2, task: 'campaign.checkCompletion', args: { instanceId: job.instanceId, campaignId: job.campaignId } },
  ];
}

/** Releases the attempt's line and gives back its per-callee count when it must not count (P6). */
function attemptCleanup(before: Job, after: Job, now: number, refund: boolean): EffectInput[] {
  const out: EffectInput[] = [];
  const v = `v${after.version}`;
  if (before.leaseSlot !== undefined && before.callId) {
    out.push({ type: 'release', id: effectId(now, 'job', after.jobId, v, 'lease'), key: keys.leaseSlot(after.instanceId, before.leaseSlot), holder: before.callId });
  }
  if (refund && before.calleeDay) {
    out.push({
      type: 'count',
      id: effectId(now, 'job', after.jobId, v, 'refund'),
      key: keys.calleeDay(after.instanceId, before.contact.phone, before.calleeDay),
      add: { count: -1 },
    });
  }
  return out;
}

function clearAttempt(job: Job): Job {
  const out = { ...job };
  for (const f of ATTEMPT_FIELDS) delete out[f];
  return out;
}

/** Runs one event against a job. Pure: no I/O, time passed in. */
export function transitionJob(job: Job, input: JobEventInput, now: number): JobTransition | JobRejected {
  const event = JobEvent.parse(input);
  const at = isoAt(now);
  const base: Job = { ...job, updatedAt: at, version: job.version + 1 };
  const done = (next: Job, effects: EffectInput[]): JobTransition => ({
    ok: true,
    next,
    changes: changesOf(job, next),
    condition: versionCondition(job.version),
    effects,
  });
  const waiting = job.status === 'Scheduling' && job.dialState === 'idle';
  const holds = (attempt: number, callId: string) => job.status === 'Executing' && job.attempts === attempt && job.callId === callId;
  /** The attempt leaves the dialer's hands; its record is made final by the effect, which ends the attempt. */
  const closing = (args: CloseCallArgs): JobTransition | JobRejected => {
    if (args.record.callId !== job.callId || args.record.jobId !== job.jobId || args.record.attempt !== job.attempts) return reject('record of another attempt');
    // A call placed is counted already (`placed`) and can no longer be given back: it stays `inCall`.
    const next: Job = { ...base, dialState: job.dialState === 'inCall' ? 'inCall' : 'ending' };
    return done(next, [{ type: 'task', id: effectId(now, 'job', job.jobId, `v${next.version}`, 'close'), task: CALL_TASKS.close, args }]);
  };

  switch (event.type) {
    case 'claim': {
      if (!waiting) return reject(`job is ${job.status}/${job.dialState}`);
      if (job.attempts !== event.attempt - 1) return reject(`attempt ${event.attempt} follows ${job.attempts}`);
      const next: Job = {
        ...base,
        status: 'Executing',
        dialState: 'queued',
        attempts: event.attempt,
        callId: event.callId,
        leaseSlot: event.leaseSlot,
        from: event.from,
        calleeDay: event.calleeDay,
        plannedAt: event.plannedAt,
        dueAt: event.leaseUntil,
        deferReason: undefined,
      };
      return done(next, [
        { type: 'send', id: effectId(now, 'job', job.jobId, `v${next.version}`, 'dial'), queue: 'dial', body: event.dialRequest },
        ...countEffect(job, next, now, 0),
      ]);
    }
    case 'dialing': {
      if (!holds(event.attempt, event.callId) || job.dialState !== 'queued') return reject('not queued for this attempt');
      return done({ ...base, dialState: 'dialing', ...(event.leaseUntil !== undefined ? { dueAt: event.leaseUntil } : {}) }, []);
    }
    case 'requeue': {
      if (!holds(event.attempt, event.callId) || job.dialState !== 'dialing') return reject('not dialing this attempt');
      return done({ ...base, dialState: 'queued' }, []);
    }
    case 'placed': {
      if (!holds(event.attempt, event.callId) || job.dialState !== 'dialing') return reject('not dialing this attempt');
      const next: Job = { ...base, dialState: 'inCall', transactionId: event.transactionId, placedCalls: job.placedCalls + 1 };
      return done(next, [
        ...countEffect(job, next, now, 0),
        {
          type: 'count',
          id: effectId(now, 'job', job.jobId, `v${next.version}`, 'stats'),
          key: keys.instanceCounters(job.instanceId, shardOf(job.jobId, COUNTER_SHARDS)),
          add: { callsPlaced: 1 },
        },
      ]);
    }
    case 'unclaim': {
      if (!holds(event.attempt, event.callId) || (job.dialState !== 'queued' && job.dialState !== 'dialing')) return reject('attempt not waiting to dial');
      const next: Job = { ...clearAttempt(base), status: 'Scheduling', dialState: 'idle', attempts: event.attempt - 1, dueAt: event.retryAt ?? now };
      return done(next, [
        ...countEffect(job, next, now, 0),
        ...attemptCleanup(job, next, now, true),
        // A delivery of this request may have written the call's record and then failed to place it (throttled,
        // requeued): the attempt number is claimed again under a new call id, so that record would be a second one
        // for this attempt, open forever (chaos soak: records for attempts [1, 2, 3, 3, 4], one never final). Once
        // this write commits nothing can dial the abandoned call id any more, so the record can go.
        {
          type: 'task',
          id: effectId(now, 'job', job.jobId, `v${next.version}`, 'discard'),
          task: CALL_TASKS.discard,
          args: { instanceId: job.instanceId, campaignId: job.campaignId, jobId: job.jobId, callId: event.callId },
        },
        { type: 'send', id: effectId(now, 'job', job.jobId, `v${next.version}`, 'tick'), order: 2, queue: 'tick', body: tickBody(job, 'callEnded') },
      ]);
    }
    case 'refuse': {
      if (!holds(event.attempt, event.callId) || job.dialState !== 'queued') return reject('not queued for this attempt');
      return closing({ record: event.record, final: event.final });
    }
    case 'lost': {
      if (!holds(event.attempt, event.callId) || job.dialState === 'ending') return reject('not this attempt, or its end is being recorded');
      const final: FinalCallFields = { status: 'Failed', systemFailure: true, placed: event.record.placed, hangupParty: 'system', hangupReason: 'lost' };
      return closing({ record: event.record, final, endedAt: event.endedAt });
    }
    case 'attemptEnded': {
      if (job.status !== 'Executing' || job.attempts !== event.attempt || job.finishedAttempt >= event.attempt) return reject('attempt already ended or not this one');
      if (job.callId !== undefined && job.callId !== event.callId) return reject('another call holds this attempt');
      const o = event.outcome;
      const decision = decideAfterCall({
        status: o.status,
        answered: o.answered,
        systemFailure: o.systemFailure,
        tries: job.tries,
        systemAttempts: job.systemAttempts,
        policy: event.policy,
        noRedialEmptyNumbers: event.noRedialEmptyNumbers,
        stopped: event.stopped,
        now,
      });
      let status: JobStatus;
      let failureReason: JobFailureReason | undefined;
      if (decision.kind === 'retry' && event.suspended) {
        status = 'Cancelled';
        failureReason = 'ContactSuspended';
      } else if (decision.kind === 'retry') {
        status = 'Scheduling';
      } else {
        status = decision.status;
        failureReason = decision.failureReason;
      }
      const counts = decision.kind === 'retry' ? decision.countsAsTry : !o.systemFailure;
      const terminal = isTerminal(status);
      // A call can end before the dialer recorded its placement (a number that rejects at once).
      const placedNow = o.placed && job.dialState !== 'inCall';
      const next: Job = {
        ...clearAttempt(base),
        status,
        failureReason,
        dialState: 'idle',
        finishedAttempt: event.attempt,
        lastCallStatus: o.status,
        lastCallId: event.callId,
        answered: job.answered || o.answered,
        answeredCalls: job.answeredCalls + (o.answered ? 1 : 0),
        placedCalls: job.placedCalls + (placedNow ? 1 : 0),
        interacted: job.interacted || o.interacted,
        tags: { ...job.tags, ...o.tags },
        captured: { ...job.captured, ...o.captured },
        tries: job.tries + (counts ? 1 : 0),
        systemAttempts: job.systemAttempts + (o.systemFailure ? 1 : 0),
        dueAt: terminal ? undefined : decision.kind === 'retry' ? decision.at : now,
        deferReason: undefined,
        ...(terminal ? { completedAt: at } : {}),
      };
      const effects: EffectInput[] = [...countEffect(job, next, now, 0), ...attemptCleanup(job, next, now, o.systemFailure)];
      if (o.talkSeconds > 0 || placedNow) {
        effects.push({
          type: 'count',
          id: effectId(now, 'job', job.jobId, `v${next.version}`, 'stats'),
          key: keys.instanceCounters(job.instanceId, shardOf(job.jobId, COUNTER_SHARDS)),
          add: { ...(o.talkSeconds > 0 ? { secondsTalked: Math.round(o.talkSeconds * 10) / 10 } : {}), ...(placedNow ? { callsPlaced: 1 } : {}) },
        });
      }
      if (terminal) effects.push(...completionEffects(next, now));
      effects.push({ type: 'send', id: effectId(now, 'job', job.jobId, `v${next.version}`, 'tick'), order: 2, queue: 'tick', body: tickBody(job, 'callEnded') });
      return done(next, effects);
    }
    case 'cancel': {
      if (!waiting) return reject(`job is ${job.status}/${job.dialState}`);
      const failed = event.reason === 'ContactBlockList';
      const next: Job = { ...base, status: failed ? 'Failed' : 'Cancelled', failureReason: event.reason, dueAt: undefined, deferReason: undefined, completedAt: at };
      return done(next, [...countEffect(job, next, now, 0), ...completionEffects(next, now)]);
    }
    case 'defer': {
      if (!waiting || job.attempts !== event.attempts) return reject('not waiting at these attempts');
      if (job.dueAt === event.until && job.deferReason === event.reason) return reject('already deferred');
      return done({ ...base, dueAt: event.until, deferReason: event.reason }, []);
    }
    case 'pullForward': {
      if (!waiting || job.deferReason === undefined || job.deferReason === 'dailyCap' || (job.dueAt ?? 0) <= now) return reject('not deferred for windows');
      return done({ ...base, dueAt: now, deferReason: undefined }, []);
    }
    case 'extendLease': {
      if (!holds(event.attempt, event.callId)) return reject('not this attempt');
      if ((job.dueAt ?? 0) >= event.until) return reject('already later');
      return done({ ...base, dueAt: event.until }, []);
    }
  }
}
