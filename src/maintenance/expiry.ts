import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';

export interface ExpiryResult {
  idempotencyKeys: number;
  metricRows: number;
}

/** Idempotency keys and flush ids only matter for retries within a day; metric minutes for a few weeks. */
export async function expireRows(
  db: Database,
  options: { now: number; idempotencyTtlMs?: number; metricsRetentionDays: number },
): Promise<ExpiryResult> {
  const keysBefore = new Date(options.now - (options.idempotencyTtlMs ?? 24 * 60 * 60_000));
  const metricsBefore = new Date(options.now - options.metricsRetentionDays * 86_400_000);
  const keys = await db.execute<{ n: string }>(sql`
    WITH gone AS (DELETE FROM idempotency_keys WHERE created_at < ${keysBefore} RETURNING 1)
    SELECT count(*) AS n FROM gone`);
  const metrics = await db.execute<{ n: string }>(sql`
    WITH gone AS (DELETE FROM metrics_minute WHERE minute < ${metricsBefore} RETURNING 1)
    SELECT count(*) AS n FROM gone`);
  // Rollup flush ids only guard retries of a flush, which happen within seconds.
  await db.execute(sql`DELETE FROM rollup_flushes WHERE flushed_at < ${keysBefore}`);
  return {
    idempotencyKeys: Number(keys.rows[0]?.n ?? 0),
    metricRows: Number(metrics.rows[0]?.n ?? 0),
  };
}
