import { z } from '@hono/zod-openapi';
import { eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { tenants } from '../db/schema';
import { MAX_SHARDS, OPERATION_CLASSES, type OperationClass } from '../ratelimit/config';

const BucketOverride = z
  .object({
    capacity: z.number().int().min(1).max(100_000).optional(),
    refillPerSecond: z.number().min(0.001).max(10_000).optional(),
    shards: z.number().int().min(1).max(MAX_SHARDS).optional(),
  })
  .strict();

const RateLimitOverrides = z
  .object(
    Object.fromEntries(OPERATION_CLASSES.map((k) => [k, BucketOverride.optional()])) as Record<
      OperationClass,
      z.ZodOptional<typeof BucketOverride>
    >,
  )
  .strict();

/** A browser origin: scheme, host and optional port, nothing else (no path, no wildcard). */
const Origin = z
  .string()
  .max(200)
  .regex(/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/, 'an origin such as https://app.example.com');
const CorsOrigins = z.array(Origin).max(20);

/** What a tenant may tune. Stored in `tenants.settings`; unknown keys are refused. */
export const TenantSettingsSchema = z
  .object({
    rateLimits: RateLimitOverrides.optional(),
    /** Per end user per class, for requests made with a user token (issue #16). */
    userRateLimits: RateLimitOverrides.optional(),
    /** All of the tenant's user-token traffic together, per class. */
    allUsersRateLimits: RateLimitOverrides.optional(),
    /** Browser origins allowed to call with this tenant's user tokens. */
    corsOrigins: CorsOrigins.optional(),
    dailyBudgetUsd: z.number().min(0).max(1_000_000).optional(),
    ingestBacklogCap: z.number().int().min(1).max(1_000_000).optional(),
    /** Summary and suggested tags for each ready document, by Claude; off unless set to true. */
    enrichment: z.boolean().optional(),
  })
  .strict()
  .openapi('TenantSettings');
export type TenantSettings = z.infer<typeof TenantSettingsSchema>;

/** A patch: a field set to null returns it to the default. */
export const TenantSettingsPatch = z
  .object({
    rateLimits: RateLimitOverrides.nullable().optional(),
    userRateLimits: RateLimitOverrides.nullable().optional(),
    allUsersRateLimits: RateLimitOverrides.nullable().optional(),
    corsOrigins: CorsOrigins.nullable().optional(),
    dailyBudgetUsd: z.number().min(0).max(1_000_000).nullable().optional(),
    ingestBacklogCap: z.number().int().min(1).max(1_000_000).nullable().optional(),
    enrichment: z.boolean().nullable().optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'nothing to update')
  .openapi('TenantSettingsPatch');
export type TenantSettingsPatch = z.infer<typeof TenantSettingsPatch>;

const FIELDS = TenantSettingsSchema.shape;
type Field = keyof typeof FIELDS;

/**
 * Reads the fields this module owns, one by one, so a stale or foreign value in one field
 * never discards the others. Keys owned by other features are left alone.
 */
export function parseStoredSettings(raw: unknown): TenantSettings {
  const stored = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const settings: Record<string, unknown> = {};
  for (const field of Object.keys(FIELDS) as Field[]) {
    const parsed = FIELDS[field].safeParse(stored[field]);
    if (parsed.success && parsed.data !== undefined) settings[field] = parsed.data;
  }
  return settings as TenantSettings;
}

/** Applies a patch to the stored jsonb, keeping keys this module does not own. */
export function applySettingsPatch(
  stored: Record<string, unknown>,
  patch: TenantSettingsPatch,
): Record<string, unknown> {
  const next: Record<string, unknown> = { ...stored };
  for (const [field, value] of Object.entries(patch)) {
    if (value === null) delete next[field];
    else if (value !== undefined) next[field] = value;
  }
  return next;
}

export async function loadSettings(db: Database, tenantId: string): Promise<TenantSettings> {
  const [row] = await db
    .select({ settings: tenants.settings })
    .from(tenants)
    .where(eq(tenants.id, tenantId));
  return parseStoredSettings(row?.settings);
}

/** Row-locked read-modify-write so concurrent patches never lose each other's fields. */
export async function updateSettings(
  db: Database,
  tenantId: string,
  patch: TenantSettingsPatch,
  audit: (tx: Database, before: TenantSettings, after: TenantSettings) => Promise<void>,
): Promise<TenantSettings> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ settings: tenants.settings })
      .from(tenants)
      .where(eq(tenants.id, tenantId))
      .for('update');
    const stored = (row?.settings ?? {}) as Record<string, unknown>;
    const next = applySettingsPatch(stored, patch);
    const before = parseStoredSettings(stored);
    const after = parseStoredSettings(next);
    await tx
      .update(tenants)
      .set({ settings: sql`${JSON.stringify(next)}::jsonb` })
      .where(eq(tenants.id, tenantId));
    await audit(tx as unknown as Database, before, after);
    return after;
  });
}
