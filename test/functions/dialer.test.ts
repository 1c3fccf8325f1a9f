import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createDialerHandler } from '../../functions/dialer';
import { dispatch } from '../../lib/campaigns/dispatch';
import { startCampaign } from '../../lib/campaigns/lifecycle';
import { createCampaign, getJob } from '../../lib/campaigns/repository';
import { CampaignSettings } from '../../lib/campaigns/schema';
import { beginImport, fromArray, runImport } from '../../lib/contacts/import';
import type { DialRequest } from '../../lib/domain/dialing';
import { createInstance } from '../../lib/instances/repository';
import { listCallsOfJob } from '../../lib/telephony/call-records';
import { testDeps } from '../support/deps';

const sqs = (bodies: string[]): SQSEvent => ({ Records: bodies.map((body, i) => ({ messageId: `m${i}`, body })) }) as unknown as SQSEvent;

interface QueuedOptions {
  /** End of the instance window (from 00:00, or from `windowStart`). */
  windowEnd?: string;
  windowStart?: string;
  /** Windows in the callee's time (zones from the geocoder when `deps.geo` is given, else the zone table). */
  calleeLocalTime?: boolean;
  deps?: Parameters<typeof testDeps>[0];
}

/** One contact planned and its dial request queued, as the dispatcher leaves it. */
async function queued(placeResult?: { ok: false; reason: 'throttled' | 'rejected'; message: string; retryable: boolean }, options: QueuedOptions = {}) {
  const t = testDeps(options.deps);
  t.deps.config.callsPerSecond = 10;
  if (placeResult) t.deps.telephony.placeCall = async () => placeResult;
  const now = t.clock.now();
  const windows = { ranges: [{ start: options.windowStart ?? '00:00', end: options.windowEnd ?? '23:59' }], weekdaysOnly: false, calleeLocalTime: options.calleeLocalTime ?? false };
  const { instanceId } = await createInstance(t.deps.store, { name: 'd', settings: { timeZone: 'UTC', windows, callerNumbers: [{ phoneNumber: '+14155550900', periodSeconds: 60 }] } }, now);
  const { campaignId } = await createCampaign(t.deps.store, instanceId, CampaignSettings.parse({ name: 'c', scenarioId: 's', scenarioVersion: 1 }), now);
  const report = await beginImport(t.deps, instanceId, campaignId, 'api');
  await runImport(t.deps, report, { kind: 'contacts', contacts: fromArray([{ row: 1, contact: { phone: '+14155550101' } }]) }, { instanceId, defaultRegion: 'US', requiredVariables: [] });
  await startCampaign(t.deps, instanceId, campaignId, { principal: 't' });
  await dispatch(t.deps, instanceId, { campaignId, run: 1 });
  const [request] = t.queues.dial.bodies<DialRequest>();
  return { ...t, instanceId, campaignId, request: request!, handler: createDialerHandler(t.deps) };
}

