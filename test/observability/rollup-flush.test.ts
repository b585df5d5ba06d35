import { env } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import { flushMetrics, isolateBuffer, writeBatch } from '../../src/metrics/flush';
import { MetricsRecorder } from '../../src/metrics/recorder';
import { WriteBehindBuffer, type PendingBatch } from '../../src/metrics/write-behind';
import { utcDay } from '../../src/usage/record';
import { newTenant, withDb } from '../helpers';
import { withFailingInsert } from '../support/outage';

const HOLD = {
  maxAgeMs: 60_000,
  maxRows: 1_000_000,
  maxRetained: 1_000_000,
  retryBaseMs: 0,
  retryMaxMs: 0,
  maxAttempts: 1_000,
};
const write = (batch: PendingBatch) => withDb((db) => writeBatch(db, batch)).then(() => {});

async function totals(tenantId: string) {
  return withDb(async (db) => {
    const usage = await db.execute<{ searches: number; tokens_in: string }>(
      sql`SELECT coalesce(sum(searches), 0)::int AS searches, coalesce(sum(tokens_in), 0) AS tokens_in FROM usage_daily WHERE tenant_id = ${tenantId}`,
    );
    const metrics = await db.execute<{ n: string; rows: string }>(
      sql`SELECT coalesce(sum(count), 0) AS n, count(*) AS rows FROM metrics_minute WHERE tenant_id = ${tenantId} AND name = 'cache_lookup'`,
    );
    const keys = await db.execute<{ n: string }>(
      sql`SELECT count(*) AS n FROM key_activity_daily WHERE tenant_id = ${tenantId}`,
    );
    return {
      searches: usage.rows[0]!.searches,
      tokensIn: Number(usage.rows[0]!.tokens_in),
      lookups: Number(metrics.rows[0]!.n),
      metricRows: Number(metrics.rows[0]!.rows),
      activeKeys: Number(keys.rows[0]!.n),
    };
  });
}

/** One request's worth of rollups: a search, a cache lookup and its key's activity. */
function fill(buffer: WriteBehindBuffer, tenantId: string, keyId: string, requests: number) {
  const day = utcDay(Date.now());
  for (let i = 0; i < requests; i++) {
    const r = new MetricsRecorder();
    r.count('cache_lookup', tenantId, { kind: 'search', hit: i % 2 === 0 });
    r.usage(tenantId, { searches: 1, tokensIn: 3 });
    const drained = r.drain();
    buffer.addAggregates(drained.aggregates);
    for (const [t, delta] of drained.usage) buffer.addUsage(t, day, delta);
    buffer.addKeyActivity({ tenantId, day, keyId });
  }
}

