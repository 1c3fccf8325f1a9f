import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUERY_PARAMETERS, SAVED_QUERIES, type QueryParameter } from '../../lib/analytics/queries';
import { syntheticEvents } from '../../lib/analytics/synthetic';
import type { BusEvent } from '../../lib/ports/bus';
import { ManualClock } from '../../lib/ports/clock';
import type { CallRecord, StoredTurn } from '../../lib/telephony/call-records';
import { attachLocalAnalytics } from '../../local/analytics';
import { FileBlobs } from '../../local/blobs';
import { LocalBus } from '../../local/bus';
import { openAnalyticsDb, type AnalyticsDb, type Cell } from '../../local/query';

/**
 * Every saved query, run by DuckDB over Parquet files the local writer made from synthetic events (with duplicated
 * deliveries and a second instance and campaign that must not leak in), against the same answer computed directly
 * from the events in JS.
 */

interface Job {
  status: string;
  failureReason?: string;
  intentGrade?: string;
}

const INSTANCE = 'in_main';
const CAMPAIGN = 'cmp_a';
const FROM = '2026-01-05';
const TO = '2026-01-06';

/** The facts of the campaign under test, deduplicated by id, within the day range (call day for calls/turns, completion day for jobs). */
function facts(events: BusEvent[]) {
  const calls = new Map<string, CallRecord>();
  const turns = new Map<string, StoredTurn[]>();
  const jobs = new Map<string, Job>();
  const inRange = (day: string) => day >= FROM && day <= TO;
  for (const e of events) {
    const d = e.detail as Record<string, unknown>;
    if (d.instanceId !== INSTANCE || d.campaignId !== CAMPAIGN) continue;
    if (e.detailType === 'CallFinished') {
      const call = d.call as CallRecord;
      if (!inRange(call.dialledAt.slice(0, 10))) continue;
      calls.set(call.callId, call);
      turns.set(call.callId, d.turns as StoredTurn[]);
    }
    if (e.detailType === 'JobComplete' && inRange(e.time.slice(0, 10))) jobs.set(d.jobId as string, d as unknown as Job);
  }
  return { calls: [...calls.values()], turns, jobs: [...jobs.values()] };
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
const byKey = <T>(items: T[], key: (t: T) => string) => {
  const m = new Map<string, T[]>();
  for (const i of items) m.set(key(i), [...(m.get(key(i)) ?? []), i]);
  return m;
};
/** SQL's ORDER BY: ascending, NULLs last. */
const asc = (a: string | number | null | undefined, b: string | number | null | undefined) =>
  a === b ? 0 : a === null || a === undefined ? 1 : b === null || b === undefined ? -1 : a < b ? -1 : 1;
const userTurns = (t: StoredTurn[]) => t.filter((x) => (x.userText ?? '').trim() !== '' || x.intent !== undefined).length;

function expected(name: string, f: ReturnType<typeof facts>): Record<string, Cell>[] {
  const { calls, jobs } = f;
  switch (name) {
    case 'answer-rate-by-day':
      return [...byKey(calls, (c) => c.dialledAt.slice(0, 10))]
        .sort(([a], [b]) => asc(a, b))
        .map(([day, cs]) => {
          const answered = cs.filter((c) => c.answered).length;
          return { day, calls: cs.length, answered, answer_rate_pct: round((100 * answered) / cs.length, 2) };
        });
    case 'intention-grades': {
      const graded = jobs.filter((j) => j.intentGrade);
      return ['A', 'B', 'C', 'D', 'E'].map((grade, i) => {
        const total = graded.filter((j) => j.intentGrade === grade).length;
        return { intention_results: i + 1, grade, total, percent: graded.length ? round((100 * total) / graded.length, 2) : 0 };
      });
    }
    case 'funnel': {
      const n = (p: (c: CallRecord) => boolean) => calls.filter(p).length;
      const ut = (c: CallRecord) => userTurns(f.turns.get(c.callId) ?? []);
      // The report's precedence (lib/results/classify.ts) for answered calls that did not complete.
      const ended = (c: CallRecord) => c.answered && !c.completed;
      const stage = (c: CallRecord) =>
        !ended(c) || ut(c) === 0 ? undefined
          : c.noMatchHangup ? 'noMatch'
            : c.hangupReason === 'silence' ? 'timeout'
              : c.hangupParty === 'person' ? 'user'
                : 'other';
      return [
        {
          dialled: calls.length,
          answered: n((c) => c.answered),
          not_answered: n((c) => !c.answered),
          silent_hangup: n((c) => ended(c) && ut(c) === 0),
          effective_interaction: n((c) => c.answered && ut(c) > 0),
          main_flow_completed: n((c) => c.answered && c.completed),
          main_flow_hangup: n((c) => stage(c) === 'user' || stage(c) === 'noMatch' || stage(c) === 'timeout'),
          user_hangup: n((c) => stage(c) === 'user'),
          no_match_hangup: n((c) => stage(c) === 'noMatch'),
          timeout_hangup: n((c) => stage(c) === 'timeout'),
          other_end: n((c) => stage(c) === 'other'),
        },
      ];
    }
    case 'top-hangup-nodes':
      return [...byKey(calls.filter((c) => c.hangupParty === 'person' && c.hangupNode), (c) => c.hangupNode!)]
        .map(([hangup_node, cs]) => ({ hangup_node, calls: cs.length }))
        .sort((a, b) => b.calls - a.calls || asc(a.hangup_node, b.hangup_node))
        .slice(0, 30);
    case 'attempts-per-callee':
      return [...byKey([...byKey(calls.filter((c) => c.callee), (c) => c.callee!).values()], (cs) => String(cs.length))]
        .map(([attempts, callees]) => ({ attempts: Number(attempts), callees: callees.length }))
        .sort((a, b) => a.attempts - b.attempts);
    case 'calls-by-status-and-sip-code':
      return [...byKey(calls, (c) => `${c.status}|${c.sipCode ?? ''}`)]
        .map(([, cs]) => ({ status: cs[0]!.status, sip_code: cs[0]!.sipCode ?? null, calls: cs.length }))
        .sort((a, b) => b.calls - a.calls || asc(a.status, b.status) || asc(a.sip_code, b.sip_code));
    case 'top-intents': {
      const turns = [...f.turns.values()].flat().filter((t) => t.intent !== undefined);
      return [...byKey(turns, (t) => t.intent!)]
        .map(([intent, ts]) => ({ intent, turns: ts.length, avg_score: round(ts.reduce((s, t) => s + (t.score ?? 0), 0) / ts.length, 3) }))
        .sort((a, b) => b.turns - a.turns || asc(a.intent, b.intent))
        .slice(0, 30);
    }
    case 'dialog-rounds': {
      const bucket = (n: number) => (n <= 1 ? '1' : n <= 5 ? '2~5' : n <= 10 ? '6~10' : n <= 20 ? '11~20' : '>20');
      const answered = calls.filter((c) => c.answered);
      return ['1', '2~5', '6~10', '11~20', '>20'].map((rounds) => ({ rounds, calls: answered.filter((c) => bucket(c.turns) === rounds).length }));
    }
    case 'job-outcomes':
      return [...byKey(jobs, (j) => `${j.status}|${j.failureReason ?? ''}`)]
        .map(([, js]) => ({ status: js[0]!.status, failure_reason: js[0]!.failureReason ?? null, jobs: js.length }))
        .sort((a, b) => b.jobs - a.jobs || asc(a.status, b.status) || asc(a.failure_reason, b.failure_reason));
  }
  throw new Error(`no direct computation for ${name}`);
}

describe('saved queries on DuckDB over the locally written Parquet files', () => {
  let root: string;
  let db: AnalyticsDb;
  let events: BusEvent[];
  const params: Record<QueryParameter, string> = { instance_id: INSTANCE, campaign_id: CAMPAIGN, from_day: FROM, to_day: TO };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'analytics-q-'));
    const clock = new ManualClock();
    const bus = new LocalBus({ name: 'q', clock });
    const analytics = attachLocalAnalytics(bus, new FileBlobs({ root, baseUrl: 'http://127.0.0.1/', secret: 's' }), clock, { maxRows: 400 });
    events = [
      // The campaign under test over four days (the range keeps two), another campaign, another instance; 10 % of events delivered twice.
      ...syntheticEvents({ jobs: 600, seed: 11, instanceId: INSTANCE, campaignIds: [CAMPAIGN, 'cmp_b'], start: Date.UTC(2026, 0, 4, 20), days: 3, duplicateRate: 0.1 }),
      ...syntheticEvents({ jobs: 150, seed: 12, instanceId: 'in_other', campaignIds: [CAMPAIGN], start: Date.UTC(2026, 0, 5, 9), days: 1, duplicateRate: 0.1 }),
    ];
    for (let i = 0; i < events.length; i += 200) await bus.publish(events.slice(i, i + 200));
    await bus.idle();
    await analytics.close();
    db = await openAnalyticsDb(root);
  });
  afterAll(() => {
    db?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('has duplicates in the files, which the queries must remove', async () => {
    const [{ rows, ids }] = (await db.query(`SELECT count(*) AS rows, count(DISTINCT call_id) AS ids FROM calls WHERE instance_id = ?`, [INSTANCE])) as [{ rows: number; ids: number }];
    expect(rows).toBeGreaterThan(ids);
  });

  for (const q of SAVED_QUERIES) {
    it(`${q.name} equals a direct computation from the events`, async () => {
      const got = await db.saved(q.name, params);
      const want = expected(q.name, facts(events));
      expect(want.length).toBeGreaterThan(0);
      if (q.name === 'top-intents') {
        // Averages may differ in the last bit with the summation order; compare them to the rounding step.
        expect(got.map((r) => ({ ...r, avg_score: null }))).toEqual(want.map((r) => ({ ...r, avg_score: null })));
        got.forEach((r, i) => expect(Math.abs((r.avg_score as number) - (want[i]!.avg_score as number))).toBeLessThanOrEqual(0.001));
      } else {
        expect(got).toEqual(want);
      }
    });
  }

  it('every saved query reads only through the de-duplicating CTEs, with the four parameters per dataset', () => {
    for (const q of SAVED_QUERIES) {
      expect(q.sql.split('?').length - 1).toBe(q.parameters.length);
      expect(q.parameters).toEqual(q.datasets.flatMap(() => QUERY_PARAMETERS));
      expect(q.sql).toMatch(/row_number\(\) OVER \(PARTITION BY/);
      // Only the CTEs name a dataset table.
      const body = q.sql.slice(q.sql.lastIndexOf('ranked'));
      for (const dataset of ['calls', 'turns', 'jobs', 'events']) expect(body).not.toMatch(new RegExp(`FROM ${dataset}\\b`));
    }
  });
});
