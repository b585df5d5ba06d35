import { describe, expect, it } from 'vitest';
import { refill, takeTokens } from './token-bucket';

const limits = { capacity: 3, refillPerSecond: 1 };

describe('token bucket', () => {
  it('starts full and spends one token per take', () => {
    let state = null;
    const allowed: boolean[] = [];
    for (let i = 0; i < 4; i++) {
      const step = takeTokens(state, limits, 1_000);
      state = step.state;
      allowed.push(step.result.allowed);
    }
    expect(allowed).toEqual([true, true, true, false]);
  });

  it('reports remaining, reset and retry-after in whole units', () => {
    const first = takeTokens(null, limits, 0);
    expect(first.result).toEqual({
      allowed: true,
      remaining: 2,
      resetSeconds: 1,
      retryAfterSeconds: 0,
    });
    const empty = { tokens: 0.25, updatedAt: 0 };
    const denied = takeTokens(empty, limits, 0);
    expect(denied.result).toEqual({
      allowed: false,
      remaining: 0,
      resetSeconds: 3,
      retryAfterSeconds: 1,
    });
  });

  it('refills with elapsed time, never above capacity, never backwards', () => {
    expect(refill({ tokens: 0, updatedAt: 0 }, limits, 1_500).tokens).toBe(1.5);
    expect(refill({ tokens: 0, updatedAt: 0 }, limits, 60_000).tokens).toBe(3);
    expect(refill({ tokens: 1, updatedAt: 5_000 }, limits, 1_000)).toEqual({
      tokens: 1,
      updatedAt: 5_000,
    });
  });

  it('clamps to a lowered capacity', () => {
    expect(refill({ tokens: 100, updatedAt: 0 }, limits, 0).tokens).toBe(3);
  });
});

describe('token bucket leases', () => {
  const big = { capacity: 10, refillPerSecond: 0 };

  it('takes up to `lease` whole tokens after the request itself', () => {
    const step = takeTokens(null, big, 0, 1, 4);
    expect(step.result).toMatchObject({ allowed: true, leased: 4, remaining: 5 });
    expect(step.state.tokens).toBe(5);
  });

  it('leases only what is left, and nothing for a refused request', () => {
    const low = takeTokens({ tokens: 3.5, updatedAt: 0 }, big, 0, 1, 8);
    expect(low.result).toMatchObject({ allowed: true, leased: 2 });
    expect(low.state.tokens).toBe(0.5);
    const refused = takeTokens({ tokens: 0.5, updatedAt: 0 }, big, 0, 1, 8);
    expect(refused.result).toMatchObject({ allowed: false, leased: 0 });
    expect(refused.state.tokens).toBe(0.5);
  });

  it('leaves results without a lease unchanged', () => {
    expect(takeTokens(null, big, 0).result).not.toHaveProperty('leased');
  });
});
