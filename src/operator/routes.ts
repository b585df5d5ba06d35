// The platform operator's tenant API (issue #16). Only operator keys reach these routes
// (authenticate() refuses tenant keys and user tokens on /v1/tenants with 403).
import { createRoute, z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import type { Context } from 'hono';
import { evictTenantKeys } from '../auth/key-store';
import type { Database } from '../db/client';
import { isUniqueViolation } from '../db/errors';
import { tenants } from '../db/schema';
import { ApiError } from '../errors';
import { AUTHENTICATED, errorResponse, errorResponses, jsonResponse } from '../http/openapi';
import { createRouter } from '../http/router';
import { toKeyDto } from '../keys/repository';
import { requireOperator } from '../middleware/auth';
import type { AppEnv } from '../types';
import { exceededCeilings, operatorCeilings } from '../tenants/ceilings';
import { recordOperatorAudit, startTenantDeletion } from './tenant-deletion';
import { findTenantView, listTenants, toTenantDto } from './repository';
import {
  CreatedTenantSchema,
  CreateTenantBody,
  ListTenantsQuery,
  PatchTenantBody,
  TenantIdParam,
  TenantSchema,
} from './schemas';
import { issueKey } from '../keys/provision';
import { updateSettings, type TenantSettings } from '../tenants/settings';

export const operatorRouter = createRouter();
/** What every operator route can answer before its handler (the key check, the limiter). */
const OPERATOR = {
  ...errorResponses(...AUTHENTICATED),
  401: errorResponse(401, 'Missing or invalid operator key'),
  403: errorResponse(403, 'Not an operator key'),
};

function holdToCeilings(c: Context<AppEnv>, settings: TenantSettings | undefined) {
  if (!settings) return;
  const over = exceededCeilings(settings, operatorCeilings(c.env));
  if (over.length) {
    throw new ApiError(
      400,
      'exceeds_operator_limit',
      `above the operator's ceiling: ${over.join('; ')}`,
      {
        exceeded: over,
      },
    );
  }
}

const nameTaken = () => new ApiError(409, 'conflict', 'a tenant with this name exists');

async function requireTenant(c: Context<AppEnv>, id: string) {
  const view = await findTenantView(c.var.db, id);
  if (!view) throw ApiError.notFound('tenant');
  return view;
}

operatorRouter.openapi(
  createRoute({
    method: 'post',
    path: '/v1/tenants',
    operationId: 'createTenant',
    summary: 'Create a tenant and its first owner key (operator)',
    middleware: [requireOperator()] as const,
    security: [{ operatorKey: [] }],
    request: {
      body: { content: { 'application/json': { schema: CreateTenantBody } }, required: true },
    },
    responses: {
      201: jsonResponse(
        CreatedTenantSchema,
        'The tenant, its owner key and the secret (shown once)',
      ),
      409: errorResponse(409, 'The name is taken'),
      ...OPERATOR,
      ...errorResponses(400, 413, 415),
    },
  }),
  async (c) => {
    const body = c.req.valid('json');
    holdToCeilings(c, body.settings);
    const operator = c.get('operator');
    try {
      const created = await c.var.db.transaction(async (tx) => {
        const db = tx as unknown as Database;
        const [tenant] = await db
          .insert(tenants)
          .values({ name: body.name, settings: body.settings ?? {} })
          .returning();
        const issued = await issueKey(db, {
          tenantId: tenant!.id,
          role: 'owner',
          name: 'owner',
          environment: c.env.ENVIRONMENT,
        });
        await recordOperatorAudit(db, {
          operatorKeyId: operator.operatorKeyId,
          action: 'tenant.create',
          tenantId: tenant!.id,
          requestId: c.var.requestId,
          detail: { name: body.name, settings: body.settings ?? {}, ownerKeyId: issued.key.id },
        });
        return { tenant: tenant!, issued };
      });
      return c.json(
        {
          tenant: toTenantDto(created.tenant),
          key: toKeyDto(created.issued.key),
          secret: created.issued.secret,
        },
        201,
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw nameTaken();
      throw error;
    }
  },
);

operatorRouter.openapi(
  createRoute({
    method: 'get',
    path: '/v1/tenants',
    operationId: 'listTenants',
    summary: 'List tenants by id (operator)',
    middleware: [requireOperator()] as const,
    security: [{ operatorKey: [] }],
    request: { query: ListTenantsQuery },
    responses: {
      200: jsonResponse(
        z.object({ data: z.array(TenantSchema), nextCursor: z.string().nullable() }),
        'A page',
      ),
      ...OPERATOR,
      ...errorResponses(400),
    },
  }),
  async (c) => c.json(await listTenants(c.var.db, c.req.valid('query')), 200),
);

operatorRouter.openapi(
  createRoute({
    method: 'get',
    path: '/v1/tenants/{id}',
    operationId: 'getTenant',
    summary: 'A tenant, with deletion progress while (and after) it is deleted (operator)',
    middleware: [requireOperator()] as const,
    security: [{ operatorKey: [] }],
    request: { params: TenantIdParam },
    responses: {
      200: jsonResponse(TenantSchema, 'The tenant'),
      ...OPERATOR,
      ...errorResponses(400, 404),
    },
  }),
  async (c) => c.json(await requireTenant(c, c.req.valid('param').id), 200),
);

operatorRouter.openapi(
  createRoute({
    method: 'patch',
    path: '/v1/tenants/{id}',
    operationId: 'updateTenant',
    summary: "Rename a tenant or change its settings, within the operator's ceilings (operator)",
    middleware: [requireOperator()] as const,
    security: [{ operatorKey: [] }],
    request: {
      params: TenantIdParam,
      body: { content: { 'application/json': { schema: PatchTenantBody } }, required: true },
    },
    responses: {
      200: jsonResponse(TenantSchema, 'The updated tenant'),
      409: errorResponse(409, 'The name is taken, or the tenant is being deleted'),
      ...OPERATOR,
      ...errorResponses(400, 404, 413, 415),
    },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const current = await requireTenant(c, id);
    if (current.status !== 'active') {
      throw new ApiError(409, 'conflict', `the tenant is ${current.status}`);
    }
    holdToCeilings(c, body.settings as TenantSettings | undefined);
    const operatorKeyId = c.get('operator').operatorKeyId;
    const db = c.var.db;
    try {
      if (body.name !== undefined && body.name !== current.name) {
        await db.transaction(async (tx) => {
          await tx.update(tenants).set({ name: body.name! }).where(eq(tenants.id, id));
          await recordOperatorAudit(tx, {
            operatorKeyId,
            action: 'tenant.rename',
            tenantId: id,
            requestId: c.var.requestId,
            detail: { before: current.name, after: body.name },
          });
        });
      }
    } catch (error) {
      if (isUniqueViolation(error)) throw nameTaken();
      throw error;
    }
    if (body.settings) {
      await updateSettings(db, id, body.settings, (tx, before, after) =>
        recordOperatorAudit(tx, {
          operatorKeyId,
          action: 'tenant.settings.update',
          tenantId: id,
          requestId: c.var.requestId,
          detail: { before, after },
        }),
      );
      // Settings travel with cached key lookups: drop them so the change applies now here.
      await evictTenantKeys(db, id).catch(() => {});
    }
    return c.json(await requireTenant(c, id), 200);
  },
);

operatorRouter.openapi(
  createRoute({
    method: 'delete',
    path: '/v1/tenants/{id}',
    operationId: 'deleteTenant',
    summary: 'Delete a tenant and everything it owns, asynchronously (operator)',
    description:
      'Answers 202 at once: the tenant turns `deleting`, its keys and their user tokens stop working, and a queue job purges documents (rows, R2 objects, vectors, cached answers), conversations and every other row. GET /v1/tenants/{id} shows progress, and `deleted` when done.',
    middleware: [requireOperator()] as const,
    security: [{ operatorKey: [] }],
    request: { params: TenantIdParam },
    responses: {
      202: jsonResponse(TenantSchema, 'Deletion under way'),
      ...OPERATOR,
      ...errorResponses(400, 404),
    },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const current = await requireTenant(c, id);
    if (current.status !== 'deleted') {
      await startTenantDeletion(c.env, c.var.db, {
        tenantId: id,
        operatorKeyId: c.get('operator').operatorKeyId,
        requestId: c.var.requestId,
      });
    }
    return c.json(await requireTenant(c, id), 202);
  },
);
