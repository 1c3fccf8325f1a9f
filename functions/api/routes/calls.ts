import { z } from 'zod';
import { NotFoundError, ValidationError } from '../../../lib/core/errors';
import { toE164 } from '../../../lib/contacts/normalize';
import { getInstanceSettings } from '../../../lib/instances/repository';
import { CallStatus } from '../../../lib/domain/statuses';
import { isoAt } from '../../../lib/ports/clock';
import { CallRecord, getCallRecord, listTurns, MAX_HISTORY_DAYS, searchCalls, StoredTurn } from '../../../lib/telephony/call-records';
import { RECORDING_LINK_SECONDS } from '../../../lib/telephony/recordings';
import type { Deps } from '../../../lib/core/deps';
import { route, type Route } from '../route';

const CallParams = z.object({ callId: z.string().min(1).max(100) });
const bool = z.enum(['true', 'false']).transform((v) => v === 'true');

/** Query of `GET /calls` (R5). */
export const CallSearchQuery = z.object({
  from: z.iso.datetime({ offset: true }).optional().describe('Dialled at or after (ISO 8601); default 7 days before `to`'),
  to: z.iso.datetime({ offset: true }).optional().describe('Dialled at or before (ISO 8601); default now'),
  phone: z.string().min(1).max(40).optional().describe("Callee number in any format the instance's default region parses (E.164, national, with spaces or dots)"),
  referenceId: z.string().max(200).optional(),
  campaignId: z.string().max(100).optional(),
  jobId: z.string().max(100).optional(),
  callId: z.string().max(100).optional(),
  status: CallStatus.optional(),
  answered: bool.optional(),
  completed: bool.optional(),
  noMatchHangup: bool.optional(),
  minRingSeconds: z.coerce.number().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(2000).optional(),
});

const DAY = 86_400_000;

/**
 * A phone filter in any format libphonenumber parses with the instance's default region, as E.164;
 * a 400 naming `phone` otherwise (the same rule for `/calls` and `/jobs`).
 */
export async function phoneFilter(deps: Deps, instanceId: string, raw: string): Promise<string> {
  // An international number needs no region (and no read of the settings).
  const international = raw.trim().startsWith('+') ? toE164(raw, 'US') : undefined;
  if (international) return international;
  const settings = await getInstanceSettings(deps.store, instanceId);
  const e164 = toE164(raw, settings.defaultRegion);
  if (!e164) {
    throw new ValidationError(`phone "${raw}" is not a valid number (default region ${settings.defaultRegion})`, [
      { path: 'query.phone', message: `not a valid phone number in region ${settings.defaultRegion}` },
    ]);
  }
  return e164;
}

/** Call history, call detail records, transcripts and recording links (SPEC R5, T4–T6). */
export const callRoutes: Route[] = [
  route({
    method: 'GET',
    path: '/calls',
    summary: 'Search the call history across campaigns by number, reference id, campaign, job, call id, status and time range (R5)',
    tags: ['calls'],
    query: CallSearchQuery,
    response: z.object({ items: z.array(CallRecord), cursor: z.string().optional() }),
    async handle(req, deps) {
      const q = req.query;
      if (q.callId) {
        const one = await getCallRecord(deps.store, req.instanceId, q.callId);
        return { body: { items: one ? [one] : [] } };
      }
      const phone = q.phone === undefined ? undefined : await phoneFilter(deps, req.instanceId, q.phone);
      const toMs = q.to ? Date.parse(q.to) : deps.clock.now();
      const fromMs = q.from ? Date.parse(q.from) : toMs - 7 * DAY;
      if (fromMs > toMs) throw new ValidationError('from must not be after to', [{ path: 'query.from', message: 'after to' }]);
      if (!q.jobId && toMs - fromMs > MAX_HISTORY_DAYS * DAY) {
        throw new ValidationError(`the time range may span at most ${MAX_HISTORY_DAYS} days`, [{ path: 'query.from', message: 'range too long' }]);
      }
      const page = await searchCalls(deps.store, req.instanceId, {
        from: isoAt(fromMs),
        to: isoAt(toMs),
        phone,
        referenceId: q.referenceId,
        campaignId: q.campaignId,
        jobId: q.jobId,
        status: q.status,
        answered: q.answered,
        completed: q.completed,
        noMatchHangup: q.noMatchHangup,
        minRingSeconds: q.minRingSeconds,
        limit: q.limit,
        cursor: q.cursor,
      });
      return { body: page };
    },
  }),
  route({
    method: 'GET',
    path: '/calls/{callId}',
    summary: 'Read the call detail record of one attempt (T4)',
    tags: ['calls'],
    params: CallParams,
    response: CallRecord,
    async handle(req, deps) {
      const call = await getCallRecord(deps.store, req.instanceId, req.params.callId);
      if (!call) throw new NotFoundError('call', req.params.callId);
      return { body: call };
    },
  }),
  route({
    method: 'GET',
    path: '/calls/{callId}/transcript',
    summary: 'Read the transcript of a call: every turn with time, prompt, answer, intent, score and node (T6)',
    tags: ['calls'],
    params: CallParams,
    response: z.object({ callId: z.string(), turns: z.array(StoredTurn) }),
    async handle(req, deps) {
      const call = await getCallRecord(deps.store, req.instanceId, req.params.callId);
      if (!call) throw new NotFoundError('call', req.params.callId);
      return { body: { callId: call.callId, turns: await listTurns(deps.store, req.instanceId, call.callId) } };
    },
  }),
  route({
    method: 'GET',
    path: '/calls/{callId}/recording',
    summary: 'A short-lived link that plays or downloads the recording of a call (T5)',
    tags: ['calls'],
    params: CallParams,
    response: z.object({ callId: z.string(), url: z.string(), expiresAt: z.string(), contentType: z.string() }),
    async handle(req, deps) {
      const call = await getCallRecord(deps.store, req.instanceId, req.params.callId);
      if (!call) throw new NotFoundError('call', req.params.callId);
      if (!call.recordingKey || !(await deps.blobs.recordings.head(call.recordingKey))) throw new NotFoundError('recording of call', call.callId);
      const url = await deps.blobs.recordings.link(call.recordingKey, RECORDING_LINK_SECONDS);
      return {
        body: { callId: call.callId, url, expiresAt: isoAt(deps.clock.now() + RECORDING_LINK_SECONDS * 1000), contentType: 'audio/wav' },
      };
    },
  }),
];
