import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { backoffDelay, chunkBySize, isTransient, retryOnError, retryPending, retryPolicy } from '../../../../lib/adapters/aws/retry';

const recorder = () => {
  const sleeps: number[] = [];
  return { sleeps, sleep: async (ms: number) => void sleeps.push(ms) };
};

describe('retry', () => {
  it('keeps every delay between 0 and the capped exponential ceiling', () => {
    fc.assert(
      fc.property(fc.nat(40), fc.double({ min: 0, max: 0.999999, noNaN: true }), (retry, r) => {
        const d = backoffDelay(retry, { baseMs: 50, capMs: 2_000, random: () => r });
        return d >= 0 && d <= Math.min(2_000, 50 * 2 ** retry);
      }),
    );
  });

  it('retries pending work until it is done, sleeping between attempts only', async () => {
    const { sleeps, sleep } = recorder();
    const seen: number[][] = [];
    const left = await retryPending([1, 2, 3], async (p) => (seen.push(p), p.slice(1)), retryPolicy({ sleep, random: () => 0.5 }));
    expect(left).toEqual([]);
    expect(seen).toEqual([[1, 2, 3], [2, 3], [3]]);
    expect(sleeps).toEqual([25, 50]);
  });

  it('returns what is still pending when the attempts run out', async () => {
    const { sleeps, sleep } = recorder();
    const left = await retryPending(['x'], async (p) => p, retryPolicy({ sleep, maxAttempts: 4 }));
    expect(left).toEqual(['x']);
    expect(sleeps).toHaveLength(3);
  });

  it('retries only retryable errors and rethrows the last one', async () => {
    const { sleeps, sleep } = recorder();
    let calls = 0;
    const flaky = async () => {
      calls++;
      if (calls < 3) throw Object.assign(new Error('slow'), { name: 'ThrottlingException' });
      return 'ok';
    };
    expect(await retryOnError(flaky, isTransient, retryPolicy({ sleep }))).toBe('ok');
    expect(sleeps).toHaveLength(2);
    const fatal = new Error('bad');
    await expect(retryOnError(async () => Promise.reject(fatal), isTransient, retryPolicy({ sleep }))).rejects.toBe(fatal);
    await expect(
      retryOnError(async () => Promise.reject(Object.assign(new Error('x'), { $metadata: { httpStatusCode: 503 } })), isTransient, retryPolicy({ sleep, maxAttempts: 2 })),
    ).rejects.toThrow('x');
  });

  it('chunks by count and by size, an oversized entry going alone', () => {
    expect(chunkBySize([1, 2, 3, 4, 5], 2, 100, () => 1)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunkBySize([60, 60, 200, 10], 10, 100, (n) => n)).toEqual([[60], [60], [200], [10]]);
    expect(chunkBySize([], 10, 100, () => 1)).toEqual([]);
  });
});
