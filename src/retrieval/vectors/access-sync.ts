import { sql } from 'drizzle-orm';
import { createEmbedder } from '../../ai/embed';
import { embedWithCache } from '../../ai/embed/cache';
import type { Database } from '../../db/client';
import type { documents } from '../../db/schema';
import type { Env } from '../../env';
import { createVectorStore } from '.';

const BATCH = 200;

/**
 * After a document's visibility changed: Vectorize filters users' queries on the `access`
 * metadata each vector carries (vectorize.ts), so the document's vectors are written again with
 * the new value. Vectors come from the embedding cache (no model call for cached text). pgvector
 * reads visibility from `documents` in the query itself, so there is nothing to do there.
 * Chunks of the served and of the latest version are rewritten; an ingest already past its
 * metadata read when the change lands keeps the old value (docs/access.md, "Limits").
 */
export async function syncVectorAccess(
  env: Env,
  db: Database,
  document: typeof documents.$inferSelect,
) {
  if (env.VECTOR_BACKEND !== 'vectorize' || !env.VECTORS) return;
  const rows = await db.execute<{
    id: string;
    version: number;
    content_hash: string;
    text: string;
  }>(sql`
    SELECT c.id, c.version, c.content_hash, c.text FROM chunks c
    WHERE c.tenant_id = ${document.tenantId}::uuid AND c.document_id = ${document.id}::uuid
      AND c.version IN (${document.readyVersion ?? document.currentVersion}::int, ${document.currentVersion}::int)
    ORDER BY c.version, c.ordinal`);
  const store = createVectorStore(env, db);
  const embedder = createEmbedder(env);
  for (let i = 0; i < rows.rows.length; i += BATCH) {
    const batch = rows.rows.slice(i, i + BATCH);
    const { vectors } = await embedWithCache(
      db,
      embedder,
      document.tenantId,
      batch.map((r) => ({ hash: r.content_hash, text: r.text })),
    );
    await store.upsert(
      document.tenantId,
      batch.map((r) => ({
        id: r.id,
        values: vectors.get(r.content_hash)!,
        metadata: {
          documentId: document.id,
          version: r.version,
          tags: document.tags,
          mimeType: document.mimeType,
          visibility: document.visibility,
          ownerUserId: document.ownerUserId,
        },
      })),
    );
  }
}
