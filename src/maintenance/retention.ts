import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';

const DAY_MS = 86_400_000;

export interface RetentionOptions {
  now: number;
  olderThanDays: number;
  /** "delete" removes old objects; "infrequent-access" leaves them to an R2 lifecycle rule. */
  mode: 'delete' | 'infrequent-access';
  batchSize?: number;
  /** Deletes a tenant's vectors by chunk id (Vectorize); pgvector vectors go with the chunk rows. */
  deleteVectors?: (tenantId: string, chunkIds: string[]) => Promise<unknown>;
}

export interface RetentionResult {
  archived: { documentId: string; version: number; r2Key: string }[];
  chunksDeleted: number;
}

/**
 * Archives document versions older than the retention age that no longer serve: neither the
 * document's current nor its ready version. Their R2 object and chunks are deleted and the row
 * is kept (status `archived`) as history.
 */
export async function enforceRetention(
  db: Database,
  bucket: R2Bucket,
  options: RetentionOptions,
): Promise<RetentionResult> {
  const cutoff = new Date(options.now - options.olderThanDays * DAY_MS);
  const candidates = await db.execute<{
    id: string;
    tenant_id: string;
    document_id: string;
    version: number;
    r2_key: string;
  }>(sql`
    SELECT v.id, v.tenant_id, v.document_id, v.version, v.r2_key
    FROM document_versions v
    JOIN documents d ON d.id = v.document_id
    WHERE v.created_at < ${cutoff}
      AND v.status <> 'archived'
      AND v.version <> d.current_version
      AND v.version IS DISTINCT FROM d.ready_version
    ORDER BY v.created_at
    LIMIT ${options.batchSize ?? 500}`);
  const rows = candidates.rows;
  if (rows.length === 0 || options.mode === 'infrequent-access') {
    return { archived: [], chunksDeleted: 0 };
  }
  const result: RetentionResult = { archived: [], chunksDeleted: 0 };
  for (const row of rows) {
    await bucket.delete(row.r2_key);
    const chunkIds = await db.execute<{ id: string }>(sql`
      DELETE FROM chunks WHERE document_id = ${row.document_id} AND version = ${row.version}
      RETURNING id`);
    if (chunkIds.rows.length > 0 && options.deleteVectors) {
      await options.deleteVectors(
        row.tenant_id,
        chunkIds.rows.map((r) => r.id),
      );
    }
    result.chunksDeleted += chunkIds.rows.length;
    await db.execute(sql`UPDATE document_versions SET status = 'archived' WHERE id = ${row.id}`);
    result.archived.push({ documentId: row.document_id, version: row.version, r2Key: row.r2_key });
  }
  return result;
}
