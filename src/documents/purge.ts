import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/client';
import { chunks, documents } from '../db/schema';
import type { Env } from '../env';
import { createVectorStore } from '../retrieval/vectors';
import { lockServedVersion, shiftServedVersion } from '../retrieval/bm25-stats';
import { documentsDeleted } from './lifecycle';
import { bumpCorpusVersion, documentPrefix } from './repository';

/** Deletes every R2 object under a document's prefix, page by page. */
export async function deleteDocumentObjects(
  bucket: R2Bucket,
  tenantId: string,
  documentId: string,
) {
  const prefix = documentPrefix(tenantId, documentId);
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, cursor, limit: 1000 });
    if (page.objects.length) await bucket.delete(page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
}

/**
 * Removes a document everywhere: vectors, rows (chunks, versions and events cascade), its share
 * of the tenant's BM25 statistics, R2 objects, cached answers citing it; bumps the tenant's corpus
 * version (when the document was served) so cached results are invalidated.
 */
export async function purgeDocument(env: Env, db: Database, tenantId: string, documentId: string) {
  const chunkIds = (
    await db
      .select({ id: chunks.id })
      .from(chunks)
      .where(and(eq(chunks.tenantId, tenantId), eq(chunks.documentId, documentId)))
  ).map((r) => r.id);
  // Vectors first, through the vector store port: with Vectorize they live outside Postgres,
  // and rows deleted first would leave them unreachable (and taking topK slots) for good.
  if (chunkIds.length) await createVectorStore(env, db).deleteByIds(tenantId, chunkIds);
  await db.transaction(async (tx) => {
    // Take the served chunks out of the tenant's BM25 statistics before they cascade away.
    const served = await lockServedVersion(tx, tenantId, documentId);
    if (served) {
      await shiftServedVersion(tx, { tenantId, documentId, from: served.readyVersion, to: null });
    }
    const gone = await tx
      .delete(documents)
      .where(and(eq(documents.tenantId, tenantId), eq(documents.id, documentId)))
      .returning({ readyVersion: documents.readyVersion });
    // Only a served document's disappearance changes what search returns.
    if (gone[0]?.readyVersion != null) await bumpCorpusVersion(tx, tenantId);
    // Other features' reactions (cached answers citing it), wired in src/app.ts.
    await documentsDeleted(tx, tenantId, [documentId]);
  });
  await deleteDocumentObjects(env.DOCUMENTS, tenantId, documentId);
}
