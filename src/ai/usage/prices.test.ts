import { describe, expect, it } from 'vitest';
import { utcDay } from '../../usage/record';
import { budgetStatus, canAfford } from './budget';
import { costOf, DEFAULT_PRICES, priceOf, priceTable } from './prices';

describe('prices and budgets', () => {
  it('costs tokens at the model price per million', () => {
    expect(
      costOf('claude-sonnet-4-5', { inputTokens: 1_000_000, outputTokens: 100_000 }),
    ).toBeCloseTo(3 + 1.5);
    expect(
      costOf('claude-haiku-4-5-20251001', { inputTokens: 2_000, outputTokens: 0 }),
    ).toBeCloseTo(0.002);
  });

  it('charges unknown models at the dearest known price', () => {
    expect(priceOf('some-new-model')).toEqual(DEFAULT_PRICES['claude-opus-4-5']);
  });

  it('merges a JSON override and ignores malformed entries', () => {
    const table = priceTable(
      '{"claude-haiku-4-5":{"inputPerMtok":0.5,"outputPerMtok":2},"x":{"inputPerMtok":"a"}}',
    );
    expect(table['claude-haiku-4-5']).toEqual({ inputPerMtok: 0.5, outputPerMtok: 2 });
    expect(table.x).toBeUndefined();
    expect(priceTable('not json')).toBe(DEFAULT_PRICES);
  });

  it('computes what is left and whether a worst-case call fits', () => {
    const status = budgetStatus(1, 0.99);
    expect(status.remainingUsd).toBeCloseTo(0.01);
    expect(status.exhausted).toBe(false);
    expect(canAfford(status, 'claude-haiku-4-5', { inputTokens: 1_000, outputTokens: 1_000 })).toBe(
      true,
    );
    expect(
      canAfford(status, 'claude-sonnet-4-5', { inputTokens: 1_000, outputTokens: 1_000 }),
    ).toBe(false);
    expect(budgetStatus(1, 1.5)).toMatchObject({ remainingUsd: 0, exhausted: true });
  });

  it('buckets usage by UTC day', () => {
    expect(utcDay(Date.UTC(2026, 0, 2, 23, 59))).toBe('2026-01-02');
  });
});
