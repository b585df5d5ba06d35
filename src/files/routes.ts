import { createRoute, z } from '@hono/zod-openapi';
import { checkDownload } from '../documents/download-token';
import { findVersion } from '../documents/repository';
import { ApiError } from '../errors';
import { errorResponse } from '../http/openapi';
import { createRouter } from '../http/router';

export const filesRouter = createRouter();

/** Serves a signed download. No API key: the token is the credential. */
filesRouter.openapi(
  createRoute({
    method: 'get',
    path: '/v1/files/{token}',
    operationId: 'downloadFile',
    summary: 'Stream a stored file through a signed, expiring token',
    request: { params: z.object({ token: z.string().min(10).max(2048) }) },
    responses: {
      200: { description: 'The file' },
      400: errorResponse(400, 'The token is not a token'),
      403: errorResponse(403, 'Forged or expired token'),
      404: errorResponse(404, 'Gone'),
    },
  }),
  async (c) => {
    const check = await checkDownload(
      c.req.valid('param').token,
      c.env.SIGNING_KEYS,
      Math.floor(Date.now() / 1000),
    );
    if (!check.ok) {
      throw check.reason === 'expired'
        ? new ApiError(403, 'expired_token', 'this download link has expired')
        : new ApiError(403, 'invalid_token', 'this download link is not valid');
    }
    const { t, d, v } = check.claims;
    // The version row names the object (keys are unique per upload, not derivable).
    const version = await findVersion(c.var.db, t, d, v);
    const object = version ? await c.env.DOCUMENTS.get(version.r2Key) : null;
    if (!object) throw ApiError.notFound('file');
    const headers = new Headers();
    object.writeHttpMetadata(headers);
    headers.set('Content-Length', String(object.size));
    headers.set('ETag', object.httpEtag);
    headers.set('Cache-Control', 'private, no-store');
    headers.set('X-Content-Type-Options', 'nosniff');
    if (!headers.has('Content-Disposition')) headers.set('Content-Disposition', 'attachment');
    return new Response(object.body, { status: 200, headers });
  },
);
