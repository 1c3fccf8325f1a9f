import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InstanceSettings } from '../../../lib/instances/schema';
import { planDials, type CampaignSnapshot, type PlanInput } from '../../../lib/planner/plan';
import { allOpen, type WindowConstraint } from '../../../lib/windows/schedule';
import { calleeTimeZones } from '../../../lib/windows/timezone';

const PHONES = [
  '+14155550101', '+14155550102', '+12125550103', '+12125550104', '+13125550105', '+12085550106',
  '+8613800138000', '+8613900139000', '+442071234567', '+61212345678', '+14155550107', '+12125550108',
];
const CALLERS = ['+14155550900', '+12125550900', '+8613700137000'];
const ZONES = ['UTC', 'America/New_York', 'Asia/Shanghai', 'Europe/London', 'America/Los_Angeles'];
const T0 = Date.UTC(2026, 0, 5, 0, 0);

const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
const range = fc
  .tuple(fc.integer({ min: 0, max: 23 * 60 }), fc.integer({ min: 15, max: 12 * 60 }))
  .map(([s, len]) => ({ start: hhmm(s), end: hhmm(Math.min(s + len, 23 * 60 + 59)) }));

const settings = fc
  .record({
    maxConcurrency: fc.integer({ min: 1, max: 12 }),
    dailyCapPerCallee: fc.integer({ min: 1, max: 5 }),
    timeZone: fc.constantFrom(...ZONES),
    ranges: fc.array(range, { minLength: 1, maxLength: 3 }),
    weekdaysOnly: fc.boolean(),
    calleeLocalTime: fc.boolean(),
    callerLimits: fc.array(fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }), { minLength: 3, maxLength: 3 }),
  })
  .map((s) =>
    InstanceSettings.parse({
      maxConcurrency: s.maxConcurrency,
      dailyCapPerCallee: s.dailyCapPerCallee,
      timeZone: s.timeZone,
      windows: { ranges: s.ranges, weekdaysOnly: s.weekdaysOnly, calleeLocalTime: s.calleeLocalTime },
      callerNumbers: CALLERS.map((phoneNumber, i) => ({ phoneNumber, maxCalls: s.callerLimits[i] })),
    }),
  );

const campaign = (index: number) =>
  fc
    .record({
      priority: fc.constantFrom('urgent' as const, 'normal' as const),
      guaranteedConcurrency: fc.integer({ min: 0, max: 3 }),
      maxConcurrency: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
      inFlight: fc.integer({ min: 0, max: 4 }),
      schedules: fc.array(fc.record({ ranges: fc.array(range, { minLength: 1, maxLength: 2 }) }), { maxLength: 1 }),
      callerNumbers: fc.subarray(CALLERS),
      localPresence: fc.boolean(),
      jobs: fc.array(
        fc.record({ phone: fc.constantFrom(...PHONES), attempts: fc.integer({ min: 0, max: 3 }), dueOffset: fc.integer({ min: -3_600_000, max: 600_000 }) }),
        { maxLength: 12 },
      ),
      suspended: fc.subarray(PHONES, { maxLength: 3 }),
    })
    .map((c) => ({ ...c, campaignId: `c${index}` }));

