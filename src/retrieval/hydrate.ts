import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { accessPredicate, type DocumentAccess } from '../access/visibility';
import { pgArray } from '../db/sql';

export interface ChunkHit {
  id: string;
  documentId: string;
  version: number;
  ordinal: number;
  title: string;
  mimeType: string;
  text: string;
  headingPath: string[];
  charStart: number;
  charEnd: number;
  page: number | null;
}

/**
 * Loads chunk rows for ids, re-checking the tenant, the served version and the caller's reach,
 * so an id from any store that is foreign, stale or out of reach is dropped here.
 */
export async function hydrateChunks(
  db: Database,
  tenantId: string,
  ids: string[],
  access: DocumentAccess | null = null,
): Promise<Map<string, ChunkHit>> {
  if (ids.length === 0) return new Map();
  // The legs already applied the reach; checked again here so no store can leak a chunk.
  const reach = accessPredicate(access, 'd');
  const result = await db.execute<{
    id: string;
    document_id: string;
    version: number;
    ordinal: number;
    title: string;
    mime_type: string;
    text: string;
    heading_path: string[];
    char_start: number;
    char_end: number;
    page: number | null;
  }>(sql`
    select c.id, c.document_id, c.version, c.ordinal, d.title, d.mime_type, c.text, c.heading_path,
           c.char_start, c.char_end, c.page
    from chunks c
    join documents d on d.id = c.document_id and d.tenant_id = c.tenant_id and c.version = d.ready_version
    where c.tenant_id = ${tenantId}::uuid and c.id = any(${pgArray(ids)}::uuid[])
      ${reach ? sql`and ${reach}` : sql``}
  `);
  return new Map(
    result.rows.map((r) => [
      r.id,
      {
        id: r.id,
        documentId: r.document_id,
        version: r.version,
        ordinal: r.ordinal,
        title: r.title,
        mimeType: r.mime_type,
        text: r.text,
        headingPath: r.heading_path,
        charStart: r.char_start,
        charEnd: r.char_end,
        page: r.page,
      },
    ]),
  );
}
