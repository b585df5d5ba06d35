import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import type { MetricAggregate, MetricsSink } from './types';

/**
 * Local sink: upserts per-minute aggregates into `metrics_minute` in one statement, adding
 * counts, sums and histogram buckets element-wise, so `/v1/admin/metrics` can compute
 * percentiles without Analytics Engine.
 */
export function postgresSink(db: Pick<Database, 'execute'>): MetricsSink {
  return {
    async write(aggregates: MetricAggregate[]) {
      if (aggregates.length === 0) return;
      const rows = aggregates.map(
        (a) =>
          sql`(${a.tenantId}::uuid, ${a.name}, ${a.labels}, to_timestamp(${a.minute / 1000}), ${a.count}, ${a.sum}, ${a.buckets ? `{${a.buckets.join(',')}}` : null}::bigint[])`,
      );
      await db.execute(sql`
        INSERT INTO metrics_minute (tenant_id, name, labels, minute, count, sum, buckets)
        VALUES ${sql.join(rows, sql`, `)}
        ON CONFLICT (tenant_id, name, labels, minute) DO UPDATE SET
          count = metrics_minute.count + excluded.count,
          sum = metrics_minute.sum + excluded.sum,
          buckets = CASE
            WHEN metrics_minute.buckets IS NULL THEN excluded.buckets
            WHEN excluded.buckets IS NULL THEN metrics_minute.buckets
            ELSE ARRAY(
              SELECT coalesce(a, 0) + coalesce(b, 0)
              FROM unnest(metrics_minute.buckets, excluded.buckets) WITH ORDINALITY AS t(a, b, i)
              ORDER BY i
            )
          END`);
    },
  };
}
