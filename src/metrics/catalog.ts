import type { MetricsReport } from './report';

/**
 * The figures `/v1/admin/metrics` reports, by the names the README lists them under (between
 * its `metrics-figures` markers). One list for the README, the docs and the production-parity
 * session test: the test fails if the README and this list disagree, or if any figure is still
 * zero after a session that exercises it.
 */
export interface ReportFigure {
  id: string;
  read(report: MetricsReport): number;
}

const sum = <T>(items: readonly T[], of: (item: T) => number | null) =>
  items.reduce((total, item) => total + (of(item) ?? 0), 0);
const max = <T>(items: readonly T[], of: (item: T) => number | null) =>
  items.reduce((top, item) => Math.max(top, of(item) ?? 0), 0);
const hitRate = (report: MetricsReport, kind: string) =>
  report.cache.find((c) => c.kind === kind)?.hitRate ?? 0;
const aiOf = (report: MetricsReport, kind: string) => report.ai.filter((a) => a.kind === kind);

export const REPORT_FIGURES: readonly ReportFigure[] = [
  { id: 'requests', read: (r) => sum(r.requests, (x) => x.count) },
  { id: 'latency_p50_ms', read: (r) => max(r.requests, (x) => x.p50) },
  { id: 'latency_p95_ms', read: (r) => max(r.requests, (x) => x.p95) },
  { id: 'latency_p99_ms', read: (r) => max(r.requests, (x) => x.p99) },
  { id: 'ingest_backlog', read: (r) => r.queue.queued + r.queue.processing },
  { id: 'ingest_stage_ms', read: (r) => max(r.ingestStages, (s) => s.p95) },
  { id: 'search_cache_hit_rate', read: (r) => hitRate(r, 'search') },
  { id: 'answer_cache_hit_rate', read: (r) => hitRate(r, 'answer') },
  { id: 'rate_limited', read: (r) => r.rateLimited },
  { id: 'breaker_transitions', read: (r) => sum(r.breakers, (b) => b.count) },
  { id: 'embedding_tokens', read: (r) => sum(aiOf(r, 'embedding'), (a) => a.tokensIn) },
  { id: 'embedding_cost_usd', read: (r) => sum(aiOf(r, 'embedding'), (a) => a.costUsd) },
  { id: 'llm_tokens', read: (r) => sum(aiOf(r, 'llm'), (a) => a.tokensIn + a.tokensOut) },
  { id: 'llm_cost_usd', read: (r) => sum(aiOf(r, 'llm'), (a) => a.costUsd) },
  { id: 'tokens_today', read: (r) => r.today.tokensIn + r.today.tokensOut },
  { id: 'cost_today_usd', read: (r) => r.today.costUsd },
  { id: 'searches_today', read: (r) => r.today.searches },
  { id: 'answers_today', read: (r) => r.today.answers },
  { id: 'uploads_today', read: (r) => r.today.uploads },
];

/**
 * The figure ids listed in a README: on each bullet line between the `metrics-figures` markers,
 * the backticked ids before the colon.
 */
export function figuresListedIn(readme: string): string[] {
  const start = readme.indexOf('<!-- metrics-figures:start -->');
  const end = readme.indexOf('<!-- metrics-figures:end -->');
  if (start < 0 || end < start) return [];
  return readme
    .slice(start, end)
    .split('\n')
    .filter((line) => /^\s*[-*] `/.test(line))
    .flatMap((line) => [...line.split(':')[0]!.matchAll(/`([a-z0-9_]+)`/g)].map((m) => m[1]!));
}
