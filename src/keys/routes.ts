import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { recordAudit } from '../audit/record';
import { evictKey } from '../auth/key-store';
import { canManageRole } from '../auth/roles';
import type { Database } from '../db/client';
import { ApiError } from '../errors';
import { createRouter } from '../http/router';
import { authorize } from '../middleware/auth';
import { operatorCeilings } from '../tenants/ceilings';
import { issueKey } from './provision';
import type { AppEnv, Role } from '../types';
import {
  findKey,
  listKeys,
  lockAndCountActiveKeys,
  revokeKey,
  shortenExpiry,
  toKeyDto,
  type KeyRow,
} from './repository';
import {
  CreateKeyBody,
  IssuedKeySchema,
  KeyIdParam,
  KeySchema,
  ListKeysQuery,
  RotateKeyBody,
  SelfSchema,
} from './schemas';
import { AUTHENTICATED, errorResponse, errorResponses, jsonResponse } from '../http/openapi';
import { idempotency } from '../http/idempotent-response';

const json = jsonResponse;

export const keysRouter = createRouter();

function requireRank(c: Context<AppEnv>, target: Role, verb: string) {
  const actor = c.var.principal.role;
  if (!canManageRole(actor, target)) {
    throw ApiError.forbidden(`a '${actor}' key may not ${verb} a '${target}' key`);
  }
}

async function requireKey(c: Context<AppEnv>, id: string): Promise<KeyRow> {
  const row = await findKey(c.var.db, c.var.principal.tenantId, id);
  if (!row) throw ApiError.notFound('key');
  return row;
}

/** After the commit, so any lookup that starts later reads the new state. */
const evictAfterCommit = (keyHash: string, keyId: string) =>
  evictKey(keyHash, keyId).catch(() => {});

keysRouter.openapi(
  createRoute({
    method: 'get',
    path: '/v1/keys/self',
    operationId: 'getCurrentKey',
    summary: 'The key making this request',
    middleware: [authorize('keys:self')] as const,
    responses: {
      200: json(SelfSchema, 'The calling key'),
      ...errorResponses(...AUTHENTICATED, 403),
    },
  }),
  (c) => {
    const { keyId, tenantId, role, userId, operations, scope } = c.var.principal;
    // An API key answers with its own identity; a user token also with who it speaks for.
    const token =
      userId === null
        ? {}
        : {
            userId,
            operations: [...(operations ?? [])],
            ...(scope
              ? {
                  scope: {
                    collections: scope.collections && [...scope.collections],
                    tags: scope.tags && [...scope.tags],
                    ownerOnly: scope.ownerOnly,
                  },
                }
              : {}),
          };
    return c.json({ keyId, tenantId, role, ...token }, 200);
  },
);

keysRouter.openapi(
  createRoute({
    method: 'post',
    path: '/v1/keys',
    operationId: 'createKey',
    summary: 'Create a key; the secret is returned once',
    // A retry with the same Idempotency-Key gets the first key again (stored sealed), not a second.
    middleware: [authorize('keys:manage'), idempotency({ secret: true })] as const,
    request: {
      body: { content: { 'application/json': { schema: CreateKeyBody } }, required: true },
    },
    responses: {
      201: json(IssuedKeySchema, 'The new key and its secret'),
      ...errorResponses(...AUTHENTICATED, 400, 403, 409, 413, 415),
    },
  }),
  async (c) => {
    const body = c.req.valid('json');
    requireRank(c, body.role, 'create');
    const { principal } = c.var;
    const { keysPerTenant } = operatorCeilings(c.env);
    const issued = await c.var.db.transaction(async (tx) => {
      // The tenant row lock serialises concurrent creations, so the cap cannot be overshot.
      if (
        (await lockAndCountActiveKeys(tx as unknown as Database, principal.tenantId)) >=
        keysPerTenant
      ) {
        throw new ApiError(
          409,
          'key_limit_reached',
          `the tenant already holds ${keysPerTenant} active keys, the operator's ceiling; revoke one first`,
        );
      }
      const result = await issueKey(tx as unknown as Database, {
        tenantId: principal.tenantId,
        role: body.role,
        name: body.name,
        environment: c.env.ENVIRONMENT,
        expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
        createdBy: principal.keyId,
      });
      await recordAudit(tx, principal, c.var.requestId, {
        action: 'key.create',
        targetType: 'api_key',
        targetId: result.key.id,
        after: { name: body.name, role: body.role, expiresAt: body.expiresAt ?? null },
      });
      return result;
    });
    return c.json({ key: toKeyDto(issued.key), secret: issued.secret }, 201);
  },
);

