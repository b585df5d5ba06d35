// npm run db:migrate — applies migrations/*.sql to DATABASE_URL (or the local embedded Postgres).
import { connectDatabase } from './lib/local-stack';
import { applyMigrations } from './lib/migrate';

const db = await connectDatabase((m) => console.log(m));
try {
  const ran: string[] = await applyMigrations((sql: string) => db.query(sql), {
    log: (m: string) => console.log(m),
  });
  console.log(ran.length ? `applied ${ran.length} migration(s)` : 'database is up to date');
} finally {
  await db.stop();
}
