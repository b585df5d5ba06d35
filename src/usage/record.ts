import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client';

// The one ledger of `usage_daily`: every write to it (metrics flush, direct counts, budget holds
// and their settlement) goes through this module.

/**
 * Usage counted by one request. Defined here, with the rows it becomes; the metrics recorder
 * carries it to the write-behind buffer (metrics imports usage, never the reverse).
 */
export interface UsageDelta {
  searches?: number;
  answers?: number;
  uploads?: number;
  tokensIn?: number;
  tokensOut?: number;
  costUsd?: number;
}

/** UTC calendar day, `YYYY-MM-DD`. */
export const utcDay = (at: number | Date) => new Date(at).toISOString().slice(0, 10);

export interface UsageUpsertRow {
  tenantId: string;
  day: string;
  delta: UsageDelta;
}

/**
 * One multi-row upsert into `usage_daily` that adds each delta to its (tenant, day) row. Rows
 * must have distinct (tenant, day) keys. `where` filters the incoming rows (alias `v`).
 */
export function usageUpsert(rows: readonly UsageUpsertRow[], where: SQL = sql`true`): SQL {
  const values = rows.map(({ tenantId, day, delta: d }) => {
    return sql`(${tenantId}::uuid, ${day}::date, ${d.searches ?? 0}::int, ${d.answers ?? 0}::int, ${d.uploads ?? 0}::int, ${d.tokensIn ?? 0}::bigint, ${d.tokensOut ?? 0}::bigint, ${d.costUsd ?? 0}::real)`;
  });
  return sql`
    INSERT INTO usage_daily (tenant_id, day, searches, answers, uploads, tokens_in, tokens_out, cost_usd)
    SELECT v.tenant_id, v.day, v.searches, v.answers, v.uploads, v.tokens_in, v.tokens_out, v.cost_usd
    FROM (VALUES ${sql.join(values, sql`, `)}) AS v(tenant_id, day, searches, answers, uploads, tokens_in, tokens_out, cost_usd)
    WHERE ${where}
    ON CONFLICT (tenant_id, day) DO UPDATE SET
      searches = usage_daily.searches + excluded.searches,
      answers = usage_daily.answers + excluded.answers,
      uploads = usage_daily.uploads + excluded.uploads,
      tokens_in = usage_daily.tokens_in + excluded.tokens_in,
      tokens_out = usage_daily.tokens_out + excluded.tokens_out,
      cost_usd = usage_daily.cost_usd + excluded.cost_usd`;
}

/**
 * Adds `delta` to the tenant's `usage_daily` row for `day` (default: today, UTC), now. Request
 * code should use `countUsage` (metrics) instead, which batches through the isolate buffer.
 * Model calls are charged through the budget (`reserveSpend` / `settleSpend`), not here.
 */
export async function recordUsage(
  db: Pick<Database, 'execute'>,
  tenantId: string,
  delta: UsageDelta,
  day: string = utcDay(Date.now()),
): Promise<void> {
  await db.execute(usageUpsert([{ tenantId, day, delta }]));
}

/** USD charged to the tenant on the UTC day of `now` (settled calls only, not holds). */
export async function spentToday(
  db: Pick<Database, 'execute'>,
  tenantId: string,
  now: number = Date.now(),
): Promise<number> {
  const result = await db.execute<{ cost: number }>(sql`
    SELECT cost_usd::float8 AS cost FROM usage_daily
    WHERE tenant_id = ${tenantId}::uuid AND day = ${utcDay(now)}::date`);
  return Number(result.rows[0]?.cost ?? 0);
}

/**
 * Holds `amountUsd` against the tenant's cap for `day`, in one statement: the row is created or
 * updated only if what is charged plus what is held plus this amount stays within `limitUsd`.
 * Concurrent calls serialise on the row lock, and each re-checks the condition against the
 * row as the previous one left it, so together they can never pass the cap. Also returns what
 * was charged and held before this call, for the refusal's reason. `cost_usd` is a `real`:
 * through numeric it compares as the decimal it prints as (0.3, not 0.30000001192092896), so a
 * budget spent to the cent still admits a call that fits exactly.
 */
export async function reserveSpend(
  db: Pick<Database, 'execute'>,
  tenantId: string,
  day: string,
  amountUsd: number,
  limitUsd: number,
): Promise<{ granted: boolean; committedUsd: number }> {
  const result = await db.execute<{ granted: number; committed: number }>(sql`
    WITH held AS (
      INSERT INTO usage_daily AS u (tenant_id, day, reserved_usd)
      SELECT ${tenantId}::uuid, ${day}::date, ${amountUsd}::float8
      WHERE ${amountUsd}::float8 <= ${limitUsd}::float8
      ON CONFLICT (tenant_id, day) DO UPDATE SET reserved_usd = u.reserved_usd + excluded.reserved_usd
      WHERE u.cost_usd::numeric::float8 + u.reserved_usd + excluded.reserved_usd <= ${limitUsd}::float8
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM held)::int AS granted,
      coalesce((SELECT cost_usd::numeric::float8 + reserved_usd FROM usage_daily
                WHERE tenant_id = ${tenantId}::uuid AND day = ${day}::date), 0)::float8 AS committed`);
  const row = result.rows[0];
  return { granted: Number(row?.granted) === 1, committedUsd: Number(row?.committed ?? 0) };
}

/** Releases a hold made by `reserveSpend` on `day` and charges what the call actually used. */
export async function settleSpend(
  db: Pick<Database, 'execute'>,
  tenantId: string,
  day: string,
  heldUsd: number,
  used: { tokensIn: number; tokensOut: number; costUsd: number },
): Promise<void> {
  await db.execute(sql`
    UPDATE usage_daily SET
      reserved_usd = greatest(0, reserved_usd - ${heldUsd}::float8),
      tokens_in = tokens_in + ${used.tokensIn}::bigint,
      tokens_out = tokens_out + ${used.tokensOut}::bigint,
      cost_usd = cost_usd + ${used.costUsd}::real
    WHERE tenant_id = ${tenantId}::uuid AND day = ${day}::date`);
}
