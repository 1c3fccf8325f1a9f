import { BRIDGE_LEASE_MS, LEASE_TTL_MS } from '../../lib/campaigns/leases';
import { readCounters } from '../../lib/campaigns/repository';
import { recountCampaign } from '../../lib/campaigns/transitions';
import { TERMINAL_JOB_STATUSES } from '../../lib/domain/statuses';
import { readAggregates } from '../../lib/results/read';
import { isOpen } from '../../lib/windows/schedule';
import { localDate } from '../../lib/windows/schedule';
import type { SimulationResult } from './simulation';

/**
 * The invariants a campaign must keep whatever fails around it (SPEC P1, P3, P6, P7, T4, E1), checked
 * over the records and events a simulation left: what the network saw (calls placed and ended), the
 * call records, the jobs, the counters and the events on the bus.
 */

/** One broken invariant, with enough to find the culprit. */
export interface Violation {
  invariant: string;
  detail: string;
}

/**
 * How long after its lease expiry a lost call's attempt may end (its CallFinished published): the sweep runs
 * every minute, and a sweep, drain or publish that failed is retried by the next one.
 */
export const LOST_ATTEMPT_SLACK_MS = 5 * 60_000;

/** Largest number of overlapping [start, end) intervals (an end at the same instant as a start comes first). */
export function maxOverlap(intervals: readonly [number, number][]): { max: number; at: number } {
  const points: [number, number][] = [];
  for (const [s, e] of intervals) points.push([s, 1], [e, -1]);
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cur = 0;
  let max = 0;
  let at = 0;
  for (const [t, d] of points) {
    cur += d;
    if (cur > max) {
      max = cur;
      at = t;
    }
  }
  return { max, at };
}

/** Events published more than once under the same id (at-least-once redeliveries, not violations). */
export function redeliveredEvents(r: SimulationResult): number {
  const seen = new Set<string>();
  let again = 0;
  for (const e of r.events) {
    if (seen.has(e.id)) again++;
    seen.add(e.id);
  }
  return again;
}

