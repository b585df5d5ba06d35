import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { PgVectorStore } from './pgvector';
import type { VectorStore } from './vector-store';
import { shardedIndexResolver, shardIndexes, type VectorShardBindings } from './shard';
import { VectorizeStore, type CollectionResolver, type TagResolver } from './vectorize';

export interface VectorStoreConfig extends VectorShardBindings {
  VECTOR_BACKEND?: string;
}

/** Tag filters for Vectorize become document-id filters, resolved in Postgres per tenant. */
export function postgresTagResolver(db: Database): TagResolver {
  return async (tenantId, tags) => {
    const literal = `{${tags.map((t) => `"${t.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
    const result = await db.execute<{ id: string }>(
      sql`SELECT id FROM documents WHERE tenant_id = ${tenantId}::uuid AND tags @> ${literal}::text[]`,
    );
    return result.rows.map((row) => row.id);
  };
}

/** Served documents a user reaches only through collections (see CollectionResolver). */
export function postgresCollectionResolver(db: Database): CollectionResolver {
  return async (tenantId, userId) => {
    const result = await db.execute<{ id: string }>(sql`
      SELECT DISTINCT d.id FROM collection_members cm
      JOIN collection_documents cd ON cd.collection_id = cm.collection_id
      JOIN documents d ON d.id = cd.document_id AND d.tenant_id = cm.tenant_id
      WHERE cm.tenant_id = ${tenantId}::uuid AND cm.user_id = ${userId}
        AND d.ready_version IS NOT NULL AND d.visibility = 'private'
        AND d.owner_user_id IS DISTINCT FROM ${userId}`);
    return result.rows.map((row) => row.id);
  };
}

/**
 * Vectorize when selected and bound, each tenant in its shard's index (`VECTORS`,
 * `VECTORS_1`, … per `VECTOR_SHARDS`); otherwise pgvector on the chunks table.
 */
export function createVectorStore(env: VectorStoreConfig, db: Database): VectorStore {
  const indexes = env.VECTOR_BACKEND === 'vectorize' ? shardIndexes(env) : undefined;
  if (indexes) {
    return new VectorizeStore(shardedIndexResolver(indexes), {
      resolveTags: postgresTagResolver(db),
      resolveCollections: postgresCollectionResolver(db),
    });
  }
  return new PgVectorStore(db);
}
