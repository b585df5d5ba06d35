import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/client';
import { isUniqueViolation } from '../db/errors';
import { isStatementTimeout } from '../db/timeout';
import { documents, documentVersions } from '../db/schema';
import { ApiError } from '../errors';
import { enqueueIngest } from '../ingest/enqueue';
import type { Env } from '../env';
import { countUsage, type MetricsRecorder } from '../metrics';
import type { Principal } from '../types';
import type { ReceivedUpload } from './receive';
import { forgetCorpusVersion } from '../retrieval/corpus-version';
import {
  bumpCorpusVersion,
  findDocumentBySha,
  toDocumentDto,
  type DocumentRow,
} from './repository';
import { insertUploadedDocument, insertUploadedVersion } from './upload-sql';

/**
 * What writing an upload needs, as plain values: the routes build it from the request
 * (`uploadDepsOf` in upload-routes.ts), and the CLI, the queue or a test can build it directly.
 */
export interface WriteDeps {
  db: Database;
  env: Pick<Env, 'DOCUMENTS' | 'INGEST_QUEUE'>;
  principal: Principal;
  /** Recorded with the audit row the write adds. */
  requestId: string;
  /** The W3C trace context the ingest message carries on, when the request had one. */
  traceparent?: string;
  /** Where the upload is counted for usage. */
  metrics: MetricsRecorder;
}

/**
 * Deletes an upload's object after its row statement failed, unless the statement timed out on
 * the client side: then Postgres may still commit it, and deleting would leave a row pointing at
 * no bytes. A kept object whose row never committed is removed by the daily orphan sweep.
 */
async function discardAfterFailedInsert(deps: WriteDeps, key: string, error: unknown) {
  if (isStatementTimeout(error)) return;
  await deps.env.DOCUMENTS.delete(key).catch(() => {});
}

async function enqueueOrThrow(deps: WriteDeps, documentId: string, version: number, bytes: number) {
  try {
    await enqueueIngest(deps.env, {
      tenantId: deps.principal.tenantId,
      documentId,
      version,
      bytes,
      ...(deps.traceparent ? { traceparent: deps.traceparent } : {}),
    });
  } catch {
    throw new ApiError(
      503,
      'queue_unavailable',
      'the ingest queue is unavailable; nothing was stored',
    );
  }
}

/** Persists a first upload as document v1 and enqueues it; undoes everything if that fails. */
export async function createDocumentFromUpload(
  deps: WriteDeps,
  documentId: string,
  upload: ReceivedUpload,
): Promise<{ status: 200 | 202; document: DocumentRow; duplicate: boolean }> {
  const { db, principal } = deps;
  // The upload's own unique key (see newObjectKey): cleanup here can only delete our bytes.
  const key = upload.key;
  const duplicate = async (existing: DocumentRow | undefined) => {
    await deps.env.DOCUMENTS.delete(key);
    if (!existing)
      throw new ApiError(409, 'conflict', 'a concurrent upload changed this content; retry');
    return { status: 200 as const, document: existing, duplicate: true };
  };

  // Dedup and every row in one statement. No corpus-version bump: the document is not served
  // until ingestion promotes it, and that promotion bumps.
  let document: DocumentRow;
  try {
    const written = await insertUploadedDocument(
      db,
      principal.tenantId,
      {
        documentId,
        r2Key: key,
        title: upload.fields.title ?? upload.filename ?? 'Untitled',
        mimeType: upload.mimeType,
        byteSize: upload.size,
        sha256: upload.sha256,
        filename: upload.filename ?? null,
        tags: upload.fields.tags ?? [],
        metadata: upload.fields.metadata ?? {},
      },
      { principal, requestId: deps.requestId },
    );
    if ('existing' in written) return duplicate(written.existing);
    document = written.created;
  } catch (error) {
    // A concurrent identical upload won the unique index; the statement wrote nothing.
    if (isUniqueViolation(error))
      return duplicate(
        await findDocumentBySha(db, principal.tenantId, upload.sha256, principal.userId ?? null),
      );
    await discardAfterFailedInsert(deps, key, error);
    throw error;
  }
  try {
    await enqueueOrThrow(deps, documentId, 1, upload.size);
  } catch (error) {
    await db
      .delete(documents)
      .where(and(eq(documents.tenantId, principal.tenantId), eq(documents.id, documentId)));
    await deps.env.DOCUMENTS.delete(key).catch(() => {});
    throw error;
  }
  // An upload is stored content queued for ingestion; a duplicate stored nothing.
  countUsage(deps.metrics, principal.tenantId, { uploads: 1 });
  return { status: 202, document, duplicate: false };
}

/** Adds version n+1 to an existing document; the previous version keeps serving until it is ready. */
export async function addVersionFromUpload(
  deps: WriteDeps,
  current: DocumentRow,
  version: number,
  upload: ReceivedUpload,
): Promise<{ status: 200 | 202; document: DocumentRow; duplicate: boolean }> {
  const { db, principal } = deps;
  const key = upload.key;
  if (upload.sha256 === current.sha256) {
    await deps.env.DOCUMENTS.delete(key);
    return { status: 200, document: current, duplicate: true };
  }
  let document: DocumentRow;
  let bumped = false;
  try {
    const outcome = await insertUploadedVersion(
      db,
      current,
      version,
      {
        r2Key: key,
        mimeType: upload.mimeType,
        byteSize: upload.size,
        sha256: upload.sha256,
        filename: upload.filename ?? null,
      },
      { principal, requestId: deps.requestId },
    );
    if (outcome.kind === 'held') {
      throw new ApiError(
        409,
        'conflict',
        `document ${outcome.holderId} already holds this content`,
        {
          documentId: outcome.holderId,
        },
      );
    }
    if (outcome.kind === 'raced')
      throw new ApiError(409, 'conflict', 'another version was uploaded concurrently; retry');
    if (outcome.bumped) forgetCorpusVersion(principal.tenantId);
    document = outcome.document;
    bumped = outcome.bumped;
  } catch (error) {
    await discardAfterFailedInsert(deps, key, error);
    if (isUniqueViolation(error))
      throw new ApiError(409, 'conflict', 'this content or version already exists');
    throw error;
  }
  try {
    await enqueueOrThrow(deps, current.id, version, upload.size);
  } catch (error) {
    await db.transaction(async (tx) => {
      await tx
        .delete(documentVersions)
        .where(
          and(eq(documentVersions.documentId, current.id), eq(documentVersions.version, version)),
        );
      await tx
        .update(documents)
        .set({
          currentVersion: current.currentVersion,
          sha256: current.sha256,
          byteSize: current.byteSize,
          mimeType: current.mimeType,
          status: current.status,
          stage: current.stage,
          failureReason: current.failureReason,
          chunksDone: current.chunksDone,
          chunksTotal: current.chunksTotal,
        })
        .where(eq(documents.id, current.id));
      // The served document's type went back: cached searches filtered on the new one are wrong.
      if (bumped) await bumpCorpusVersion(tx, principal.tenantId);
    });
    await deps.env.DOCUMENTS.delete(key).catch(() => {});
    throw error;
  }
  countUsage(deps.metrics, principal.tenantId, { uploads: 1 });
  return { status: 202, document, duplicate: false };
}

export const uploadResponse = (result: { document: DocumentRow; duplicate: boolean }) => ({
  document: toDocumentDto(result.document),
  duplicate: result.duplicate,
});
