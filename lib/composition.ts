import { closeCallRecord, discardUnplacedRecord } from './campaigns/attempts';
import { endAttempt } from './campaigns/call-outcome';
import { findCampaign, getJob, jobFromItem } from './campaigns/repository';
import { effectId } from './outbox/effects';
import { aggregateWrites, applyAggregateWrite, callContribution } from './results/aggregate';
import { gradesAfter, JOB_RESULTS_ATTRIBUTE, loadResultsContext } from './results/context';
import type { ResultsContext } from './results/aggregate';
import type { CallRecord } from './telephony/call-records';
import { keys } from './store/keys';
import { checkCompletion } from './campaigns/transitions';
import type { Deps, Services } from './core/deps';
import { Outbox, OutboxError, pendingEffects } from './outbox/outbox';
import type { Store } from './ports/store';
import { buildEvent, contactsOf, extrasOf, taskOf } from './events';
import { CALL_TASKS, CloseCallArgs, getCallRecordOfJob, listCallsOfJob, listTurns, outcomeOf } from './telephony/call-records';
import * as z from 'zod';

/**
 * The composition root: builds the services every runtime uses — the outbox and the domain tasks its
 * effects name — from a set of adapters. The AWS functions (functions/composition.ts), the local runtime
 * (local/platform.ts) and the tests (test/support/deps.ts) all call `compose`; nothing else wires services.
 */

const JobArgs = z.object({ instanceId: z.string(), campaignId: z.string(), jobId: z.string() });
const CampaignArgs = z.object({ instanceId: z.string(), campaignId: z.string() });
const CallArgs = z.object({ instanceId: z.string(), campaignId: z.string(), jobId: z.string(), callId: z.string() });

/** Options of the composition. */
export interface ComposeOptions {
  /** Age after which pending effects are the sweep's (default: the outbox's). */
  graceMs?: number;
}

