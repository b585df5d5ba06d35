import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { recordAudit } from '../audit/record';
import { documents, documentVersions } from '../db/schema';
import { recordEvent, versionWhere, type VersionRef } from '../ingest/status';
import { enqueueIngest } from '../ingest/enqueue';
import { ApiError } from '../errors';
import { createRouter } from '../http/router';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  releaseIdempotencyKey,
} from '../http/idempotency';
import { authorize } from '../middleware/auth';
import type { Database } from '../db/client';
import type { AppEnv } from '../types';
import { accessOf, isAdminKey } from '../access/visibility';
import { syncVectorAccess } from '../retrieval/vectors/access-sync';
import { and, eq } from 'drizzle-orm';
import { downloadTtl, signDownload } from './download-token';
import { requestDocumentDeletion } from './purge';
import { receiveUpload, type UploadRequest } from './receive';
import {
  bumpCorpusVersionIfServed,
  documentDetail,
  findDocument,
  findVersion,
  listChunks,
  listDocuments,
  newObjectKey,
  toDocumentDto,
  type DocumentRow,
  type VersionRow,
} from './repository';
import {
  ChunkSchema,
  ChunksQuery,
  DocumentDetailSchema,
  DeletionSchema,
  DocumentSchema,
  DownloadQuery,
  IdParam,
  ListQuery,
  PatchBody,
  UploadResultSchema,
} from './schemas';
import {
  addVersionFromUpload,
  createDocumentFromUpload,
  uploadResponse,
  type WriteDeps,
} from './write';
import { recorderOf } from '../metrics';
import { AUTHENTICATED, errorResponse, errorResponses, jsonResponse } from '../http/openapi';

const json = jsonResponse;

/** The upload request as the receiver reads it: the service never sees the Hono Context. */
const uploadRequestOf = (c: Context<AppEnv>): UploadRequest => ({
  body: c.req.raw.body,
  contentType: c.req.header('content-type') ?? '',
  contentLength: c.req.header('content-length'),
  query: c.req.query(),
});

/** What writing an upload needs, from the request's variables and bindings. */
const writeDepsOf = (c: Context<AppEnv>): WriteDeps => ({
  db: c.var.db,
  env: c.env,
  principal: c.var.principal,
  requestId: c.var.requestId,
  traceparent: c.get('traceparent'),
  metrics: recorderOf(c),
});

export const documentsRouter = createRouter();

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

/** A document the caller can see; any other (another user's private one too) is a 404. */
async function requireDocument(
  c: Context<AppEnv>,
  id: string,
  options: { includeDeleting?: boolean } = {},
) {
  const { db, principal } = c.var;
  const row = await findDocument(db, principal.tenantId, id, accessOf(principal), options);
  if (!row) throw ApiError.notFound('document');
  return row;
}

/**
 * A document the caller may change: API keys as their role allows; a user only their own
 * (a document shared with them is readable, not theirs to change).
 */
async function requireWritableDocument(
  c: Context<AppEnv>,
  id: string,
  options: { includeDeleting?: boolean } = {},
) {
  const row = await requireDocument(c, id, options);
  const { userId } = c.var.principal;
  if (userId !== null && row.ownerUserId !== userId) {
    throw ApiError.forbidden('only the owner of this document may change it');
  }
  return row;
}

function parseId(raw: string): string {
  const parsed = IdParam.shape.id.safeParse(raw);
  if (!parsed.success) throw new ApiError(400, 'invalid_id', 'the id in the path is not valid');
  return parsed.data;
}

const uploadBodyDoc = {
  content: {
    'multipart/form-data': {
      schema: z.object({
        file: z.string().openapi({ format: 'binary' }),
        title: z.string().optional(),
        tags: z.string().optional().openapi({ description: 'comma-separated' }),
        metadata: z.string().optional().openapi({ description: 'JSON object' }),
      }),
    },
    'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) },
  },
};
const uploadResponses = {
  200: json(UploadResultSchema, 'Identical content already stored (duplicate: true)'),
  202: json(UploadResultSchema, 'Stored and queued for ingestion'),
  ...errorResponses(...AUTHENTICATED, 400, 403, 409),
  413: errorResponse(413, 'File too large (MAX_UPLOAD_BYTES)'),
  415: errorResponse(415, 'Unsupported or undetectable file type'),
};

