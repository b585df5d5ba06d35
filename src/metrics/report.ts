import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import {
  summariseAi,
  summariseBreakers,
  summariseCache,
  summariseRequests,
  summariseStages,
  type AiUse,
  type BreakerMoves,
  type CacheRate,
  type RouteLatency,
  type SeriesRow,
  type StageLatency,
} from './series';

export { summariseRequests, type RouteLatency } from './series';

export interface MetricsReport {
  windowMinutes: number;
  /**
   * The configured sink. Whatever it is, the figures below are read from Postgres: with
   * Analytics Engine the reported series are rolled up into `metrics_minute` as well (flush.ts).
   */
  sink: string;
  requests: RouteLatency[];
  queue: { queued: number; processing: number; oldestQueuedAgeSeconds: number | null };
  ingestStages: StageLatency[];
  cache: CacheRate[];
  /** Model calls in the window: embeddings, reranking, answers, summaries, enrichment. */
  ai: AiUse[];
  /** Circuit-breaker transitions that this tenant's calls caused, in the window. */
  breakers: BreakerMoves[];
  today: {
    day: string;
    tokensIn: number;
    tokensOut: number;
    costUsd: number;
    searches: number;
    answers: number;
    uploads: number;
  };
  rateLimited: number;
}

export async function metricsReport(
  db: Database,
  tenantId: string,
  options: { windowMinutes: number; now?: number; sink: string },
): Promise<MetricsReport> {
  const now = options.now ?? Date.now();
  const since = new Date(now - options.windowMinutes * 60_000);
  const day = new Date(now).toISOString().slice(0, 10);
  const [series, queue, usage] = await Promise.all([
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
    db.execute<Record<string, unknown>>(sql`
      SELECT tokens_in, tokens_out, cost_usd, searches, answers, uploads FROM usage_daily
      WHERE tenant_id = ${tenantId} AND day = ${day}::date`),
  ]);
  const rows = series.rows;
  const named = (name: string) => rows.filter((r) => r.name === name);
  const q = queue.rows[0];
  const u = usage.rows[0] ?? {};
  return {
    windowMinutes: options.windowMinutes,
    sink: options.sink,
    requests: summariseRequests(named('http_request')),
    queue: {
      queued: Number(q?.queued ?? 0),
      processing: Number(q?.processing ?? 0),
      oldestQueuedAgeSeconds: q?.oldest == null ? null : Math.round(Number(q.oldest)),
    },
    ingestStages: summariseStages(named('ingest_stage')),
    cache: summariseCache(named('cache_lookup')),
    ai: summariseAi(rows),
    breakers: summariseBreakers(named('breaker_transition')),
    today: {
      day,
      tokensIn: Number(u.tokens_in ?? 0),
      tokensOut: Number(u.tokens_out ?? 0),
      costUsd: Number(u.cost_usd ?? 0),
      searches: Number(u.searches ?? 0),
      answers: Number(u.answers ?? 0),
      uploads: Number(u.uploads ?? 0),
    },
    rateLimited: named('rate_limited').reduce((n, r) => n + Number(r.count), 0),
  };
}
