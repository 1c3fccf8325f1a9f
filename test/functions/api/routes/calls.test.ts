import { describe, expect, it } from 'vitest';
import { callRoutes, CallSearchQuery } from '../../../../functions/api/routes/calls';
import type { Route } from '../../../../functions/api/route';
import { createCampaign, newJobItem } from '../../../../lib/campaigns/repository';
import { CampaignSettings } from '../../../../lib/campaigns/schema';
import { putCallRecord, putTurns, type CallRecord } from '../../../../lib/telephony/call-records';
import { testDeps } from '../../../support/deps';

const find = (method: string, path: string): Route => callRoutes.find((r) => r.method === method && r.path === path)!;

const request = (over: { params?: unknown; query?: unknown }) => ({
  params: over.params ?? {},
  query: over.query ?? {},
  body: undefined,
  headers: {},
  instanceId: 'inst1',
  principal: 'test',
  admin: false,
  requestId: 'r1',
});

const record = (over: Partial<CallRecord>): CallRecord => ({
  callId: 'c1',
  instanceId: 'inst1',
  campaignId: 'cmp1',
  jobId: 'j1',
  attempt: 1,
  caller: '+12065559999',
  callee: '+12065500001',
  referenceId: 'ref-1',
  dialledAt: '2026-01-05T08:00:00.000Z',
  endedAt: '2026-01-05T08:01:00.000Z',
  ringSeconds: 5,
  talkSeconds: 50,
  turns: 2,
  answered: true,
  completed: true,
  transferred: false,
  status: 'Succeeded',
  tags: {},
  noMatchHangup: false,
  systemFailure: false,
  placed: true,
  interacted: false,
  captured: {},
  ...over,
});

async function seeded() {
  const t = testDeps();
  const now = Date.UTC(2026, 0, 4);
  // Every call belongs to a job: lookups by number and reference id go through the jobs' indexes.
  await t.deps.store.put({ ...newJobItem('inst1', 'cmp1', 'j1', { phone: '+12065500001', name: 'Ann', referenceId: 'ref-1', variables: {} }, now, now), status: 'Succeeded' });
  await t.deps.store.put({ ...newJobItem('inst1', 'cmp1', 'j2', { phone: '+12065530001', name: 'Bo', variables: {} }, now, now), status: 'Failed' });
  await t.deps.store.put(newJobItem('inst1', 'cmp2', 'j1', { phone: '+12065500001', referenceId: 'ref-9', variables: {} }, now, now));
  await createCampaign(t.deps.store, 'inst1', CampaignSettings.parse({ name: 'Spring renewal', scenarioId: 's1', scenarioVersion: 1 }), now, { campaignId: 'cmp1' });
  await putCallRecord(t.deps.store, record({}));
  await putCallRecord(t.deps.store, record({ callId: 'c2', jobId: 'j2', callee: '+12065530001', status: 'Busy', answered: false, sipCode: 486, dialledAt: '2026-01-04T10:00:00.000Z' }));
  await putCallRecord(t.deps.store, record({ callId: 'c3', jobId: 'j1', attempt: 2, campaignId: 'cmp2', referenceId: 'ref-9', dialledAt: '2026-01-05T08:30:00.000Z', recordingKey: 'inst1/2026-01-05/c3/x.wav' }));
  await putCallRecord(t.deps.store, { ...record({ callId: 'other' }), instanceId: 'inst2' });
  await putTurns(t.deps.store, 'inst1', 'c1', [
    { index: 0, at: Date.UTC(2026, 0, 5, 8, 0, 5), nodeId: 'greet', prompt: 'Hello', outcome: 'prompt' },
    { index: 1, at: Date.UTC(2026, 0, 5, 8, 0, 9), nodeId: 'greet', userText: 'yes', intent: 'affirm', score: 0.93, outcome: 'matched' },
  ]);
  return t;
}

async function search(t: Awaited<ReturnType<typeof seeded>>, query: Record<string, string>) {
  const r = await find('GET', '/calls').handle(request({ query: CallSearchQuery.parse(query) }), t.deps);
  return (r.body as { items: CallRecord[] }).items.map((c) => c.callId);
}

