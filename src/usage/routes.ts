import { createRoute, z } from '@hono/zod-openapi';
import { AUTHENTICATED, errorResponses } from '../http/openapi';
import { createRouter } from '../http/router';
import { tenantWideOnly } from '../access/tenant-wide';
import { authorize } from '../middleware/auth';
import { DayRangeQuery, resolveDayRange } from './day-range';
import { usageReport } from './report';

export const usageRouter = createRouter();

const UsageDay = z.object({
  day: z.string(),
  activeKeys: z.number(),
  searches: z.number(),
  answers: z.number(),
  uploads: z.number(),
  tokensIn: z.number(),
  tokensOut: z.number(),
  costUsd: z.number(),
});

usageRouter.openapi(
  createRoute({
    method: 'get',
    path: '/v1/usage',
    operationId: 'getUsage',
    summary:
      "The tenant's usage per day: active keys, searches, answers, tokens, cost; storage now",
    middleware: [authorize('usage:read'), tenantWideOnly()] as const,
    request: { query: DayRangeQuery },
    responses: {
      200: {
        content: {
          'application/json': {
            schema: z.object({
              from: z.string(),
              to: z.string(),
              granularity: z.literal('day'),
              days: z.array(UsageDay),
              totals: UsageDay.omit({ day: true }),
              storage: z.object({ documents: z.number(), versions: z.number(), bytes: z.number() }),
            }),
          },
        },
        description: 'Usage',
      },
      ...errorResponses(...AUTHENTICATED, 400, 403),
    },
  }),
  async (c) => {
    const range = resolveDayRange(c.req.valid('query'));
    return c.json(await usageReport(c.var.db, c.var.principal.tenantId, range), 200);
  },
);
