import { and, eq } from 'drizzle-orm';
import { recordAudit } from '../audit/record';
import type { Database } from '../db/client';
import { documents, documentVersions } from '../db/schema';
import { ApiError } from '../errors';
import { enqueueIngest } from '../ingest/enqueue';
import { recordEvent, versionWhere, type VersionRef } from '../ingest/status';
import { requireWritableDocument } from './guard';
import type { ChangeDeps } from './manage';
import { findVersion, toDocumentDto, type DocumentRow, type VersionRow } from './repository';

/** Queues the latest version for ingestion again (e.g. after a failure). */
export async function reprocessDocument(deps: ChangeDeps, id: string) {
  const { db, principal } = deps;
  const row = await requireWritableDocument(db, principal, id);
  if (row.status === 'queued' || row.status === 'processing') {
    throw new ApiError(409, 'conflict', `the document is already ${row.status}`);
  }
  const ref = { tenantId: principal.tenantId, documentId: row.id, version: row.currentVersion };
  const previous = await findVersion(db, principal.tenantId, row.id, row.currentVersion);
  const updated = await db.transaction(async (tx) => {
    await tx
      .update(documentVersions)
      .set({ status: 'queued', failureReason: null })
      .where(versionWhere(ref));
    const [doc] = await tx
      .update(documents)
      .set({
        status: 'queued',
        stage: 'queued',
        failureReason: null,
        chunksDone: 0,
        updatedAt: new Date(),
      })
      .where(and(eq(documents.tenantId, principal.tenantId), eq(documents.id, row.id)))
      .returning();
    await recordEvent(tx, ref, 'reprocess', 'queued');
    await recordAudit(tx, principal, deps.requestId, {
      action: 'document.reprocess',
      targetType: 'document',
      targetId: row.id,
      before: { status: row.status, failureReason: row.failureReason },
    });
    return doc!;
  });
  try {
    await enqueueIngest(deps.env, {
      ...ref,
      bytes: row.byteSize,
      ...(deps.traceparent ? { traceparent: deps.traceparent } : {}),
    });
  } catch {
    // Nothing will process it: left `queued` it would wait forever and count against the
    // tenant's ingest backlog. Put it back as it was; the client may simply retry.
    await restoreAfterFailedReprocess(db, row, ref, previous);
    throw new ApiError(
      503,
      'queue_unavailable',
      'the ingest queue is unavailable; the document was left as it was',
    );
  }
  return toDocumentDto(updated);
}

/** Undoes a reprocess whose message could not be queued (only if nothing moved it since). */
async function restoreAfterFailedReprocess(
  db: Database,
  row: DocumentRow,
  ref: VersionRef,
  previous: VersionRow | undefined,
) {
  await db.transaction(async (tx) => {
    const [restored] = await tx
      .update(documents)
      .set({
        status: row.status,
        stage: row.stage,
        failureReason: row.failureReason,
        chunksDone: row.chunksDone,
        updatedAt: new Date(),
      })
      .where(
        and(
          eq(documents.tenantId, row.tenantId),
          eq(documents.id, row.id),
          eq(documents.status, 'queued'),
          eq(documents.currentVersion, ref.version),
        ),
      )
      .returning({ id: documents.id });
    if (!restored) return;
    if (previous) {
      await tx
        .update(documentVersions)
        .set({ status: previous.status, failureReason: previous.failureReason })
        .where(versionWhere(ref));
    }
    await recordEvent(tx, ref, 'reprocess', 'failed', { reason: 'queue_unavailable' });
  });
}