const input = fc
  .record({
    now: fc.integer({ min: T0, max: T0 + 14 * 86_400_000 }),
    instance: settings,
    campaigns: fc.tuple(campaign(0), campaign(1), campaign(2)).chain((cs) => fc.subarray(cs, { minLength: 1 })),
    leasesExtra: fc.integer({ min: 0, max: 6 }),
    counts: fc.array(fc.tuple(fc.constantFrom(...PHONES), fc.integer({ min: 0, max: 5 })), { maxLength: 6 }),
    dnc: fc.subarray(PHONES, { maxLength: 3 }),
    allow: fc.subarray(PHONES, { maxLength: 3 }),
    rateBudget: fc.integer({ min: 0, max: 10 }),
    usage: fc.array(fc.tuple(fc.constantFrom(...CALLERS), fc.integer({ min: 0, max: 3 })), { maxLength: 3 }),
  })
  .map((r): PlanInput => {
    const campaigns: CampaignSnapshot[] = r.campaigns.map((c) => ({
      campaignId: c.campaignId,
      priority: c.priority,
      guaranteedConcurrency: c.guaranteedConcurrency,
      maxConcurrency: c.maxConcurrency,
      inFlight: c.inFlight,
      schedules: c.schedules,
      callerNumbers: c.callerNumbers,
      localPresence: c.localPresence,
      dueJobs: c.jobs
        .map((j, i) => ({ jobId: `${c.campaignId}-j${i}`, phone: j.phone, attempts: j.attempts, dueAt: r.now + j.dueOffset }))
        .sort((a, b) => a.dueAt - b.dueAt),
      suspended: new Set(c.suspended),
    }));
    return {
      now: r.now,
      instance: r.instance,
      campaigns,
      leasesInUse: campaigns.reduce((s, c) => s + c.inFlight, 0) + r.leasesExtra,
      calleeCounts: new Map(r.counts),
      doNotCall: new Set(r.dnc),
      allow: new Set(r.allow),
      rateBudget: r.rateBudget,
      callerUsage: new Map(r.usage),
    };
  });

/** Independent statement of when a job may be dialled now (windows, lists, cap). */
function mayDialNow(inp: PlanInput, c: CampaignSnapshot, phone: string, dueAt: number): boolean {
  if (dueAt > inp.now || inp.doNotCall.has(phone) || c.suspended.has(phone)) return false;
  const allowListed = inp.allow.has(phone);
  const zones = inp.instance.windows.calleeLocalTime && calleeTimeZones(phone).length > 0 ? calleeTimeZones(phone) : [inp.instance.timeZone];
  const constraints: WindowConstraint[] = c.schedules.map((schedule) => ({ schedule, zones: [inp.instance.timeZone] }));
  if (!allowListed) constraints.push({ schedule: { ranges: inp.instance.windows.ranges, weekdaysOnly: inp.instance.windows.weekdaysOnly }, zones });
  if (!allOpen(constraints, inp.now)) return false;
  return allowListed || (inp.calleeCounts.get(phone) ?? 0) < inp.instance.dailyCapPerCallee;
}

