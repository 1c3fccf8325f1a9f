import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InstanceSettings } from '../../../lib/instances/schema';
import { LibphonenumberGeo } from '../../../lib/adapters/geo/libphonenumber-geo';
import { MAX_LOCATION_ZONES, planDials, type CampaignSnapshot, type PlanInput } from '../../../lib/planner/plan';
import type { PhoneLocation } from '../../../lib/ports/phone-geo';
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

const location: fc.Arbitrary<PhoneLocation> = fc.record(
  {
    country: fc.constantFrom('1', '86'),
    region: fc.constantFrom('WA', 'CA', 'Guangdong'),
    city: fc.constantFrom('Seattle', 'Shenzhen', 'Shenyang/Tieling/Fushun', 'Tieling'),
    areaCode: fc.constantFrom('206', '415'),
    zones: fc.array(fc.constantFrom(...ZONES), { minLength: 1, maxLength: MAX_LOCATION_ZONES + 1 }),
  },
  { requiredKeys: ['country'] },
);

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
    // Geocoded locations of some callees and callers (P2, P8): few values, so matches happen at every tier.
    locations: fc.option(fc.dictionary(fc.constantFrom(...PHONES, ...CALLERS), location), { nil: undefined }),
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
      ...(r.locations ? { locations: new Map(Object.entries(r.locations)) } : {}),
    };
  });

/** The zones a callee's window is evaluated in, stated independently of the planner (P2). */
function zonesOf(inp: PlanInput, phone: string): string[] {
  if (!inp.instance.windows.calleeLocalTime) return [inp.instance.timeZone];
  const located = inp.locations?.get(phone)?.zones;
  if (located && located.length > 0 && located.length <= MAX_LOCATION_ZONES) return located;
  return calleeTimeZones(phone).length > 0 ? calleeTimeZones(phone) : [inp.instance.timeZone];
}

/** Independent statement of when a job may be dialled now (windows, lists, cap). */
function mayDialNow(inp: PlanInput, c: CampaignSnapshot, phone: string, dueAt: number): boolean {
  if (dueAt > inp.now || inp.doNotCall.has(phone) || c.suspended.has(phone)) return false;
  const allowListed = inp.allow.has(phone);
  const zones = zonesOf(inp, phone);
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
});

const ALWAYS = InstanceSettings.parse({ timeZone: 'UTC', windows: { ranges: [{ start: '00:00', end: '23:59' }] } });
const NOON = Date.UTC(2026, 0, 5, 12, 0);
const snapshot = (over: Partial<CampaignSnapshot> & { campaignId: string }): CampaignSnapshot => ({
  priority: 'normal',
  guaranteedConcurrency: 0,
  inFlight: 0,
  schedules: [],
  callerNumbers: [],
  localPresence: true,
  dueJobs: [],
  suspended: new Set(),
  ...over,
});
const roundOf = (over: Partial<PlanInput>): PlanInput => ({
  now: NOON,
  instance: ALWAYS,
  campaigns: [],
  leasesInUse: 0,
  calleeCounts: new Map(),
  doNotCall: new Set(),
  allow: new Set(),
  rateBudget: 10,
  callerUsage: new Map(),
  ...over,
});