/** Builds the services from adapters. */
export function compose(deps: Deps, options: ComposeOptions = {}): Services {
  const outbox = new Outbox(deps, {}, { graceMs: options.graceMs });
  const svc: Services = { ...deps, outbox };

  /** The results context of a job's call (scenario version, time zone, the job's results state), or undefined when the job or campaign is gone. */
  const resultsContext = async (args: z.infer<typeof JobArgs>): Promise<{ ctx: ResultsContext } | undefined> => {
    const [jobItem, campaign] = await Promise.all([svc.store.get(keys.job(args.instanceId, args.campaignId, args.jobId)), findCampaign(svc.store, args.instanceId, args.campaignId)]);
    if (!jobItem || !campaign) return undefined;
    const job = jobFromItem(jobItem);
    return { ctx: await loadResultsContext(svc.store, { instanceId: args.instanceId, campaign, job: { ...jobItem, contact: job.contact } }) };
  };
  /** The grades (R2) a final call gives, for the events. */
  const gradesOf = async (record: CallRecord, turns: Awaited<ReturnType<typeof listTurns>>) => {
    const loaded = await resultsContext(record);
    return loaded ? gradesAfter(record, turns, loaded.ctx) : {};
  };

  // A job reached its terminal status: JobComplete, with every call of the job (seed 002's tasks[]).
  outbox.register('job.complete', async (raw) => {
    const args = JobArgs.parse(raw);
    const job = await getJob(svc.store, args.instanceId, args.campaignId, args.jobId);
    if (!job) return;
    const calls = await listCallsOfJob(svc.store, args.instanceId, args.jobId);
    // The job's grade after its latest call (the aggregate of that call may not have run yet).
    const last = calls.filter((c) => c.endedAt).sort((a, b) => a.attempt - b.attempt).pop();
    const grade = last ? (await gradesOf(last, await listTurns(svc.store, args.instanceId, last.callId))).job : undefined;
    const event = buildEvent(
      'JobComplete',
      {
        instanceId: job.instanceId,
        campaignId: job.campaignId,
        jobId: job.jobId,
        status: job.status,
        ...(job.failureReason ? { failureReason: job.failureReason } : {}),
        extras: extrasOf({ ...job.contact.variables, ...job.captured }),
        contacts: contactsOf(job.contact),
        tasks: calls.map(taskOf),
        attempts: job.attempts,
        answered: job.answered,
        ...(grade ? { intentGrade: grade } : {}),
        tags: job.tags,
      },
      { source: svc.config.eventSource, time: job.completedAt ? Date.parse(job.completedAt) : svc.clock.now() },
    );
    const result = await svc.bus.publish([event]);
    if (result.failed.length) throw new OutboxError(`JobComplete not published: ${result.failed[0]!.reason}`, { jobId: job.jobId });
  });

  // Every job of a campaign may be done: the campaign machine decides.
  outbox.register('campaign.checkCompletion', async (raw) => {
    const args = CampaignArgs.parse(raw);
    await checkCompletion(svc, args.instanceId, args.campaignId);
  });

  // A call record became final: its outcome ends the job's attempt (idempotent in the job machine).
  outbox.register(CALL_TASKS.end, async (raw) => {
    const args = CallArgs.parse(raw);
    const record = await getCallRecordOfJob(svc.store, args.instanceId, args.jobId, args.callId);
    if (!record?.endedAt) return;
    await endAttempt(svc, outcomeOf(record));
  });

  // The job machine ended an attempt outside the SMA handler (`refuse`, `lost`): its record becomes final (the first
  // final write wins), and the record's own effects end the attempt.
  outbox.register(CALL_TASKS.close, async (raw) => {
    const args = CloseCallArgs.parse(raw);
    await closeCallRecord(svc, args.record, args.final, args.endedAt);
  });

  // An attempt was given back: the record of its abandoned call id goes if that call was never placed.
  outbox.register(CALL_TASKS.discard, async (raw) => {
    const args = CallArgs.parse(raw);
    await discardUnplacedRecord(svc, args);
  });

  // ... and CallFinished goes out with the record and its transcript (E1, R7: the analytics datasets come from it).
  outbox.register(CALL_TASKS.finished, async (raw) => {
    const args = CallArgs.parse(raw);
    const record = await getCallRecordOfJob(svc.store, args.instanceId, args.jobId, args.callId);
    if (!record?.endedAt) return;
    const [turns, job] = await Promise.all([listTurns(svc.store, args.instanceId, args.callId), getJob(svc.store, args.instanceId, args.campaignId, args.jobId)]);
    const grade = record.answered ? (await gradesOf(record, turns)).call : undefined;
    const event = buildEvent(
      'CallFinished',
      {
        instanceId: record.instanceId,
        campaignId: record.campaignId,
        jobId: record.jobId,
        callId: record.callId,
        attempt: record.attempt,
        status: record.status,
        extras: extrasOf(job ? { ...job.contact.variables, ...record.captured } : record.captured),
        contacts: contactsOf(job?.contact ?? { phone: record.callee ?? '', ...(record.referenceId ? { referenceId: record.referenceId } : {}) }),
        tasks: [taskOf(record)],
        ...(record.sipCode !== undefined ? { sipCode: record.sipCode } : {}),
        answered: record.answered,
        completed: record.completed,
        ringSeconds: record.ringSeconds,
        talkSeconds: record.talkSeconds,
        ...(record.hangupParty ? { hangupParty: record.hangupParty } : {}),
        ...(record.hangupNode ? { hangupNode: record.hangupNode } : {}),
        ...(grade ? { intentGrade: grade } : {}),
        tags: record.tags,
        call: record,
        turns,
      },
      { source: svc.config.eventSource, time: Date.parse(record.endedAt) },
    );
    const result = await svc.bus.publish([event]);
    if (result.failed.length) throw new OutboxError(`CallFinished not published: ${result.failed[0]!.reason}`, { callId: record.callId });
  });

  // The call's contribution to the report aggregates (R2, R3), applied exactly once per call: each write
  // carries a marker derived from the call, collected once this effect is cleared from the record.
  outbox.register(CALL_TASKS.aggregate, async (raw, context) => {
    const args = CallArgs.parse(raw);
    const record = await getCallRecordOfJob(svc.store, args.instanceId, args.jobId, args.callId);
    if (!record?.endedAt) return;
    // Per-number figures follow a job's calls in order (each contribution starts from the results state the
    // previous call left on the job): while an earlier call's contribution is pending (a crash, then the sweep),
    // this one waits and is retried after it.
    const earlier = await earlierCallAwaitingAggregate(svc.store, args, record.endedAt);
    if (earlier) throw new OutboxError('an earlier call of the job is not in the aggregates yet', { callId: args.callId, earlier });
    const [turns, loaded] = await Promise.all([listTurns(svc.store, args.instanceId, args.callId), resultsContext(args)]);
    if (!loaded) return;
    const { ctx } = loaded;
    const delta = callContribution(record, turns, ctx);
    const writes = aggregateWrites(args.instanceId, args.campaignId, args.callId, delta);
    const at = Date.parse(record.endedAt);
    for (const [i, w] of writes.entries()) {
      const marker = effectId(at, 'agg', args.callId, i);
      // The outbox's marking: the write also removes markers it may release, and its marker is collected once this
      // effect is cleared.
      await applyAggregateWrite(svc.store, w, { marker, marking: context.marking });
    }
    // The job's results state after this call: the next call of the job reads it (per-number figures follow the latest call).
    await svc.store.update(keys.job(args.instanceId, args.campaignId, args.jobId), { set: { [JOB_RESULTS_ATTRIBUTE]: delta.job } }, { exists: 'pk' });
  });

  return svc;
}

/** The id of an earlier-ended call of the same job whose `call.aggregate` effect is still pending, if any. */
async function earlierCallAwaitingAggregate(store: Store, ids: { instanceId: string; jobId: string; callId: string }, endedAt: string): Promise<string | undefined> {
  let cursor: string | undefined;
  do {
    const page = await store.query({ pk: keys.call(ids.instanceId, ids.jobId, '').pk, beginsWith: 'CALL#', consistent: true, cursor });
    for (const item of page.items) {
      if (item.callId === ids.callId || typeof item.endedAt !== 'string' || item.endedAt >= endedAt) continue;
      if (pendingEffects(item).some((e) => e.type === 'task' && e.task === CALL_TASKS.aggregate)) return String(item.callId);
    }
    cursor = page.cursor;
  } while (cursor);
  return undefined;
}
