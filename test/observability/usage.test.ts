import { sql } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import { recordUsage, utcDay } from '../../src/usage/record';
import { addKey, newTenant, withDb } from '../helpers';

describe('GET /v1/usage', () => {
  it('sums the daily rollups inside the range only, filling empty days with zeros', async () => {
    const client = await newTenant('admin');
    await withDb(async (db) => {
      await recordUsage(
        db,
        client.tenantId,
        { searches: 2, tokensIn: 100, costUsd: 0.25 },
        '2026-03-01',
      );
      await recordUsage(
        db,
        client.tenantId,
        { searches: 3, answers: 1, tokensOut: 40, costUsd: 0.5 },
        '2026-03-01',
      );
      await recordUsage(db, client.tenantId, { answers: 4, uploads: 2 }, '2026-03-03');
      await recordUsage(db, client.tenantId, { searches: 99 }, '2026-03-04'); // outside the range
      await db.execute(sql`
        INSERT INTO key_activity_daily (tenant_id, day, key_id)
        VALUES (${client.tenantId}, '2026-03-01', ${client.keyId}), (${client.tenantId}, '2026-03-01', ${crypto.randomUUID()})`);
    });
    const { status, body } = await client.json(
      '/v1/usage?from=2026-03-01&to=2026-03-03&granularity=day',
    );
    expect(status).toBe(200);
    expect(body.days).toEqual([
      {
        day: '2026-03-01',
        activeKeys: 2,
        searches: 5,
        answers: 1,
        uploads: 0,
        tokensIn: 100,
        tokensOut: 40,
        costUsd: 0.75,
      },
      {
        day: '2026-03-02',
        activeKeys: 0,
        searches: 0,
        answers: 0,
        uploads: 0,
        tokensIn: 0,
        tokensOut: 0,
        costUsd: 0,
      },
      {
        day: '2026-03-03',
        activeKeys: 0,
        searches: 0,
        answers: 4,
        uploads: 2,
        tokensIn: 0,
        tokensOut: 0,
        costUsd: 0,
      },
    ]);
    expect(body.totals).toEqual({
      activeKeys: 2,
      searches: 5,
      answers: 5,
      uploads: 2,
      tokensIn: 100,
      tokensOut: 40,
      costUsd: 0.75,
    });
    expect(body.storage).toEqual({ documents: 0, versions: 0, bytes: 0 });
  });

  it('counts each key that authenticated today once', async () => {
    const client = await newTenant('admin');
    const other = await addKey(client, 'viewer');
    await other.fetch('/v1/documents');
    await other.fetch('/v1/documents');
    await client.fetch('/v1/documents');
    const today = utcDay(Date.now());
    await vi.waitFor(
      async () => {
        const { body } = await client.json(`/v1/usage?from=${today}&to=${today}`);
        expect(body.days[0].activeKeys).toBe(2);
      },
      { timeout: 15_000, interval: 200 },
    );
  });

  it('reports stored documents and bytes', async () => {
    const client = await newTenant('admin');
    const a = 'x'.repeat(100) + crypto.randomUUID();
    const b = 'y'.repeat(300) + crypto.randomUUID();
    for (const text of [a, b]) {
      const res = await client.json('/v1/documents', {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: text,
      });
      expect(res.status).toBe(202);
    }
    const { body } = await client.json('/v1/usage');
    expect(body.storage).toEqual({ documents: 2, versions: 2, bytes: a.length + b.length });
  });

  it('validates the range and the permission', async () => {
    const client = await newTenant('admin');
    expect((await client.json('/v1/usage?from=2026-03-05&to=2026-03-01')).status).toBe(400);
    expect((await client.json('/v1/usage?from=2024-01-01&to=2026-01-01')).status).toBe(400);
    expect((await client.json('/v1/usage?granularity=hour')).status).toBe(400);
    const viewer = await addKey(client, 'viewer');
    expect((await viewer.json('/v1/usage')).status).toBe(403);
  });
});
