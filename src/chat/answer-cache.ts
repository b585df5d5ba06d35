import { sql } from 'drizzle-orm';
import type { Citation } from '../ai/answer/citations';
import type { Embedder } from '../ai/embed/embedder';
import type { AnswerCache, CachedAnswer } from '../ai/llm/failover';
import type { Database } from '../db/client';
import { pgArray } from '../db/sql';
import { recordCacheLookup, type MetricsTarget } from '../metrics';
import { accessPredicate, type DocumentAccess } from '../access/visibility';

export const DEFAULT_ANSWER_CACHE_THRESHOLD = 0.92;

/** `ANSWER_CACHE_THRESHOLD` as a cosine similarity in (0, 1]; anything else means the default. */
export function answerCacheThreshold(value: string | undefined): number {
  const parsed = Number(value);
  return value && Number.isFinite(parsed) && parsed > 0 && parsed <= 1
    ? parsed
    : DEFAULT_ANSWER_CACHE_THRESHOLD;
}

export interface CachedAnswerHit extends CachedAnswer {
  id: string;
  question: string;
  similarity: number;
}

export interface SemanticAnswerCache extends AnswerCache {
  lookup(question: string): Promise<CachedAnswerHit | null>;
  /** Keeps an answer; only answers with at least one verified citation are worth keeping. */
  store(question: string, answer: { text: string; citations: Citation[] }): Promise<boolean>;
}

interface StoredAnswer {
  text: string;
  citations: Citation[];
}

const vectorLiteral = (values: number[]) => `[${values.join(',')}]`;

/**
 * The semantic answer cache on `answer_cache` (pgvector): one partition per tenant, scope and
 * reach (the scope hash includes who may see what, see scopeHash), and a hit must still be
 * within the asker's reach document by document.
 * An entry is only valid while every document it cites is unchanged: a lookup deletes entries
 * citing a document that was updated after the entry was written, or that no longer exists,
 * and never returns them.
 */
export function pgAnswerCache(options: {
  db: Database;
  embedder: Embedder;
  tenantId: string;
  scopeHash: string;
  threshold: number;
  /** Counts every lookup as a hit or a miss (`cache_lookup`, kind `answer`). */
  metrics?: MetricsTarget;
  /** The asker's reach (null: an API key). Every cited document must still be within it. */
  access?: DocumentAccess | null;
}): SemanticAnswerCache {
  const { db, embedder, tenantId, scopeHash, threshold } = options;
  const reach = accessPredicate(options.access ?? null, 'd');
  const vectors = new Map<string, Promise<number[]>>();
  // The same question is looked up and then stored: embed it once.
  const embed = (text: string) => {
    let vector = vectors.get(text);
    if (!vector) {
      vector = embedder.embed([text]).then(([v]) => v!);
      vectors.set(text, vector);
    }
    return vector;
  };

  return {
    async lookup(question) {
      // The cache only saves a model call: an embedder that fails is a miss, and the answer
      // goes on down the chain (retrieval has already degraded to keyword-only for the same
      // reason). The failed embedding is not kept, so a store later asks again.
      const embedded = await embed(question).catch(() => null);
      if (!embedded) {
        vectors.delete(question);
        return null;
      }
      const vector = vectorLiteral(embedded);
      const result = await db.execute<{
        id: string;
        question: string;
        answer: StoredAnswer;
        similarity: number;
      }>(sql`
        WITH stale AS (
          DELETE FROM answer_cache ac
          WHERE ac.tenant_id = ${tenantId}::uuid AND ac.scope_hash = ${scopeHash}
            AND EXISTS (
              SELECT 1 FROM unnest(ac.document_ids) AS cited(id)
              LEFT JOIN documents d ON d.id = cited.id AND d.tenant_id = ac.tenant_id
              WHERE d.id IS NULL OR d.updated_at > ac.created_at
            )
          RETURNING ac.id
        )
        SELECT ac.id, ac.question, ac.answer,
               1 - (ac.embedding <=> ${vector}::vector) AS similarity
        FROM answer_cache ac
        WHERE ac.tenant_id = ${tenantId}::uuid AND ac.scope_hash = ${scopeHash}
          AND ac.id NOT IN (SELECT id FROM stale)
          ${
            // A document made private, or a collection left, since the answer was written.
            reach
              ? sql`AND NOT EXISTS (
                  SELECT 1 FROM unnest(ac.document_ids) AS cited(id)
                  WHERE NOT EXISTS (
                    SELECT 1 FROM documents d
                    WHERE d.id = cited.id AND d.tenant_id = ac.tenant_id AND ${reach}))`
              : sql``
          }
        ORDER BY ac.embedding <=> ${vector}::vector
        LIMIT 1`);
      const best = result.rows[0];
      const similarity = Number(best?.similarity);
      const hit = Boolean(best) && similarity >= threshold;
      if (options.metrics) recordCacheLookup(options.metrics, tenantId, 'answer', hit);
      if (!best || !hit) return null;
      return {
        id: best.id,
        question: best.question,
        similarity,
        text: best.answer.text,
        citations: best.answer.citations,
      };
    },

    async store(question, answer) {
      const verified = answer.citations.filter((c) => c.verified && c.documentId);
      if (verified.length === 0) return false;
      const documentIds = [...new Set(verified.map((c) => c.documentId!))];
      const stored: StoredAnswer = { text: answer.text, citations: answer.citations };
      const vector = vectorLiteral(await embed(question));
      await db.execute(sql`
        INSERT INTO answer_cache (tenant_id, scope_hash, question, embedding, answer, document_ids)
        VALUES (${tenantId}::uuid, ${scopeHash}, ${question}, ${vector}::vector,
                ${JSON.stringify(stored)}::jsonb, ${pgArray(documentIds)}::uuid[])`);
      return true;
    },
  };
}

/** Deletes a tenant's cached answers that cite any of `documentIds` (document delete/update). */
export async function forgetAnswersCiting(
  db: Pick<Database, 'execute'>,
  tenantId: string,
  documentIds: string[],
): Promise<number> {
  if (documentIds.length === 0) return 0;
  const result = await db.execute(sql`
    DELETE FROM answer_cache
    WHERE tenant_id = ${tenantId}::uuid AND document_ids && ${pgArray(documentIds)}::uuid[]
    RETURNING id`);
  return result.rows.length;
}
