import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { pgArray } from '../db/sql';

/** Weight of the feedback centroid against the query vector (Rocchio's beta, alpha = 1). */
export const FEEDBACK_WEIGHT = 0.75;

/** Embeddings of the given chunks, read from the tenant's embedding cache (any vector store). */
export async function chunkEmbeddings(db: Database, tenantId: string, model: string, ids: string[]) {
  if (ids.length === 0) return [];
  const result = await db.execute<{ embedding: string }>(sql`
    select e.embedding::text as embedding
    from chunks c
    join embedding_cache e on e.tenant_id = c.tenant_id and e.content_hash = c.content_hash and e.model = ${model}::text
    where c.tenant_id = ${tenantId}::uuid and c.id = any(${pgArray(ids)}::uuid[])
  `);
  return result.rows.map((r) => JSON.parse(r.embedding) as number[]);
}

/**
 * Pseudo-relevance feedback: moves the query vector toward the centroid of the top lexical
 * results, so the semantic leg also finds passages phrased like the ones BM25 trusts most.
 */
export function expandQuery(query: number[], feedback: number[][], weight = FEEDBACK_WEIGHT): number[] {
  if (feedback.length === 0) return query;
  const out = query.slice();
  for (const vector of feedback) {
    for (let i = 0; i < out.length; i++) out[i]! += (weight * (vector[i] ?? 0)) / feedback.length;
  }
  let norm = 0;
  for (const v of out) norm += v * v;
  norm = Math.sqrt(norm) || 1;
  return out.map((v) => v / norm);
}
