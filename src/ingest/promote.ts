import { and, eq, inArray, lt, ne, sql } from 'drizzle-orm';
import { chunks, documents, documentVersions } from '../db/schema';
import { lockServedVersion, shiftServedVersion } from '../retrieval/bm25-stats';
import { bumpCorpusVersion } from '../retrieval/corpus-version';
import { createVectorStore } from '../retrieval/vectors';
import type { IngestContext } from './context';
import { versionReady } from './lifecycle';
import { recordEvent, versionWhere, type VersionRef } from './status';

/**
 * Promotion: makes an indexed version the one search serves, tells the features that react to
 * a version becoming ready (lifecycle.ts; enrichment, wired in src/wiring.ts), and retires
 * older versions' chunks and vectors.
 */
export async function promoteVersion(
  ctx: IngestContext,
  ref: VersionRef,
  result: { count: number; reused: number; embedded: number; sliceCount: number },
  traceparent?: string,
) {
  const promoted = await ctx.db.transaction(async (tx) => {
    // Only the first completion counts: the last slices can finish at once (or one slice message
    // be delivered twice concurrently), and each then sees every slice done. A second completer
    // finds the version ready (its update waits for the first's row lock) and does nothing more,
    // so there is one `ready` event, one statistics shift and one enrichment message.
    const [claimed] = await tx
      .update(documentVersions)
      .set({
        status: 'ready',
        chunkCount: result.count,
        chunksReused: result.reused,
        chunksEmbedded: result.embedded,
        sliceCount: result.sliceCount,
        readyAt: new Date(),
      })
      .where(and(versionWhere(ref), ne(documentVersions.status, 'ready')))
      .returning({ version: documentVersions.version });
    if (!claimed) return null;
    // Locks the document row before any statistics row (the lock order in bm25-stats.ts) and
    // reads the version it serves until this commits.
    const served = await lockServedVersion(tx, ref.tenantId, ref.documentId);
    const updated = await tx
      .update(documents)
      .set({
        readyVersion: ref.version,
        status: sql`case when ${documents.currentVersion} = ${ref.version} then 'ready' else ${documents.status} end`,
        stage: sql`case when ${documents.currentVersion} = ${ref.version} then 'ready' else ${documents.stage} end`,
        chunksDone: sql`case when ${documents.currentVersion} = ${ref.version} then ${result.count} else ${documents.chunksDone} end`,
        chunksTotal: sql`case when ${documents.currentVersion} = ${ref.version} then ${result.count} else ${documents.chunksTotal} end`,
        failureReason: null,
        // A summary describes the version it was written for; a newly served one starts without.
        summary: sql`case when ${documents.readyVersion} is distinct from ${ref.version} then null else ${documents.summary} end`,
        suggestedTags: sql`case when ${documents.readyVersion} is distinct from ${ref.version} then null else ${documents.suggestedTags} end`,
        updatedAt: new Date(),
      })
      .where(
        and(
          // The id is the key; the tenant only scopes it like every other query here (the row
          // lockServedVersion just locked, so the lock order is unchanged).
          eq(documents.tenantId, ref.tenantId),
          eq(documents.id, ref.documentId),
          sql`(${documents.readyVersion} is null or ${documents.readyVersion} <= ${ref.version})`,
          // A document being deleted is never served again.
          ne(documents.status, 'deleting'),
        ),
      )
      .returning({ id: documents.id, currentVersion: documents.currentVersion });
    await recordEvent(tx, ref, 'ready', 'done', {
      chunks: result.count,
      reused: result.reused,
      embedded: result.embedded,
      slices: result.sliceCount,
    });
    if (updated.length) {
      await shiftServedVersion(tx, {
        tenantId: ref.tenantId,
        documentId: ref.documentId,
        from: served?.readyVersion ?? null,
        to: ref.version,
      });
      await bumpCorpusVersion(tx, ref.tenantId);
    }
    return updated[0] ?? null;
  });
  if (!promoted) return;
  if (promoted.currentVersion === ref.version) await versionReady(ctx, ref, traceparent);
  await retireOlderVersions(ctx, ref);
}

async function retireOlderVersions(ctx: IngestContext, ref: VersionRef) {
  const vectors = createVectorStore(ctx.env, ctx.db);
  for (;;) {
    const stale = await ctx.db
      .select({ id: chunks.id })
      .from(chunks)
      .where(
        and(
          eq(chunks.tenantId, ref.tenantId),
          eq(chunks.documentId, ref.documentId),
          lt(chunks.version, ref.version),
        ),
      )
      .limit(1000);
    if (stale.length === 0) return;
    const ids = stale.map((r) => r.id);
    await vectors.deleteByIds(ref.tenantId, ids);
    await ctx.db
      .delete(chunks)
      .where(and(eq(chunks.tenantId, ref.tenantId), inArray(chunks.id, ids)));
  }
}
