// Applies migrations/*.sql in name order, once each, recorded in vellum_migrations.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const MIGRATIONS_DIR = new URL('../../migrations/', import.meta.url).pathname;

/** Runs one SQL statement and returns its rows. */
export type Exec = (sql: string) => Promise<Record<string, unknown>[]>;

/** `exec(sql)` runs one statement; it is called inside BEGIN/COMMIT per file. */
export async function applyMigrations(
  exec: Exec,
  { dir = MIGRATIONS_DIR, log = (_message: string) => {} } = {},
): Promise<string[]> {
  await exec(
    'CREATE TABLE IF NOT EXISTS vellum_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
  );
  const appliedRows = await exec('SELECT name FROM vellum_migrations');
  const applied = new Set(appliedRows.map((r) => r.name));
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const ran: string[] = [];
  for (const file of files) {
    if (applied.has(file)) continue;
    const statements = (await readFile(join(dir, file), 'utf8'))
      .split('--> statement-breakpoint')
      .map((s) => s.trim())
      .filter(Boolean);
    await exec('BEGIN');
    try {
      for (const statement of statements) await exec(statement);
      await exec(`INSERT INTO vellum_migrations (name) VALUES ('${file.replace(/'/g, "''")}')`);
      await exec('COMMIT');
    } catch (error) {
      await exec('ROLLBACK');
      throw new Error(`migration ${file} failed: ${(error as Error).message}`);
    }
    ran.push(file);
    log(`applied ${file}`);
  }
  return ran;
}

/** exec() over a PGlite instance. */
export const pgliteExec =
  (db: { query<T>(sql: string): Promise<{ rows: T[] }> }): Exec =>
  async (sql) =>
    (await db.query<Record<string, unknown>>(sql)).rows;
