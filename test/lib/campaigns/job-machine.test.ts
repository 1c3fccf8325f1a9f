import { describe, expect, it } from 'vitest';
import { jobIndexPartition, transitionJob, type JobTransition } from '../../../lib/campaigns/job-machine';
import { Job, RetryPolicy } from '../../../lib/campaigns/schema';
import { shardOf } from '../../../lib/core/ids';
import { JOB_SHARDS, keys } from '../../../lib/store/keys';
import { CALL_TASKS, CallRecord } from '../../../lib/telephony/call-records';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const shard = shardOf('job_1', JOB_SHARDS);
const waiting = Job.parse({
  jobId: 'job_1', campaignId: 'cmp_1', instanceId: 'inst_1', contact: { phone: '+14155550101' },
  status: 'Scheduling', dialState: 'idle', attempts: 0, tries: 0, dueAt: T0, createdAt: '2026-01-05T09:00:00.000Z', updatedAt: '2026-01-05T09:00:00.000Z',
});
const ok = (r: ReturnType<typeof transitionJob>): JobTransition => {
  if (!r.ok) throw new Error(r.reason);
  return r;
};
const claim = (job: Job, at: number) =>
  ok(transitionJob(job, { type: 'claim', attempt: 1, callId: 'call_1', leaseSlot: 0, from: '+14155550900', plannedAt: new Date(at).toISOString(), leaseUntil: at + 900_000, dialRequest: '{}' }, at));

