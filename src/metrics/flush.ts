import { openDatabase } from '../db/client';
import type { Env } from '../env';
import { errorFields, logJson } from '../observability/log';
import { recordUsage } from '../usage/record';
import { analyticsEngineSink } from './analytics-engine-sink';
import { postgresSink } from './postgres-sink';
import type { MetricsRecorder } from './recorder';
import type { MetricsSink } from './types';

type SinkKind = 'analytics-engine' | 'postgres' | 'none';

/** `METRICS_SINK` decides; by default the Analytics Engine binding when present, else Postgres. */
export function sinkKind(env: Pick<Env, 'METRICS' | 'METRICS_SINK'>): SinkKind {
  const configured = env.METRICS_SINK;
  if (configured === 'analytics-engine' || configured === 'postgres' || configured === 'none') {
    return configured;
  }
  return env.METRICS ? 'analytics-engine' : 'postgres';
}

/**
 * Writes what `recorder` holds: aggregates to the sink, usage deltas to `usage_daily`. Meant to
 * run inside `waitUntil`; it opens its own pool (the request's pool is closed by then) and only
 * when there is something for Postgres. Failures are logged, never thrown.
 */
export async function flushMetrics(env: Env, recorder: MetricsRecorder): Promise<void> {
  if (recorder.isEmpty) return;
  const drained = recorder.drain();
  const kind = sinkKind(env);
  // Postgres metrics are read per tenant only, so untenanted series (health checks, rejected
  // keys) would be rows nobody reads: skip them rather than open a connection per probe.
  const aggregates =
    kind === 'postgres'
      ? drained.aggregates.filter((a) => a.tenantId !== null)
      : drained.aggregates;
  const usage = drained.usage;
  const needsDb = usage.size > 0 || (kind === 'postgres' && aggregates.length > 0);
  const opened = needsDb ? openDatabase(env) : null;
  try {
    let sink: MetricsSink | null = null;
    if (kind === 'analytics-engine' && env.METRICS) sink = analyticsEngineSink(env.METRICS);
    if (kind === 'postgres' && opened) sink = postgresSink(opened.db);
    const writes: Promise<void>[] = [];
    if (sink && aggregates.length > 0) writes.push(sink.write(aggregates));
    for (const [tenantId, delta] of usage) writes.push(recordUsage(opened!.db, tenantId, delta));
    const results = await Promise.allSettled(writes);
    for (const r of results) {
      if (r.status === 'rejected')
        logJson('warn', { msg: 'metrics.flush_failed', ...errorFields(r.reason) });
    }
  } finally {
    await opened?.close().catch(() => {});
  }
}
