import { and, eq, inArray, like, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { chunks, documents, ingestionEvents } from '../db/schema';
import type { Env } from '../env';
import { enqueueDeletion } from '../ingest/enqueue';
import { describeError } from '../ingest/retry';
import { recordEvent, type VersionRef } from '../ingest/status';
import { logJson } from '../observability/log';
import { createVectorStore } from '../retrieval/vectors';
import { lockServedVersion, shiftServedVersion } from '../retrieval/bm25-stats';
import { documentsDeleted, documentsDeletedHooks } from './lifecycle';
import { bumpCorpusVersion, documentPrefix } from './repository';

/**
 * Deleting a document is a saga: `markDeleting` hides it from every read in one transaction,
 * then `purgeDocument` runs the steps below, each idempotent and recorded as an
 * `ingestion_events` row (`delete.<step>` / `done`) so a redelivered message resumes after the
 * last finished step. The events cascade away with the document row in the last step.
 */
export const DELETION_STEPS = ['vectors', 'objects', 'caches', 'bm25', 'rows'] as const;
export type DeletionStep = (typeof DELETION_STEPS)[number];

/** Chunk rows (and their vectors) removed per round of the vectors step. */
const VECTOR_PAGE = 1000;

/** Deletes every R2 object under a document's prefix, page by page. Returns how many. */
export async function deleteDocumentObjects(
  bucket: R2Bucket,
  tenantId: string,
  documentId: string,
): Promise<number> {
  const prefix = documentPrefix(tenantId, documentId);
  let cursor: string | undefined;
  let deleted = 0;
  do {
    const page = await bucket.list({ prefix, cursor, limit: 1000 });
    if (page.objects.length) await bucket.delete(page.objects.map((o) => o.key));
    deleted += page.objects.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return deleted;
}

/**
 * Hides a document from every read at once and returns its ref, or null when it does not exist.
 * In one transaction: status `deleting` (list, detail, chunks, download and the ingest pipeline
 * skip it), `ready_version` null with its chunks taken out of the BM25 statistics (search in
 * both vector adapters, chat and scopes serve only `chunks.version = ready_version`, and the
 * statistics must stay exact over what is served), its content hash released (the same file
 * may be uploaded again at once), the corpus version bumped (cached searches) and cached answers
 * citing it dropped. Idempotent: a second call on a `deleting` document changes nothing.
 */
export async function markDeleting(
  db: Database,
  tenantId: string,
  documentId: string,
): Promise<VersionRef | null> {
  return db.transaction(async (tx) => {
    // Locks the document row first: the lock order of bm25-stats.ts.
    const served = await lockServedVersion(tx, tenantId, documentId);
    if (!served) return null;
    const [row] = await tx
      .select({ status: documents.status, currentVersion: documents.currentVersion })
      .from(documents)
      .where(and(eq(documents.tenantId, tenantId), eq(documents.id, documentId)));
    const ref = { tenantId, documentId, version: row!.currentVersion };
    if (row!.status === 'deleting') return ref;
    if (served.readyVersion != null) {
      await shiftServedVersion(tx, { tenantId, documentId, from: served.readyVersion, to: null });
    }
    await tx
      .update(documents)
      .set({
        status: 'deleting',
        stage: 'deleting',
        readyVersion: null,
        sha256: `deleting:${documentId}`,
        updatedAt: new Date(),
      })
      .where(and(eq(documents.tenantId, tenantId), eq(documents.id, documentId)));
    if (served.readyVersion != null) await bumpCorpusVersion(tx, tenantId);
    // Other features' reactions (cached answers citing it), wired in src/wiring.ts.
    await documentsDeleted(tx, tenantId, [documentId]);
    await recordEvent(tx, ref, 'delete.requested', 'done', {
      served: served.readyVersion != null,
    });
    return ref;
  });
}

async function deleteVectorsAndChunks(env: Env, db: Database, ref: VersionRef) {
  const vectors = createVectorStore(env, db);
  let deleted = 0;
  // Vectors before their rows, page by page: a crash between the two leaves rows whose
  // vectors are already gone, which the next round deletes again (deleting is idempotent).
  for (;;) {
    const page = await db
      .select({ id: chunks.id })
      .from(chunks)
      .where(and(eq(chunks.tenantId, ref.tenantId), eq(chunks.documentId, ref.documentId)))
      .limit(VECTOR_PAGE);
    if (page.length === 0) return { chunksDeleted: deleted };
    const ids = page.map((r) => r.id);
    await vectors.deleteByIds(ref.tenantId, ids);
    await db.delete(chunks).where(and(eq(chunks.tenantId, ref.tenantId), inArray(chunks.id, ids)));
    deleted += ids.length;
  }
}

async function runStep(
  step: DeletionStep,
  env: Env,
  db: Database,
  ref: VersionRef,
): Promise<Record<string, unknown>> {
  const { tenantId, documentId } = ref;
  switch (step) {
    case 'vectors':
      return deleteVectorsAndChunks(env, db, ref);
    case 'objects':
      return { objectsDeleted: await deleteDocumentObjects(env.DOCUMENTS, tenantId, documentId) };
    case 'caches': {
      // Again after the mark: an answer whose retrieval read the document before it was hidden
      // may have been cached since. (Cached searches need nothing more: their key holds the
      // corpus version read before retrieval, which the mark bumped.)
      await documentsDeleted(db, tenantId, [documentId]);
      return { hooks: documentsDeletedHooks() };
    }
    case 'bm25':
      // The mark took the served chunks out; this re-checks under the document lock, so a
      // statistics change is never applied twice nor missed.
      return db.transaction(async (tx) => {
        const now = await lockServedVersion(tx, tenantId, documentId);
        if (now?.readyVersion == null) return { shifted: false };
        await shiftServedVersion(tx, { tenantId, documentId, from: now.readyVersion, to: null });
        await tx
          .update(documents)
          .set({ readyVersion: null })
          .where(and(eq(documents.tenantId, tenantId), eq(documents.id, documentId)));
        return { shifted: true };
      });
    case 'rows': {
      // Versions, slices, the rest of the chunks and these events cascade with the row.
      const gone = await db
        .delete(documents)
        .where(and(eq(documents.tenantId, tenantId), eq(documents.id, documentId)))
        .returning({ id: documents.id });
      return { rows: gone.length };
    }
  }
}

/** Steps of this document's deletion already done. */
async function stepsDone(db: Database, ref: VersionRef): Promise<Set<string>> {
  const rows = await db
    .select({ stage: ingestionEvents.stage })
    .from(ingestionEvents)
    .where(
      and(
        eq(ingestionEvents.tenantId, ref.tenantId),
        eq(ingestionEvents.documentId, ref.documentId),
        like(ingestionEvents.stage, 'delete.%'),
        eq(ingestionEvents.status, 'done'),
      ),
    );
  return new Set(rows.map((r) => r.stage.slice('delete.'.length)));
}

/**
 * Removes a document everywhere, resumably: hides it (`markDeleting`), then runs each
 * step of `DELETION_STEPS` not yet recorded as done. A failing step records a
 * `delete.<step>` / `failed` event and rethrows; calling again (the queue's redelivery, the
 * daily cron, tenant deletion) resumes there. Resolves once nothing of the document remains.
 * The one entry point for deleting a document's data.
 */
export async function purgeDocument(
  env: Env,
  db: Database,
  tenantId: string,
  documentId: string,
): Promise<{ steps: DeletionStep[] }> {
  const ref = await markDeleting(db, tenantId, documentId);
  if (!ref) return { steps: [] };
  const done = await stepsDone(db, ref);
  const ran: DeletionStep[] = [];
  for (const step of DELETION_STEPS) {
    if (done.has(step)) continue;
    const started = Date.now();
    let detail: Record<string, unknown>;
    try {
      detail = await runStep(step, env, db, ref);
    } catch (error) {
      await recordEvent(db, ref, `delete.${step}`, 'failed', { error: describeError(error) }).catch(
        () => {},
      );
      logJson('warn', {
        msg: 'document.delete_step_failed',
        ...ref,
        step,
        ...describeError(error),
      });
      throw error;
    }
    ran.push(step);
    // The last step deleted the row these events hang off; the log line is its record.
    if (step !== 'rows') await recordEvent(db, ref, `delete.${step}`, 'done', detail);
    logJson('info', {
      msg: 'document.delete_step',
      ...ref,
      step,
      ms: Date.now() - started,
      ...detail,
    });
  }
  return { steps: ran };
}

/** Documents hidden by a delete whose saga has not finished since `before`, oldest first. */
export async function unfinishedDeletions(db: Database, before: Date, limit = 1000) {
  return db
    .select({ tenantId: documents.tenantId, documentId: documents.id })
    .from(documents)
    .where(and(eq(documents.status, 'deleting'), sql`${documents.updatedAt} < ${before}`))
    .orderBy(documents.updatedAt)
    .limit(limit);
}

/**
 * What `DELETE /v1/documents/:id` does: hide the document now, and queue the saga. When the
 * queue refuses the message the document stays `deleting` (hidden, recorded as a
 * `delete.enqueue` / `failed` event): a repeated DELETE or the daily cron enqueues it again.
 */
export async function requestDocumentDeletion(
  env: Pick<Env, 'INGEST_QUEUE'>,
  db: Database,
  tenantId: string,
  documentId: string,
  traceparent?: string,
): Promise<{ ref: VersionRef; enqueued: boolean } | null> {
  const ref = await markDeleting(db, tenantId, documentId);
  if (!ref) return null;
  try {
    await enqueueDeletion(env, { tenantId, documentId, ...(traceparent ? { traceparent } : {}) });
    return { ref, enqueued: true };
  } catch (error) {
    logJson('warn', { msg: 'document.delete_enqueue_failed', ...ref, ...describeError(error) });
    await recordEvent(db, ref, 'delete.enqueue', 'failed', { error: describeError(error) }).catch(
      () => {},
    );
    return { ref, enqueued: false };
  }
}
