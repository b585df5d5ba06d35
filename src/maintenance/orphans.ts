import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';

export interface OrphanOptions {
  now: number;
  /**
   * Objects younger than this are never touched: an upload writes R2 before its row commits,
   * so a fresh object without a row is normal.
   */
  graceMs?: number;
  prefix?: string;
  /** Safety valve for one run; the next run continues. */
  maxDeletes?: number;
}

export interface OrphanResult {
  scanned: number;
  deleted: string[];
}

const DEFAULT_GRACE_MS = 6 * 60 * 60_000;

/**
 * Deletes R2 objects under `tenants/` that no live (non-archived) document version points to.
 * Lists with a cursor and checks each page of keys against Postgres in one query.
 */
export async function cleanOrphanObjects(
  db: Database,
  bucket: R2Bucket,
  options: OrphanOptions,
): Promise<OrphanResult> {
  const grace = options.graceMs ?? DEFAULT_GRACE_MS;
  const maxDeletes = options.maxDeletes ?? 10_000;
  const result: OrphanResult = { scanned: 0, deleted: [] };
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: options.prefix ?? 'tenants/', cursor, limit: 1000 });
    result.scanned += page.objects.length;
    const old = page.objects
      .filter((o) => o.uploaded.getTime() < options.now - grace)
      .map((o) => o.key);
    if (old.length > 0) {
      const known = await db.execute<{ r2_key: string }>(sql`
        SELECT r2_key FROM document_versions
        WHERE r2_key = ANY(${`{${old.map((k) => `"${k.replace(/["\\]/g, '\\$&')}"`).join(',')}}`}::text[])
          AND status <> 'archived'`);
      const live = new Set(known.rows.map((r) => r.r2_key));
      const orphans = old
        .filter((key) => !live.has(key))
        .slice(0, maxDeletes - result.deleted.length);
      if (orphans.length > 0) {
        await bucket.delete(orphans);
        result.deleted.push(...orphans);
      }
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor && result.deleted.length < maxDeletes);
  return result;
}
