import type { Labels } from './types';
import { MetricsRecorder, type UsageDelta } from './recorder';

export { MetricsRecorder, type UsageDelta } from './recorder';
export { flushMetrics } from './flush';
export type { MetricAggregate, MetricsSink, MetricName } from './types';

declare module 'hono' {
  interface ContextVariableMap {
    /** This request's metrics; flushed after the response by the logger middleware. */
    metrics: MetricsRecorder;
  }
}

/** Anything that can hand out a recorder: a recorder itself or a Hono context (`c`). */
export type MetricsTarget = MetricsRecorder | { readonly var: unknown };

/** Recording must never fail a request: without a recorder (e.g. a unit test) it is a no-op. */
const discard = new MetricsRecorder();
export function recorderOf(target: MetricsTarget): MetricsRecorder {
  if (target instanceof MetricsRecorder) return target;
  const recorder = (target.var as { metrics?: MetricsRecorder } | undefined)?.metrics;
  if (recorder) return recorder;
  discard.drain();
  return discard;
}

export function recordRequest(
  target: MetricsTarget,
  tenantId: string | null,
  request: { route: string; method: string; status: number; ms: number },
): void {
  recorderOf(target).timing(
    'http_request',
    tenantId,
    { route: request.route, method: request.method, status: request.status },
    request.ms,
  );
}

export interface AiUsage {
  tenantId: string;
  kind: 'embedding' | 'rerank' | 'llm';
  /** What the call served: `query`, `ingest`, `answer`, `summary`, `enrichment`, … */
  purpose: string;
  model: string;
  tokensIn: number;
  tokensOut?: number;
  costUsd?: number;
  ms?: number;
}

/**
 * An embedding, reranking or LLM call: call count and latency, tokens and cost, by kind, purpose
 * and model. Observability only: `usage_daily` (what budgets and `/v1/usage` read) is written by
 * the usage ledger, so recording here as well would count a call's tokens twice.
 */
export function recordAiUsage(target: MetricsTarget, usage: AiUsage): void {
  const recorder = recorderOf(target);
  const labels = { kind: usage.kind, purpose: usage.purpose, model: usage.model };
  recorder.timing('ai_call', usage.tenantId, labels, usage.ms ?? 0);
  recorder.count('ai_tokens_in', usage.tenantId, labels, usage.tokensIn);
  if (usage.tokensOut) recorder.count('ai_tokens_out', usage.tenantId, labels, usage.tokensOut);
  if (usage.costUsd) recorder.count('ai_cost_usd', usage.tenantId, labels, usage.costUsd);
}

/** Search and answer caches: the hit rate is hits / lookups per kind. */
export function recordCacheLookup(
  target: MetricsTarget,
  tenantId: string | null,
  kind: 'search' | 'answer' | 'embedding' | (string & {}),
  hit: boolean,
): void {
  recorderOf(target).count('cache_lookup', tenantId, { kind, hit });
}

/**
 * A breaker changed state. Breakers are shared by every tenant; the transition is counted for
 * the tenant whose call caused it (the call that reported it back), so it reaches that
 * tenant's report.
 */
export function recordBreakerTransition(
  target: MetricsTarget,
  tenantId: string | null,
  breaker: string,
  from: string,
  to: string,
): void {
  recorderOf(target).count('breaker_transition', tenantId, { breaker, from, to });
}

export function recordRateLimited(
  target: MetricsTarget,
  tenantId: string | null,
  limit: string,
): void {
  recorderOf(target).count('rate_limited', tenantId, { limit });
}

/** Billable activity for `usage_daily` (searches, answers, uploads). */
export function countUsage(target: MetricsTarget, tenantId: string, delta: UsageDelta): void {
  recorderOf(target).usage(tenantId, delta);
}

export function recordIngestStage(
  target: MetricsTarget,
  tenantId: string,
  stage: string,
  ms: number,
): void {
  recorderOf(target).timing('ingest_stage', tenantId, { stage }, ms);
}

export type { Labels };
