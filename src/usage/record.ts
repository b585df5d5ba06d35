import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client';

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
 */
export async function recordUsage(
  db: Pick<Database, 'execute'>,
  tenantId: string,
  delta: UsageDelta,
  day: string = utcDay(Date.now()),
): Promise<void> {
  await db.execute(usageUpsert([{ tenantId, day, delta }]));
}
