import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAVED_QUERIES, type QueryParameter } from '../../lib/analytics/queries';
import { listJobs } from '../../lib/campaigns/repository';
import type { Job } from '../../lib/campaigns/schema';
import { listCallsOfJob, listTurns, type CallRecord } from '../../lib/telephony/call-records';
import type { LocalAnalytics } from '../../local/analytics';
import { demoContacts } from '../../local/demo';
import { startLocalPlatform, type Platform } from '../../local/platform';
import { openAnalyticsDb, type AnalyticsDb, type Cell } from '../../local/query';

/**
 * SPEC R7 "Done when": after a demo campaign on the local runtime, every saved query runs locally and its answer
 * matches the statistics endpoint for the same campaign.
 *
 * The campaign is the demo's (template, scripted people of local/people.json, fast clock), smaller. The datasets
 * are written by the local analytics writer attached to the platform's bus and data blob store, exactly as
 * local/platform.ts wires it for `npm start`.
 *
 * What this checks today: every saved query runs on the demo's files; the `events` dataset holds every published
 * event once; the `jobs` dataset and `job-outcomes` equal the jobs in the store; no CallFinished is lost silently.
 * `calls`/`turns` equal the store's call records and transcripts (CallFinished carries both).
 * The saved queries also agree with GET /campaigns/{id}/statistics and /report.
 */

