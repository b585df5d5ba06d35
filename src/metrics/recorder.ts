import { emptyHistogram, observe } from './histogram';
import { canonicalLabels, type Labels, type MetricAggregate, type MetricName } from './types';
import type { KeyActivityRow } from '../usage/key-activity';
import type { UsageDelta } from '../usage/record';

export type { UsageDelta };

/**
 * Collects one request's (or one batch's) metrics in memory; nothing is written until `drain`,
 * which the caller runs inside `waitUntil`, so recording never adds request latency.
 */
export class MetricsRecorder {
  private readonly series = new Map<string, MetricAggregate>();
  private readonly usageDeltas = new Map<string, UsageDelta>();
  private readonly activity: KeyActivityRow[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** Adds `value` to a counter (count += 1, sum += value). */
  count(name: MetricName, tenantId: string | null, labels?: Labels, value = 1): void {
    const entry = this.entry(name, tenantId, labels, false);
    entry.count += 1;
    entry.sum += value;
  }

  /** Records a duration in ms into the series' histogram. */
  timing(name: MetricName, tenantId: string | null, labels: Labels | undefined, ms: number): void {
    const entry = this.entry(name, tenantId, labels, true);
    entry.count += 1;
    entry.sum += ms;
    observe(entry.buckets!, ms);
  }

  /** Adds to the tenant's `usage_daily` row for today. */
  usage(tenantId: string, delta: UsageDelta): void {
    const current = this.usageDeltas.get(tenantId) ?? {};
    for (const [k, v] of Object.entries(delta) as [keyof UsageDelta, number][]) {
      current[k] = (current[k] ?? 0) + v;
    }
    this.usageDeltas.set(tenantId, current);
  }

  /** Marks a key active for `key_activity_daily` (see usage/key-activity.ts). */
  keyActive(row: KeyActivityRow): void {
    this.activity.push(row);
  }

  get isEmpty(): boolean {
    return this.series.size === 0 && this.usageDeltas.size === 0 && this.activity.length === 0;
  }

  /** Takes everything recorded so far and resets the recorder. */
  drain(): {
    aggregates: MetricAggregate[];
    usage: Map<string, UsageDelta>;
    keyActivity: KeyActivityRow[];
  } {
    const aggregates = [...this.series.values()];
    const usage = new Map(this.usageDeltas);
    const keyActivity = this.activity.splice(0);
    this.series.clear();
    this.usageDeltas.clear();
    return { aggregates, usage, keyActivity };
  }

  private entry(
    name: MetricName,
    tenantId: string | null,
    labels: Labels | undefined,
    timed: boolean,
  ) {
    const minute = Math.floor(this.now() / 60_000) * 60_000;
    const canonical = canonicalLabels(labels);
    const key = `${tenantId ?? ''}|${name}|${canonical}|${minute}`;
    let entry = this.series.get(key);
    if (!entry) {
      entry = { tenantId, name, labels: canonical, minute, count: 0, sum: 0, buckets: null };
      this.series.set(key, entry);
    }
    if (timed && !entry.buckets) entry.buckets = emptyHistogram();
    return entry;
  }
}
