import { describe, expect, it } from 'vitest';
import { MetricsRecorder } from './recorder';
import { summariseRequests } from './report';
import { canonicalLabels, parseLabels } from './types';

describe('MetricsRecorder', () => {
  it('aggregates per (tenant, name, labels, minute) and resets on drain', () => {
    let now = Date.UTC(2026, 0, 1, 12, 0, 30);
    const r = new MetricsRecorder(() => now);
    r.count('cache_lookup', 't1', { kind: 'search', hit: true });
    r.count('cache_lookup', 't1', { hit: true, kind: 'search' });
    r.count('cache_lookup', 't1', { kind: 'search', hit: false });
    r.timing('http_request', 't1', { route: '/a' }, 10);
    now += 60_000;
    r.timing('http_request', 't1', { route: '/a' }, 30);
    r.usage('t1', { searches: 1, tokensIn: 5 });
    r.usage('t1', { searches: 2 });

    const { aggregates, usage } = r.drain();
    const hits = aggregates.find(
      (a) => a.name === 'cache_lookup' && a.labels === 'hit=true,kind=search',
    )!;
    expect(hits.count).toBe(2);
    expect(hits.buckets).toBeNull();
    const requests = aggregates.filter((a) => a.name === 'http_request');
    expect(requests).toHaveLength(2);
    expect(requests.map((a) => a.minute)).toEqual([
      Date.UTC(2026, 0, 1, 12, 0),
      Date.UTC(2026, 0, 1, 12, 1),
    ]);
    expect(usage.get('t1')).toEqual({ searches: 3, tokensIn: 5 });
    expect(r.isEmpty).toBe(true);
  });

  it('canonical labels are order-independent and round-trip', () => {
    expect(canonicalLabels({ b: 1, a: 'x' })).toBe('a=x,b=1');
    expect(parseLabels('a=x,b=1')).toEqual({ a: 'x', b: '1' });
  });

  it('summarises request series into per-route percentiles and error counts', () => {
    const r = new MetricsRecorder(() => 0);
    for (let i = 1; i <= 100; i++)
      r.timing('http_request', 't', { route: '/x', method: 'GET', status: 200 }, i);
    r.timing('http_request', 't', { route: '/x', method: 'GET', status: 503 }, 1000);
    const rows = r.drain().aggregates.map((a) => ({ ...a, buckets: a.buckets }));
    const [x] = summariseRequests(rows);
    expect(x).toMatchObject({ route: '/x', method: 'GET', count: 101, errors: 1 });
    expect(x!.p50!).toBeGreaterThan(50 / Math.SQRT2);
    expect(x!.p50!).toBeLessThan(51 * Math.SQRT2);
    expect(x!.p99!).toBeGreaterThan(99 / Math.SQRT2);
  });
});
