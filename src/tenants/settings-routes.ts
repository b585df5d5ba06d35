import { createRoute, z } from '@hono/zod-openapi';
import { recordAudit } from '../audit/record';
import { evictTenantKeys } from '../auth/key-store';
import { ErrorSchema } from '../documents/schemas';
import { enrichmentEnabled } from '../enrichment/enqueue';
import { createRouter } from '../http/router';
import { authorize } from '../middleware/auth';
import { ingestBacklogCap } from '../middleware/ingest-backlog';
import { OPERATION_CLASSES, policyFor } from '../ratelimit/config';
import type { Env } from '../env';
import {
  loadSettings,
  TenantSettingsPatch,
  TenantSettingsSchema,
  updateSettings,
  type TenantSettings,
} from './settings';
import { errorResponses, jsonResponse } from '../http/openapi';

const json = jsonResponse;
const errors = errorResponses;

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
  })
  .openapi('TenantSettingsView');

/** What is stored plus what applies once defaults fill the gaps. */
function view(settings: TenantSettings, env: Env) {
  return {
    settings,
    effective: {
      rateLimits: Object.fromEntries(
        OPERATION_CLASSES.map((op) => [op, policyFor(op, settings.rateLimits)]),
      ),
      dailyBudgetUsd: settings.dailyBudgetUsd ?? null,
      ingestBacklogCap: ingestBacklogCap(env, settings.ingestBacklogCap),
      enrichment: enrichmentEnabled(env, settings),
    },
  };
}

export const settingsRouter = createRouter();

settingsRouter.openapi(
  createRoute({
    method: 'get',
    path: '/v1/tenant/settings',
    summary: 'Rate-limit overrides, daily AI budget, ingest backlog cap and enrichment',
    middleware: [authorize('settings:manage')] as const,
    responses: { 200: json(SettingsResponse, 'The settings'), ...errors },
  }),
  async (c) => c.json(view(await loadSettings(c.var.db, c.var.principal.tenantId), c.env), 200),
);

settingsRouter.openapi(
  createRoute({
    method: 'patch',
    path: '/v1/tenant/settings',
    summary: 'Change settings; null returns a field to its default',
    middleware: [authorize('settings:manage')] as const,
    request: {
      body: { content: { 'application/json': { schema: TenantSettingsPatch } }, required: true },
    },
    responses: { 200: json(SettingsResponse, 'The updated settings'), ...errors },
  }),
  async (c) => {
    const { db, principal } = c.var;
    const settings = await updateSettings(
      db,
      principal.tenantId,
      c.req.valid('json'),
      (tx, before, after) =>
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
