import { describe, expect, it } from 'vitest';
import { lostCallEnd } from '../../../lib/campaigns/attempts';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

describe('attempts', () => {
  it('ends a lost call at its lease expiry, not when the loss was noticed', () => {
    expect(lostCallEnd({ dialledAt: iso(T0) }, T0 + 900_000, T0 + 2 * 3_600_000)).toBe(T0 + 900_000);
  });

  it('never ends a lost call before its last sign of life nor after now', () => {
    expect(lostCallEnd({ dialledAt: iso(T0), answeredAt: iso(T0 + 1_000_000) }, T0 + 900_000, T0 + 2_000_000)).toBe(T0 + 1_000_000);
    expect(lostCallEnd({ dialledAt: iso(T0) }, T0 + 900_000, T0 + 600_000)).toBe(T0 + 600_000);
    expect(lostCallEnd({ dialledAt: iso(T0) }, undefined, T0 + 600_000)).toBe(T0 + 600_000);
  });
});
