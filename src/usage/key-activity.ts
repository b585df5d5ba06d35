import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { utcDay } from './record';

/** `keyId:day` pairs this isolate has already written; bounded so it cannot grow forever. */
const seen = new Set<string>();
const MAX_REMEMBERED = 50_000;

/**
 * Marks a key active today, at most once per key per day per isolate. Returns the write to
 * hand to `waitUntil`, or null when this isolate already wrote it today.
 */
export function noteKeyActivity(
  db: Pick<Database, 'execute'>,
  principal: { tenantId: string; keyId: string },
  now = Date.now(),
): Promise<unknown> | null {
  const day = utcDay(now);
  const memo = `${principal.keyId}:${day}`;
  if (seen.has(memo)) return null;
  if (seen.size >= MAX_REMEMBERED) seen.clear();
  seen.add(memo);
  return db
    .execute(
      sql`INSERT INTO key_activity_daily (tenant_id, day, key_id) VALUES (${principal.tenantId}, ${day}, ${principal.keyId}) ON CONFLICT DO NOTHING`,
    )
    .catch(() => seen.delete(memo));
}
