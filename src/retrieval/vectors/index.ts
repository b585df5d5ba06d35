import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { PgVectorStore } from './pgvector';
import type { VectorStore } from './vector-store';
import { VectorizeStore, type TagResolver } from './vectorize';

export interface VectorStoreConfig {
  VECTOR_BACKEND?: string;
  VECTORS?: VectorizeIndex;
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

/** Vectorize when selected and bound; otherwise pgvector on the chunks table. */
export function createVectorStore(env: VectorStoreConfig, db: Database): VectorStore {
  if (env.VECTOR_BACKEND === 'vectorize' && env.VECTORS) {
    return new VectorizeStore(env.VECTORS, { resolveTags: postgresTagResolver(db) });
  }
  return new PgVectorStore(db);
}
