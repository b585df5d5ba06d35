import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { createRouter } from '../http/router';
import { AUTHENTICATED, errorResponses, jsonResponse } from '../http/openapi';
import { authorize } from '../middleware/auth';
import type { AppEnv } from '../types';
import { deleteDocument, updateDocument, type ChangeDeps } from './manage';
import { chunkPage, downloadLink, listVisibleDocuments, visibleDocumentDetail } from './read';
import { reprocessDocument } from './reprocess';
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
} from './schemas';
import { uploadRouter } from './upload-routes';

/**
 * The /v1/documents route table. Handlers only adapt the request to the services (read.ts,
 * manage.ts, reprocess.ts; uploads in upload-routes.ts), which take plain arguments.
 */
const json = jsonResponse;

/** What changing a document needs, from the request's variables and bindings. */
const changeDepsOf = (c: Context<AppEnv>): ChangeDeps => ({
  db: c.var.db,
  env: c.env,
  principal: c.var.principal,
  requestId: c.var.requestId,
  traceparent: c.get('traceparent'),
});

export const documentsRouter = createRouter();

// First, so the route table and the OpenAPI document keep their order: uploads, then the rest.
documentsRouter.route('/', uploadRouter);

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
  async (c) =>
    c.json(await listVisibleDocuments(c.var.db, c.var.principal, c.req.valid('query')), 200),
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
  async (c) =>
    c.json(await visibleDocumentDetail(c.var.db, c.var.principal, c.req.valid('param').id), 200),
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
  async (c) =>
    c.json(
      await updateDocument(changeDepsOf(c), c.req.valid('param').id, c.req.valid('json')),
      200,
    ),
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
  async (c) => c.json(await deleteDocument(changeDepsOf(c), c.req.valid('param').id), 202),
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
    const deps = { db: c.var.db, env: c.env, principal: c.var.principal };
    const link = await downloadLink(
      deps,
      c.req.valid('param').id,
      c.req.valid('query').version,
      c.req.url,
    );
    return c.json(link, 200);
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
    const page = await chunkPage(
      c.var.db,
      c.var.principal,
      c.req.valid('param').id,
      c.req.valid('query'),
    );
    return c.json(page, 200);
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
  async (c) => c.json(await reprocessDocument(changeDepsOf(c), c.req.valid('param').id), 202),
);
