// Injected database faults for one tenant: a trigger that fails (or otherwise intercepts) that
// tenant's inserts into one table while `work` runs, then is dropped. One definition for every
// test that needs a real outage rather than a stubbed module.
import { sql } from 'drizzle-orm';
import { withDb } from '../helpers';

/**
 * Runs `work` while a BEFORE INSERT trigger on `table` runs `body` (plpgsql statements) for
 * `tenantId`'s rows. The default body raises, which the app sees as a failing database.
 */
export async function withFailingInsert<T>(
  table: string,
  tenantId: string,
  work: () => Promise<T>,
  body = `raise exception 'injected outage';`,
): Promise<T> {
  const fn = `fault_${table}_${tenantId.replace(/-/g, '')}`;
  await withDb(async (db) => {
    await db.execute(
      sql.raw(
        `create function ${fn}() returns trigger language plpgsql as $$ begin ${body} return new; end $$`,
      ),
    );
    await db.execute(
      sql.raw(
        `create trigger ${fn} before insert on ${table} for each row when (new.tenant_id = '${tenantId}') execute function ${fn}()`,
      ),
    );
  });
  try {
    return await work();
  } finally {
    await withDb(async (db) => {
      await db.execute(sql.raw(`drop trigger if exists ${fn} on ${table}`));
      await db.execute(sql.raw(`drop function if exists ${fn}()`));
    });
  }
}
