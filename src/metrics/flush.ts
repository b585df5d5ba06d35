import { sql, type SQL } from 'drizzle-orm';
import { openDatabase, type Database } from '../db/client';
import type { Env } from '../env';
import { errorFields, logJson } from '../observability/log';
import { keyActivityInsert } from '../usage/key-activity';
import { usageUpsert, utcDay } from '../usage/record';
import { analyticsEngineSink } from './analytics-engine-sink';
import { metricsUpsert } from './postgres-sink';
import type { MetricsRecorder } from './recorder';
import { REPORTED_SERIES } from './series';
import { WriteBehindBuffer, type PendingBatch } from './write-behind';

type SinkKind = 'analytics-engine' | 'postgres' | 'none';

/** `METRICS_SINK` decides; by default the Analytics Engine binding when present, else Postgres. */
export function sinkKind(env: Pick<Env, 'METRICS' | 'METRICS_SINK'>): SinkKind {
  const configured = env.METRICS_SINK;
  if (configured === 'analytics-engine' || configured === 'postgres' || configured === 'none') {
    return configured;
  }
  return env.METRICS ? 'analytics-engine' : 'postgres';
}

/** This isolate's pending rollup rows: shared by every request the isolate serves. */
export const isolateBuffer = new WriteBehindBuffer();

/**
 * Hands what `recorder` holds to its sinks. Analytics Engine points are written at once (no
 * round trip: `writeDataPoint` is fire-and-forget). Rows bound for Postgres (`usage_daily`,
 * `key_activity_daily`, and `metrics_minute`: every series with the Postgres sink, the reported
 * ones with Analytics Engine) go to the isolate's
 * write-behind buffer, which writes them in one statement at most every second or 500 rows,
 * instead of one pool and one upsert per request. Meant for `waitUntil`: the promise settles
 * when this request's rows are written or handed to a flush that is already scheduled.
 * Failures are logged, never thrown; the buffer keeps failed rows for the next flush.
 */
export async function flushMetrics(
  env: Env,
  recorder: MetricsRecorder,
  buffer: WriteBehindBuffer = isolateBuffer,
): Promise<void> {
  if (!recorder.isEmpty) {
    const drained = recorder.drain();
    const kind = sinkKind(env);
    if (kind === 'analytics-engine' && env.METRICS && drained.aggregates.length > 0) {
      await analyticsEngineSink(env.METRICS).write(drained.aggregates);
    }
    // `/v1/admin/metrics` reads Postgres in every configuration (docs/observability.md, "Why the
    // report reads Postgres"): with Analytics Engine the series it reports are rolled up here as
    // well, in the statement the isolate sends anyway for usage_daily. Postgres metrics are read
    // per tenant only, so untenanted series (health checks, rejected keys) would be rows nobody reads.
    if (kind !== 'none') {
      buffer.addAggregates(
        drained.aggregates.filter(
          (a) => a.tenantId && (kind === 'postgres' || REPORTED_SERIES.has(a.name)),
        ),
      );
    }
    const day = utcDay(Date.now());
    for (const [tenantId, delta] of drained.usage) buffer.addUsage(tenantId, day, delta);
    for (const row of drained.keyActivity) buffer.addKeyActivity(row);
    if (buffer.dropped > 0) {
      logJson('warn', { msg: 'metrics.dropped', rows: buffer.dropped, pending: buffer.size });
      buffer.dropped = 0;
    }
  }
  const write = (batch: PendingBatch) => writeBatchWithPool(env, batch);
  // METRICS_FLUSH_MS=0 writes at once instead of waiting for the window: for callers that await
  // every request's background work one request at a time (the fuzz suite), where a wait of up to
  // a second per window would dominate.
  if (env.METRICS_FLUSH_MS === '0') await buffer.flush(write);
  else await buffer.settle(write);
}

async function writeBatchWithPool(env: Env, batch: PendingBatch): Promise<void> {
  // Its own short-lived pool: the request's pool is closed by the time a flush runs.
  const { db, close } = openDatabase(env, 'background');
  try {
    await writeBatch(db, batch);
  } catch (error) {
    logJson('warn', { msg: 'metrics.flush_failed', batch: batch.id, ...errorFields(error) });
    throw error;
  } finally {
    await close().catch(() => {});
  }
}

/**
 * Writes one batch in one statement: a multi-row upsert per table as data-modifying CTEs, so
 * all tables change together or not at all. The batch id goes into `rollup_flushes` in the
 * same statement and every insert is conditional on that id being new: re-sending a batch that
 * already committed writes nothing. Rows of tenants deleted meanwhile are skipped, so they can
 * never block a batch. Returns whether the batch was applied now (false: it already was).
 */
export async function writeBatch(
  db: Pick<Database, 'execute'>,
  batch: PendingBatch,
): Promise<boolean> {
  const live = sql`EXISTS (SELECT 1 FROM flush) AND EXISTS (SELECT 1 FROM tenants t WHERE t.id = v.tenant_id)`;
  const parts: SQL[] = [
    sql`flush AS (INSERT INTO rollup_flushes (id) VALUES (${batch.id}::uuid) ON CONFLICT DO NOTHING RETURNING id)`,
  ];
  if (batch.aggregates.length > 0) parts.push(sql`m AS (${metricsUpsert(batch.aggregates, live)})`);
  if (batch.usage.length > 0) parts.push(sql`u AS (${usageUpsert(batch.usage, live)})`);
  if (batch.keyActivity.length > 0) {
    parts.push(sql`k AS (${keyActivityInsert(batch.keyActivity, live)})`);
  }
  const result = await db.execute<{ applied: number }>(
    sql`WITH ${sql.join(parts, sql`, `)} SELECT count(*)::int AS applied FROM flush`,
  );
  const applied = result.rows[0]?.applied === 1;
  if (!applied) logJson('info', { msg: 'metrics.flush_already_applied', batch: batch.id });
  return applied;
}