describe('planDials local presence (P8)', () => {
  // The first caller number of each country is the default; the tests require a better one to be chosen.
  const BEIJING = '+861065529988';
  const GUANGZHOU = '+862083331234';
  const SHENZHEN = '+8675582345678';
  const NEW_YORK = '+12125550900';
  const SAN_FRANCISCO = '+14155550900';
  const SEATTLE = '+12065280100';
  const CALLERS_GEO = [BEIJING, GUANGZHOU, SHENZHEN, NEW_YORK, SAN_FRANCISCO, SEATTLE];
  const instance = { ...ALWAYS, callerNumbers: CALLERS_GEO.map((phoneNumber) => ({ phoneNumber, periodSeconds: 60 })) };
  const geo = new LibphonenumberGeo();

  /** The caller number chosen for one callee, with locations from libphonenumber's real geocoding data. */
  async function chosenFor(to: string, over: Partial<CampaignSnapshot> = {}): Promise<string | undefined> {
    const locations = await geo.locate([...CALLERS_GEO, to]);
    const plan = planDials(
      roundOf({ instance, locations, campaigns: [snapshot({ campaignId: 'c', dueJobs: [{ jobId: 'j', phone: to, attempts: 0, dueAt: NOON }], ...over })] }),
    );
    return plan.dials[0]?.from;
  }

  it('chooses a caller number in the same city as a Chinese mobile callee', async () => {
    expect(await chosenFor('+8613510001234')).toBe(SHENZHEN); // 135 1000… is a Shenzhen mobile range
  });

  it('falls back to a caller number in the same province when none is in the callee’s city', async () => {
    const from = await chosenFor('+8613690001234'); // 136 9000… is Chaozhou, Guangdong: no Chaozhou caller number
    expect([GUANGZHOU, SHENZHEN]).toContain(from);
  });

  it('chooses the same NANP area code, then the same state', async () => {
    expect(await chosenFor('+12065550123')).toBe(SEATTLE); // 206, exchange without a city entry
    expect(await chosenFor('+13602130123')).toBe(SEATTLE); // 360: Vancouver, WA; only Seattle is in WA
    expect(await chosenFor('+14155550101')).toBe(SAN_FRANCISCO);
  });

  it('chooses the default number when the data knows nothing of the callee or local presence is off', async () => {
    expect(await chosenFor('+447700900123')).toBe(BEIJING);
    expect(await chosenFor('+8613510001234', { localPresence: false })).toBe(BEIJING);
    expect(await chosenFor('+8613510001234', { callerNumbers: [NEW_YORK, SHENZHEN] })).toBe(SHENZHEN);
    expect(await chosenFor('+447700900123', { callerNumbers: [SEATTLE, NEW_YORK] })).toBe(SEATTLE);
  });

  it('always chooses one of the campaign’s caller numbers, whatever the locations', () => {
    fc.assert(
      fc.property(input, (inp) => {
        const plan = planDials(inp);
        for (const d of plan.dials) {
          const c = inp.campaigns.find((x) => x.campaignId === d.campaignId)!;
          const allowed = c.callerNumbers.length > 0 ? c.callerNumbers : inp.instance.callerNumbers.map((n) => n.phoneNumber);
          expect(allowed).toContain(d.from);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('planDials guaranteed minimum (P3)', () => {
  const callers = [{ phoneNumber: '+14155550900', periodSeconds: 60 }];
  const jobs = (campaignId: string, n: number, firstPhone: number) =>
    Array.from({ length: n }, (_, i) => ({ jobId: `${campaignId}-${i}`, phone: `+1415555${String(firstPhone + i).padStart(4, '0')}`, attempts: 0, dueAt: NOON }));

  it('gives a normal campaign its guaranteed lines against an urgent campaign with more work than lines', () => {
    const plan = planDials(
      roundOf({
        instance: { ...ALWAYS, maxConcurrency: 4, callerNumbers: callers },
        campaigns: [
          snapshot({ campaignId: 'urgent', priority: 'urgent', dueJobs: jobs('urgent', 10, 0) }),
          snapshot({ campaignId: 'normal', guaranteedConcurrency: 2, dueJobs: jobs('normal', 10, 100) }),
        ],
      }),
    );
    const of = (id: string) => plan.dials.filter((d) => d.campaignId === id);
    expect(of('normal')).toHaveLength(2);
    expect(of('normal').every((d) => d.share === 'guaranteed')).toBe(true);
    expect(of('urgent')).toHaveLength(2);
  });

  it('counts calls in flight against the guarantee', () => {
    const plan = planDials(
      roundOf({
        instance: { ...ALWAYS, maxConcurrency: 4, callerNumbers: callers },
        leasesInUse: 1,
        campaigns: [
          snapshot({ campaignId: 'urgent', priority: 'urgent', dueJobs: jobs('urgent', 10, 0) }),
          snapshot({ campaignId: 'normal', guaranteedConcurrency: 2, inFlight: 1, dueJobs: jobs('normal', 10, 100) }),
        ],
      }),
    );
    expect(plan.dials.filter((d) => d.campaignId === 'normal')).toHaveLength(1);
    expect(plan.dials.filter((d) => d.campaignId === 'urgent')).toHaveLength(2);
  });

  it('gives every campaign at least its guaranteed lines (up to its eligible work) whenever the guarantees fit', () => {
    fc.assert(
      fc.property(input, (generated) => {
        // Distinct callees per campaign and unlimited caller numbers isolate the guarantee from the one-call-
        // per-callee rule and from caller-number exhaustion.
        const inp: PlanInput = {
          ...generated,
          instance: { ...generated.instance, callerNumbers: CALLERS.map((phoneNumber) => ({ phoneNumber, periodSeconds: 60 })) },
          callerUsage: new Map(),
          campaigns: generated.campaigns.map((c, ci) => ({
            ...c,
            dueJobs: c.dueJobs.map((j) => ({ ...j, phone: PHONES[(PHONES.indexOf(j.phone) % 4) + 4 * ci]! })),
          })),
        };
        const need = (c: CampaignSnapshot) => Math.max(0, c.guaranteedConcurrency - c.inFlight);
        const lines = Math.min(inp.instance.maxConcurrency - inp.leasesInUse, inp.rateBudget);
        fc.pre(inp.campaigns.reduce((s, c) => s + need(c), 0) <= lines);
        const plan = planDials(inp);
        for (const c of inp.campaigns) {
          const eligible = new Set(c.dueJobs.filter((j) => mayDialNow(inp, c, j.phone, j.dueAt)).map((j) => j.phone)).size;
          const room = (c.maxConcurrency ?? inp.instance.maxConcurrency) - c.inFlight;
          const got = plan.dials.filter((d) => d.campaignId === c.campaignId).length;
          expect(got).toBeGreaterThanOrEqual(Math.min(need(c), eligible, room));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('planDials callee time zones (P2)', () => {
  const geo = new LibphonenumberGeo();
  const instance = InstanceSettings.parse({
    timeZone: 'UTC',
    windows: { ranges: [{ start: '09:00', end: '17:00' }], calleeLocalTime: true },
    callerNumbers: [{ phoneNumber: '+14155550900' }],
  });
  const at = Date.UTC(2026, 0, 5, 17, 30); // Boise 10:30, Los Angeles 09:30, Honolulu 07:30
  const planFor = async (phone: string, withLocations: boolean) =>
    planDials(
      roundOf({
        now: at,
        instance,
        ...(withLocations ? { locations: await geo.locate([phone]) } : {}),
        campaigns: [snapshot({ campaignId: 'c', dueJobs: [{ jobId: 'j', phone, attempts: 0, dueAt: at }] })],
      }),
    );

  it('opens the window in the zones libphonenumber gives the number, not the whole country', async () => {
    // Area code 208 spans Boise and Los Angeles: open in both. The hand-kept table knows only "somewhere in the US".
    expect((await planFor('+12085550100', true)).dials).toHaveLength(1);
    expect((await planFor('+12085550100', false)).dials).toHaveLength(0);
  });

  it('falls back to the country’s zones when the number maps to too many to intersect', async () => {
    // Toll-free lists all 42 NANP zones: their intersection would never open; the US list opens later today.
    const plan = await planFor('+18005550100', true);
    expect(plan.dials).toHaveLength(0);
    expect(plan.deferrals[0]).toMatchObject({ reason: 'outsideWindows' });
  });
});
