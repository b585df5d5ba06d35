import { and, eq } from 'drizzle-orm';
import type { Context } from 'hono';
import { recordAudit } from '../audit/record';
import { isUniqueViolation } from '../db/errors';
import { documents, documentVersions, ingestionEvents } from '../db/schema';
import { ApiError } from '../errors';
import { enqueueIngest } from '../ingest/enqueue';
import type { AppEnv } from '../types';
import type { ReceivedUpload } from './receive';
import {
  bumpCorpusVersion,
  findDocumentBySha,
  toDocumentDto,
  type DocumentRow,
} from './repository';

async function enqueueOrThrow(
  c: Context<AppEnv>,
  documentId: string,
  version: number,
  bytes: number,
) {
  try {
    await enqueueIngest(c.env, {
      tenantId: c.var.principal.tenantId,
      documentId,
      version,
      bytes,
      ...(c.get('traceparent') ? { traceparent: c.get('traceparent') } : {}),
    });
  } catch {
    throw new ApiError(
      503,
      'queue_unavailable',
      'the ingest queue is unavailable; nothing was stored',
    );
  }
}

/**
 * Runs a step that precedes the commit linking `key` to a version row. If it fails (Postgres
 * unreachable, say) nothing points at the object yet, so it is deleted rather than left behind.
 */
async function beforeLink<T>(c: Context<AppEnv>, key: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    await c.env.DOCUMENTS.delete(key).catch(() => {});
    throw error;
  }
}

/** Persists a first upload as document v1 and enqueues it; undoes everything if that fails. */
export async function createDocumentFromUpload(
  c: Context<AppEnv>,
  documentId: string,
  upload: ReceivedUpload,
): Promise<{ status: 200 | 202; document: DocumentRow; duplicate: boolean }> {
  const { db, principal } = c.var;
  // The upload's own unique key (see newObjectKey): cleanup here can only delete our bytes.
  const key = upload.key;
  const duplicateOf = async () => {
    await c.env.DOCUMENTS.delete(key);
    const existing = await findDocumentBySha(db, principal.tenantId, upload.sha256);
    if (!existing)
      throw new ApiError(409, 'conflict', 'a concurrent upload changed this content; retry');
    return { status: 200 as const, document: existing, duplicate: true };
  };
  if (await beforeLink(c, key, () => findDocumentBySha(db, principal.tenantId, upload.sha256)))
    return duplicateOf();

  let document: DocumentRow;
  try {
    document = await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(documents)
        .values({
          id: documentId,
          tenantId: principal.tenantId,
          title: upload.fields.title ?? upload.filename ?? 'Untitled',
          mimeType: upload.mimeType,
          byteSize: upload.size,
          sha256: upload.sha256,
          currentVersion: 1,
          status: 'queued',
          stage: 'queued',
          tags: upload.fields.tags ?? [],
          metadata: upload.fields.metadata ?? {},
        })
        .returning();
      await tx.insert(documentVersions).values({
        tenantId: principal.tenantId,
        documentId,
        version: 1,
        r2Key: key,
        sha256: upload.sha256,
        byteSize: upload.size,
        mimeType: upload.mimeType,
        filename: upload.filename ?? null,
      });
      await tx.insert(ingestionEvents).values({
        tenantId: principal.tenantId,
        documentId,
        version: 1,
        stage: 'upload',
        status: 'queued',
        detail: { bytes: upload.size },
      });
      await recordAudit(tx, principal, c.var.requestId, {
        action: 'document.create',
        targetType: 'document',
        targetId: documentId,
        after: {
          title: row!.title,
          sha256: upload.sha256,
          bytes: upload.size,
          mimeType: upload.mimeType,
        },
      });
      await bumpCorpusVersion(tx, principal.tenantId);
      return row!;
    });
  } catch (error) {
    if (isUniqueViolation(error)) return duplicateOf();
    await c.env.DOCUMENTS.delete(key).catch(() => {});
    throw error;
  }
  try {
    await enqueueOrThrow(c, documentId, 1, upload.size);
  } catch (error) {
    await db
      .delete(documents)
      .where(and(eq(documents.tenantId, principal.tenantId), eq(documents.id, documentId)));
    await c.env.DOCUMENTS.delete(key).catch(() => {});
    throw error;
  }
  return { status: 202, document, duplicate: false };
}

/** Adds version n+1 to an existing document; the previous version keeps serving until it is ready. */
export async function addVersionFromUpload(
  c: Context<AppEnv>,
  current: DocumentRow,
  version: number,
  upload: ReceivedUpload,
): Promise<{ status: 200 | 202; document: DocumentRow; duplicate: boolean }> {
  const { db, principal } = c.var;
  const key = upload.key;
  if (upload.sha256 === current.sha256) {
    await c.env.DOCUMENTS.delete(key);
    return { status: 200, document: current, duplicate: true };
  }
  const holder = await beforeLink(c, key, () =>
    findDocumentBySha(db, principal.tenantId, upload.sha256),
  );
  if (holder) {
    await c.env.DOCUMENTS.delete(key);
    throw new ApiError(409, 'conflict', `document ${holder.id} already holds this content`, {
      documentId: holder.id,
    });
  }
  let document: DocumentRow;
  try {
    document = await db.transaction(async (tx) => {
      await tx.insert(documentVersions).values({
        tenantId: principal.tenantId,
        documentId: current.id,
        version,
        r2Key: key,
        sha256: upload.sha256,
        byteSize: upload.size,
        mimeType: upload.mimeType,
        filename: upload.filename ?? null,
      });
      const [row] = await tx
        .update(documents)
        .set({
          currentVersion: version,
          sha256: upload.sha256,
          byteSize: upload.size,
          mimeType: upload.mimeType,
          status: 'queued',
          stage: 'queued',
          failureReason: null,
          chunksDone: 0,
          chunksTotal: null,
          updatedAt: new Date(),
        })
        .where(
          and(
            eq(documents.tenantId, principal.tenantId),
            eq(documents.id, current.id),
            eq(documents.currentVersion, version - 1),
          ),
        )
        .returning();
      if (!row)
        throw new ApiError(409, 'conflict', 'another version was uploaded concurrently; retry');
      await tx.insert(ingestionEvents).values({
        tenantId: principal.tenantId,
        documentId: current.id,
        version,
        stage: 'upload',
        status: 'queued',
        detail: { bytes: upload.size },
      });
      await recordAudit(tx, principal, c.var.requestId, {
        action: 'document.version.create',
        targetType: 'document',
        targetId: current.id,
        before: { version: current.currentVersion, sha256: current.sha256 },
        after: { version, sha256: upload.sha256, bytes: upload.size },
      });
      await bumpCorpusVersion(tx, principal.tenantId);
      return row;
    });
  } catch (error) {
    await c.env.DOCUMENTS.delete(key).catch(() => {});
    if (isUniqueViolation(error))
      throw new ApiError(409, 'conflict', 'this content or version already exists');
    throw error;
  }
  try {
    await enqueueOrThrow(c, current.id, version, upload.size);
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
    });
    await c.env.DOCUMENTS.delete(key).catch(() => {});
    throw error;
  }
  return { status: 202, document, duplicate: false };
}

export const uploadResponse = (result: { document: DocumentRow; duplicate: boolean }) => ({
  document: toDocumentDto(result.document),
  duplicate: result.duplicate,
});