describe('dialer handler', () => {
  it('places the call once even when the message is delivered twice', async () => {
    const { handler, request, calls } = await queued();
    const body = JSON.stringify(request);
    expect(await handler(sqs([body, body]))).toEqual({ batchItemFailures: [] });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ fromPhoneNumber: '+14155550900', toPhoneNumber: '+14155550101', arguments: { jobId: request.jobId, attempt: '1', callId: request.callId } });
  });

  it('hands a throttled call back to the queue and places it on redelivery', async () => {
    const t = await queued({ ok: false, reason: 'throttled', message: 'ThrottlingException', retryable: true });
    expect(await t.handler(sqs([JSON.stringify(t.request)]))).toEqual({ batchItemFailures: [{ itemIdentifier: 'm0' }] });
    expect(await getJob(t.deps.store, t.instanceId, t.campaignId, t.request.jobId)).toMatchObject({ dialState: 'queued', status: 'Executing' });
  });

  it('gives the attempt back instead of dialling when the request arrives after the window closed', async () => {
    // Planned at 09:00 inside a window ending at 09:30, delivered at 09:31 (a delayed or redelivered message).
    const t = await queued(undefined, { windowEnd: '09:30' });
    t.clock.advance(31 * 60_000);
    expect(await t.handler(sqs([JSON.stringify(t.request)]))).toEqual({ batchItemFailures: [] });
    expect(t.calls).toHaveLength(0);
    expect(await getJob(t.deps.store, t.instanceId, t.campaignId, t.request.jobId)).toMatchObject({ status: 'Scheduling', dialState: 'idle', attempts: 0 });
  });

  it('leaves no open call record behind when a throttled attempt is given back (two records for one attempt, chaos soak)', async () => {
    // 09:00, a window ending at 09:30. The placement is throttled (the record is written, the attempt requeued),
    // the redelivery comes after the window closed and gives the attempt back; the next day the planner claims
    // the same attempt number again under a new call id.
    const t = await queued({ ok: false, reason: 'throttled', message: 'ThrottlingException', retryable: true }, { windowEnd: '09:30' });
    const first = t.request;
    expect(await t.handler(sqs([JSON.stringify(first)]))).toEqual({ batchItemFailures: [{ itemIdentifier: 'm0' }] });
    t.clock.advance(31 * 60_000);
    expect(await t.handler(sqs([JSON.stringify(first)]))).toEqual({ batchItemFailures: [] });
    expect(await getJob(t.deps.store, t.instanceId, t.campaignId, first.jobId)).toMatchObject({ status: 'Scheduling', dialState: 'idle', attempts: 0 });
    // The call was never placed and the attempt never left: it has no record.
    expect(await listCallsOfJob(t.deps.store, t.instanceId, first.jobId)).toEqual([]);

    t.deps.telephony.placeCall = async () => ({ ok: true, transactionId: 'tx-next-day' });
    t.clock.advance(24 * 60 * 60_000 - 31 * 60_000);
    await dispatch(t.deps, t.instanceId, { campaignId: t.campaignId, run: 1 });
    const again = t.queues.dial.bodies<DialRequest>().find((r) => r.callId !== first.callId);
    expect(again).toMatchObject({ jobId: first.jobId, attempt: 1 });
    expect(await t.handler(sqs([JSON.stringify(again)]))).toEqual({ batchItemFailures: [] });
    const records = await listCallsOfJob(t.deps.store, t.instanceId, first.jobId);
    expect(records.map((r) => ({ attempt: r.attempt, callId: r.callId, placed: r.placed }))).toEqual([{ attempt: 1, callId: again!.callId, placed: true }]);
  });

  it('checks the windows at dial time in the zones the planner used, not the zone table', async () => {
    // 09:00 UTC, a 09:00–10:00 window in the callee's time. The zone table puts +1 415 in Los Angeles (01:00,
    // closed); the deployment's geocoder puts this number in London (09:00, open), and the planner dials it.
    const geo = { locate: async (phones: readonly string[]) => new Map(phones.map((p) => [p, { country: '1', zones: ['Europe/London'] }])) };
    const t = await queued(undefined, { windowStart: '09:00', windowEnd: '10:00', calleeLocalTime: true, deps: { geo } });
    expect(t.request).toMatchObject({ to: '+14155550101', calleeZones: ['Europe/London'] });
    expect(await t.handler(sqs([JSON.stringify(t.request)]))).toEqual({ batchItemFailures: [] });
    expect(t.calls).toHaveLength(1);
  });

  it('hands a request queued without the planner\'s zones back to the planner instead of dialling it', async () => {
    const t = await queued(undefined, { calleeLocalTime: true });
    const { calleeZones: _zones, ...older } = t.request;
    // 23:59 UTC is 15:59 in Los Angeles (open): still not dialled, since only the planner works out the zones.
    t.clock.set(Date.parse('2026-03-02T23:59:30Z'));
    expect(await t.handler(sqs([JSON.stringify(older)]))).toEqual({ batchItemFailures: [] });
    expect(t.calls).toHaveLength(0);
    expect(await getJob(t.deps.store, t.instanceId, t.campaignId, t.request.jobId)).toMatchObject({ status: 'Scheduling', dialState: 'idle', attempts: 0 });
  });

  it('fails the job when the caller number is not registered', async () => {
    const t = await queued({ ok: false, reason: 'rejected', message: 'caller number not registered', retryable: false });
    await t.handler(sqs([JSON.stringify(t.request)]));
    expect(await getJob(t.deps.store, t.instanceId, t.campaignId, t.request.jobId)).toMatchObject({ status: 'Failed', lastCallStatus: 'CallerNotRegistered' });
  });
});
