import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client';
import type { MetricAggregate, MetricsSink } from './types';

/**
 * One multi-row upsert into `metrics_minute`, adding counts, sums and histogram buckets
 * element-wise. `where` filters the incoming rows (alias `v`); the flush uses it to skip rows
 * of deleted tenants and rows of a batch that was already applied.
 */
export function metricsUpsert(aggregates: readonly MetricAggregate[], where: SQL = sql`true`): SQL {
  const rows = aggregates.map(
    (a) =>
      sql`(${a.tenantId}::uuid, ${a.name}::text, ${a.labels}::text, to_timestamp(${a.minute / 1000}), ${a.count}::bigint, ${a.sum}::float8, ${a.buckets ? `{${a.buckets.join(',')}}` : null}::bigint[])`,
  );
  return sql`
    INSERT INTO metrics_minute (tenant_id, name, labels, minute, count, sum, buckets)
    SELECT v.tenant_id, v.name, v.labels, v.minute, v.count, v.sum, v.buckets
    FROM (VALUES ${sql.join(rows, sql`, `)}) AS v(tenant_id, name, labels, minute, count, sum, buckets)
    WHERE ${where}
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
      END`;
}

/**
 * Local sink: upserts per-minute aggregates into `metrics_minute` in one statement, so
 * `/v1/admin/metrics` can compute percentiles without Analytics Engine. The request path
 * goes through the per-isolate write-behind buffer (flush.ts) instead of calling this.
 */
export function postgresSink(db: Pick<Database, 'execute'>): MetricsSink {
  return {
    async write(aggregates: MetricAggregate[]) {
      if (aggregates.length === 0) return;
      await db.execute(metricsUpsert(aggregates));
    },
  };
}
