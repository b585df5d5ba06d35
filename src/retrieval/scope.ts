import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client';
import { accessPredicate, type DocumentAccess } from '../access/visibility';
import { pgArray } from '../db/sql';

/** Document-level filters a client may narrow search with. They can never widen the tenant. */
export interface SearchFilters {
  documentIds?: string[];
  tags?: string[];
  mimeTypes?: string[];
  metadata?: Record<string, string | number | boolean | null>;
  createdFrom?: string;
  createdTo?: string;
}

export function hasDocumentFilters(filters: SearchFilters | undefined): boolean {
  return (
    !!filters &&
    Object.values(filters).some((v) => v !== undefined && (!Array.isArray(v) || v.length > 0))
  );
}

/** SQL predicates over `d` (documents). Always combined with `d.tenant_id = <tenant>` by callers. */
export function documentPredicates(filters: SearchFilters | undefined): SQL[] {
  const out: SQL[] = [];
  if (!filters) return out;
  if (filters.documentIds?.length)
    out.push(sql`d.id = any(${pgArray(filters.documentIds)}::uuid[])`);
  if (filters.tags?.length) out.push(sql`d.tags && ${pgArray(filters.tags)}::text[]`);
  if (filters.mimeTypes?.length)
    out.push(sql`d.mime_type = any(${pgArray(filters.mimeTypes)}::text[])`);
  if (filters.metadata && Object.keys(filters.metadata).length) {
    out.push(sql`d.metadata @> ${JSON.stringify(filters.metadata)}::jsonb`);
  }
  if (filters.createdFrom) out.push(sql`d.created_at >= ${filters.createdFrom}::timestamptz`);
  if (filters.createdTo) out.push(sql`d.created_at < ${filters.createdTo}::timestamptz`);
  return out;
}

/** Whether a reach narrows by more than visibility (a token scope): resolved to ids for stores. */
export const isScopedAccess = (access: DocumentAccess | null | undefined) =>
  !!access && (!!access.collections || !!access.tags || !!access.ownerOnly);

/** The tenant's document ids matching the filters and the caller's reach (for stores that filter by id). */
export async function resolveDocumentIds(
  db: Database,
  tenantId: string,
  filters: SearchFilters,
  limit = 10_000,
  access: DocumentAccess | null = null,
) {
  const reach = accessPredicate(access, 'd');
  const where = sql.join(
    [
      sql`d.tenant_id = ${tenantId}::uuid`,
      sql`d.ready_version is not null`,
      ...documentPredicates(filters),
      ...(reach ? [reach] : []),
    ],
    sql` and `,
  );
  const rows = await db.execute<{ id: string }>(
    sql`select d.id from documents d where ${where} limit ${limit}::int`,
  );
  return rows.rows.map((r) => r.id);
}
