import { createRoute, z } from '@hono/zod-openapi';
import { AUTHENTICATED, errorResponses } from '../http/openapi';
import { createRouter } from '../http/router';
import { tenantWideOnly } from '../access/tenant-wide';
import { authorize } from '../middleware/auth';
import { sinkKind } from './flush';
import { toPrometheus } from './prometheus';
import { metricsReport } from './report';

export const metricsRouter = createRouter();

const WindowQuery = z.object({
  window: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(60)
    .openapi({ description: 'Window in minutes (default 60)' }),
});

metricsRouter.openapi(
  createRoute({
    method: 'get',
    path: '/v1/admin/metrics',
    operationId: 'getMetrics',
    summary:
      "The tenant's current figures: latency per route, ingest backlog, cache hit rates, AI usage today",
    middleware: [authorize('metrics:read'), tenantWideOnly()] as const,
    request: { query: WindowQuery },
    responses: {
      200: {
        content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
        description: 'Metrics report',
      },
      ...errorResponses(...AUTHENTICATED, 400, 403),
    },
  }),
  async (c) => {
    const { window } = c.req.valid('query');
    const report = await metricsReport(c.var.db, c.var.principal.tenantId, {
      windowMinutes: window,
      sink: sinkKind(c.env),
    });
    return c.json(report, 200);
  },
);

metricsRouter.openAPIRegistry.registerPath({
  method: 'get',
  path: '/metrics',
  operationId: 'scrapeMetrics',
  summary: 'Prometheus scrape target: the figures of /v1/admin/metrics in the text format',
  request: { query: WindowQuery },
  responses: {
    200: {
      content: { 'text/plain': { schema: z.string() } },
      description: 'Prometheus text exposition format 0.0.4',
    },
    ...errorResponses(...AUTHENTICATED, 403),
  },
});

/** Prometheus scrape target; the same figures as `/v1/admin/metrics`, behind a `metrics:read` key. */
metricsRouter.get('/metrics', authorize('metrics:read'), tenantWideOnly(), async (c) => {
  const window = WindowQuery.safeParse({ window: c.req.query('window') });
  const windowMinutes = window.success ? window.data.window : 60;
  const tenantId = c.var.principal.tenantId;
  const report = await metricsReport(c.var.db, tenantId, { windowMinutes, sink: sinkKind(c.env) });
  return c.body(toPrometheus(report, tenantId), 200, {
    'content-type': 'text/plain; version=0.0.4; charset=utf-8',
  });
});
