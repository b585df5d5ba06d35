// What the stores hold of one document, in whichever configuration the test project runs
// (local: pgvector; production: the Vectorize stand-in). One definition for every test that
// checks a deleted document left nothing behind.
import { env } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { shardForTenant } from '../../src/retrieval/vectors/shard';
import { vectorIdFor } from '../../src/retrieval/vectors/vectorize';
import { newTenant, withDb, type TestClient } from '../helpers';
import { productionStandIns } from './production-stand-ins';

export const production = env.VECTOR_BACKEND === 'vectorize';

/** Vector ids the configured store holds for a document (pgvector: non-null embeddings). */
export async function vectorsOf(tenantId: string, documentId: string, chunkIds: string[]) {
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

/**
 * A new tenant whose id hashes to Vectorize shard `shard` of the production configuration
 * (fresh UUIDs until one does; about two tries for two shards). Tenants are random, so a test
 * that must see a given shard pins its tenant here instead of passing on half of its runs.
 */
export async function tenantOnShard(shard: number, label = `shard-${shard}`): Promise<TestClient> {
  const count = productionStandIns().shards.length;
  for (let attempt = 0; attempt < 64; attempt++) {
    const client = await newTenant('admin', label);
    if (shardForTenant(client.tenantId, count) === shard) return client;
  }
  throw new Error(`no tenant hashed to shard ${shard} of ${count} in 64 tries`);
}

export async function chunkIdsOf(tenantId: string, documentId: string): Promise<string[]> {
  return withDb(async (db) => {
    const result = await db.execute<{ id: string }>(sql`
      SELECT id FROM chunks WHERE tenant_id = ${tenantId}::uuid AND document_id = ${documentId}::uuid`);
    return result.rows.map((r) => r.id);
  });
}

/** Rows of the document, its versions, chunks and events, and cached answers citing it. */
export async function rowsLeft(tenantId: string, documentId: string) {
  return withDb(async (db) => {
    const result = await db.execute<{ n: number }>(sql`
      SELECT (SELECT count(*) FROM documents WHERE tenant_id = ${tenantId}::uuid AND id = ${documentId}::uuid)
           + (SELECT count(*) FROM document_versions WHERE document_id = ${documentId}::uuid)
           + (SELECT count(*) FROM chunks WHERE document_id = ${documentId}::uuid)
           + (SELECT count(*) FROM ingestion_events WHERE document_id = ${documentId}::uuid)
           + (SELECT count(*) FROM answer_cache
               WHERE tenant_id = ${tenantId}::uuid AND ${documentId}::uuid = ANY(document_ids)) AS n`);
    return Number(result.rows[0]!.n);
  });
}

/** Keys of the R2 objects stored under a document (or, without one, a whole tenant). */
export async function objectsOf(tenantId: string, documentId?: string): Promise<string[]> {
  const prefix = `tenants/${tenantId}/${documentId ? `documents/${documentId}/` : ''}`;
  const listed = await env.DOCUMENTS.list({ prefix });
  return listed.objects.map((o) => o.key);
}
