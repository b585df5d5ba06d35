import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import type { UsageDelta } from '../metrics/recorder';

export type { UsageDelta };

/** UTC calendar day, `YYYY-MM-DD`. */
export const utcDay = (at: number | Date) => new Date(at).toISOString().slice(0, 10);

/** Adds `delta` to the tenant's `usage_daily` row for `day` (default: today, UTC). */
export async function recordUsage(
  db: Pick<Database, 'execute'>,
  tenantId: string,
  delta: UsageDelta,
  day: string = utcDay(Date.now()),
): Promise<void> {
  const d = {
    searches: delta.searches ?? 0,
    answers: delta.answers ?? 0,
    uploads: delta.uploads ?? 0,
    tokensIn: delta.tokensIn ?? 0,
    tokensOut: delta.tokensOut ?? 0,
    costUsd: delta.costUsd ?? 0,
  };
  await db.execute(sql`
    INSERT INTO usage_daily (tenant_id, day, searches, answers, uploads, tokens_in, tokens_out, cost_usd)
    VALUES (${tenantId}, ${day}, ${d.searches}, ${d.answers}, ${d.uploads}, ${d.tokensIn}, ${d.tokensOut}, ${d.costUsd})
    ON CONFLICT (tenant_id, day) DO UPDATE SET
      searches = usage_daily.searches + excluded.searches,
      answers = usage_daily.answers + excluded.answers,
      uploads = usage_daily.uploads + excluded.uploads,
      tokens_in = usage_daily.tokens_in + excluded.tokens_in,
      tokens_out = usage_daily.tokens_out + excluded.tokens_out,
      cost_usd = usage_daily.cost_usd + excluded.cost_usd`);
}
