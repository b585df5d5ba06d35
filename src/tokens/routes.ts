import { createRoute } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { canDelegate } from '../auth/roles';
import { buildClaims, signUserToken } from '../auth/user-token';
import { apiKeys } from '../db/schema';
import { ApiError } from '../errors';
import { AUTHENTICATED, errorResponse, errorResponses, jsonResponse } from '../http/openapi';
import { createRouter } from '../http/router';
import { authorize } from '../middleware/auth';
import { CreateTokenBody, IssuedTokenSchema } from './schemas';

export const tokensRouter = createRouter();

tokensRouter.openapi(
  createRoute({
    method: 'post',
    path: '/v1/tokens',
    operationId: 'mintUserToken',
    summary: 'Mint a short-lived user token signed by the calling key',
    description:
      "The same token can be minted locally with the typed client's mintUserToken or `vellum token`, with no round trip. A user token cannot mint tokens or manage keys.",
    middleware: [authorize('tokens:mint')] as const,
    request: {
      body: { content: { 'application/json': { schema: CreateTokenBody } }, required: true },
    },
    responses: {
      201: jsonResponse(IssuedTokenSchema, 'The token and when it expires'),
      ...errorResponses(...AUTHENTICATED, 400, 403, 413, 415),
      409: errorResponse(
        409,
        'The key predates user tokens; rotate it (token_signing_unavailable)',
      ),
    },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const { principal } = c.var;
    // authorize('tokens:mint') already refuses user tokens (they never carry it); keep the
    // rule explicit in case the operation table changes.
    if (principal.userId !== null) throw ApiError.forbidden('a user token cannot mint tokens');
    const refused = (body.operations ?? []).filter((op) => !canDelegate(principal.role, op));
    if (refused.length) {
      throw new ApiError(
        403,
        'token_operations_exceed_key',
        `a '${principal.role}' key may not delegate: ${refused.join(', ')}`,
      );
    }
    // One indexed read per mint: minting is the tenant server's path, not the edge's hot path.
    const [row] = await c.var.db
      .select({ tokenSecret: apiKeys.tokenSecret })
      .from(apiKeys)
      .where(eq(apiKeys.id, principal.keyId));
    if (!row?.tokenSecret) {
      throw new ApiError(
        409,
        'token_signing_unavailable',
        'this key was created before user tokens existed; rotate it (POST /v1/keys/{id}/rotate) to mint tokens',
      );
    }
    const claims = buildClaims({
      tenantId: principal.tenantId,
      keyId: principal.keyId,
      userId: body.userId,
      operations: body.operations,
      scope: body.scope,
      expiresInSeconds: body.expiresInSeconds,
    });
    const token = await signUserToken(claims, row.tokenSecret);
    return c.json({ token, expiresAt: new Date(claims.exp * 1000).toISOString() }, 201);
  },
);