describe('callRoutes', () => {
  it('lists the history newest first within the default 7 days', async () => {
    const t = await seeded();
    expect(await search(t, {})).toEqual(['c3', 'c1', 'c2']);
  });

  it('filters by phone, reference id, campaign, job, call id and status', async () => {
    const t = await seeded();
    expect(await search(t, { phone: '+12065530001' })).toEqual(['c2']);
    expect(await search(t, { referenceId: 'ref-9' })).toEqual(['c3']);
    expect(await search(t, { campaignId: 'cmp1' })).toEqual(['c1', 'c2']);
    expect(await search(t, { jobId: 'j1' })).toEqual(['c3', 'c1']);
    expect(await search(t, { callId: 'c2' })).toEqual(['c2']);
    expect(await search(t, { status: 'Busy' })).toEqual(['c2']);
    expect(await search(t, { answered: 'false' })).toEqual(['c2']);
  });

  it('filters by job status, several call statuses, ring time and campaign name, and shows the job status and name', async () => {
    const t = await seeded();
    expect(await search(t, { jobStatus: 'Failed' })).toEqual(['c2']);
    expect(await search(t, { jobStatus: 'Succeeded,Failed' })).toEqual(['c1', 'c2']);
    expect(await search(t, { status: 'Busy,Succeeded', campaignId: 'cmp1' })).toEqual(['c1', 'c2']);
    expect(await search(t, { maxRingSeconds: '4' })).toEqual([]);
    expect(await search(t, { minRingSeconds: '5', maxRingSeconds: '5', completed: 'true', noMatchHangup: 'false' })).toEqual(['c3', 'c1', 'c2']);
    expect(await search(t, { campaignName: 'spring' })).toEqual(['c1', 'c2']);
    const r = await find('GET', '/calls').handle(request({ query: CallSearchQuery.parse({ callId: 'c1' }) }), t.deps);
    expect((r.body as { items: unknown[] }).items[0]).toMatchObject({ callId: 'c1', jobStatus: 'Succeeded', contactName: 'Ann' });
  });

  it('rejects an unknown status with the field and the allowed values', () => {
    const r = CallSearchQuery.safeParse({ status: 'Busy,Sleeping' });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]).toMatchObject({ path: ['status'] });
    expect(r.error!.issues[0]!.message).toContain('Sleeping');
  });

  it('pages through the history without skipping or repeating a call', async () => {
    const t = await seeded();
    for (let i = 0; i < 7; i++) {
      await putCallRecord(t.deps.store, record({ callId: `p${i}`, jobId: 'j2', dialledAt: `2026-01-05T07:0${i}:00.000Z` }));
    }
    const all = await search(t, {});
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const r = await find('GET', '/calls').handle(request({ query: CallSearchQuery.parse({ limit: '3', ...(cursor ? { cursor } : {}) }) }), t.deps);
      const body = r.body as { items: CallRecord[]; cursor?: string };
      expect(body.items.length).toBeLessThanOrEqual(3);
      paged.push(...body.items.map((c) => c.callId));
      cursor = body.cursor;
    } while (cursor);
    expect(paged).toEqual(all);
    expect(all).toHaveLength(10);
  });

  it('filters by time range', async () => {
    const t = await seeded();
    expect(await search(t, { from: '2026-01-05T00:00:00Z', to: '2026-01-05T08:10:00Z' })).toEqual(['c1']);
  });

  it('rejects ranges longer than the limit', async () => {
    const t = await seeded();
    await expect(search(t, { from: '2025-01-01T00:00:00Z', to: '2026-01-05T00:00:00Z' })).rejects.toMatchObject({ code: 'ValidationError' });
  });

  it('reads one call detail record, 404 for another instance’s', async () => {
    const t = await seeded();
    const r = await find('GET', '/calls/{callId}').handle(request({ params: { callId: 'c1' } }), t.deps);
    expect(r.body).toMatchObject({ callId: 'c1', status: 'Succeeded', talkSeconds: 50 });
    await expect(find('GET', '/calls/{callId}').handle(request({ params: { callId: 'other' } }), t.deps)).rejects.toMatchObject({ status: 404 });
  });

  it('reads the transcript in turn order', async () => {
    const t = await seeded();
    const r = await find('GET', '/calls/{callId}/transcript').handle(request({ params: { callId: 'c1' } }), t.deps);
    expect(r.body).toMatchObject({
      callId: 'c1',
      turns: [
        { index: 0, prompt: 'Hello', time: '2026-01-05T08:00:05.000Z' },
        { index: 1, userText: 'yes', intent: 'affirm', score: 0.93 },
      ],
    });
  });

  it('gives a short-lived recording link, 404 when there is no recording', async () => {
    const t = await seeded();
    await t.deps.blobs.recordings.put('inst1/2026-01-05/c3/x.wav', new Uint8Array([1]));
    const r = await find('GET', '/calls/{callId}/recording').handle(request({ params: { callId: 'c3' } }), t.deps);
    expect(r.body).toMatchObject({ url: 'memory://inst1/2026-01-05/c3/x.wav?expires=300', expiresAt: '2026-01-05T09:05:00.000Z' });
    await expect(find('GET', '/calls/{callId}/recording').handle(request({ params: { callId: 'c1' } }), t.deps)).rejects.toMatchObject({ status: 404 });
  });
});
