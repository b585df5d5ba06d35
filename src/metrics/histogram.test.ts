import { describe, expect, it } from 'vitest';
import {
  BUCKET_BOUNDS,
  bucketIndex,
  emptyHistogram,
  mergeInto,
  observe,
  quantile,
} from './histogram';

/** The exact q-quantile (nearest rank) of a list. */
const exact = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.ceil(q * values.length) - 1]!;

describe('latency histogram', () => {
  it('puts each value in the bucket whose bounds enclose it', () => {
    for (const v of [0, 0.5, 1, 1.2, 3, 10, 99.9, 1000, 45_000]) {
      const i = bucketIndex(v);
      expect(v).toBeLessThanOrEqual(BUCKET_BOUNDS[i]!);
      if (i > 0) expect(v).toBeGreaterThan(BUCKET_BOUNDS[i - 1]!);
    }
    expect(bucketIndex(10_000_000)).toBe(BUCKET_BOUNDS.length - 1);
  });

  it('returns null for an empty histogram', () => {
    expect(quantile(emptyHistogram(), 0.5)).toBeNull();
  });

  it('estimates percentiles within one bucket (a factor of √2) on known data', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i + 1); // 1..1000 ms
    const h = emptyHistogram();
    for (const v of values) observe(h, v);
    for (const q of [0.5, 0.95, 0.99]) {
      const estimate = quantile(h, q)!;
      const truth = exact(values, q);
      expect(bucketIndex(estimate)).toBe(bucketIndex(truth));
      expect(estimate / truth).toBeGreaterThan(1 / Math.SQRT2);
      expect(estimate / truth).toBeLessThan(Math.SQRT2);
    }
  });

  it('separates a slow tail from a fast body', () => {
    const h = emptyHistogram();
    for (let i = 0; i < 98; i++) observe(h, 5);
    observe(h, 800);
    observe(h, 900);
    expect(quantile(h, 0.5)!).toBeLessThan(6);
    expect(quantile(h, 0.99)!).toBeGreaterThan(500);
  });

  it('merges element-wise, so merged percentiles equal those of the combined data', () => {
    const a = emptyHistogram();
    const b = emptyHistogram();
    const all = emptyHistogram();
    for (let i = 1; i <= 50; i++) {
      observe(a, i);
      observe(all, i);
      observe(b, i * 20);
      observe(all, i * 20);
    }
    mergeInto(a, b);
    expect(a).toEqual(all);
    expect(quantile(a, 0.95)).toBe(quantile(all, 0.95));
  });
});