describe('planDials', () => {
  it('never exceeds the concurrency, the call rate or a caller number limit', () => {
    fc.assert(
      fc.property(input, (inp) => {
        const plan = planDials(inp);
        expect(plan.dials.length).toBeLessThanOrEqual(Math.max(0, inp.instance.maxConcurrency - inp.leasesInUse));
        expect(plan.dials.length).toBeLessThanOrEqual(inp.rateBudget);
        for (const c of inp.campaigns) {
          const mine = plan.dials.filter((d) => d.campaignId === c.campaignId).length;
          if (mine > 0) expect(c.inFlight + mine).toBeLessThanOrEqual(c.maxConcurrency ?? inp.instance.maxConcurrency);
        }
        for (const n of inp.instance.callerNumbers) {
          const used = plan.dials.filter((d) => d.from === n.phoneNumber).length;
          if (n.maxCalls !== undefined) expect(used + (inp.callerUsage.get(n.phoneNumber) ?? 0)).toBeLessThanOrEqual(Math.max(n.maxCalls, inp.callerUsage.get(n.phoneNumber) ?? 0));
        }
        expect(plan.nextLookAt).toBeGreaterThan(inp.now);
      }),
      { numRuns: 200 },
    );
  });

  it('never dials outside windows, over the cap, a do-not-call or a suspended number, nor a job not due', () => {
    fc.assert(
      fc.property(input, (inp) => {
        const plan = planDials(inp);
        const phones = new Set<string>();
        for (const d of plan.dials) {
          const c = inp.campaigns.find((x) => x.campaignId === d.campaignId)!;
          const job = c.dueJobs.find((j) => j.jobId === d.jobId)!;
          expect(mayDialNow(inp, c, job.phone, job.dueAt)).toBe(true);
          expect(d.attempt).toBe(job.attempts + 1);
          expect(phones.has(d.to)).toBe(false);
          phones.add(d.to);
          const allowed = c.callerNumbers.length > 0 ? c.callerNumbers : CALLERS;
          expect(allowed).toContain(d.from);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("dials an urgent campaign's due job before a normal campaign's shared dial", () => {
    fc.assert(
      fc.property(input, (inp) => {
        // Unlimited caller numbers isolate the priority rule from caller-number exhaustion.
        const unlimited = { ...inp, instance: { ...inp.instance, callerNumbers: CALLERS.map((phoneNumber) => ({ phoneNumber, periodSeconds: 60 })) } };
        const plan = planDials(unlimited);
        if (!plan.dials.some((d) => d.share === 'shared' && unlimited.campaigns.find((c) => c.campaignId === d.campaignId)!.priority === 'normal')) return;
        const dialledPhones = new Set(plan.dials.map((d) => d.to));
        const dialledJobs = new Set(plan.dials.map((d) => d.jobId));
        for (const c of unlimited.campaigns.filter((x) => x.priority === 'urgent')) {
          const room = (c.maxConcurrency ?? unlimited.instance.maxConcurrency) - c.inFlight - plan.dials.filter((d) => d.campaignId === c.campaignId).length;
          if (room <= 0) continue;
          for (const j of c.dueJobs) {
            if (dialledJobs.has(j.jobId) || dialledPhones.has(j.phone)) continue;
            expect(mayDialNow(unlimited, c, j.phone, j.dueAt)).toBe(false);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('defers a job outside the windows to the next opening and over the cap to the next day', () => {
    const instance = InstanceSettings.parse({
      timeZone: 'UTC',
      dailyCapPerCallee: 2,
      windows: { ranges: [{ start: '09:00', end: '17:00' }] },
      callerNumbers: [{ phoneNumber: '+14155550900' }],
    });
    const base = { campaignId: 'c', priority: 'normal' as const, guaranteedConcurrency: 0, inFlight: 0, schedules: [], callerNumbers: [], localPresence: false, suspended: new Set<string>() };
    const early = Date.UTC(2026, 0, 5, 7, 0);
    const plan = planDials({
      now: early, instance, leasesInUse: 0, calleeCounts: new Map(), doNotCall: new Set(), allow: new Set(), rateBudget: 5, callerUsage: new Map(),
      campaigns: [{ ...base, dueJobs: [{ jobId: 'j1', phone: '+14155550101', attempts: 0, dueAt: early }] }],
    });
    expect(plan.dials).toEqual([]);
    expect(plan.deferrals).toEqual([{ campaignId: 'c', jobId: 'j1', attempts: 0, until: Date.UTC(2026, 0, 5, 9, 0), reason: 'outsideWindows' }]);

    const noon = Date.UTC(2026, 0, 5, 12, 0);
    const capped = planDials({
      now: noon, instance, leasesInUse: 0, calleeCounts: new Map([['+14155550101', 2]]), doNotCall: new Set(), allow: new Set(), rateBudget: 5, callerUsage: new Map(),
      campaigns: [{ ...base, dueJobs: [{ jobId: 'j1', phone: '+14155550101', attempts: 2, dueAt: noon }] }],
    });
    expect(capped.deferrals[0]).toMatchObject({ reason: 'dailyCap', until: Date.UTC(2026, 0, 6, 9, 0) });
  });

  it('prefers a caller number sharing the callee’s area code when local presence is on', () => {
    const instance = InstanceSettings.parse({
      timeZone: 'UTC',
      windows: { ranges: [{ start: '00:00', end: '23:59' }] },
      callerNumbers: [{ phoneNumber: '+12125550900' }, { phoneNumber: '+14155550900' }],
    });
    const now = Date.UTC(2026, 0, 5, 12, 0);
    const plan = planDials({
      now, instance, leasesInUse: 0, calleeCounts: new Map(), doNotCall: new Set(), allow: new Set(), rateBudget: 5, callerUsage: new Map(),
      campaigns: [{ campaignId: 'c', priority: 'normal', guaranteedConcurrency: 0, inFlight: 0, schedules: [], callerNumbers: [], localPresence: true, suspended: new Set(), dueJobs: [{ jobId: 'j', phone: '+14155550101', attempts: 0, dueAt: now }] }],
    });
    expect(plan.dials[0]?.from).toBe('+14155550900');
  });
});
