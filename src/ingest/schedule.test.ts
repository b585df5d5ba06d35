import { describe, expect, it } from 'vitest';
import { runWithinBudget } from './schedule';

/** Runs `sizes` through the scheduler and reports the largest concurrent set it produced. */
async function trace(sizes: number[], budgetBytes: number, maxConcurrent: number) {
  const inFlight = new Set<number>();
  let peakBytes = 0;
  let peakCount = 0;
  const started: number[] = [];
  await runWithinBudget(
    sizes.map((bytes, index) => ({ bytes, index })),
    { budgetBytes, maxConcurrent, bytesOf: (item) => item.bytes },
    async (item) => {
      started.push(item.index);
      inFlight.add(item.index);
      peakCount = Math.max(peakCount, inFlight.size);
      peakBytes = Math.max(
        peakBytes,
        [...inFlight].reduce((sum, i) => sum + sizes[i]!, 0),
      );
      // Finish in a varied order so slots free up unevenly.
      for (let t = 0; t < ((item.index * 7) % 5) + 1; t++) await Promise.resolve();
      inFlight.delete(item.index);
    },
  );
  return { peakBytes, peakCount, started };
}

describe('runWithinBudget', () => {
  it('keeps the bytes in flight within the budget', async () => {
    const result = await trace([8, 8, 8, 8, 8, 8], 16, 4);
    expect(result.peakBytes).toBe(16);
    expect(result.peakCount).toBe(2);
    expect(result.started).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('caps concurrency when items are small', async () => {
    const result = await trace([1, 1, 1, 1, 1, 1, 1, 1], 100, 3);
    expect(result.peakCount).toBe(3);
    expect(result.started).toHaveLength(8);
  });

  it('runs an item larger than the budget alone', async () => {
    const result = await trace([2, 50, 2], 16, 4);
    expect(result.peakBytes).toBe(50);
    expect(result.started).toEqual([0, 1, 2]);
  });

  it('resolves at once with nothing to do', async () => {
    await expect(
      runWithinBudget([], { budgetBytes: 1, maxConcurrent: 1, bytesOf: () => 0 }, async () => {}),
    ).resolves.toBeUndefined();
  });

  it('rejects when work throws', async () => {
    await expect(
      runWithinBudget([1], { budgetBytes: 1, maxConcurrent: 1, bytesOf: () => 1 }, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
  });
});
