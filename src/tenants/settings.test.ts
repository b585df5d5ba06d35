import { describe, expect, it } from 'vitest';
import { applySettingsPatch, parseStoredSettings, TenantSettingsPatch } from './settings';

describe('tenant settings', () => {
  it('patches its own fields and keeps keys owned by other features', () => {
    const stored = { vectorIndex: 'vellum-chunks-2', dailyBudgetUsd: 5 };
    const next = applySettingsPatch(stored, {
      rateLimits: { read: { capacity: 10 } },
      dailyBudgetUsd: null,
    });
    expect(next).toEqual({
      vectorIndex: 'vellum-chunks-2',
      rateLimits: { read: { capacity: 10 } },
    });
  });

  it('drops only the stored field that no longer validates', () => {
    expect(parseStoredSettings({ dailyBudgetUsd: -1, ingestBacklogCap: 7, other: 1 })).toEqual({
      ingestBacklogCap: 7,
    });
    expect(parseStoredSettings(null)).toEqual({});
    expect(parseStoredSettings({ enrichment: { summaries: true } })).toEqual({});
    expect(parseStoredSettings({ enrichment: true })).toEqual({ enrichment: true });
  });

  it('turns enrichment on and back to the default (off)', () => {
    expect(TenantSettingsPatch.safeParse({ enrichment: true }).success).toBe(true);
    expect(TenantSettingsPatch.safeParse({ enrichment: 'yes' }).success).toBe(false);
    const on = applySettingsPatch({ dailyBudgetUsd: 5 }, { enrichment: true });
    expect(parseStoredSettings(on)).toEqual({ dailyBudgetUsd: 5, enrichment: true });
    expect(applySettingsPatch(on, { enrichment: null })).toEqual({ dailyBudgetUsd: 5 });
  });

  it('refuses empty patches, unknown fields and out-of-range values', () => {
    expect(TenantSettingsPatch.safeParse({}).success).toBe(false);
    expect(TenantSettingsPatch.safeParse({ plan: 'gold' }).success).toBe(false);
    expect(TenantSettingsPatch.safeParse({ rateLimits: { read: { shards: 17 } } }).success).toBe(
      false,
    );
    expect(
      TenantSettingsPatch.safeParse({ rateLimits: { chat: { refillPerSecond: 0 } } }).success,
    ).toBe(false);
    expect(TenantSettingsPatch.safeParse({ dailyBudgetUsd: 12.5 }).success).toBe(true);
  });
});
