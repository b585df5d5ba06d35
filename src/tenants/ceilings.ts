import { MAX_SHARDS, OPERATION_CLASSES } from '../ratelimit/config';
import type { TenantSettings } from './settings';

/**
 * The operator's ceilings over what a tenant may set for itself. A tenant admin tunes its own
 * rate limits, AI budget and backlog through PATCH /v1/tenant/settings; without ceilings it
 * could raise them without bound and take a shared deployment's capacity. Values come from the
 * deployment's `MAX_TENANT_*` variables; an unset or invalid one keeps the default below.
 */
export interface OperatorCeilings {
  /** Highest bucket capacity for any operation class. */
  rateCapacity: number;
  /** Highest sustained rate (tokens per second) for any operation class. */
  rateRefillPerSecond: number;
  rateShards: number;
  dailyBudgetUsd: number;
  ingestBacklogCap: number;
  /** Active (unrevoked) keys per tenant. */
  keysPerTenant: number;
}

export interface CeilingConfig {
  MAX_TENANT_RATE_CAPACITY?: string;
  MAX_TENANT_RATE_REFILL_PER_SECOND?: string;
  MAX_TENANT_RATE_SHARDS?: string;
  MAX_TENANT_DAILY_BUDGET_USD?: string;
  MAX_TENANT_INGEST_BACKLOG?: string;
  MAX_TENANT_KEYS?: string;
}

export const DEFAULT_CEILINGS: OperatorCeilings = {
  rateCapacity: 10_000,
  rateRefillPerSecond: 1_000,
  rateShards: MAX_SHARDS,
  dailyBudgetUsd: 1_000,
  ingestBacklogCap: 10_000,
  keysPerTenant: 100,
};

const positive = (raw: string | undefined, fallback: number) => {
  const value = Number(raw);
  return raw !== undefined && raw !== '' && Number.isFinite(value) && value > 0 ? value : fallback;
};

export function operatorCeilings(env: CeilingConfig): OperatorCeilings {
  return {
    rateCapacity: positive(env.MAX_TENANT_RATE_CAPACITY, DEFAULT_CEILINGS.rateCapacity),
    rateRefillPerSecond: positive(
      env.MAX_TENANT_RATE_REFILL_PER_SECOND,
      DEFAULT_CEILINGS.rateRefillPerSecond,
    ),
    rateShards: Math.min(
      MAX_SHARDS,
      Math.floor(positive(env.MAX_TENANT_RATE_SHARDS, DEFAULT_CEILINGS.rateShards)),
    ),
    dailyBudgetUsd: positive(env.MAX_TENANT_DAILY_BUDGET_USD, DEFAULT_CEILINGS.dailyBudgetUsd),
    ingestBacklogCap: Math.floor(
      positive(env.MAX_TENANT_INGEST_BACKLOG, DEFAULT_CEILINGS.ingestBacklogCap),
    ),
    keysPerTenant: Math.floor(positive(env.MAX_TENANT_KEYS, DEFAULT_CEILINGS.keysPerTenant)),
  };
}

/** Every rate-limit setting: per key, per end user, and all users together (issue #16). */
const RATE_FIELDS = ['rateLimits', 'userRateLimits', 'allUsersRateLimits'] as const;

/** Each tenant setting above its ceiling, as `field path: value > ceiling`. */
export function exceededCeilings(settings: TenantSettings, ceilings: OperatorCeilings): string[] {
  const over: string[] = [];
  const check = (path: string, value: number | undefined, ceiling: number) => {
    if (value !== undefined && value > ceiling) over.push(`${path}: ${value} > ${ceiling}`);
  };
  for (const field of RATE_FIELDS) {
    for (const op of OPERATION_CLASSES) {
      const override = settings[field]?.[op];
      check(`${field}.${op}.capacity`, override?.capacity, ceilings.rateCapacity);
      check(
        `${field}.${op}.refillPerSecond`,
        override?.refillPerSecond,
        ceilings.rateRefillPerSecond,
      );
      check(`${field}.${op}.shards`, override?.shards, ceilings.rateShards);
    }
  }
  check('dailyBudgetUsd', settings.dailyBudgetUsd, ceilings.dailyBudgetUsd);
  check('ingestBacklogCap', settings.ingestBacklogCap, ceilings.ingestBacklogCap);
  return over;
}

/**
 * The settings with every override held to its ceiling. Applied wherever stored settings take
 * effect, so a value stored before a ceiling was lowered can never exceed it either.
 */
export function clampSettings(
  settings: TenantSettings,
  ceilings: OperatorCeilings,
): TenantSettings {
  const clamped: TenantSettings = { ...settings };
  for (const field of RATE_FIELDS) {
    const limits = settings[field];
    if (!limits) continue;
    clamped[field] = Object.fromEntries(
      Object.entries(limits).map(([op, override]) => {
        const held = { ...override };
        if (held.capacity !== undefined)
          held.capacity = Math.min(held.capacity, ceilings.rateCapacity);
        if (held.refillPerSecond !== undefined) {
          held.refillPerSecond = Math.min(held.refillPerSecond, ceilings.rateRefillPerSecond);
        }
        if (held.shards !== undefined) held.shards = Math.min(held.shards, ceilings.rateShards);
        return [op, held];
      }),
    ) as TenantSettings['rateLimits'];
  }
  if (settings.dailyBudgetUsd !== undefined) {
    clamped.dailyBudgetUsd = Math.min(settings.dailyBudgetUsd, ceilings.dailyBudgetUsd);
  }
  if (settings.ingestBacklogCap !== undefined) {
    clamped.ingestBacklogCap = Math.min(settings.ingestBacklogCap, ceilings.ingestBacklogCap);
  }
  return clamped;
}