let platform: Platform;
let analytics: LocalAnalytics;
let db: AnalyticsDb;
let campaignId: string;
const published: { id: string; detailType: string }[] = [];
let params: Record<QueryParameter, string>;

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${platform.url}${path}`, {
    method,
    headers: { 'x-api-key': platform.apiKey, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function storeJobs(): Promise<Job[]> {
  const jobs: Job[] = [];
  let cursor: string | undefined;
  do {
    const page = await listJobs(platform.deps.store, platform.instanceId, campaignId, { limit: 200, cursor });
    jobs.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return jobs;
}

beforeAll(async () => {
  platform = await startLocalPlatform({ memory: true, port: 0, speed: 60, start: Date.UTC(2026, 0, 5, 9), callsPerSecond: 5 });
  // The platform's own writer (on by default, as `npm start` runs it).
  analytics = platform.analytics!;
  platform.bus.addRule({
    name: 'test-capture',
    pattern: { source: [{ prefix: '' }] },
    targets: [{ kind: 'function', handler: async (e) => void published.push({ id: e.detail.eventId as string, detailType: e['detail-type'] }) }],
  });
  await api('PATCH', '/instance', {
    settings: { maxConcurrency: 10, windows: { ranges: [{ start: '00:00', end: '23:59' }], weekdaysOnly: false, calleeLocalTime: false }, callerNumbers: [{ phoneNumber: '+12065559999' }], dailyCapPerCallee: 5 },
  });
  const scenario = await api('POST', '/templates/payment-reminder/instantiate', { language: 'en', name: 'Analytics demo' });
  const version = (await api('POST', `/scenarios/${scenario.body.scenarioId}/publish`, {})).body.version.version as number;
  const campaign = await api('POST', '/campaigns', { name: 'Analytics demo', scenarioId: scenario.body.scenarioId, scenarioVersion: version, retry: { retries: 0 }, callerNumbers: ['+12065559999'] });
  campaignId = campaign.body.campaignId;
  expect((await api('POST', `/campaigns/${campaignId}/contacts`, { contacts: demoContacts(20) })).status).toBeLessThan(300);
  await api('POST', `/campaigns/${campaignId}/start`, {});
  // Wait on the platform's clock (not the wall clock) for the campaign to complete: at most two simulated days.
  for (let i = 0; i < 17_280; i++) {
    if ((await api('GET', `/campaigns/${campaignId}`)).body.state === 'completed') break;
    await platform.clock.sleep(10_000);
  }
  await platform.idle();
  await analytics.close();
  db = await openAnalyticsDb(join(platform.dataDir, 'blobs', 'data'));
  params = { instance_id: platform.instanceId, campaign_id: campaignId, from_day: '2000-01-01', to_day: '2999-12-31' };
}, 900_000);

afterAll(async () => {
  db?.close();
  await platform?.close();
});

describe('analytics after a demo campaign on the local runtime', () => {
  it('completes the campaign (the premise)', async () => {
    expect((await api('GET', `/campaigns/${campaignId}`)).body.state).toBe('completed');
  });

  it('runs every saved query on the demo\u2019s Parquet files', async () => {
    for (const q of SAVED_QUERIES) await expect(db.saved(q.name, params), q.name).resolves.toBeInstanceOf(Array);
  });

  it('holds every published event once in the events dataset', async () => {
    const ids = new Set(published.map((p) => p.id));
    const rows = await db.query('SELECT DISTINCT event_id, detail_type FROM events WHERE instance_id = ?', [platform.instanceId]);
    expect(new Set(rows.map((r) => r.event_id))).toEqual(ids);
  });

  it('has one jobs row per finished job, and job-outcomes equals the store\u2019s job statuses', async () => {
    const jobs = await storeJobs();
    expect(jobs.length).toBe(20);
    const rows = await db.query('SELECT DISTINCT job_id, status, failure_reason, attempts, phone FROM jobs WHERE instance_id = ? AND campaign_id = ? ORDER BY job_id', [platform.instanceId, campaignId]);
    expect(rows).toEqual(
      jobs
        .map((j) => ({ job_id: j.jobId, status: j.status, failure_reason: j.failureReason ?? null, attempts: j.attempts, phone: j.contact.phone }))
        .sort((a, b) => (a.job_id < b.job_id ? -1 : 1)),
    );
    const counts = new Map<string, number>();
    for (const j of jobs) counts.set(`${j.status}|${j.failureReason ?? ''}`, (counts.get(`${j.status}|${j.failureReason ?? ''}`) ?? 0) + 1);
    const outcomes = await db.saved('job-outcomes', params);
    expect(new Map(outcomes.map((o) => [`${o.status}|${o.failure_reason ?? ''}`, o.jobs]))).toEqual(counts);
  });

  it('loses no CallFinished silently: each becomes a calls row or a record under analytics/errors/calls/', async () => {
    // Events are delivered at least once; consumers (and this count) go by event id.
    const finished = new Set(published.filter((p) => p.detailType === 'CallFinished').map((p) => p.id)).size;
    expect(finished).toBeGreaterThan(0);
    const [{ n }] = (await db.query('SELECT count(DISTINCT call_id) AS n FROM calls')) as [{ n: number }];
    const errors = await platform.deps.blobs.data.list('analytics/errors/calls/');
    expect(n + errors.length).toBe(finished);
  });

  it('has the store\u2019s call records in calls and their transcripts in turns', async () => {
    const calls: CallRecord[] = [];
    for (const j of await storeJobs()) calls.push(...(await listCallsOfJob(platform.deps.store, platform.instanceId, j.jobId)));
    const rows = await db.query('SELECT DISTINCT call_id, status, answered, sip_code, turns FROM calls WHERE instance_id = ? AND campaign_id = ? ORDER BY call_id', [platform.instanceId, campaignId]);
    expect(rows).toEqual(
      calls.map((c) => ({ call_id: c.callId, status: c.status, answered: c.answered, sip_code: c.sipCode ?? null, turns: c.turns })).sort((a, b) => (a.call_id < b.call_id ? -1 : 1)),
    );
    let turns = 0;
    for (const c of calls) turns += (await listTurns(platform.deps.store, platform.instanceId, c.callId)).length;
    const [{ n }] = (await db.query('SELECT count(*) AS n FROM (SELECT DISTINCT call_id, turn_index FROM turns WHERE campaign_id = ?) t', [campaignId])) as [{ n: number }];
    expect(n).toBe(turns);
  });

  // The saved queries and the API read the same calls: the funnel counts calls (retries included), as the
  // report's funnel does; the statistics' answer_rate counts numbers (seed 001), so it is not compared here.
  it('answers like GET /campaigns/{id}/statistics and /report for the same campaign', async () => {
    const stats = await api('GET', `/campaigns/${campaignId}/statistics`);
    expect(stats.status).toBe(200);
    const report = await api('GET', `/campaigns/${campaignId}/report`);
    expect(report.status).toBe(200);
    const data = stats.body.data as {
      intention: { intention_results: number; total: number; percent: number }[];
      rounds: Record<string, number>;
    };
    const [funnel] = await db.saved('funnel', params);
    const f = report.body.funnel;
    expect(f).toEqual({
      dialled: funnel!.dialled,
      answered: funnel!.answered,
      notAnswered: funnel!.not_answered,
      silentHangup: funnel!.silent_hangup,
      effectiveInteraction: funnel!.effective_interaction,
      mainFlowCompleted: funnel!.main_flow_completed,
      mainFlowHangup: funnel!.main_flow_hangup,
      userHangup: funnel!.user_hangup,
      noMatchHangup: funnel!.no_match_hangup,
      timeoutHangup: funnel!.timeout_hangup,
      otherEnd: funnel!.other_end,
    });
    const grades = await db.saved('intention-grades', params);
    expect(data.intention.map((g) => [g.intention_results, g.total, g.percent])).toEqual(grades.map((g) => [g.intention_results, g.total, g.percent] as Cell[]));
    const rounds = await db.saved('dialog-rounds', params);
    expect(data.rounds).toEqual(Object.fromEntries(rounds.map((r) => [r.rounds, r.calls])));
  });
});
