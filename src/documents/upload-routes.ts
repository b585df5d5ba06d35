import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { ApiError } from '../errors';
import { createRouter } from '../http/router';
import { AUTHENTICATED, errorResponse, errorResponses, jsonResponse } from '../http/openapi';
import { recorderOf } from '../metrics';
import { authorize } from '../middleware/auth';
import type { AppEnv } from '../types';
import type { UploadRequest } from './receive';
import { IdParam, UploadResultSchema } from './schemas';
import { uploadDocument, uploadVersion, type UploadDeps } from './upload';

/**
 * The two upload routes. Uploads are streamed, so they are registered for the OpenAPI document
 * only and handled by plain routes (a zod body validator would buffer the file).
 */
export const uploadRouter = createRouter();

/** The upload request as the receiver reads it: the service never sees the Hono Context. */
const uploadRequestOf = (c: Context<AppEnv>): UploadRequest => ({
  body: c.req.raw.body,
  contentType: c.req.header('content-type') ?? '',
  contentLength: c.req.header('content-length'),
  query: c.req.query(),
});

/** What writing an upload needs, from the request's variables and bindings. */
const uploadDepsOf = (c: Context<AppEnv>): UploadDeps => ({
  db: c.var.db,
  env: c.env,
  principal: c.var.principal,
  requestId: c.var.requestId,
  traceparent: c.get('traceparent'),
  metrics: recorderOf(c),
});

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
  200: jsonResponse(UploadResultSchema, 'Identical content already stored (duplicate: true)'),
  202: jsonResponse(UploadResultSchema, 'Stored and queued for ingestion'),
  ...errorResponses(...AUTHENTICATED, 400, 403, 409),
  413: errorResponse(413, 'File too large (MAX_UPLOAD_BYTES)'),
  415: errorResponse(415, 'Unsupported or undetectable file type'),
};

uploadRouter.openAPIRegistry.registerPath({
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

uploadRouter.post('/v1/documents', authorize('documents:upload'), async (c) => {
  const outcome = await uploadDocument(
    uploadDepsOf(c),
    uploadRequestOf(c),
    c.req.header('idempotency-key'),
  );
  if (outcome.replayed) c.header('Idempotent-Replayed', 'true');
  return c.json(outcome.body, outcome.status);
});

uploadRouter.openAPIRegistry.registerPath({
  method: 'put',
  path: '/v1/documents/{id}/content',
  operationId: 'uploadDocumentVersion',
  summary: 'Upload a new version; the previous one keeps serving until this one is ready',
  request: { params: IdParam, body: uploadBodyDoc },
  responses: { ...uploadResponses, ...errorResponses(404) },
});

uploadRouter.put('/v1/documents/:id/content', authorize('documents:write'), async (c) => {
  const { status, body } = await uploadVersion(
    uploadDepsOf(c),
    parseId(c.req.param('id')),
    uploadRequestOf(c),
  );
  return c.json(body, status);
});
