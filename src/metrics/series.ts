import { emptyHistogram, mergeInto, quantile } from './histogram';
import { parseLabels, type MetricName } from './types';

/** One `metrics_minute` row as the report reads it. */
export type SeriesRow = {
  name: string;
  labels: string;
  count: string | number;
  sum: string | number;
  buckets: (string | number)[] | string | null;
};

/**
 * The series `/v1/admin/metrics` reads from `metrics_minute`. With the Analytics Engine sink only
 * these are rolled up into Postgres as well (see flush.ts): the rest live in the dataset alone.
 */
export const REPORTED_SERIES: ReadonlySet<MetricName> = new Set<MetricName>([
  'http_request',
  'ingest_stage',
  'ai_call',
  'ai_tokens_in',
  'ai_tokens_out',
  'ai_cost_usd',
  'cache_lookup',
  'breaker_transition',
  'rate_limited',
]);

export const round = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);

/** Postgres returns bigint[] as strings (sometimes the `{1,2}` text form): normalise. */
function bucketsOf(value: SeriesRow['buckets']): number[] | null {
  if (value === null) return null;
  const list = typeof value === 'string' ? value.replace(/[{}]/g, '').split(',') : value;
  return list.map(Number);
}

/** Rows grouped by `keyOf(labels)`, with their counts, sums and merged histograms. */
function group(rows: readonly SeriesRow[], keyOf: (labels: Record<string, string>) => string) {
  const groups = new Map<
    string,
    { labels: Record<string, string>; count: number; sum: number; hist: number[] }
  >();
  for (const row of rows) {
    const labels = parseLabels(row.labels);
    const key = keyOf(labels);
    const entry = groups.get(key) ?? { labels, count: 0, sum: 0, hist: emptyHistogram() };
    entry.count += Number(row.count);
    entry.sum += Number(row.sum);
    const buckets = bucketsOf(row.buckets);
    if (buckets) mergeInto(entry.hist, buckets);
    groups.set(key, entry);
  }
  return [...groups.values()];
}

export interface RouteLatency {
  route: string;
  method: string;
  count: number;
  errors: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
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
    const g = groups.get(key) ?? {
      route: labels.route ?? '',
      method: labels.method ?? '',
      count: 0,
      errors: 0,
      hist: emptyHistogram(),
    };
    g.count += Number(row.count);
    if (Number(labels.status) >= 500) g.errors += Number(row.count);
    const buckets = bucketsOf(row.buckets);
    if (buckets) mergeInto(g.hist, buckets);
    groups.set(key, g);
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

export interface StageLatency {
  stage: string;
  count: number;
  p50: number | null;
  p95: number | null;
}

/** ingest_stage series by stage (recorded by the ingest consumer, see ingest/context.ts). */
export function summariseStages(rows: readonly SeriesRow[]): StageLatency[] {
  return group(rows, (l) => l.stage ?? '')
    .map((g) => ({
      stage: g.labels.stage ?? '',
      count: g.count,
      p50: round(quantile(g.hist, 0.5)),
      p95: round(quantile(g.hist, 0.95)),
    }))
    .sort((a, b) => a.stage.localeCompare(b.stage));
}

export interface CacheRate {
  kind: string;
  lookups: number;
  hits: number;
  hitRate: number | null;
}

export function summariseCache(rows: readonly SeriesRow[]): CacheRate[] {
  const kinds = new Map<string, { lookups: number; hits: number }>();
  for (const row of rows) {
    const labels = parseLabels(row.labels);
    const entry = kinds.get(labels.kind ?? '') ?? { lookups: 0, hits: 0 };
    entry.lookups += Number(row.count);
    if (labels.hit === 'true') entry.hits += Number(row.count);
    kinds.set(labels.kind ?? '', entry);
  }
  return [...kinds].map(([kind, e]) => ({
    kind,
    lookups: e.lookups,
    hits: e.hits,
    hitRate: e.lookups ? e.hits / e.lookups : null,
  }));
}

export interface AiUse {
  kind: string;
  purpose: string;
  model: string;
  calls: number;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  p95: number | null;
}

/**
 * Model calls over the window by kind, purpose and model: ai_call (count and latency),
 * ai_tokens_in/out and ai_cost_usd (their sums), all labelled alike by recordAiUsage.
 */
export function summariseAi(rows: readonly SeriesRow[]): AiUse[] {
  const keyOf = (l: Record<string, string>) => `${l.kind}|${l.purpose ?? ''}|${l.model}`;
  const byName = (name: MetricName) =>
    new Map(
      group(
        rows.filter((r) => r.name === name),
        keyOf,
      ).map((g) => [keyOf(g.labels), g]),
    );
  const tokensIn = byName('ai_tokens_in');
  const tokensOut = byName('ai_tokens_out');
  const cost = byName('ai_cost_usd');
  return [...byName('ai_call')]
    .map(([key, calls]) => ({
      kind: calls.labels.kind ?? '',
      purpose: calls.labels.purpose ?? '',
      model: calls.labels.model ?? '',
      calls: calls.count,
      tokensIn: tokensIn.get(key)?.sum ?? 0,
      tokensOut: tokensOut.get(key)?.sum ?? 0,
      costUsd: cost.get(key)?.sum ?? 0,
      p95: round(quantile(calls.hist, 0.95)),
    }))
    .sort((a, b) => `${a.kind}${a.purpose}`.localeCompare(`${b.kind}${b.purpose}`));
}

export interface BreakerMoves {
  breaker: string;
  from: string;
  to: string;
  count: number;
}

export function summariseBreakers(rows: readonly SeriesRow[]): BreakerMoves[] {
  return group(rows, (l) => `${l.breaker}|${l.from}|${l.to}`).map((g) => ({
    breaker: g.labels.breaker ?? '',
    from: g.labels.from ?? '',
    to: g.labels.to ?? '',
    count: g.count,
  }));
}
