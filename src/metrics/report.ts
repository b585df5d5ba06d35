import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { emptyHistogram, mergeInto, quantile } from './histogram';
import { parseLabels } from './types';

export interface RouteLatency {
  route: string;
  method: string;
  count: number;
  errors: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface MetricsReport {
  windowMinutes: number;
  /** Where the request figures come from; with Analytics Engine they are queried there. */
  sink: string;
  requests: RouteLatency[];
  queue: { queued: number; processing: number; oldestQueuedAgeSeconds: number | null };
  ingestStages: { stage: string; count: number; p50: number | null; p95: number | null }[];
  cache: { kind: string; lookups: number; hits: number; hitRate: number | null }[];
  today: {
    day: string;
    tokensIn: number;
    tokensOut: number;
    costUsd: number;
    searches: number;
    answers: number;
  };
  rateLimited: number;
}

const round = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);

type SeriesRow = {
  name: string;
  labels: string;
  count: string | number;
  sum: string | number;
  buckets: (string | number)[] | string | null;
};

/** Postgres returns bigint[] as strings (sometimes the `{1,2}` text form): normalise. */
function bucketsOf(value: SeriesRow['buckets']): number[] | null {
  if (value === null) return null;
  const list = typeof value === 'string' ? value.replace(/[{}]/g, '').split(',') : value;
  return list.map(Number);
}

/** Groups http_request series by route+method: merges histograms, counts 5xx. */
export function summariseRequests(rows: readonly SeriesRow[]): RouteLatency[] {
  const groups = new Map<
    string,
    { route: string; method: string; count: number; errors: number; hist: number[] }
  >();
  for (const row of rows) {
    const labels = parseLabels(row.labels);
    const key = `${labels.method} ${labels.route}`;
    const group = groups.get(key) ?? {
      route: labels.route ?? '',
      method: labels.method ?? '',
      count: 0,
      errors: 0,
      hist: emptyHistogram(),
    };
    group.count += Number(row.count);
    if (Number(labels.status) >= 500) group.errors += Number(row.count);
    const buckets = bucketsOf(row.buckets);
    if (buckets) mergeInto(group.hist, buckets);
    groups.set(key, group);
  }
  return [...groups.values()]
    .map((g) => ({
      route: g.route,
      method: g.method,
      count: g.count,
      errors: g.errors,
      p50: round(quantile(g.hist, 0.5)),
      p95: round(quantile(g.hist, 0.95)),
      p99: round(quantile(g.hist, 0.99)),
    }))
    .sort((a, b) => b.count - a.count);
}

export async function metricsReport(
  db: Database,
  tenantId: string,
  options: { windowMinutes: number; now?: number; sink: string },
): Promise<MetricsReport> {
  const now = options.now ?? Date.now();
  const since = new Date(now - options.windowMinutes * 60_000);
  const day = new Date(now).toISOString().slice(0, 10);
  const [series, queue, stages, usage] = await Promise.all([
    // Raw minute rows (at most one per series and minute); merged in memory below.
    db.execute<SeriesRow>(sql`
      SELECT name, labels, count, sum, buckets
      FROM metrics_minute
      WHERE tenant_id = ${tenantId} AND minute >= ${since}`),
    db.execute<{ queued: string; processing: string; oldest: string | null }>(sql`
      SELECT count(*) FILTER (WHERE status = 'queued') AS queued,
             count(*) FILTER (WHERE status = 'processing') AS processing,
             extract(epoch FROM (${new Date(now)}::timestamptz - min(created_at) FILTER (WHERE status = 'queued'))) AS oldest
      FROM document_versions
      WHERE tenant_id = ${tenantId} AND status IN ('queued', 'processing')`),
    db.execute<{ stage: string; count: string; p50: number | null; p95: number | null }>(sql`
      SELECT stage, count(*) AS count,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY (detail->>'ms')::float8) AS p50,
             percentile_cont(0.95) WITHIN GROUP (ORDER BY (detail->>'ms')::float8) AS p95
      FROM ingestion_events
      WHERE tenant_id = ${tenantId} AND created_at >= ${since} AND detail ? 'ms'
      GROUP BY stage ORDER BY stage`),
    db.execute<Record<string, unknown>>(sql`
      SELECT tokens_in, tokens_out, cost_usd, searches, answers FROM usage_daily
      WHERE tenant_id = ${tenantId} AND day = ${day}::date`),
  ]);
  const rows = series.rows;
  const cacheKinds = new Map<string, { lookups: number; hits: number }>();
  let rateLimited = 0;
  for (const row of rows) {
    if (row.name === 'rate_limited') rateLimited += Number(row.count);
    if (row.name !== 'cache_lookup') continue;
    const labels = parseLabels(row.labels);
    const entry = cacheKinds.get(labels.kind ?? '') ?? { lookups: 0, hits: 0 };
    entry.lookups += Number(row.count);
    if (labels.hit === 'true') entry.hits += Number(row.count);
    cacheKinds.set(labels.kind ?? '', entry);
  }
  const q = queue.rows[0];
  const u = usage.rows[0] ?? {};
  return {
    windowMinutes: options.windowMinutes,
    sink: options.sink,
    requests: summariseRequests(rows.filter((r) => r.name === 'http_request')),
    queue: {
      queued: Number(q?.queued ?? 0),
      processing: Number(q?.processing ?? 0),
      oldestQueuedAgeSeconds: q?.oldest == null ? null : Math.round(Number(q.oldest)),
    },
    ingestStages: stages.rows.map((s) => ({
      stage: s.stage,
      count: Number(s.count),
      p50: round(s.p50 === null ? null : Number(s.p50)),
      p95: round(s.p95 === null ? null : Number(s.p95)),
    })),
    cache: [...cacheKinds].map(([kind, e]) => ({
      kind,
      lookups: e.lookups,
      hits: e.hits,
      hitRate: e.lookups ? e.hits / e.lookups : null,
    })),
    today: {
      day,
      tokensIn: Number(u.tokens_in ?? 0),
      tokensOut: Number(u.tokens_out ?? 0),
      costUsd: Number(u.cost_usd ?? 0),
      searches: Number(u.searches ?? 0),
      answers: Number(u.answers ?? 0),
    },
    rateLimited,
  };
}