describe('job machine', () => {
  it('indexes an attempt in progress in the attempts out, by lease expiry, apart from the due queue', () => {
    const claimed = claim(waiting, T0);
    expect(jobIndexPartition(claimed.next)).toBe(keys.attemptsOut('inst_1', 'cmp_1', shard));
    expect(claimed.changes.set).toMatchObject({ gsi1pk: keys.attemptsOut('inst_1', 'cmp_1', shard), gsi1sk: `${String(T0 + 900_000).padStart(13, '0')}#job_1` });
    // A renewed lease moves the attempt later within the attempts out.
    const extended = ok(transitionJob(claimed.next, { type: 'extendLease', attempt: 1, callId: 'call_1', until: T0 + 1_200_000 }, T0 + 900_001));
    expect(extended.changes.set).toMatchObject({ gsi1pk: keys.attemptsOut('inst_1', 'cmp_1', shard), gsi1sk: `${String(T0 + 1_200_000).padStart(13, '0')}#job_1` });
  });

  it('puts the job back in the due queue when its attempt ends with a retry, and out of the index when terminal', () => {
    const claimed = claim(waiting, T0).next;
    const outcome = { instanceId: 'inst_1', campaignId: 'cmp_1', jobId: 'job_1', attempt: 1, callId: 'call_1', answered: false, completed: false, turns: 0, talkSeconds: 0, endedAt: '2026-01-05T09:15:00.000Z' };
    const base = { type: 'attemptEnded', attempt: 1, callId: 'call_1', policy: RetryPolicy.parse({}), stopped: false, suspended: false, noRedialEmptyNumbers: false } as const;
    const lost = ok(transitionJob(claimed, { ...base, outcome: { ...outcome, status: 'Failed', systemFailure: true, placed: true } }, T0 + 900_000));
    expect(lost.next.status).toBe('Scheduling');
    expect(lost.changes.set?.gsi1pk).toBe(keys.dueQueue('inst_1', 'cmp_1', shard));
    const done = ok(transitionJob(claimed, { ...base, outcome: { ...outcome, status: 'Succeeded', answered: true, completed: true } }, T0 + 60_000));
    expect(done.changes.remove).toEqual(expect.arrayContaining(['gsi1pk', 'gsi1sk']));
  });

  it('discards the abandoned call id\'s record with the write that gives an attempt back', () => {
    const claimed = claim(waiting, T0).next;
    const dialing = ok(transitionJob(claimed, { type: 'dialing', attempt: 1, callId: 'call_1' }, T0 + 1_000)).next;
    const requeued = ok(transitionJob(dialing, { type: 'requeue', attempt: 1, callId: 'call_1' }, T0 + 2_000)).next;
    const unclaimed = ok(transitionJob(requeued, { type: 'unclaim', attempt: 1, callId: 'call_1', reason: 'outsideWindows' }, T0 + 62_000));
    expect(unclaimed.next).toMatchObject({ status: 'Scheduling', dialState: 'idle', attempts: 0 });
    expect(unclaimed.next.callId).toBeUndefined();
    expect(unclaimed.effects).toContainEqual(
      expect.objectContaining({ type: 'task', task: CALL_TASKS.discard, args: { instanceId: 'inst_1', campaignId: 'cmp_1', jobId: 'job_1', callId: 'call_1' } }),
    );
  });

  it('takes a queued attempt out of the dialer\'s hands when it is refused, the record\'s final write its effect', () => {
    const claimed = claim(waiting, T0).next;
    const record = CallRecord.parse({ callId: 'call_1', instanceId: 'inst_1', campaignId: 'cmp_1', jobId: 'job_1', attempt: 1, dialledAt: '2026-01-05T09:00:01.000Z', status: 'Executing', placed: false });
    const final = { status: 'Cancelled', systemFailure: true, placed: false, hangupParty: 'system', hangupReason: 'stopped' } as const;
    const refused = ok(transitionJob(claimed, { type: 'refuse', attempt: 1, callId: 'call_1', record, final }, T0 + 1_000));
    expect(refused.next).toMatchObject({ status: 'Executing', dialState: 'ending', callId: 'call_1', version: claimed.version + 1 });
    expect(refused.condition).toEqual({ eq: ['version', claimed.version] });
    expect(refused.effects).toEqual([expect.objectContaining({ type: 'task', task: CALL_TASKS.close, args: { record, final } })]);
    // Nothing can dial, requeue or give the attempt back any more; only its end (from the record) follows.
    for (const event of [
      { type: 'dialing', attempt: 1, callId: 'call_1' },
      { type: 'unclaim', attempt: 1, callId: 'call_1', reason: 'leaseLost' },
      { type: 'requeue', attempt: 1, callId: 'call_1' },
      { type: 'placed', attempt: 1, callId: 'call_1', transactionId: 'tx' },
    ] as const) expect(transitionJob(refused.next, event, T0 + 2_000).ok).toBe(false);
    const outcome = { instanceId: 'inst_1', campaignId: 'cmp_1', jobId: 'job_1', attempt: 1, callId: 'call_1', status: 'Cancelled', answered: false, completed: false, turns: 0, talkSeconds: 0, systemFailure: true, placed: false, endedAt: '2026-01-05T09:00:01.000Z' } as const;
    const ended = ok(transitionJob(refused.next, { type: 'attemptEnded', attempt: 1, callId: 'call_1', outcome, policy: RetryPolicy.parse({}), stopped: true, suspended: false, noRedialEmptyNumbers: false }, T0 + 2_000));
    expect(ended.next).toMatchObject({ status: 'Cancelled', dialState: 'idle', finishedAttempt: 1, placedCalls: 0 });
    // Refused only while queued: a delivery that took the attempt to dial owns it.
    const dialing = ok(transitionJob(claimed, { type: 'dialing', attempt: 1, callId: 'call_1' }, T0 + 1_000)).next;
    expect(transitionJob(dialing, { type: 'refuse', attempt: 1, callId: 'call_1', record, final }, T0 + 2_000).ok).toBe(false);
    // The record must be this attempt's.
    expect(transitionJob(claimed, { type: 'refuse', attempt: 1, callId: 'call_1', record: { ...record, callId: 'call_0' }, final }, T0 + 2_000).ok).toBe(false);
  });

  it('finds an attempt lost only as it was read, taking it out of the dialer\'s hands unless its call was placed', () => {
    const claimed = claim(waiting, T0).next;
    const record = CallRecord.parse({ callId: 'call_1', instanceId: 'inst_1', campaignId: 'cmp_1', jobId: 'job_1', attempt: 1, dialledAt: '2026-01-05T09:00:00.000Z', status: 'Executing', placed: false });
    const lostAt = T0 + 900_000;
    const lost = ok(transitionJob(claimed, { type: 'lost', attempt: 1, callId: 'call_1', record, endedAt: lostAt }, T0 + 960_000));
    expect(lost.next).toMatchObject({ status: 'Executing', dialState: 'ending', callId: 'call_1' });
    expect(lost.condition).toEqual({ eq: ['version', claimed.version] });
    expect(lost.effects).toEqual([
      expect.objectContaining({
        type: 'task', task: CALL_TASKS.close,
        args: { record, final: { status: 'Failed', systemFailure: true, placed: false, hangupParty: 'system', hangupReason: 'lost' }, endedAt: lostAt },
      }),
    ]);
    // A late delivery of the dial request can no longer give the attempt back (nor dial it); a second loss is refused.
    expect(transitionJob(lost.next, { type: 'unclaim', attempt: 1, callId: 'call_1', reason: 'leaseLost' }, T0 + 961_000).ok).toBe(false);
    expect(transitionJob(lost.next, { type: 'dialing', attempt: 1, callId: 'call_1' }, T0 + 961_000).ok).toBe(false);
    expect(transitionJob(lost.next, { type: 'lost', attempt: 1, callId: 'call_1', record, endedAt: lostAt }, T0 + 961_000).ok).toBe(false);
    // Once given back, the attempt is no longer there to be lost.
    const unclaimed = ok(transitionJob(claimed, { type: 'unclaim', attempt: 1, callId: 'call_1', reason: 'leaseLost' }, T0 + 960_000)).next;
    expect(transitionJob(unclaimed, { type: 'lost', attempt: 1, callId: 'call_1', record, endedAt: lostAt }, T0 + 961_000).ok).toBe(false);

    // A call placed stays in its call (counted once as placed), and its end applies as usual.
    const dialing = ok(transitionJob(claimed, { type: 'dialing', attempt: 1, callId: 'call_1' }, T0 + 1_000)).next;
    const inCall = ok(transitionJob(dialing, { type: 'placed', attempt: 1, callId: 'call_1', transactionId: 'tx' }, T0 + 2_000)).next;
    const lostCall = ok(transitionJob(inCall, { type: 'lost', attempt: 1, callId: 'call_1', record: { ...record, placed: true }, endedAt: lostAt }, T0 + 960_000));
    expect(lostCall.next).toMatchObject({ dialState: 'inCall', placedCalls: 1 });
    const outcome = { instanceId: 'inst_1', campaignId: 'cmp_1', jobId: 'job_1', attempt: 1, callId: 'call_1', status: 'Failed', answered: false, completed: false, turns: 0, talkSeconds: 0, systemFailure: true, placed: true, endedAt: '2026-01-05T09:15:00.000Z' } as const;
    const ended = ok(transitionJob(lostCall.next, { type: 'attemptEnded', attempt: 1, callId: 'call_1', outcome, policy: RetryPolicy.parse({}), stopped: false, suspended: false, noRedialEmptyNumbers: false }, T0 + 961_000));
    expect(ended.next).toMatchObject({ status: 'Scheduling', dialState: 'idle', placedCalls: 1, systemAttempts: 1 });
  });
});
