import type { MetricsReport } from './report';

const escapeLabel = (v: string) =>
  v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labelsText = (labels: Record<string, string>) => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
};

/** Prometheus text exposition (format 0.0.4) of a tenant's report. Gauges over the window. */
export function toPrometheus(report: MetricsReport, tenantId: string): string {
  const lines: string[] = [];
  const family = (name: string, type: string, help: string) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  };
  const sample = (name: string, labels: Record<string, string>, value: number | null) => {
    if (value === null || !Number.isFinite(value)) return;
    lines.push(`${name}${labelsText({ tenant: tenantId, ...labels })} ${value}`);
  };
  const window = String(report.windowMinutes);

  family('vellum_http_requests', 'gauge', 'Requests in the window, by route and method.');
  for (const r of report.requests)
    sample(
      'vellum_http_requests',
      { route: r.route, method: r.method, window_minutes: window },
      r.count,
    );
  family('vellum_http_request_errors', 'gauge', 'Responses with status >= 500 in the window.');
  for (const r of report.requests)
    sample(
      'vellum_http_request_errors',
      { route: r.route, method: r.method, window_minutes: window },
      r.errors,
    );
  family(
    'vellum_http_request_duration_ms',
    'gauge',
    'Request latency quantiles (ms) over the window.',
  );
  for (const r of report.requests) {
    for (const [q, v] of [
      ['0.5', r.p50],
      ['0.95', r.p95],
      ['0.99', r.p99],
    ] as const) {
      sample(
        'vellum_http_request_duration_ms',
        { route: r.route, method: r.method, quantile: q, window_minutes: window },
        v,
      );
    }
  }
  family('vellum_ingest_queue_documents', 'gauge', 'Document versions waiting or being processed.');
  sample('vellum_ingest_queue_documents', { state: 'queued' }, report.queue.queued);
  sample('vellum_ingest_queue_documents', { state: 'processing' }, report.queue.processing);
  family('vellum_ingest_queue_oldest_age_seconds', 'gauge', 'Age of the oldest queued version.');
  sample('vellum_ingest_queue_oldest_age_seconds', {}, report.queue.oldestQueuedAgeSeconds ?? 0);
  family(
    'vellum_ingest_stage_duration_ms',
    'gauge',
    'Ingest stage duration quantiles (ms) over the window.',
  );
  for (const s of report.ingestStages) {
    sample('vellum_ingest_stage_duration_ms', { stage: s.stage, quantile: '0.5' }, s.p50);
    sample('vellum_ingest_stage_duration_ms', { stage: s.stage, quantile: '0.95' }, s.p95);
  }
  family('vellum_cache_hit_ratio', 'gauge', 'Cache hits / lookups over the window.');
  for (const c of report.cache) sample('vellum_cache_hit_ratio', { kind: c.kind }, c.hitRate);
  family('vellum_rate_limited', 'gauge', 'Requests rejected by rate limits in the window.');
  sample('vellum_rate_limited', {}, report.rateLimited);
  family('vellum_ai_tokens_today', 'gauge', 'Model tokens used today (UTC).');
  sample('vellum_ai_tokens_today', { direction: 'in' }, report.today.tokensIn);
  sample('vellum_ai_tokens_today', { direction: 'out' }, report.today.tokensOut);
  family('vellum_ai_cost_usd_today', 'gauge', 'Model cost today (UTC), USD.');
  sample('vellum_ai_cost_usd_today', {}, report.today.costUsd);
  family('vellum_uploads_today', 'gauge', 'Uploads stored today (UTC).');
  sample('vellum_uploads_today', {}, report.today.uploads);
  // One group per family: the text format wants a family's samples together after its TYPE.
  const aiLabels = (a: MetricsReport['ai'][number]) => ({
    kind: a.kind,
    purpose: a.purpose,
    model: a.model,
    window_minutes: window,
  });
  family('vellum_ai_calls', 'gauge', 'Model calls in the window, by kind, purpose and model.');
  for (const a of report.ai) sample('vellum_ai_calls', aiLabels(a), a.calls);
  family('vellum_ai_tokens', 'gauge', 'Model tokens in the window, by kind, purpose and model.');
  for (const a of report.ai) {
    sample('vellum_ai_tokens', { ...aiLabels(a), direction: 'in' }, a.tokensIn);
    sample('vellum_ai_tokens', { ...aiLabels(a), direction: 'out' }, a.tokensOut);
  }
  family('vellum_ai_cost_usd', 'gauge', 'Model cost in the window (USD), by kind and model.');
  for (const a of report.ai) sample('vellum_ai_cost_usd', aiLabels(a), a.costUsd);
  family('vellum_breaker_transitions', 'gauge', 'Circuit-breaker transitions in the window.');
  for (const b of report.breakers) {
    sample('vellum_breaker_transitions', { breaker: b.breaker, from: b.from, to: b.to }, b.count);
  }
  return `${lines.join('\n')}\n`;
}
