import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import type { ProductEvent } from '../env';

export interface StoreResult {
  inserted: number;
  duplicates: number;
}

/**
 * Writes events idempotently and maintains the daily rollups in one transaction. Only rows
 * this call actually inserted (RETURNING of ON CONFLICT DO NOTHING) are counted, so replaying
 * a batch (a queue redelivery or a client retry) changes neither counts nor DAU.
 */
export async function storeEvents(
  db: Database,
  tenantId: string,
  events: readonly ProductEvent[],
): Promise<StoreResult> {
  if (events.length === 0) return { inserted: 0, duplicates: 0 };
  return db.transaction(async (tx) => {
    const payload = JSON.stringify(events);
    const inserted = await tx.execute<{ day: string; name: string; user_id: string }>(sql`
      WITH incoming AS (
        SELECT * FROM jsonb_to_recordset(${payload}::jsonb)
          AS e(event_id uuid, name text, user_id text, "timestamp" timestamptz, properties jsonb, received_at timestamptz)
      )
      INSERT INTO product_events (tenant_id, event_id, name, user_id, occurred_at, received_at, properties)
      SELECT ${tenantId}::uuid, event_id, name, user_id, "timestamp", received_at, coalesce(properties, '{}'::jsonb)
      FROM incoming
      ON CONFLICT (tenant_id, event_id) DO NOTHING
      RETURNING to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, name, user_id`);
    const rows = inserted.rows;
    if (rows.length > 0) {
      const counts = new Map<string, { day: string; name: string; n: number }>();
      const users = new Map<string, { day: string; userId: string }>();
      for (const row of rows) {
        const key = `${row.day}|${row.name}`;
        const entry = counts.get(key) ?? { day: row.day, name: row.name, n: 0 };
        entry.n += 1;
        counts.set(key, entry);
        users.set(`${row.day}|${row.user_id}`, { day: row.day, userId: row.user_id });
      }
      const countRows = [...counts.values()].map(
        (c) => sql`(${tenantId}::uuid, ${c.day}::date, ${c.name}, ${c.n})`,
      );
      await tx.execute(sql`
        INSERT INTO product_events_daily (tenant_id, day, name, count)
        VALUES ${sql.join(countRows, sql`, `)}
        ON CONFLICT (tenant_id, day, name) DO UPDATE SET count = product_events_daily.count + excluded.count`);
      const userRows = [...users.values()].map(
        (u) => sql`(${tenantId}::uuid, ${u.day}::date, ${u.userId})`,
      );
      await tx.execute(sql`
        INSERT INTO product_users_daily (tenant_id, day, user_id)
        VALUES ${sql.join(userRows, sql`, `)}
        ON CONFLICT DO NOTHING`);
    }
    return { inserted: rows.length, duplicates: events.length - rows.length };
  });
}
