import { SELF } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import { bucketIndex, emptyHistogram, observe } from '../../src/metrics/histogram';
import { postgresSink } from '../../src/metrics/postgres-sink';
import { canonicalLabels } from '../../src/metrics/types';
import { BASE, addKey, newTenant, withDb } from '../helpers';

const MINUTE = 60_000;

/** Writes known latencies for one route straight into metrics_minute, split over two minutes. */
async function seedLatencies(tenantId: string, route: string, values: number[]) {
  const now = Math.floor(Date.now() / MINUTE) * MINUTE;
  const halves = [values.slice(0, values.length / 2), values.slice(values.length / 2)];
  await withDb(async (db) => {
    for (const [i, half] of halves.entries()) {
      const buckets = emptyHistogram();
      for (const v of half) observe(buckets, v);
      const aggregate = {
        tenantId,
        name: 'http_request' as const,
        labels: canonicalLabels({ route, method: 'GET', status: 200 }),
        minute: now - i * MINUTE,
        count: half.length,
        sum: half.reduce((a, b) => a + b, 0),
        buckets,
      };
      // Written twice per minute: the upsert must add counts and buckets, not overwrite them.
      await postgresSink(db).write([aggregate]);
      await postgresSink(db).write([{ ...aggregate, count: 0, sum: 0, buckets: emptyHistogram() }]);
    }
    await postgresSink(db).write([
      {
        tenantId,
        name: 'cache_lookup',
        labels: 'hit=true,kind=search',
        minute: now,
        count: 3,
        sum: 3,
        buckets: null,
      },
      {
        tenantId,
        name: 'cache_lookup',
        labels: 'hit=false,kind=search',
        minute: now,
        count: 1,
        sum: 1,
        buckets: null,
      },
      // Outside a 60-minute window: must not count.
      {
        tenantId,
        name: 'cache_lookup',
        labels: 'hit=false,kind=search',
        minute: now - 3 * 60 * MINUTE,
        count: 50,
        sum: 50,
        buckets: null,
      },
    ]);
  });
}

const exactRank = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.ceil(q * values.length) - 1]!;

describe('GET /v1/admin/metrics', () => {
  it('computes per-route percentiles and cache hit rates from the aggregated minutes', async () => {
    const client = await newTenant('admin');
    const values = Array.from({ length: 200 }, (_, i) => (i % 100) * 3 + 2); // 2..299 ms, twice
    await seedLatencies(client.tenantId, '/v1/seeded/:id', values);

    const { status, body } = await client.json('/v1/admin/metrics?window=60');
    expect(status).toBe(200);
    const route = body.requests.find((r: any) => r.route === '/v1/seeded/:id');
    expect(route).toMatchObject({ method: 'GET', count: 200, errors: 0 });
    for (const [q, key] of [
      [0.5, 'p50'],
      [0.95, 'p95'],
      [0.99, 'p99'],
    ] as const) {
      expect(bucketIndex(route[key])).toBe(bucketIndex(exactRank(values, q)));
    }
    expect(body.cache).toEqual([{ kind: 'search', lookups: 4, hits: 3, hitRate: 0.75 }]);
    expect(body.queue).toEqual({ queued: 0, processing: 0, oldestQueuedAgeSeconds: null });
    expect(body.today).toMatchObject({ tokensIn: 0, costUsd: 0 });
  });

  it('records real requests after the response (route pattern, not the raw path)', async () => {
    const client = await newTenant('admin');
    const missing = crypto.randomUUID();
    expect((await client.fetch(`/v1/documents/${missing}`)).status).toBe(404);
    await vi.waitFor(
      async () => {
        const { body } = await client.json('/v1/admin/metrics');
        const route = body.requests.find((r: any) => r.route === '/v1/documents/:id');
        expect(route?.count).toBeGreaterThanOrEqual(1);
        expect(JSON.stringify(body)).not.toContain(missing);
      },
      { timeout: 15_000, interval: 200 },
    );
  });

  it('reports the ingest backlog and the age of the oldest queued version', async () => {
    const client = await newTenant('admin');
    await withDb(async (db) => {
      const { sql } = await import('drizzle-orm');
      const id = crypto.randomUUID();
      await db.execute(sql`
        INSERT INTO documents (id, tenant_id, title, mime_type, byte_size, sha256, status)
        VALUES (${id}, ${client.tenantId}, 't', 'text/plain', 1, ${crypto.randomUUID()}, 'queued')`);
      await db.execute(sql`
        INSERT INTO document_versions (tenant_id, document_id, version, r2_key, sha256, byte_size, mime_type, status, created_at)
        VALUES (${client.tenantId}, ${id}, 1, 'k', 's', 1, 'text/plain', 'queued', now() - interval '90 seconds'),
               (${client.tenantId}, ${id}, 2, 'k2', 's2', 1, 'text/plain', 'processing', now())`);
    });
    const { body } = await client.json('/v1/admin/metrics');
    expect(body.queue.queued).toBe(1);
    expect(body.queue.processing).toBe(1);
    expect(body.queue.oldestQueuedAgeSeconds).toBeGreaterThanOrEqual(90);
  });

  it('needs metrics:read', async () => {
    const admin = await newTenant('admin');
    const viewer = await addKey(admin, 'viewer');
    expect((await viewer.json('/v1/admin/metrics')).status).toBe(403);
  });
});

describe('GET /metrics (Prometheus)', () => {
  it('requires an admin key', async () => {
    expect((await SELF.fetch(`${BASE}/metrics`)).status).toBe(401);
    const admin = await newTenant('admin');
    const editor = await addKey(admin, 'editor');
    expect((await editor.fetch('/metrics')).status).toBe(403);
  });

  it('exposes the same figures in the text format', async () => {
    const client = await newTenant('owner');
    await seedLatencies(client.tenantId, '/v1/prom/:id', [10, 20, 30, 40]);
    const res = await client.fetch('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await res.text();
    expect(text).toContain('# TYPE vellum_http_request_duration_ms gauge');
    const sample = new RegExp(
      `^vellum_http_request_duration_ms\\{tenant="${client.tenantId}",route="/v1/prom/:id",method="GET",quantile="0.95",window_minutes="60"\\} [0-9.]+$`,
      'm',
    );
    expect(text).toMatch(sample);
    expect(text).toMatch(
      new RegExp(
        `^vellum_http_requests\\{tenant="${client.tenantId}",route="/v1/prom/:id",method="GET",window_minutes="60"\\} 4$`,
        'm',
      ),
    );
    expect(text).toMatch(/^vellum_cache_hit_ratio\{tenant="[^"]+",kind="search"\} 0\.75$/m);
    // Every non-comment line is `name{labels} value`.
    for (const line of text.trim().split('\n')) {
      if (line.startsWith('#')) expect(line).toMatch(/^# (HELP|TYPE) vellum_[a-z_]+ /);
      else expect(line).toMatch(/^vellum_[a-z_]+\{[^}]*\} -?[0-9.e+-]+$/);
    }
  });
});
