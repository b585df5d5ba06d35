/** Metric names. Stable: dashboards and the Prometheus exposition depend on them. */
export type MetricName =
  | 'http_request'
  | 'ingest_stage'
  | 'ai_call'
  | 'ai_tokens_in'
  | 'ai_tokens_out'
  | 'ai_cost_usd'
  | 'cache_lookup'
  | 'breaker_transition'
  | 'rate_limited'
  | 'events_accepted'
  | 'events_rejected';

/** One aggregate of a (tenant, name, labels, minute) series. */
export interface MetricAggregate {
  tenantId: string | null;
  name: MetricName;
  /** Canonical `k=v,k=v` form, keys sorted, so equal label sets compare equal. */
  labels: string;
  /** Start of the minute, epoch ms. */
  minute: number;
  count: number;
  sum: number;
  /** Latency histogram (see histogram.ts); null for plain counters. */
  buckets: number[] | null;
}

/** Where aggregates go: Analytics Engine in production, Postgres locally. */
export interface MetricsSink {
  write(aggregates: MetricAggregate[]): Promise<void>;
}

export type Labels = Record<string, string | number | boolean>;

export function canonicalLabels(labels: Labels = {}): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${String(labels[k]).replace(/[,=]/g, '_')}`)
    .join(',');
}

export function parseLabels(labels: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of labels ? labels.split(',') : []) {
    const at = pair.indexOf('=');
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}