keysRouter.openapi(
  createRoute({
    method: 'get',
    path: '/v1/keys',
    operationId: 'listKeys',
    summary: "The tenant's keys, newest first (never secrets)",
    middleware: [authorize('keys:manage')] as const,
    request: { query: ListKeysQuery },
    responses: {
      200: json(
        z.object({ data: z.array(KeySchema), nextCursor: z.string().nullable() }),
        'A page',
      ),
      ...errorResponses(...AUTHENTICATED, 400, 403),
    },
  }),
  async (c) =>
    c.json(await listKeys(c.var.db, c.var.principal.tenantId, c.req.valid('query')), 200),
);

keysRouter.openapi(
  createRoute({
    method: 'post',
    path: '/v1/keys/{id}/rotate',
    operationId: 'rotateKey',
    summary: 'Issue a replacement secret; the old one keeps working for a grace period',
    middleware: [authorize('keys:manage')] as const,
    request: {
      params: KeyIdParam,
      body: { content: { 'application/json': { schema: RotateKeyBody } }, required: false },
    },
    responses: {
      201: json(
        IssuedKeySchema.extend({ previous: KeySchema }),
        'The replacement and the old key with its new expiry',
      ),
      409: errorResponse(409, 'The key is revoked or expired'),
      ...errorResponses(...AUTHENTICATED, 400, 403, 404, 413, 415),
    },
  }),
  async (c) => {
    const old = await requireKey(c, c.req.valid('param').id);
    requireRank(c, old.role as Role, 'rotate');
    if (old.revokedAt || (old.expiresAt && old.expiresAt.getTime() <= Date.now())) {
      throw new ApiError(409, 'conflict', 'a revoked or expired key cannot be rotated');
    }
    // Without a JSON body the validator is skipped, so apply the defaults here.
    const { gracePeriodSeconds } = RotateKeyBody.parse(c.req.valid('json') ?? {});
    const { principal } = c.var;
    const result = await c.var.db.transaction(async (tx) => {
      const db = tx as unknown as Database;
      const issued = await issueKey(db, {
        tenantId: principal.tenantId,
        role: old.role as Role,
        name: old.name,
        environment: c.env.ENVIRONMENT,
        expiresAt: old.expiresAt,
        createdBy: principal.keyId,
      });
      const previous = await shortenExpiry(
        db,
        old.id,
        new Date(Date.now() + gracePeriodSeconds * 1000),
      );
      await recordAudit(tx, principal, c.var.requestId, {
        action: 'key.rotate',
        targetType: 'api_key',
        targetId: old.id,
        before: { expiresAt: old.expiresAt?.toISOString() ?? null },
        after: {
          expiresAt: previous.expiresAt?.toISOString() ?? null,
          gracePeriodSeconds,
          replacedBy: issued.key.id,
        },
      });
      return { issued, previous };
    });
    // The old key's cached expiry is stale now: re-read it on its next use.
    await evictAfterCommit(old.keyHash, old.id);
    return c.json(
      {
        key: toKeyDto(result.issued.key),
        secret: result.issued.secret,
        previous: toKeyDto(result.previous),
      },
      201,
    );
  },
);

keysRouter.openapi(
  createRoute({
    method: 'delete',
    path: '/v1/keys/{id}',
    operationId: 'revokeKey',
    summary: 'Revoke a key, effective at once in this colo (see docs/security.md)',
    middleware: [authorize('keys:manage')] as const,
    request: { params: KeyIdParam },
    responses: {
      204: { description: 'Revoked' },
      ...errorResponses(...AUTHENTICATED, 400, 403, 404),
    },
  }),
  async (c) => {
    const target = await requireKey(c, c.req.valid('param').id);
    requireRank(c, target.role as Role, 'revoke');
    if (!target.revokedAt) {
      const { principal } = c.var;
      await c.var.db.transaction(async (tx) => {
        const row = await revokeKey(tx as unknown as Database, principal.tenantId, target.id);
        await recordAudit(tx, principal, c.var.requestId, {
          action: 'key.revoke',
          targetType: 'api_key',
          targetId: target.id,
          before: { revokedAt: null },
          after: { revokedAt: row?.revokedAt?.toISOString() ?? null },
        });
      });
    }
    await evictAfterCommit(target.keyHash, target.id);
    return c.body(null, 204);
  },
);
