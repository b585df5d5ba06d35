import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import { AUTHENTICATED, errorResponses } from '../http/openapi';
import { createRouter } from '../http/router';
import { authorize } from '../middleware/auth';
import { DayRangeQuery, resolveDayRange } from '../usage/day-range';

export const analyticsRouter = createRouter();

const errors = errorResponses(...AUTHENTICATED, 400, 403);

analyticsRouter.openapi(
  createRoute({
    method: 'get',
    path: '/v1/analytics/dau',
    operationId: 'getDailyActiveUsers',
    summary: 'Daily active users of the tenant’s product, from client events',
    middleware: [authorize('usage:read')] as const,
    request: { query: DayRangeQuery },
    responses: {
      200: {
        content: {
          'application/json': {
            schema: z.object({ days: z.array(z.object({ day: z.string(), users: z.number() })) }),
          },
        },
        description: 'DAU per day',
      },
      ...errors,
    },
  }),
  async (c) => {
    const range = resolveDayRange(c.req.valid('query'));
    const { userId } = c.var.principal;
    // A user token sees only its own activity: 1 on the days it was active.
    const result = await c.var.db.execute<{ day: string; users: string }>(sql`
      SELECT to_char(day, 'YYYY-MM-DD') AS day, count(*) AS users
      FROM product_users_daily
      WHERE tenant_id = ${c.var.principal.tenantId} AND day BETWEEN ${range.from}::date AND ${range.to}::date
      ${userId !== null ? sql`AND user_id = ${userId}` : sql``}
      GROUP BY day`);
    const byDay = new Map(result.rows.map((r) => [r.day, Number(r.users)]));
    return c.json({ days: range.days.map((day) => ({ day, users: byDay.get(day) ?? 0 })) }, 200);
  },
);

analyticsRouter.openapi(
  createRoute({
    method: 'get',
    path: '/v1/analytics/events',
    operationId: 'getEventCounts',
    summary: 'Event counts per day, optionally for one event name',
    middleware: [authorize('usage:read')] as const,
    request: {
      query: DayRangeQuery.extend({
        name: z
          .string()
          .min(1)
          .max(64)
          .regex(/^[a-z0-9_.]+$/)
          .optional(),
      }),
    },
    responses: {
      200: {
        content: {
          'application/json': {
            schema: z.object({
              days: z.array(
                z.object({
                  day: z.string(),
                  total: z.number(),
                  byName: z.record(z.string(), z.number()),
                }),
              ),
            }),
          },
        },
        description: 'Counts per day',
      },
      ...errors,
    },
  }),
  async (c) => {
    const query = c.req.valid('query');
    const range = resolveDayRange(query);
    const { tenantId, userId } = c.var.principal;
    // The daily rollup is tenant-wide; a user token counts its own events from the event rows.
    const result = await c.var.db.execute<{ day: string; name: string; count: number }>(
      userId === null
        ? sql`
      SELECT to_char(day, 'YYYY-MM-DD') AS day, name, count
      FROM product_events_daily
      WHERE tenant_id = ${tenantId} AND day BETWEEN ${range.from}::date AND ${range.to}::date
      ${query.name ? sql`AND name = ${query.name}` : sql``}`
        : sql`
      SELECT to_char((occurred_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day, name, count(*)::int AS count
      FROM product_events
      WHERE tenant_id = ${tenantId} AND user_id = ${userId}
        AND occurred_at >= (${range.from}::date::timestamp AT TIME ZONE 'UTC')
        AND occurred_at < ((${range.to}::date + 1)::timestamp AT TIME ZONE 'UTC')
      ${query.name ? sql`AND name = ${query.name}` : sql``}
      GROUP BY 1, 2`,
    );
    const byDay = new Map<string, Record<string, number>>();
    for (const r of result.rows) {
      const names = byDay.get(r.day) ?? {};
      names[r.name] = Number(r.count);
      byDay.set(r.day, names);
    }
    const days = range.days.map((day) => {
      const byName = byDay.get(day) ?? {};
      return { day, total: Object.values(byName).reduce((a, b) => a + b, 0), byName };
    });
    return c.json({ days }, 200);
  },
);
