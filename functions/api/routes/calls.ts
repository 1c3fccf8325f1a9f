import * as z from 'zod';
import { NotFoundError, ValidationError } from '../../../lib/core/errors';
import type { Deps } from '../../../lib/core/deps';
import { toE164 } from '../../../lib/contacts/normalize';
import { getInstanceSettings } from '../../../lib/instances/repository';
import { CallStatus, JobStatus } from '../../../lib/domain/statuses';
import { isoAt } from '../../../lib/ports/clock';
import { CallRecord, getCallRecord, listTurns, StoredTurn } from '../../../lib/telephony/call-records';
import { HistoryItem, MAX_HISTORY_DAYS, searchHistory } from '../../../lib/results/history';
import { RECORDING_LINK_SECONDS } from '../../../lib/telephony/recordings';
import { route, type Route } from '../route';

const CallParams = z.object({ callId: z.string().min(1).max(100) });
const bool = z.enum(['true', 'false']).transform((v) => v === 'true');

/** A comma-separated list of values of an enum, e.g. `status=NoAnswer,Busy`. */
const listOf = <T extends string>(values: z.ZodEnum<Record<T, T>>) =>
  z
    .string()
    .max(500)
    .transform((v, ctx) => {
      const out: T[] = [];
      for (const part of v.split(',').map((p) => p.trim()).filter(Boolean)) {
        const r = values.safeParse(part);
        if (r.success) out.push(r.data as T);
        else ctx.addIssue({ code: 'custom', message: `unknown value ${part}; expected one of ${values.options.join(', ')}` });
      }
      return out;
    });

/** Query of `GET /calls` (R5): every filter of the call history. */
export const CallSearchQuery = z.object({
  from: z.iso.datetime({ offset: true }).optional().describe('Dialled at or after (ISO 8601); default 7 days before `to`'),
  to: z.iso.datetime({ offset: true }).optional().describe('Dialled at or before (ISO 8601); default now'),
  phone: z.string().min(1).max(40).optional().describe("Called number in any format the instance's default region parses (E.164, national, with spaces or dots)"),
  referenceId: z.string().max(200).optional().describe("The contact's external reference id (user id)"),
  campaignId: z.string().max(100).optional(),
  campaignName: z.string().min(1).max(200).optional().describe('Part of the campaign name, case-insensitive'),
  jobId: z.string().max(100).optional(),
  callId: z.string().max(100).optional(),
  jobStatus: listOf(JobStatus).optional().describe('Current status of the job, comma-separated'),
  status: listOf(CallStatus).optional().describe('Call status, comma-separated'),
  answered: bool.optional().describe('A person answered'),
  completed: bool.optional().describe('The dialog reached a completion node'),
  noMatchHangup: bool.optional().describe('The call ended after a no-match'),
  minRingSeconds: z.coerce.number().min(0).optional(),
  maxRingSeconds: z.coerce.number().min(0).optional(),
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
    summary: 'Search the call history across campaigns (R5): number, reference id, campaign (id or name), job, call id; job status, call status, no-match hang-up, answered; time range, ring time, completed',
    tags: ['calls'],
    query: CallSearchQuery,
    response: z.object({ items: z.array(HistoryItem), cursor: z.string().optional(), examined: z.number() }),
    async handle(req, deps) {
      const q = req.query;
      const toMs = q.to ? Date.parse(q.to) : deps.clock.now();
      const fromMs = q.from ? Date.parse(q.from) : toMs - 7 * DAY;
      if (fromMs > toMs) throw new ValidationError('from must not be after to', [{ path: 'query.from', message: 'after to' }]);
      const targeted = q.callId || q.jobId || q.phone || q.referenceId;
      if (!targeted && toMs - fromMs > MAX_HISTORY_DAYS * DAY) {
        throw new ValidationError(`the time range may span at most ${MAX_HISTORY_DAYS} days`, [{ path: 'query.from', message: 'range too long' }]);
      }
      const phone = q.phone === undefined ? undefined : await phoneFilter(deps, req.instanceId, q.phone);
      const page = await searchHistory(deps.store, req.instanceId, {
        // A lookup by call, job, number or reference id covers all time unless a range is given.
        from: isoAt(targeted && !q.from ? 0 : fromMs),
        to: isoAt(toMs),
        phone,
        referenceId: q.referenceId,
        campaignId: q.campaignId,
        campaignName: q.campaignName,
        jobId: q.jobId,
        callId: q.callId,
        jobStatus: q.jobStatus,
        status: q.status,
        answered: q.answered,
        completed: q.completed,
        noMatchHangup: q.noMatchHangup,
        minRingSeconds: q.minRingSeconds,
        maxRingSeconds: q.maxRingSeconds,
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
