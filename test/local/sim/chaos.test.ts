import { describe, expect, it } from 'vitest';
import { DEFAULT_CHAOS } from '../../../local/sim/faults';
import { checkInvariants, redeliveredEvents } from '../../../local/sim/invariants';
import { runSimulation } from '../../../local/sim/simulation';

/**
 * A small chaos soak on the discrete-event clock: duplicated and delayed queue deliveries, handlers
 * crashing after a few writes (then redelivered), lost hang-ups, store and telephony throttling, bus
 * failures. Seeded, so a failure replays; simulated time never races the wall clock.
 */
describe('chaos soak', () => {
  it('keeps every campaign invariant when deliveries, handlers, the store, the network and the bus fail', async () => {
    const result = await runSimulation({
      contacts: 120,
      maxConcurrency: 10,
      callsPerSecond: 2,
      // A cap above the attempts a job can make (system failures aside), so the run stays within one day.
      dailyCapPerCallee: 5,
      doNotCallShare: 0.03,
      suspendedShare: 0.03,
      chaos: { ...DEFAULT_CHAOS, crash: 0.05, lostHangup: 0.05 },
      measureCpu: false,
      seed: 7,
    });
    // The faults happened (else the soak proves nothing)...
    for (const [kind, count] of Object.entries(result.faults ?? {})) expect(count, kind).toBeGreaterThan(0);
    expect(result.lostHangups).toBeGreaterThan(0);
    expect(result.doNotCall.size + result.suspended.size).toBeGreaterThan(0);
    // ... and the campaign still finished with every invariant kept.
    expect(result.completed).toBe(true);
    expect(await checkInvariants(result)).toEqual([]);
    // Events may be delivered twice under the same id (at-least-once), never as two different events.
    expect(redeliveredEvents(result)).toBeGreaterThanOrEqual(0);
  }, 180_000);
});
