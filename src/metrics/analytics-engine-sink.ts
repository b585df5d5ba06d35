import { logJson } from '../observability/log';
import type { MetricAggregate, MetricsSink } from './types';

/**
 * Analytics Engine accepts at most this many writeDataPoint calls per invocation (250 since
 * 2026; developers.cloudflare.com/analytics/analytics-engine/limits).
 */
export const MAX_POINTS_PER_INVOCATION = 250;

/**
 * Production sink. One data point per aggregate:
 *   index1 = tenant id (the sampling key), blob1 = metric name, blob2 = labels,
 *   double1 = count, double2 = sum (ms for timings).
 * A request usually records one observation per series, so `double2 / double1` is the value
 * and `quantileExactWeighted(0.95)(double2 / double1, _sample_interval * double1)` gives p95.
 * `writeDataPoint` is fire-and-forget: it never blocks the request.
 */
export function analyticsEngineSink(dataset: AnalyticsEngineDataset): MetricsSink {
  return {
    async write(aggregates: MetricAggregate[]) {
      const points = aggregates.slice(0, MAX_POINTS_PER_INVOCATION);
      for (const a of points) {
        dataset.writeDataPoint({
          indexes: [a.tenantId ?? 'global'],
          blobs: [a.name, a.labels],
          doubles: [a.count, a.sum],
        });
      }
      if (aggregates.length > points.length) {
        logJson('warn', { msg: 'metrics.dropped', dropped: aggregates.length - points.length });
      }
    },
  };
}
