import { describe, expect, it } from 'vitest';
import { clampSettings, DEFAULT_CEILINGS, exceededCeilings, operatorCeilings } from './ceilings';

describe('operator ceilings', () => {
  it('reads MAX_TENANT_* and keeps the defaults for unset or invalid values', () => {
    expect(operatorCeilings({})).toEqual(DEFAULT_CEILINGS);
    const ceilings = operatorCeilings({
      MAX_TENANT_RATE_CAPACITY: '500',
      MAX_TENANT_DAILY_BUDGET_USD: '25',
      MAX_TENANT_KEYS: '3',
      MAX_TENANT_RATE_SHARDS: '99', // never above the rate limiter's own maximum
      MAX_TENANT_INGEST_BACKLOG: 'lots',
      MAX_TENANT_RATE_REFILL_PER_SECOND: '-1',
    });
    expect(ceilings).toEqual({
      ...DEFAULT_CEILINGS,
      rateCapacity: 500,
      dailyBudgetUsd: 25,
      keysPerTenant: 3,
    });
  });

  it('names every override above its ceiling', () => {
    const ceilings = { ...DEFAULT_CEILINGS, rateCapacity: 100, dailyBudgetUsd: 10 };
    expect(
      exceededCeilings(
        {
          rateLimits: { search: { capacity: 101 }, read: { capacity: 100 } },
          dailyBudgetUsd: 11,
          ingestBacklogCap: 5,
        },
        ceilings,
      ),
    ).toEqual(['rateLimits.search.capacity: 101 > 100', 'dailyBudgetUsd: 11 > 10']);
    expect(exceededCeilings({ dailyBudgetUsd: 10 }, ceilings)).toEqual([]);
  });

  it('holds stored values to the ceilings and leaves the rest alone', () => {
    const ceilings = {
      ...DEFAULT_CEILINGS,
      rateCapacity: 100,
      rateRefillPerSecond: 5,
      dailyBudgetUsd: 10,
      ingestBacklogCap: 50,
    };
    expect(
      clampSettings(
        {
          rateLimits: { chat: { capacity: 1_000, refillPerSecond: 2 }, read: { shards: 4 } },
          dailyBudgetUsd: 99,
          ingestBacklogCap: 20,
          enrichment: true,
        },
        ceilings,
      ),
    ).toEqual({
      rateLimits: { chat: { capacity: 100, refillPerSecond: 2 }, read: { shards: 4 } },
      dailyBudgetUsd: 10,
      ingestBacklogCap: 20,
      enrichment: true,
    });
  });
});