describe('write-behind rollups', () => {
  it('turns a burst into one row per key with exact totals', async () => {
    const client = await newTenant('admin');
    const buffer = new WriteBehindBuffer(HOLD);
    fill(buffer, client.tenantId, client.keyId, 500);
    // 2 cache_lookup series (hit true/false), 1 usage row, 1 key-activity row.
    expect(buffer.size).toBe(4);
    expect(await buffer.flush(write)).toBe(true);
    expect(buffer.size).toBe(0);
    expect(await totals(client.tenantId)).toEqual({
      searches: 500,
      tokensIn: 1500,
      lookups: 500,
      metricRows: 2,
      activeKeys: 1,
    });
  });

  it('keeps a failed batch and writes it once the database is back, counting nothing twice', async () => {
    const client = await newTenant('admin');
    const buffer = new WriteBehindBuffer(HOLD);
    fill(buffer, client.tenantId, client.keyId, 120);
    const failed = await withFailingInsert('usage_daily', client.tenantId, async () => {
      const ok = await buffer.flush(write);
      // The statement is atomic: the metrics and key rows of the batch did not land either.
      expect(await totals(client.tenantId)).toMatchObject({
        searches: 0,
        lookups: 0,
        activeKeys: 0,
      });
      return ok;
    });
    expect(failed).toBe(false);
    expect(buffer.size).toBe(4);
    fill(buffer, client.tenantId, client.keyId, 80); // more requests while the batch waits
    expect(await buffer.flush(write)).toBe(true);
    expect(buffer.size).toBe(0);
    expect(await totals(client.tenantId)).toMatchObject({
      searches: 200,
      tokensIn: 600,
      lookups: 200,
      activeKeys: 1,
    });
  });

  it('re-sends a batch whose commit was not confirmed without applying it twice', async () => {
    const client = await newTenant('admin');
    const buffer = new WriteBehindBuffer(HOLD);
    fill(buffer, client.tenantId, client.keyId, 50);
    let applied: boolean[] = [];
    const lostReply = async (batch: PendingBatch) => {
      applied.push(await withDb((db) => writeBatch(db, batch)));
      throw new Error('connection lost after commit');
    };
    expect(await buffer.flush(lostReply)).toBe(false);
    expect(
      await buffer.flush(async (batch) => {
        applied.push(await withDb((db) => writeBatch(db, batch)));
      }),
    ).toBe(true);
    expect(applied).toEqual([true, false]);
    expect(await totals(client.tenantId)).toMatchObject({ searches: 50, lookups: 50 });
    applied = [];
  });

  it('skips rows of a tenant deleted before the flush instead of failing the batch', async () => {
    const client = await newTenant('admin');
    const buffer = new WriteBehindBuffer(HOLD);
    fill(buffer, client.tenantId, client.keyId, 3);
    fill(buffer, crypto.randomUUID(), crypto.randomUUID(), 3);
    expect(await buffer.flush(write)).toBe(true);
    expect(await totals(client.tenantId)).toMatchObject({ searches: 3, lookups: 3 });
  });

  it('refuses rows that no statement could write, so they cannot poison a batch', () => {
    const buffer = new WriteBehindBuffer(HOLD);
    buffer.addUsage('tenant-1', '2026-01-01', { searches: 1 });
    buffer.addKeyActivity({ tenantId: crypto.randomUUID(), day: '2026-01-01', keyId: 'key-1' });
    expect(buffer.size).toBe(0);
    expect(buffer.dropped).toBe(2);
  });

  it('drops a batch that keeps failing after maxAttempts, and counts its rows', async () => {
    const buffer = new WriteBehindBuffer({ ...HOLD, maxAttempts: 3 });
    buffer.addUsage(crypto.randomUUID(), '2026-01-01', { searches: 1 });
    const broken = async () => {
      throw new Error('always');
    };
    expect(await buffer.flush(broken)).toBe(false);
    expect(await buffer.flush(broken)).toBe(false);
    expect(buffer.size).toBe(1);
    expect(await buffer.flush(broken)).toBe(false);
    expect(buffer.size).toBe(0);
    expect(buffer.dropped).toBe(1);
  });

  it('bounds what it keeps while the database is away, and counts what it drops', () => {
    const buffer = new WriteBehindBuffer({ ...HOLD, maxRetained: 3 });
    const tenant = crypto.randomUUID();
    for (const day of ['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04', '2026-01-05']) {
      buffer.addUsage(tenant, day, { searches: 1 });
    }
    buffer.addUsage(tenant, '2026-01-01', { searches: 1 }); // an existing row still adds up
    expect(buffer.size).toBe(3);
    expect(buffer.dropped).toBe(2);
  });

  it('schedules one flush per window however many requests arrive in it', async () => {
    const buffer = new WriteBehindBuffer({ ...HOLD, maxAgeMs: 50 });
    const batches: PendingBatch[] = [];
    const record = async (batch: PendingBatch) => void batches.push(batch);
    const tenant = crypto.randomUUID();
    const settled = Array.from({ length: 20 }, () => {
      buffer.addUsage(tenant, '2026-01-01', { searches: 1 });
      return buffer.settle(record);
    });
    await Promise.all(settled);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.usage).toEqual([
      {
        tenantId: tenant,
        day: '2026-01-01',
        delta: { searches: 20, answers: 0, uploads: 0, tokensIn: 0, tokensOut: 0, costUsd: 0 },
      },
    ]);
  });
});

describe('rollups of real requests', () => {
  it('records a burst of requests exactly once each, and each key once a day', async () => {
    const client = await newTenant('admin');
    const burst = 40;
    const statuses = await Promise.all(
      Array.from({ length: burst }, async () => (await client.fetch('/v1/keys/self')).status),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
    const count = () =>
      withDb(async (db) => {
        const r = await db.execute<{ n: string }>(sql`
          SELECT coalesce(sum(count), 0) AS n FROM metrics_minute
          WHERE tenant_id = ${client.tenantId} AND name = 'http_request' AND labels LIKE '%route=/v1/keys/self%'`);
        return Number(r.rows[0]!.n);
      });
    await vi.waitFor(async () => expect(await count()).toBe(burst), {
      timeout: 20_000,
      interval: 200,
    });
    // Nothing of this tenant is left to flush (the buffer is shared with the worker when the
    // runner loads one module graph; otherwise this wait is a no-op), and nothing came twice.
    await vi.waitFor(() => expect(isolateBuffer.size).toBe(0), { timeout: 20_000, interval: 100 });
    expect(await count()).toBe(burst);
    expect((await totals(client.tenantId)).activeKeys).toBe(1);
  });

  it('flushMetrics hands Postgres-bound rows to the buffer and writes them when due', async () => {
    const client = await newTenant('admin');
    const buffer = new WriteBehindBuffer({ ...HOLD, maxAgeMs: 20 });
    const recorder = new MetricsRecorder();
    recorder.usage(client.tenantId, { searches: 2 });
    recorder.count('cache_lookup', client.tenantId, { kind: 'search', hit: true });
    await flushMetrics({ ...env, METRICS_SINK: 'postgres' }, recorder, buffer);
    expect(buffer.size).toBe(0);
    expect(await totals(client.tenantId)).toMatchObject({ searches: 2, lookups: 1 });
  });
});
