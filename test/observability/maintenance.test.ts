import {
  createExecutionContext,
  createScheduledController,
  env,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { objectKey } from '../../src/documents/repository';
import type { Env } from '../../src/env';
import { runMaintenance } from '../../src/maintenance';
import worker from '../worker';
import { newTenant, withDb } from '../helpers';

const DAY = 86_400_000;
const HOUR = 3_600_000;

async function runCron(scheduledTime: number) {
  const controller = createScheduledController({ scheduledTime, cron: '17 3 * * *' });
  const ctx = createExecutionContext();
  await worker.scheduled(controller, env as Env, ctx);
  await waitOnExecutionContext(ctx);
}

const exists = async (key: string) => (await env.DOCUMENTS.head(key)) !== null;

/** A document with versions 1..3: v1 old and superseded, v2 old but ready, v3 current. */
async function seedDocument(tenantId: string) {
  const id = crypto.randomUUID();
  await withDb(async (db) => {
    await db.execute(sql`
      INSERT INTO documents (id, tenant_id, title, mime_type, byte_size, sha256, current_version, ready_version, status)
      VALUES (${id}, ${tenantId}, 'doc', 'text/plain', 5, ${crypto.randomUUID()}, 3, 2, 'processing')`);
    for (const [version, ageDays, status] of [
      [1, 40, 'superseded'],
      [2, 35, 'ready'],
      [3, 40, 'processing'],
    ] as const) {
      await db.execute(sql`
        INSERT INTO document_versions (tenant_id, document_id, version, r2_key, sha256, byte_size, mime_type, status, created_at)
        VALUES (${tenantId}, ${id}, ${version}, ${objectKey(tenantId, id, version)}, ${`s${version}`}, 5, 'text/plain', ${status},
                now() - make_interval(days => ${ageDays}))`);
      await env.DOCUMENTS.put(objectKey(tenantId, id, version), `v${version}`);
    }
    await db.execute(sql`
      INSERT INTO chunks (tenant_id, document_id, version, ordinal, text, token_count, content_hash, char_start, char_end)
      VALUES (${tenantId}, ${id}, 1, 0, 'old words', 2, 'h1', 0, 9), (${tenantId}, ${id}, 2, 0, 'kept words', 2, 'h2', 0, 10)`);
  });
  return id;
}

describe('scheduled maintenance', () => {
  it('archives old non-serving versions, deletes orphans and expired rows, keeps the rest', async () => {
    const client = await newTenant('admin');
    const tenantId = client.tenantId;
    const docId = await seedDocument(tenantId);
    // A recent superseded version: too young for retention.
    await withDb((db) =>
      db.execute(sql`
        INSERT INTO document_versions (tenant_id, document_id, version, r2_key, sha256, byte_size, mime_type, status)
        VALUES (${tenantId}, ${docId}, 4, ${objectKey(tenantId, docId, 4)}, 's4', 5, 'text/plain', 'superseded')`),
    );
    await env.DOCUMENTS.put(objectKey(tenantId, docId, 4), 'v4');
    const orphan = objectKey(tenantId, crypto.randomUUID(), 1);
    await env.DOCUMENTS.put(orphan, 'nobody points here');
    const outside = `exports/${tenantId}/report.csv`; // not under tenants/: never touched
    await env.DOCUMENTS.put(outside, 'x');

    const oldKey = `old-${crypto.randomUUID()}`;
    const freshKey = `fresh-${crypto.randomUUID()}`;
    await withDb(async (db) => {
      await db.execute(sql`
        INSERT INTO idempotency_keys (tenant_id, key, route, created_at)
        VALUES (${tenantId}, ${oldKey}, 'POST /v1/documents', now() - interval '25 hours'),
               (${tenantId}, ${freshKey}, 'POST /v1/documents', now() - interval '1 hour')`);
      await db.execute(sql`
        INSERT INTO metrics_minute (tenant_id, name, labels, minute, count, sum)
        VALUES (${tenantId}, 'rate_limited', 'old', now() - interval '20 days', 1, 1),
               (${tenantId}, 'rate_limited', 'new', date_trunc('minute', now()), 1, 1)`);
    });

    // 1) Now: the orphan is younger than the grace period, so it survives this run.
    await runCron(Date.now());
    expect(await exists(orphan)).toBe(true);
    expect(await exists(objectKey(tenantId, docId, 1))).toBe(false);

    // 2) Seven hours later the orphan is past the grace period. Same job, with `now` injected and
    //    the orphan scan kept to this tenant so other test files' fresh uploads are not touched.
    const report = await runMaintenance(env as Env, {
      now: Date.now() + 7 * HOUR,
      orphanPrefix: `tenants/${tenantId}/`,
    });
    expect(report.errors).toEqual([]);
    expect(report.orphans!.deleted).toEqual([orphan]);

    expect(await exists(orphan)).toBe(false);
    expect(await exists(outside)).toBe(true);
    expect(await exists(objectKey(tenantId, docId, 2))).toBe(true); // ready: serving
    expect(await exists(objectKey(tenantId, docId, 3))).toBe(true); // current
    expect(await exists(objectKey(tenantId, docId, 4))).toBe(true); // too recent

    await withDb(async (db) => {
      const versions = await db.execute<{ version: number; status: string }>(sql`
        SELECT version, status FROM document_versions WHERE document_id = ${docId} ORDER BY version`);
      expect(versions.rows).toEqual([
        { version: 1, status: 'archived' },
        { version: 2, status: 'ready' },
        { version: 3, status: 'processing' },
        { version: 4, status: 'superseded' },
      ]);
      const chunkVersions = await db.execute<{ version: number }>(sql`
        SELECT version FROM chunks WHERE document_id = ${docId} ORDER BY version`);
      expect(chunkVersions.rows).toEqual([{ version: 2 }]);
      const keys = await db.execute<{ key: string }>(sql`
        SELECT key FROM idempotency_keys WHERE tenant_id = ${tenantId} ORDER BY key`);
      expect(keys.rows).toEqual([{ key: freshKey }]);
      const metrics = await db.execute<{ labels: string }>(sql`
        SELECT labels FROM metrics_minute WHERE tenant_id = ${tenantId} AND name = 'rate_limited'`);
      expect(metrics.rows).toEqual([{ labels: 'new' }]);
    });
  });

  it('leaves objects alone in infrequent-access mode (an R2 lifecycle rule moves them)', async () => {
    const client = await newTenant('admin');
    const docId = await seedDocument(client.tenantId);
    const controller = createScheduledController({ scheduledTime: Date.now(), cron: '17 3 * * *' });
    const ctx = createExecutionContext();
    await worker.scheduled(
      controller,
      { ...(env as Env), RETENTION_MODE: 'infrequent-access' },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(await exists(objectKey(client.tenantId, docId, 1))).toBe(true);
    const status = await withDb((db) =>
      db.execute<{ status: string }>(
        sql`SELECT status FROM document_versions WHERE document_id = ${docId} AND version = 1`,
      ),
    );
    expect(status.rows[0]!.status).toBe('superseded');
  });
});
