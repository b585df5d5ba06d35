import { asc, eq, gt } from 'drizzle-orm';
import type { Database } from '../db/client';
import { tenantDeletions, tenants } from '../db/schema';
import { parseStoredSettings } from '../tenants/settings';

type TenantRow = typeof tenants.$inferSelect;
type DeletionRow = typeof tenantDeletions.$inferSelect;

const deletionDto = (d: DeletionRow) => ({
  status: d.status as 'running' | 'done',
  documentsTotal: d.documentsTotal,
  documentsDeleted: d.documentsDeleted,
  error: d.error,
  requestedAt: d.requestedAt.toISOString(),
  completedAt: d.completedAt?.toISOString() ?? null,
});

export function toTenantDto(row: TenantRow, deletion?: DeletionRow) {
  return {
    id: row.id,
    name: row.name,
    status: row.status as 'active' | 'deleting',
    settings: parseStoredSettings(row.settings),
    createdAt: row.createdAt.toISOString(),
    deletion: deletion ? deletionDto(deletion) : null,
  };
}

/** The tenant, or the record of its deletion once the row is gone; undefined if neither. */
export async function findTenantView(db: Database, id: string) {
  const [row] = await db.select().from(tenants).where(eq(tenants.id, id));
  const [deletion] = await db
    .select()
    .from(tenantDeletions)
    .where(eq(tenantDeletions.tenantId, id));
  if (row) return toTenantDto(row, deletion);
  if (!deletion) return undefined;
  return {
    id,
    name: deletion.tenantName,
    status: 'deleted' as const,
    settings: {},
    createdAt: null,
    deletion: deletionDto(deletion),
  };
}

/** Keyset pages by id: stable under inserts, cheap at any depth. */
export async function listTenants(db: Database, options: { limit: number; cursor?: string }) {
  const rows = await db
    .select()
    .from(tenants)
    .where(options.cursor ? gt(tenants.id, options.cursor) : undefined)
    .orderBy(asc(tenants.id))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  return {
    data: page.map((row) => toTenantDto(row)),
    nextCursor: rows.length > options.limit ? page[page.length - 1]!.id : null,
  };
}
