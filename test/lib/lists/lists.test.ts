import { describe, expect, it } from 'vitest';
import { addToList, listEntries, normaliseNumbers, onList, removeFromList } from '../../../lib/lists';
import { testDeps } from '../../support/deps';

describe('lists', () => {
  it('normalises, folds duplicates and reports invalid values', () => {
    expect(normaliseNumbers(['4155550101', '+1 (415) 555-0101', 'x'], 'US')).toEqual({ numbers: ['+14155550101'], rejected: [{ value: 'x', reason: 'InvalidNumber' }] });
  });

  it('answers membership for a batch of numbers in one read and keeps lists apart', async () => {
    const { deps } = testDeps();
    await addToList(deps, 'i1', 'doNotCall', ['4155550101', '4155550102'], { defaultRegion: 'US' });
    await addToList(deps, 'i1', 'allow', ['4155550103'], { defaultRegion: 'US' });
    expect(await onList(deps.store, 'i1', 'doNotCall', ['+14155550101', '+14155550103'])).toEqual(new Set(['+14155550101']));
    expect(await onList(deps.store, 'i2', 'doNotCall', ['+14155550101'])).toEqual(new Set());
    expect(await removeFromList(deps.store, 'i1', 'doNotCall', ['4155550101'], 'US')).toBe(1);
    expect((await listEntries(deps.store, 'i1', 'doNotCall')).items.map((i) => i.phone)).toEqual(['+14155550102']);
  });
});
