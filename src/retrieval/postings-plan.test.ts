import { describe, expect, it } from 'vitest';
import { planReads } from './postings-plan';

const terms = (...dfs: number[]) => dfs.map((df) => ({ df }));

describe('planReads', () => {
  it('reads every list whole while they fit the budget', () => {
    expect(planReads(terms(10, 300, 40), 350)).toEqual({ reads: [10, 300, 40], complete: true });
  });

  it('fills from the most selective term up, cutting only the lists past their share', () => {
    // 10 fits (share 100), then 40 (share 145), and 1000 gets the 250 left.
    expect(planReads(terms(1000, 10, 40), 300)).toEqual({
      reads: [250, 10, 40],
      complete: false,
    });
    // Two long lists share what the short one leaves, evenly.
    expect(planReads(terms(500, 500, 20), 220).reads).toEqual([100, 100, 20]);
  });

  it('reads at least the floor of each list, past the budget if it must', () => {
    expect(planReads(terms(100, 5, 100), 30, 20)).toEqual({ reads: [20, 5, 20], complete: false });
  });

  it('never reads past a list or the budget, and leaves no cut list below another read', () => {
    let seed = 3;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let round = 0; round < 500; round++) {
      const dfs = Array.from({ length: 1 + rand(12) }, () => 1 + rand(rand(2) ? 50 : 5000));
      const budget = rand(20_000);
      const { reads, complete } = planReads(terms(...dfs), budget);
      const total = reads.reduce((s, r) => s + r, 0);
      expect(total).toBeLessThanOrEqual(Math.max(budget, 0));
      reads.forEach((r, i) => expect(r).toBeLessThanOrEqual(dfs[i]!));
      expect(complete).toBe(reads.every((r, i) => r === dfs[i]));
      // Water level: a cut list got at least as much as any other list, give or take the
      // rounding of the shares; and nothing is left over while a list is cut.
      const cut = reads.filter((r, i) => r < dfs[i]!);
      for (const c of cut)
        for (const r of reads) expect(c).toBeGreaterThanOrEqual(r - reads.length);
      if (cut.length > 0) expect(budget - total).toBeLessThan(reads.length);
    }
  });
});
