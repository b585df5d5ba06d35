import { and, desc, eq, lt, or, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { apiKeys } from '../db/schema';
import { decodeCursor, encodeCursor, isCursorTimestamp, isUuid } from '../http/cursor';
import type { Role } from '../types';

export type KeyRow = typeof apiKeys.$inferSelect;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The listing shape: never the secret or its hash. */
export function toKeyDto(row: KeyRow) {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    role: row.role as Role,
    lastUsedAt: iso(row.lastUsedAt),
    expiresAt: iso(row.expiresAt),
    revokedAt: iso(row.revokedAt),
    createdAt: row.createdAt.toISOString(),
  };
}

export async function findKey(db: Database, tenantId: string, id: string) {
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, id)));
  return row;
}

type KeyCursor = [string, string];
const isKeyCursor = (v: unknown): v is KeyCursor =>
  Array.isArray(v) && v.length === 2 && isCursorTimestamp(v[0]) && isUuid(v[1]);

// Postgres keeps microseconds, JS Dates milliseconds: compare at the precision the cursor holds.
const createdMs = sql`date_trunc('milliseconds', ${apiKeys.createdAt})`;

/** Newest first, keyset-paginated on (created_at, id). */
export async function listKeys(
  db: Database,
  tenantId: string,
  options: { limit: number; cursor?: string },
) {
  const after = options.cursor ? decodeCursor(options.cursor, isKeyCursor) : null;
  const rows = await db
    .select()
    .from(apiKeys)
    .where(
      and(
        eq(apiKeys.tenantId, tenantId),
        after
          ? or(
              sql`${createdMs} < ${after[0]}::timestamptz`,
              and(sql`${createdMs} = ${after[0]}::timestamptz`, lt(apiKeys.id, after[1])),
            )
          : undefined,
      ),
    )
    .orderBy(desc(createdMs), desc(apiKeys.id))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  const last = page[page.length - 1];
  return {
    data: page.map(toKeyDto),
    nextCursor:
      rows.length > options.limit && last
        ? encodeCursor([last.createdAt.toISOString(), last.id])
        : null,
  };
}

/** Sets revoked_at once; returns the row as it was, or undefined if absent. */
export async function revokeKey(db: Database, tenantId: string, id: string) {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, now())` })
    .where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, id)))
    .returning();
  return row;
}

/** Ends a key's life at `until` unless it already ends sooner. */
export async function shortenExpiry(db: Database, id: string, until: Date) {
  const [row] = await db
    .update(apiKeys)
    .set({
      expiresAt: sql`least(coalesce(${apiKeys.expiresAt}, 'infinity'::timestamptz), ${until.toISOString()}::timestamptz)`,
    })
    .where(eq(apiKeys.id, id))
    .returning();
  return row!;
}

/**
 * Locks the tenant's row, then counts its active keys (unrevoked, unexpired). Called in the
 * transaction that creates a key, so concurrent creations are counted one after another.
 */
export async function lockAndCountActiveKeys(db: Database, tenantId: string): Promise<number> {
  const result = await db.execute<{ n: number }>(sql`
    WITH locked AS (SELECT id FROM tenants WHERE id = ${tenantId}::uuid FOR UPDATE)
    SELECT count(*)::int AS n FROM api_keys, locked
    WHERE api_keys.tenant_id = locked.id
      AND api_keys.revoked_at IS NULL
      AND (api_keys.expires_at IS NULL OR api_keys.expires_at > now())`);
  return Number(result.rows[0]?.n ?? 0);
}
