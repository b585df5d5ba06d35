import { sql, type SQL } from 'drizzle-orm';
import { utcDay } from './record';

/** One `key_activity_daily` row. */
export interface KeyActivityRow {
  tenantId: string;
  day: string;
  keyId: string;
}

/** `keyId:day` pairs this isolate has already noted; bounded so it cannot grow forever. */
const seen = new Set<string>();
const MAX_REMEMBERED = 50_000;

/**
 * The `key_activity_daily` row to write for this request, or null when this isolate already
 * noted the key today. The row goes to the isolate's write-behind buffer (metrics/flush.ts),
 * which writes it with the other rollups after the response; a failed flush keeps it.
 */
export function keyActivityRow(
  principal: { tenantId: string; keyId: string },
  now = Date.now(),
): KeyActivityRow | null {
  const day = utcDay(now);
  const memo = `${principal.keyId}:${day}`;
  if (seen.has(memo)) return null;
  if (seen.size >= MAX_REMEMBERED) seen.clear();
  seen.add(memo);
  return { tenantId: principal.tenantId, day, keyId: principal.keyId };
}

/** One multi-row insert into `key_activity_daily`; `where` filters the incoming rows (`v`). */
export function keyActivityInsert(rows: readonly KeyActivityRow[], where: SQL = sql`true`): SQL {
  const values = rows.map((r) => sql`(${r.tenantId}::uuid, ${r.day}::date, ${r.keyId}::uuid)`);
  return sql`
    INSERT INTO key_activity_daily (tenant_id, day, key_id)
    SELECT v.tenant_id, v.day, v.key_id
    FROM (VALUES ${sql.join(values, sql`, `)}) AS v(tenant_id, day, key_id)
    WHERE ${where}
    ON CONFLICT DO NOTHING`;
}