// Uploads are streamed, so they are registered for the OpenAPI document only and
// handled by plain routes (a zod body validator would buffer the file).
documentsRouter.openAPIRegistry.registerPath({
  method: 'post',
  path: '/v1/documents',
  operationId: 'uploadDocument',
  summary: 'Upload a document (multipart, or a raw body with its Content-Type)',
  request: {
    query: z.object({
      title: z.string().optional(),
      tags: z.string().optional(),
      metadata: z.string().optional(),
      filename: z.string().optional(),
    }),
    headers: z.object({ 'idempotency-key': z.string().optional() }),
    body: uploadBodyDoc,
  },
  responses: {
    ...uploadResponses,
    422: errorResponse(422, 'The Idempotency-Key was used for another operation'),
  },
});

documentsRouter.post('/v1/documents', authorize('documents:upload'), async (c) => {
  const { db, principal } = c.var;
  const idempotencyKey = c.req.header('idempotency-key');
  if (idempotencyKey) {
    const claim = await claimIdempotencyKey(
      db,
      principal.tenantId,
      idempotencyKey,
      'POST /v1/documents',
    );
    if (claim.kind === 'replay') {
      await c.req.raw.body?.cancel().catch(() => {});
      c.header('Idempotent-Replayed', 'true');
      return c.json(claim.body as object, claim.status as 200 | 202);
    }
  }
  try {
    const documentId = crypto.randomUUID();
    const upload = await receiveUpload(
      c.env,
      uploadRequestOf(c),
      newObjectKey(principal.tenantId, documentId, 1),
    );
    const result = await createDocumentFromUpload(writeDepsOf(c), documentId, upload);
    const body = uploadResponse(result);
    if (idempotencyKey) {
      await completeIdempotencyKey(
        db,
        principal.tenantId,
        idempotencyKey,
        result.status,
        body,
        upload.sha256,
      );
    }
    return c.json(body, result.status);
  } catch (error) {
    if (idempotencyKey)
      await releaseIdempotencyKey(db, principal.tenantId, idempotencyKey).catch(() => {});
    throw error;
  }
});

documentsRouter.openAPIRegistry.registerPath({
  method: 'put',
  path: '/v1/documents/{id}/content',
  operationId: 'uploadDocumentVersion',
  summary: 'Upload a new version; the previous one keeps serving until this one is ready',
  request: { params: IdParam, body: uploadBodyDoc },
  responses: { ...uploadResponses, ...errorResponses(404) },
});

documentsRouter.put('/v1/documents/:id/content', authorize('documents:write'), async (c) => {
  const current = await requireWritableDocument(c, parseId(c.req.param('id')));
  const version = current.currentVersion + 1;
  const upload = await receiveUpload(
    c.env,
    uploadRequestOf(c),
    newObjectKey(c.var.principal.tenantId, current.id, version),
  );
  const result = await addVersionFromUpload(writeDepsOf(c), current, version, upload);
  return c.json(uploadResponse(result), result.status);
});

documentsRouter.openapi(
  createRoute({
    method: 'get',
    path: '/v1/documents',
    operationId: 'listDocuments',
    summary: 'List documents with filters and cursor pagination',
    middleware: [authorize('documents:read')] as const,
    request: { query: ListQuery },
    responses: {
      200: json(
        z.object({ data: z.array(DocumentSchema), nextCursor: z.string().nullable() }),
        'A page',
      ),
      ...errorResponses(...AUTHENTICATED, 400, 403),
    },
  }),
  async (c) => {
    const query = c.req.valid('query');
    const raw =
      query.metadata === undefined
        ? []
        : Array.isArray(query.metadata)
          ? query.metadata
          : [query.metadata];
    const metadata = raw.map((pair): [string, string] => {
      const at = pair.indexOf(':');
      if (at < 1)
        throw new ApiError(400, 'validation_failed', 'metadata filters look like key:value');
      return [pair.slice(0, at), pair.slice(at + 1)];
    });
    const { db, principal } = c.var;
    const page = await listDocuments(
      db,
      principal.tenantId,
      { ...query, metadata },
      accessOf(principal),
    );
    return c.json(page, 200);
  },
);