/** Checks every invariant; an empty list means the run kept them all. */
export async function checkInvariants(r: SimulationResult): Promise<Violation[]> {
  const out: Violation[] = [];
  const add = (invariant: string, detail: string) => out.push({ invariant, detail });
  const { settings } = r;
  const max = settings.maxConcurrency;

  // Concurrency, from the call records (dial to end) and from the network's own view (placed to HANGUP).
  const recorded = r.calls.filter((c) => c.placed && c.endedAt).map((c) => [Date.parse(c.dialledAt), Date.parse(c.endedAt!)] as [number, number]);
  const fromRecords = maxOverlap(recorded);
  if (fromRecords.max > max) add('concurrency (records)', `${fromRecords.max} calls at ${new Date(fromRecords.at).toISOString()}, maximum ${max}`);
  const network = r.placed.map((p) => [p.at, p.endedAt ?? r.finishedAt] as [number, number]);
  const fromNetwork = maxOverlap(network);
  if (fromNetwork.max > max) add('concurrency (network)', `${fromNetwork.max} calls at ${new Date(fromNetwork.at).toISOString()}, maximum ${max}`);

  // Lost calls (the network ended them, the platform never heard it): the record ends at the call's lease expiry,
  // which lies between the network's end and a lease period after it (every event renews the lease), and the
  // attempt ends within a lease period and the sweep's slack of the network's end — not when a planning round
  // happens to reach the job. Checked against the network's clock, so an early or late record end shows.
  const networkEnd = new Map(r.placed.map((p) => [p.callId, p.endedAt]));
  const callFinished = new Map<string, number>();
  for (const e of r.events) if (e.detailType === 'CallFinished' && e.callId && !callFinished.has(e.callId)) callFinished.set(e.callId, e.at);
  for (const c of r.calls) {
    const ended = networkEnd.get(c.callId);
    if (c.hangupReason !== 'lost' || !c.placed || !c.endedAt || ended === undefined) continue;
    const lease = c.transferred ? BRIDGE_LEASE_MS : LEASE_TTL_MS;
    const recordEnd = Date.parse(c.endedAt);
    if (recordEnd < ended || recordEnd > ended + lease) {
      add('lost call ends at its lease expiry', `call ${c.callId}: record ends ${c.endedAt}, the network ended it ${new Date(ended).toISOString()}`);
    }
    const finished = callFinished.get(c.callId);
    if (finished === undefined || finished > ended + lease + LOST_ATTEMPT_SLACK_MS) {
      add('lost attempt ended promptly', `call ${c.callId}: the network ended it ${new Date(ended).toISOString()}, CallFinished ${finished === undefined ? 'never' : new Date(finished).toISOString()}`);
    }
  }

  // Windows, daily cap, lists, duplicates: every call the network placed.
  const schedule = { ranges: settings.windows.ranges, weekdaysOnly: settings.windows.weekdaysOnly };
  const perDay = new Map<string, number>();
  const attempts = new Set<string>();
  // System failures do not count towards the cap (P6): the record says which calls were.
  const systemFailure = new Set(r.calls.filter((c) => c.systemFailure).map((c) => c.callId));
  for (const p of r.placed) {
    if (!isOpen(schedule, p.at, settings.timeZone)) add('windows', `call ${p.callId} placed at ${new Date(p.at).toISOString()}, outside the calling windows`);
    const day = `${p.to}@${localDate(p.at, settings.timeZone)}`;
    const n = (perDay.get(day) ?? 0) + (systemFailure.has(p.callId) ? 0 : 1);
    perDay.set(day, n);
    if (n === settings.dailyCapPerCallee + 1 && !systemFailure.has(p.callId)) add('daily cap', `${p.to} called ${n} times on ${day.split('@')[1]}, cap ${settings.dailyCapPerCallee}`);
    if (r.doNotCall.has(p.to)) add('do-not-call', `call ${p.callId} to ${p.to}, on the do-not-call list`);
    if (r.suspended.has(p.to)) add('suspended', `call ${p.callId} to ${p.to}, suspended in the campaign`);
    const attempt = `${p.jobId}#${p.attempt}`;
    if (attempts.has(attempt)) add('attempt dialled twice', `job ${p.jobId} attempt ${p.attempt}`);
    attempts.add(attempt);
  }

  // Jobs, call records and events.
  const callsByJob = new Map<string, typeof r.calls>();
  for (const c of r.calls) callsByJob.set(c.jobId, [...(callsByJob.get(c.jobId) ?? []), c]);
  // Events are delivered at least once (an effect applied just before a crash is applied again); each
  // carries a stable id for consumers to deduplicate, so "one JobComplete" means one distinct id.
  const completes = new Map<string, Set<string>>();
  for (const e of r.events) if (e.detailType === 'JobComplete' && e.jobId) completes.set(e.jobId, (completes.get(e.jobId) ?? new Set()).add(e.id));
  const placedByCall = new Set(r.placed.map((p) => p.callId));
  for (const job of r.jobs) {
    if (!TERMINAL_JOB_STATUSES.includes(job.status)) add('job terminal', `job ${job.jobId} is ${job.status}`);
    const calls = callsByJob.get(job.jobId) ?? [];
    const numbers = calls.map((c) => c.attempt).sort((a, b) => a - b);
    if (calls.length !== job.attempts || numbers.some((a, i) => a !== i + 1)) {
      add('one call record per attempt', `job ${job.jobId}: ${job.attempts} attempts, call records for attempts [${numbers.join(', ')}]`);
    }
    for (const c of calls) {
      if (!c.endedAt || c.status === 'Executing') add('call record final', `call ${c.callId} of job ${job.jobId} is ${c.status}`);
      if (c.placed && !placedByCall.has(c.callId)) add('call record matches the network', `call ${c.callId} recorded as placed, never placed`);
    }
    const n = completes.get(job.jobId)?.size ?? 0;
    if (n !== 1) add('one JobComplete per job', `job ${job.jobId} (${job.status}): ${n} distinct JobComplete events`);
  }
  const recordsByCall = new Set(r.calls.map((c) => c.callId));
  for (const p of r.placed) if (!recordsByCall.has(p.callId)) add('call record per placed call', `call ${p.callId} placed without a record`);

  const [counters, recount] = await Promise.all([readCounters(r.store, r.instanceId, r.campaignId), recountCampaign({ store: r.store }, r.instanceId, r.campaignId)]);
  for (const [name, value] of Object.entries(recount)) {
    const kept = counters[name as keyof typeof counters] ?? 0;
    if (kept !== value) add('counters equal a recount', `${name}: ${kept} kept, ${value} recounted`);
  }
  // The report aggregates count every ended call exactly once (the outbox's aggregate task, with its markers).
  const aggregates = await readAggregates(r.store, r.instanceId, r.campaignId);
  const ended = r.calls.filter((c) => c.endedAt).length;
  const timeline = aggregates.timeline.reduce((n, p) => n + p.calls, 0);
  if ((aggregates.c.calls ?? 0) !== ended || timeline !== ended) {
    add('results count every call once', `${aggregates.c.calls ?? 0} calls in the totals, ${timeline} in the days, ${ended} ended call records`);
  }
  if (r.campaign.state !== 'completed') add('campaign completed', `campaign is ${r.campaign.state}`);
  return out;
}
