import { describe, expect, it } from 'vitest';
import { expandQuery } from './feedback';

describe('expandQuery', () => {
  it('moves the query toward the feedback centroid and stays unit length', () => {
    const expanded = expandQuery([1, 0, 0], [[0, 1, 0], [0, 1, 0]], 1);
    expect(expanded[0]).toBeCloseTo(Math.SQRT1_2, 10);
    expect(expanded[1]).toBeCloseTo(Math.SQRT1_2, 10);
    expect(Math.hypot(...expanded)).toBeCloseTo(1, 10);
  });
  it('returns the query unchanged without feedback', () => {
    expect(expandQuery([0.6, 0.8], [])).toEqual([0.6, 0.8]);
  });
});
