import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../lib/adapters/memory/store';
import { changeOf, Meter } from '../../../local/sim/meter';

const job = { pk: 'I#i#CMP#c#J#00', sk: 'JOB#j', gsi1pk: 'I#i#CMP#c#DUE#00', gsi1sk: '1#j', gsi2pk: 'I#i#TEL#+1', gsi2sk: 'c#j', status: 'Scheduling', note: 'x'.repeat(1500) };

describe('Meter.meterStore', () => {
  it('bills an index by its projection: INCLUDE when a projected attribute or the key changes, keys only when the key does', async () => {
    const meter = new Meter({ serialise: false });
    const store = meter.meterStore(new MemoryStore());
    const wru = () => meter.store.get('I.CMP.J|JOB')?.wru;
    await store.put(job);
    // 2 KB in the table; gsi1 (the job's fields: here the status) 1 unit and gsi2 (keys only) 1 unit as the item enters them.
    expect(wru()).toBe(2 + 1 + 1);
    // An attribute gsi1 does not project (a pending effect, say): the table only.
    await store.update(job, { set: { note: 'y'.repeat(1500) } });
    expect(wru()).toBe(4 + 2);
    await store.update(job, { set: { status: 'Executing' } });
    expect(wru()).toBe(6 + 2 + 1);
    // Moving an index key is a delete and a put there: 2 units in gsi2, 2 in gsi1.
    await store.update(job, { set: { note: 'z'.repeat(1500), gsi2sk: 'c2#j' } });
    expect(wru()).toBe(9 + 2 + 2);
    await store.update(job, { set: { gsi1sk: '2#j' } });
    expect(wru()).toBe(13 + 2 + 2);
  });

  it('counts writes by what they change only when asked', async () => {
    const plain = new Meter({ serialise: false });
    await plain.meterStore(new MemoryStore()).put(job);
    expect(plain.writesByChange.size).toBe(0);
    const meter = new Meter({ serialise: false, writeBreakdown: true });
    const store = meter.meterStore(new MemoryStore());
    await store.put(job);
    await store.update(job, { set: { 'fx#1': { a: 1 }, 'fx#2': { b: 2 } } });
    expect([...meter.writesByChange.entries()]).toEqual([
      ['I.CMP.J|JOB new', { writes: 1, wru: 4, bytesBefore: 0, bytesAfter: expect.any(Number) }],
      ['I.CMP.J|JOB fx#*', { writes: 1, wru: 2, bytesBefore: expect.any(Number), bytesAfter: expect.any(Number) }],
    ]);
  });
});

describe('changeOf', () => {
  it('names the attributes a write changes, pending effects as one, leaving out the version bump', () => {
    const key = { pk: 'I#i#JOBCALLS#j', sk: 'CALL#c' };
    expect(changeOf(key, undefined, { ...key, a: 1 })).toBe('I.JOBCALLS|CALL new');
    expect(changeOf(key, { ...key, a: 1 }, undefined)).toBe('I.JOBCALLS|CALL deleted');
    expect(changeOf(key, { ...key, a: 1, version: 1, 'fx#x': 1 }, { ...key, a: 2, version: 2, b: new Set(['s']) })).toBe('I.JOBCALLS|CALL a,b,fx#*');
    expect(changeOf(key, { ...key, version: 1, updatedAt: 't1' }, { ...key, version: 2, updatedAt: 't2' })).toBe('I.JOBCALLS|CALL (version only)');
  });
});
