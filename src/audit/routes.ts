import { createRoute, z } from '@hono/zod-openapi';
import { and, desc, eq, gte, lt, lte } from 'drizzle-orm';
import { auditLog } from '../db/schema';
import { decodeCursor, encodeCursor } from '../http/cursor';
import { AUTHENTICATED, errorResponses } from '../http/openapi';
import { createRouter } from '../http/router';
import { authorize } from '../middleware/auth';
import { IsoTimestamp } from '../http/timestamp';

const AuditQuery = z
  .object({
    action: z.string().max(64).optional(),
    targetType: z.string().max(64).optional(),
    targetId: z.string().max(128).optional(),
    keyId: z.uuid().optional(),
    from: IsoTimestamp().optional(),
    to: IsoTimestamp().optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(64).optional(),
  })
  .strict();

const AuditEntrySchema = z
  .object({
    id: z.number().int(),
    action: z.string(),
    targetType: z.string(),
    targetId: z.string().nullable(),
    keyId: z.string().nullable(),
    userId: z.string().nullable(),
    requestId: z.string().nullable(),
    before: z.unknown(),
    after: z.unknown(),
    createdAt: z.string(),
  })
  .openapi('AuditEntry');

const isCursor = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;

export const auditRouter = createRouter();

auditRouter.openapi(
  createRoute({
    method: 'get',
    path: '/v1/audit',
    operationId: 'listAuditEntries',
    summary: 'The append-only audit log, newest first (a user token: its own entries only)',
    middleware: [authorize('audit:read')] as const,
    request: { query: AuditQuery },
    responses: {
      200: {
        content: {
          'application/json': {
            schema: z.object({
              data: z.array(AuditEntrySchema),
              nextCursor: z.string().nullable(),
            }),
          },
        },
        description: 'A page',
      },
      ...errorResponses(...AUTHENTICATED, 400, 403),
    },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const before = q.cursor ? decodeCursor(q.cursor, isCursor) : undefined;
    const rows = await c.var.db
      .select()
      .from(auditLog)
      .where(
        and(
          eq(auditLog.tenantId, c.var.principal.tenantId),
          c.var.principal.userId !== null ? eq(auditLog.userId, c.var.principal.userId) : undefined,
          q.action ? eq(auditLog.action, q.action) : undefined,
          q.targetType ? eq(auditLog.targetType, q.targetType) : undefined,
          q.targetId ? eq(auditLog.targetId, q.targetId) : undefined,
          q.keyId ? eq(auditLog.keyId, q.keyId) : undefined,
          q.from ? gte(auditLog.createdAt, new Date(q.from)) : undefined,
          q.to ? lte(auditLog.createdAt, new Date(q.to)) : undefined,
          before ? lt(auditLog.id, before) : undefined,
        ),
      )
      .orderBy(desc(auditLog.id))
      .limit(q.limit + 1);
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return c.json(
      {
        data: page.map((r) => ({
          id: r.id,
          action: r.action,
          targetType: r.targetType,
          targetId: r.targetId,
          keyId: r.keyId,
          userId: r.userId,
          requestId: r.requestId,
          before: r.before,
          after: r.after,
          createdAt: r.createdAt.toISOString(),
        })),
        nextCursor: rows.length > q.limit && last ? encodeCursor(last.id) : null,
      },
      200,
    );
  },
);
