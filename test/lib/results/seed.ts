import fc from 'fast-check';
import { createCampaign, newJobItem } from '../../../lib/campaigns/repository';
import { CampaignSettings } from '../../../lib/campaigns/schema';
import type { Deps } from '../../../lib/core/deps';
import { createInstance } from '../../../lib/instances/repository';
import { createScenario, publishScenario } from '../../../lib/scenarios/repository';
import type { DialogTurn } from '../../../lib/dialog/types';
import { keys } from '../../../lib/store/keys';
import { putCallRecord, putTurns } from '../../../lib/telephony/call-records';
import { buildCalls, jobSpecArb, reportingScenario } from './fixtures';

/** A campaign with jobs, call records and transcripts written the way the call-end path writes them. */
export async function seedCampaign(deps: Deps, options: { jobs: number; seed?: number; timeZone?: string; suspended?: string[] }) {
  const now = Date.UTC(2026, 0, 5, 8, 0);
  const instance = await createInstance(deps.store, { name: 'Results', settings: { timeZone: options.timeZone ?? 'UTC' } }, now);
  const instanceId = instance.instanceId;
  const scenario = await createScenario(deps.store, instanceId, reportingScenario(), now);
  const { version } = await publishScenario(deps.store, instanceId, scenario.scenarioId, now);
  const campaign = await createCampaign(
    deps.store,
    instanceId,
    CampaignSettings.parse({ name: '=Spring, "renewal"', scenarioId: scenario.scenarioId, scenarioVersion: version.version }),
    now,
  );
  const campaignId = campaign.campaignId;
  const specs = fc.sample(jobSpecArb, { numRuns: options.jobs, seed: options.seed ?? 42 });
  const jobs = buildCalls(specs, Date.UTC(2026, 0, 5, 9, 0), { instanceId, campaignId });
  for (const [j, job] of jobs.entries()) {
    const phone = `+1206555${String(j).padStart(4, '0')}`;
    const contact = { phone, name: j === 0 ? '=cmd|calc' : `Contact ${j}`, referenceId: `ref-${j}`, variables: job.variables };
    const answered = job.calls.some((c) => c.record.answered);
    const last = job.calls[job.calls.length - 1]!.record;
    const item = newJobItem(instanceId, campaignId, job.jobId, contact, now, now);
    delete item.gsi1pk;
    delete item.gsi1sk;
    await deps.store.put({
      ...item,
      status: answered ? 'Succeeded' : 'Failed',
      ...(answered ? {} : { failureReason: 'NoAnswer' }),
      attempts: job.calls.length,
      finishedAttempt: job.calls.length,
      tries: job.calls.length,
      answered,
      lastCallId: last.callId,
      lastCallStatus: last.status,
    });
    for (const { record, turns } of job.calls) {
      await putCallRecord(deps.store, { ...record, callee: phone, referenceId: contact.referenceId });
      await putTurns(
        deps.store,
        instanceId,
        record.callId,
        turns.map((t) => ({ ...t, at: Date.parse(t.time), outcome: t.outcome as DialogTurn['outcome'] })),
      );
    }
  }
  // Progress counters as the lead's writers keep them (total and completed jobs).
  await deps.store.update(keys.campaignCounters(instanceId, campaignId, 0), { add: { total: jobs.length + 1, completed: jobs.length, dialled: jobs.length } });
  for (const phone of options.suspended ?? []) {
    await deps.store.put({ ...keys.suspended(instanceId, campaignId, phone), type: 'suspended', phone, addedAt: '2026-01-05T08:30:00.000Z' });
  }
  return { instanceId, campaignId, scenarioId: scenario.scenarioId, jobs };
}
