import { and, count, eq, inArray } from 'drizzle-orm';
import { createMiddleware } from 'hono/factory';
import { documents } from '../../db/schema';
import { ApiError } from '../../errors';
import { recordRateLimited } from '../../metrics';
import { DEFAULT_INGEST_BACKLOG_CAP } from '../../ratelimit/config';
import { findRouteRule } from '../../ratelimit/routes';
import type { AppEnv } from '../../types';

export function ingestBacklogCap(
  env: { INGEST_BACKLOG_CAP?: string },
  override: number | undefined,
): number {
  if (override !== undefined) return override;
  const configured = Number(env.INGEST_BACKLOG_CAP);
  return Number.isInteger(configured) && configured > 0 ? configured : DEFAULT_INGEST_BACKLOG_CAP;
}

/**
 * Retry-storm guard: refuses new ingest work while the tenant already has `cap` documents
 * queued or processing. One indexed count per upload; concurrent uploads may overshoot
 * the cap by at most their own number, which is fine for a backlog bound.
 */
export const ingestBacklog = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (!findRouteRule(c.req.method, c.req.path)?.enqueuesIngest) return next();
    const cap = ingestBacklogCap(c.env, c.var.tenantSettings?.ingestBacklogCap);
    const [row] = await c.var.db
      .select({ n: count() })
      .from(documents)
      .where(
        and(
          eq(documents.tenantId, c.var.principal.tenantId),
          inArray(documents.status, ['queued', 'processing']),
        ),
      );
    const pending = Number(row?.n ?? 0);
    if (pending >= cap) {
      recordRateLimited(c, c.var.principal.tenantId, 'ingest_backlog');
      await c.req.raw.body?.cancel().catch(() => {});
      throw new ApiError(
        429,
        'ingest_backlog_full',
        `${pending} documents are waiting for ingestion (cap ${cap}); retry when some finish`,
        { pending, cap },
        { 'Retry-After': '30' },
      );
    }
    await next();
  });
