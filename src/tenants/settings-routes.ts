import { createRoute, z } from '@hono/zod-openapi';
import { recordAudit } from '../audit/record';
import { evictTenantKeys } from '../auth/key-store';
import { enrichmentEnabled } from '../enrichment/enqueue';
import { createRouter } from '../http/router';
import { authorize } from '../middleware/auth';
import { ingestBacklogCap } from '../middleware/ingest-backlog';
import { OPERATION_CLASSES, policyFor } from '../ratelimit/config';
import type { Env } from '../env';
import { ApiError } from '../errors';
import { clampSettings, exceededCeilings, operatorCeilings } from './ceilings';
import {
  loadSettings,
  TenantSettingsPatch,
  TenantSettingsSchema,
  updateSettings,
  type TenantSettings,
} from './settings';
import { AUTHENTICATED, errorResponses, jsonResponse } from '../http/openapi';

const json = jsonResponse;

const SettingsResponse = z
  .object({
    settings: TenantSettingsSchema,
    effective: z.object({
      rateLimits: z.record(
        z.string(),
        z.object({ capacity: z.number(), refillPerSecond: z.number(), shards: z.number() }),
      ),
      dailyBudgetUsd: z.number().nullable(),
      ingestBacklogCap: z.number(),
      /** Opted in and a Claude key is configured: ready documents get a summary and tags. */
      enrichment: z.boolean(),
    }),
    /** The operator's ceilings: a setting above one is refused, and held to it if stored before. */
    ceilings: z.object({
      rateCapacity: z.number(),
      rateRefillPerSecond: z.number(),
      rateShards: z.number(),
      dailyBudgetUsd: z.number(),
      ingestBacklogCap: z.number(),
      keysPerTenant: z.number(),
    }),
  })
  .openapi('TenantSettingsView');

/** What is stored plus what applies once defaults fill the gaps and ceilings hold it. */
function view(settings: TenantSettings, env: Env) {
  const ceilings = operatorCeilings(env);
  const held = clampSettings(settings, ceilings);
  return {
    settings,
    effective: {
      rateLimits: Object.fromEntries(
        OPERATION_CLASSES.map((op) => [op, policyFor(op, held.rateLimits)]),
      ),
      dailyBudgetUsd: held.dailyBudgetUsd ?? null,
      ingestBacklogCap: ingestBacklogCap(env, held.ingestBacklogCap),
      enrichment: enrichmentEnabled(env, held),
    },
    ceilings,
  };
}

export const settingsRouter = createRouter();

settingsRouter.openapi(
  createRoute({
    method: 'get',
    path: '/v1/tenant/settings',
    operationId: 'getTenantSettings',
    summary: 'Rate-limit overrides, daily AI budget, ingest backlog cap and enrichment',
    middleware: [authorize('settings:manage')] as const,
    responses: {
      200: json(SettingsResponse, 'The settings'),
      ...errorResponses(...AUTHENTICATED, 403),
    },
  }),
  async (c) => c.json(view(await loadSettings(c.var.db, c.var.principal.tenantId), c.env), 200),
);

settingsRouter.openapi(
  createRoute({
    method: 'patch',
    path: '/v1/tenant/settings',
    operationId: 'updateTenantSettings',
    summary: 'Change settings; null returns a field to its default',
    middleware: [authorize('settings:manage')] as const,
    request: {
      body: { content: { 'application/json': { schema: TenantSettingsPatch } }, required: true },
    },
    responses: {
      200: json(SettingsResponse, 'The updated settings'),
      ...errorResponses(...AUTHENTICATED, 400, 403, 413, 415),
    },
  }),
  async (c) => {
    const { db, principal } = c.var;
    const patch = c.req.valid('json');
    // A patch replaces whole top-level fields, so its own values are all a ceiling must check.
    const over = exceededCeilings(patch as TenantSettings, operatorCeilings(c.env));
    if (over.length) {
      throw new ApiError(
        400,
        'exceeds_operator_limit',
        `above the operator's ceiling: ${over.join('; ')}`,
        { exceeded: over },
      );
    }
    const settings = await updateSettings(db, principal.tenantId, patch, (tx, before, after) =>
      recordAudit(tx, principal, c.var.requestId, {
        action: 'tenant.settings.update',
        targetType: 'tenant',
        targetId: principal.tenantId,
        before,
        after,
      }),
    );
    // Settings travel with cached key lookups: drop them so the change applies now here.
    await evictTenantKeys(db, principal.tenantId).catch(() => {});
    return c.json(view(settings, c.env), 200);
  },
);
