import { describe, expect, it } from 'vitest';
import { allOpen, isOpen, nextAllOpen, nextOpen } from '../../../lib/windows/schedule';
import { calleeTimeZones } from '../../../lib/windows/timezone';

describe('schedule', () => {
  const s = { ranges: [{ start: '09:00', end: '12:00' }, { start: '14:00', end: '18:00' }], weekdaysOnly: true };

  it('is open inside a range in the zone and closed between ranges', () => {
    expect(isOpen(s, Date.UTC(2026, 0, 9, 15, 0), 'America/New_York')).toBe(true); // Fri 10:00 EST
    expect(isOpen(s, Date.UTC(2026, 0, 9, 17, 30), 'America/New_York')).toBe(false); // Fri 12:30 EST
  });

  it('opens next on Monday morning when asked on a Saturday, across a DST change', () => {
    expect(nextOpen(s, Date.UTC(2026, 2, 7, 12, 0), 'America/New_York')).toBe(Date.UTC(2026, 2, 9, 13, 0));
  });

  it('honours days of the month and a date range', () => {
    const plan = { ranges: [{ start: '10:00', end: '11:00' }], daysOfMonth: [15], fromDate: '2026-01-01', toDate: '2026-02-28' };
    expect(nextOpen(plan, Date.UTC(2026, 0, 16), 'UTC')).toBe(Date.UTC(2026, 1, 15, 10, 0));
    expect(nextOpen(plan, Date.UTC(2026, 1, 16), 'UTC')).toBeUndefined();
  });

  it('requires every zone of a multi-zone callee to be open', () => {
    const tcpa = { ranges: [{ start: '08:00', end: '21:00' }] };
    const zones = calleeTimeZones('+12085550100'); // 208 spans two zones: not in the table
    expect(zones.length).toBeGreaterThan(1);
    const at = nextAllOpen([{ schedule: tcpa, zones }], Date.UTC(2026, 0, 5, 12, 0))!;
    expect(allOpen([{ schedule: tcpa, zones }], at)).toBe(true);
    expect(at).toBe(Date.UTC(2026, 0, 5, 18, 0)); // 08:00 in Honolulu
  });

  it('derives the zone of a North American area code', () => {
    expect(calleeTimeZones('+14155550100')).toEqual(['America/Los_Angeles']);
    expect(calleeTimeZones('+8613800138000')).toEqual(['Asia/Shanghai']);
  });
});