documentsRouter.openapi(
  createRoute({
    method: 'get',
    path: '/v1/documents/{id}',
    operationId: 'getDocument',
    summary: 'A document with its versions and status history',
    middleware: [authorize('documents:read')] as const,
    request: { params: IdParam },
    responses: {
      200: json(DocumentDetailSchema, 'The document'),
      ...errorResponses(...AUTHENTICATED, 400, 403, 404),
    },
  }),
  async (c) => {
    const row = await requireDocument(c, c.req.valid('param').id);
    return c.json(await documentDetail(c.var.db, row), 200);
  },
);

documentsRouter.openapi(
  createRoute({
    method: 'patch',
    path: '/v1/documents/{id}',
    operationId: 'updateDocument',
    summary: 'Change title, tags, metadata or visibility (`private` | `tenant`)',
    middleware: [authorize('documents:write')] as const,
    request: {
      params: IdParam,
      body: { content: { 'application/json': { schema: PatchBody } }, required: true },
    },
    responses: {
      200: json(DocumentSchema, 'The updated document'),
      ...errorResponses(...AUTHENTICATED, 400, 403, 404, 413, 415),
    },
  }),
  async (c) => {
    const { db, principal } = c.var;
    const before = await requireWritableDocument(c, c.req.valid('param').id);
    const patch = c.req.valid('json');
    // Visibility decides who else sees it: its owner, or a key acting for the whole tenant.
    const changesVisibility =
      patch.visibility !== undefined && patch.visibility !== before.visibility;
    if (changesVisibility && principal.userId === null && !isAdminKey(principal)) {
      throw ApiError.forbidden(`role '${principal.role}' may not change a document's visibility`);
    }
    const row = await db.transaction(async (tx) => {
      const [updated] = await tx
        .update(documents)
        .set({ ...patch, updatedAt: new Date() })
        .where(and(eq(documents.tenantId, principal.tenantId), eq(documents.id, before.id)))
        .returning();
      await recordAudit(tx, principal, c.var.requestId, {
        action: 'document.update',
        targetType: 'document',
        targetId: before.id,
        before: Object.fromEntries(
          Object.keys(patch).map((k) => [k, before[k as keyof typeof patch]]),
        ),
        after: patch,
      });
      // Title, tags and metadata are returned and filtered on, but only for a served document.
      await bumpCorpusVersionIfServed(tx, principal.tenantId, before.id);
      return updated!;
    });
    // Vectorize filters on a copy of the visibility kept with each vector: rewrite it.
    if (changesVisibility) await syncVectorAccess(c.env, db, row);
    return c.json(toDocumentDto(row), 200);
  },
);

documentsRouter.openapi(
  createRoute({
    method: 'delete',
    path: '/v1/documents/{id}',
    operationId: 'deleteDocument',
    summary: 'Delete a document: hidden at once, its data removed in the background',
    description:
      'Marks the document `deleting`, which hides it from every read (list, detail, chunks, ' +
      'download, search, chat) at once, and queues the removal of its vectors, stored files, ' +
      'cached results and rows. Repeating the request on a document being deleted queues the ' +
      'removal again and answers 202 as well.',
    middleware: [authorize('documents:write')] as const,
    request: { params: IdParam },
    responses: {
      202: jsonResponse(DeletionSchema, 'Hidden, and queued for removal'),
      ...errorResponses(...AUTHENTICATED, 400, 403, 404),
    },
  }),
  async (c) => {
    const { db, principal } = c.var;
    // A document already being deleted is found too: repeating the DELETE re-queues its saga.
    const row = await requireWritableDocument(c, c.req.valid('param').id, {
      includeDeleting: true,
    });
    if (row.status !== 'deleting') {
      await recordAudit(db, principal, c.var.requestId, {
        action: 'document.delete',
        targetType: 'document',
        targetId: row.id,
        before: { title: row.title, sha256: row.sha256, versions: row.currentVersion },
      });
    }
    // If the queue refuses the message, the document stays hidden and `deleting`; the daily
    // cron (or this request repeated) queues it again, so the 202 holds either way.
    const requested = await requestDocumentDeletion(
      c.env,
      db,
      principal.tenantId,
      row.id,
      c.get('traceparent'),
    );
    if (!requested) throw ApiError.notFound('document');
    return c.json({ id: row.id, status: 'deleting' as const }, 202);
  },
);

