import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import { createRouter } from '../http/router';
import { errorFields, logJson } from '../observability/log';

export const healthRouter = createRouter();

const Health = z.object({
  status: z.enum(['ok', 'degraded']),
  checks: z.record(z.string(), z.unknown()).optional(),
});

healthRouter.openapi(
  createRoute({
    method: 'get',
    path: '/v1/health',
    operationId: 'getHealth',
    summary: 'Liveness: the Worker answers (touches nothing)',
    responses: {
      200: { content: { 'application/json': { schema: Health } }, description: 'Alive' },
    },
  }),
  (c) => c.json({ status: 'ok' as const }, 200),
);

healthRouter.openapi(
  createRoute({
    method: 'get',
    path: '/v1/health/ready',
    operationId: 'getReadiness',
    summary: 'Readiness: Postgres answers a query',
    responses: {
      200: { content: { 'application/json': { schema: Health } }, description: 'Ready' },
      503: { content: { 'application/json': { schema: Health } }, description: 'Not ready' },
    },
  }),
  async (c) => {
    const started = Date.now();
    try {
      await c.var.db.execute(sql`select 1`);
      return c.json(
        { status: 'ok' as const, checks: { postgres: { ok: true, ms: Date.now() - started } } },
        200,
      );
    } catch (error) {
      // Public route: the driver's message (host names, users, SQL) goes to the log, not out.
      logJson('error', { msg: 'health.ready.postgres', ...errorFields(error) });
      return c.json(
        {
          status: 'degraded' as const,
          checks: { postgres: { ok: false, error: 'unavailable' } },
        },
        503,
      );
    }
  },
);
