import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../lib/adapters/memory/store';
import type { Progress } from '../../../lib/campaigns/repository';
import type { Campaign } from '../../../lib/campaigns/schema';
import type { Store } from '../../../lib/ports/store';
import { aggregateWrites, applyAggregateWrite, callContribution, type AggregateWrite, type JobResultState } from '../../../lib/results/aggregate';
import { readAggregates } from '../../../lib/results/read';
import { reportOf } from '../../../lib/results/report';
import { statisticsOf } from '../../../lib/results/statistics';
import { buildCalls, jobSpecArb, reportingScenario } from './fixtures';
import { comparable, recompute } from './oracle';

/**
 * The outbox stand-in: applies each call's writes exactly once, keyed by call id. A delivery may
 * stop after some writes (a crash) and a later delivery goes on from there; a delivery of a call
 * already applied does nothing.
 */
class TestApplier {
  private readonly progress = new Map<string, number>();
  constructor(private readonly store: Store) {}
  async deliver(callId: string, writes: AggregateWrite[], stopAfter = Infinity): Promise<void> {
    let i = this.progress.get(callId) ?? 0;
    for (let done = 0; i < writes.length && done < stopAfter; i++, done++) {
      await applyAggregateWrite(this.store, writes[i]!);
      this.progress.set(callId, i + 1);
    }
  }
}

const ZONES = ['UTC', 'Asia/Shanghai', 'America/New_York'];
const campaign = { campaignId: 'cmp1', name: 'c', state: 'running', scenarioId: 's', scenarioVersion: 1 } as unknown as Campaign;

function progressStub(total: number, completed: number): Progress {
  return {
    total,
    completed,
    succeeded: 0,
    failed: 0,
    cancelled: 0,
    notAnswered: 0,
    suspended: 0,
    notStarted: 0,
    inProgress: 0,
    callsPlaced: 0,
    callsAnswered: 0,
    answerRate: 0,
    jobAnswerRate: 0,
  };
}

describe('results aggregates', () => {
  it('equal a recomputation from the call records after random outcomes, duplicated deliveries, crashes and retries', async () => {
    const definition = reportingScenario();
    await fc.assert(
      fc.asyncProperty(
        fc.array(jobSpecArb, { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
        fc.array(fc.record({ copies: fc.integer({ min: 1, max: 3 }), crashAfter: fc.option(fc.nat({ max: 6 }), { nil: undefined }) }), { minLength: 40, maxLength: 40 }),
        fc.constantFrom(...ZONES),
        fc.nat({ max: 3 }),
        fc.nat({ max: 2 }),
        async (jobSpecs, order, deliveries, timeZone, rangeStart, rangeLength) => {
          const jobs = buildCalls(jobSpecs);
          const store = new MemoryStore();
          const applier = new TestApplier(store);
          const next = jobs.map(() => 0);
          const previous = new Map<string, JobResultState>();
          let step = 0;
          // Interleave the jobs (each job's calls stay in order, as attempts are sequential).
          while (next.some((n, j) => n < jobs[j]!.calls.length)) {
            const pending = jobs.map((_, j) => j).filter((j) => next[j]! < jobs[j]!.calls.length);
            const j = pending[order[step % order.length]! % pending.length]!;
            const job = jobs[j]!;
            const { record, turns } = job.calls[next[j]!]!;
            next[j]! += 1;
            const ctx = { scenario: definition, timeZone, job: { variables: job.variables, previous: previous.get(job.jobId) } };
            const delta = callContribution(record, turns, ctx);
            // Deterministic: the same inputs give the same delta (the outbox may recompute it on a retry).
            expect(callContribution(record, turns, ctx)).toEqual(delta);
            previous.set(job.jobId, delta.job);
            const writes = aggregateWrites('inst1', 'cmp1', record.callId, delta);
            const d = deliveries[step % deliveries.length]!;
            if (d.crashAfter !== undefined) await applier.deliver(record.callId, writes, d.crashAfter);
            for (let k = 0; k < d.copies; k++) await applier.deliver(record.callId, writes);
            step += 1;
          }

          const total = await readAggregates(store, 'inst1', 'cmp1');
          expect(comparable(total)).toEqual(recompute(jobs, definition, timeZone));

          const days = [...new Set(total.timeline.map((p) => p.at))].sort();
          const from = days[Math.min(rangeStart, days.length - 1)]!;
          const to = days[Math.min(rangeStart + rangeLength, days.length - 1)]!;
          const ranged = await readAggregates(store, 'inst1', 'cmp1', { from, to });
          expect(comparable(ranged)).toEqual(recompute(jobs, definition, timeZone, { from, to }));

          // The views built on them keep their invariants.
          const source = { campaign, definition, progress: progressStub(jobs.length + 2, jobs.length), aggregates: total };
          const stats = statisticsOf(source);
          expect(stats.data.number_status.reduce((n, s) => n + s.count, 0)).toBe(jobs.length + 2);
          expect(stats.data.answer_rate.answered + stats.data.answer_rate.noAnswer).toBe(jobs.length);
          const graded = stats.data.intention.reduce((n, g) => n + g.total, 0);
          expect(graded).toBe(jobs.filter((job) => job.calls.some((x) => x.record.answered)).length);
          const report = reportOf(source);
          const f = report.funnel;
          const calls = jobs.flatMap((job) => job.calls);
          expect(f.dialled).toBe(calls.length);
          expect(f.answered).toBe(calls.filter((x) => x.record.answered).length);
          expect(f.answered).toBe(f.mainFlowCompleted + f.silentHangup + f.mainFlowHangup + f.otherEnd);
          expect(f.effectiveInteraction).toBeLessThanOrEqual(f.answered);
          expect(f.effectiveInteraction).toBeGreaterThanOrEqual(f.mainFlowHangup);
        },
      ),
      { numRuns: 150 },
    );
  });
});