documentsRouter.openapi(
  createRoute({
    method: 'get',
    path: '/v1/documents/{id}/download',
    operationId: 'getDocumentDownloadUrl',
    summary: 'A short-lived signed URL for the stored file',
    middleware: [authorize('documents:read')] as const,
    request: { params: IdParam, query: DownloadQuery },
    responses: {
      200: json(
        z.object({ url: z.string(), expiresAt: z.string(), version: z.number().int() }),
        'Signed URL',
      ),
      ...errorResponses(...AUTHENTICATED, 400, 403, 404),
    },
  }),
  async (c) => {
    const row = await requireDocument(c, c.req.valid('param').id);
    const version = c.req.valid('query').version ?? row.currentVersion;
    if (!(await findVersion(c.var.db, row.tenantId, row.id, version)))
      throw ApiError.notFound('version');
    const exp = Math.floor(Date.now() / 1000) + downloadTtl(c.env);
    const token = await signDownload(
      { t: row.tenantId, d: row.id, v: version, exp },
      c.env.SIGNING_KEYS,
    );
    const url = new URL(`/v1/files/${token}`, c.req.url).toString();
    return c.json({ url, expiresAt: new Date(exp * 1000).toISOString(), version }, 200);
  },
);

documentsRouter.openapi(
  createRoute({
    method: 'get',
    path: '/v1/documents/{id}/chunks',
    operationId: 'listDocumentChunks',
    summary: 'Chunks of the served (or a given) version, in order',
    middleware: [authorize('documents:read')] as const,
    request: { params: IdParam, query: ChunksQuery },
    responses: {
      200: json(
        z.object({
          data: z.array(ChunkSchema),
          version: z.number().int().nullable(),
          nextCursor: z.number().int().nullable(),
        }),
        'A page of chunks',
      ),
      ...errorResponses(...AUTHENTICATED, 400, 403, 404),
    },
  }),
  async (c) => {
    const row = await requireDocument(c, c.req.valid('param').id);
    const query = c.req.valid('query');
    const version = query.version ?? row.readyVersion;
    if (version === null) return c.json({ data: [], version: null, nextCursor: null }, 200);
    const page = await listChunks(
      c.var.db,
      row.tenantId,
      row.id,
      version,
      query.limit,
      query.cursor ?? -1,
    );
    return c.json({ ...page, version }, 200);
  },
);

documentsRouter.openapi(
  createRoute({
    method: 'post',
    path: '/v1/documents/{id}/reprocess',
    operationId: 'reprocessDocument',
    summary: 'Queue the latest version for ingestion again (e.g. after a failure)',
    middleware: [authorize('documents:write')] as const,
    request: { params: IdParam },
    responses: {
      202: json(DocumentSchema, 'Queued again'),
      ...errorResponses(...AUTHENTICATED, 400, 403, 404, 409),
    },
  }),
  async (c) => {
    const { db, principal } = c.var;
    const row = await requireWritableDocument(c, c.req.valid('param').id);
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
      await recordAudit(tx, principal, c.var.requestId, {
        action: 'document.reprocess',
        targetType: 'document',
        targetId: row.id,
        before: { status: row.status, failureReason: row.failureReason },
      });
      return doc!;
    });
    try {
      await enqueueIngest(c.env, {
        ...ref,
        bytes: row.byteSize,
        ...(c.get('traceparent') ? { traceparent: c.get('traceparent') } : {}),
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
    return c.json(toDocumentDto(updated), 202);
  },
);
