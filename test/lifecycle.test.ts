// The whole document lifecycle, end to end through the API, the queues and the stores. One
// definition runs in both test projects: `workers` (pgvector, local embedder, Postgres metrics)
// and `workers-prod` (Vectorize, Workers AI and Analytics Engine through their stand-ins).
import { env } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { newTenant, uploadText, withDb, type TestClient } from './helpers';
import { vectorIdFor } from '../src/retrieval/vectors/vectorize';
import { productionStandIns } from './support/production-stand-ins';
import { poll, waitForReady } from './support/poll';

const production = env.VECTOR_BACKEND === 'vectorize';

const GUIDE_V1 = [
  '# Kestrel Turbine Guide',
  '',
  'The Kestrel turbine spins at 9100 rpm at full load.',
  'Its bearings are greased every 250 hours with lithium grease.',
].join('\n');

const GUIDE_V2 = [
  '# Kestrel Turbine Guide',
  '',
  'The Kestrel turbine spins at 9100 rpm at full load.',
  'Its bearings are now sealed for life and never need grease.',
].join('\n');

const post = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** Vector ids the configured store holds for a document (pgvector: non-null embeddings). */
async function vectorsOf(tenantId: string, documentId: string, chunkIds: string[]) {
  if (production) {
    // Every shard is read, so a vector written to the wrong shard would be seen here too.
    const ids = chunkIds.map((id) => vectorIdFor(tenantId, id));
    const held = (
      await Promise.all(productionStandIns().shards.map((index) => index.getByIds(ids)))
    ).flat();
    return held.map((v) => v.id.slice(v.id.indexOf('.') + 1));
  }
  return withDb(async (db) => {
    const result = await db.execute<{ id: string }>(sql`
      SELECT id FROM chunks
      WHERE tenant_id = ${tenantId}::uuid AND document_id = ${documentId}::uuid
        AND id = ANY(${`{${chunkIds.join(',')}}`}::uuid[]) AND embedding IS NOT NULL`);
    return result.rows.map((r) => r.id);
  });
}

async function chunkIdsOf(tenantId: string, documentId: string): Promise<string[]> {
  return withDb(async (db) => {
    const result = await db.execute<{ id: string }>(sql`
      SELECT id FROM chunks WHERE tenant_id = ${tenantId}::uuid AND document_id = ${documentId}::uuid`);
    return result.rows.map((r) => r.id);
  });
}

async function rowsLeft(tenantId: string, documentId: string) {
  return withDb(async (db) => {
    const result = await db.execute<{ n: number }>(sql`
      SELECT (SELECT count(*) FROM documents WHERE tenant_id = ${tenantId}::uuid AND id = ${documentId}::uuid)
           + (SELECT count(*) FROM document_versions WHERE document_id = ${documentId}::uuid)
           + (SELECT count(*) FROM chunks WHERE document_id = ${documentId}::uuid)
           + (SELECT count(*) FROM answer_cache
               WHERE tenant_id = ${tenantId}::uuid AND ${documentId}::uuid = ANY(document_ids)) AS n`);
    return Number(result.rows[0]!.n);
  });
}

describe(`document lifecycle (${production ? 'production' : 'local'} configuration)`, () => {
  let client: TestClient;
  let id: string;
  let firstChunks: string[];

  beforeAll(async () => {
    client = await newTenant('admin', 'lifecycle');
  });

  it('uploads and ingests a document into the configured vector store', async () => {
    const { status, body } = await uploadText(client, GUIDE_V1, '?title=Kestrel', 'text/markdown');
    expect(status).toBe(202);
    id = body.document.id;
    await waitForReady(client, id);
    firstChunks = await chunkIdsOf(client.tenantId, id);
    expect(firstChunks.length).toBeGreaterThan(0);
    expect((await vectorsOf(client.tenantId, id, firstChunks)).sort()).toEqual(
      [...firstChunks].sort(),
    );
  });

  it('finds it in every search mode', async () => {
    for (const mode of ['keyword', 'semantic', 'hybrid'] as const) {
      const { status, body } = await client.json(
        '/v1/search',
        post({ query: 'how often are the Kestrel bearings greased', mode, topK: 5 }),
      );
      expect(status, mode).toBe(200);
      expect(body.results[0]?.documentId, mode).toBe(id);
    }
  });

  it('answers a question citing it', async () => {
    const { status, body } = await client.json(
      '/v1/answer',
      post({ question: 'How often are the Kestrel turbine bearings greased?' }),
    );
    expect(status).toBe(200);
    expect(body.citations.some((c: any) => c.verified && c.documentId === id)).toBe(true);
  });

  it('serves the new version once it is ready and retires the old vectors', async () => {
    const res = await client.fetch(`/v1/documents/${id}/content`, {
      method: 'PUT',
      headers: { 'content-type': 'text/markdown' },
      body: GUIDE_V2,
    });
    expect(res.status).toBe(202);
    await waitForReady(client, id);
    const { body } = await client.json(
      '/v1/search',
      post({ query: 'sealed for life bearings', mode: 'hybrid', topK: 5 }),
    );
    expect(body.results[0]?.documentId).toBe(id);
    expect(body.results[0]?.version).toBe(2);
    // Older versions are retired right after the new one is promoted, in the same invocation.
    await poll("the first version's vectors to be retired", async () =>
      (await vectorsOf(client.tenantId, id, firstChunks)).length === 0 ? true : undefined,
    );
  });

  it('leaves nothing of a deleted document in any store', async () => {
    const chunkIds = await chunkIdsOf(client.tenantId, id);
    expect((await client.fetch(`/v1/documents/${id}`, { method: 'DELETE' })).status).toBeLessThan(
      300,
    );
    expect((await client.fetch(`/v1/documents/${id}`)).status).toBe(404);
    expect(await rowsLeft(client.tenantId, id)).toBe(0);
    const objects = await env.DOCUMENTS.list({ prefix: `tenants/${client.tenantId}/` });
    expect(objects.objects.map((o) => o.key)).toEqual([]);
    expect(await vectorsOf(client.tenantId, id, [...chunkIds, ...firstChunks])).toEqual([]);
    const { body } = await client.json(
      '/v1/search',
      post({ query: 'Kestrel turbine bearings', mode: 'hybrid', topK: 5 }),
    );
    expect(body.results).toEqual([]);
  });
});
