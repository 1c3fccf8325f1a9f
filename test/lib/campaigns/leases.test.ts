import { describe, expect, it } from 'vitest';
import { acquireLease, activeLeases, releaseLease } from '../../../lib/campaigns/leases';
import { MemoryStore } from '../../../lib/adapters/memory/store';

describe('leases', () => {
  it('never lets two claims of the same job attempt share a line, nor the loser free the winner’s (issue 9.1)', async () => {
    const store = new MemoryStore();
    const now = Date.UTC(2026, 0, 5, 9);
    const attempt = { campaignId: 'c', jobId: 'j', attempt: 1 };
    // Two dispatch rounds planned the same job: each claim has its own call id.
    expect(await acquireLease(store, 'i', 0, { ...attempt, callId: 'call_a' }, now)).toBe(true);
    expect(await acquireLease(store, 'i', 0, { ...attempt, callId: 'call_b' }, now)).toBe(false);
    // The loser rolls back: the winner's live call keeps its line.
    await releaseLease(store, 'i', 0, 'call_b');
    expect((await activeLeases(store, 'i', now)).map((l) => l.holder)).toEqual(['call_a']);
  });
});
