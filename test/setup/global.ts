import type { TestProject } from 'vitest/node';
import { startLocalPostgres } from '../../scripts/lib/local-postgres';
import { applyMigrations, pgliteExec } from '../../scripts/lib/migrate';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    dbWsProxy: string;
  }
}

/**
 * Starts an in-memory PGlite (+pgvector) behind the WebSocket bridge, or uses
 * DATABASE_URL when it is set, and applies the migrations once for the run.
 */
export default async function setup(project: TestProject) {
  if (process.env.DATABASE_URL && process.env.DB_WS_PROXY) {
    project.provide('databaseUrl', process.env.DATABASE_URL);
    project.provide('dbWsProxy', process.env.DB_WS_PROXY);
    return;
  }
  const pg = await startLocalPostgres({ maxConnections: 256 });
  await applyMigrations(pgliteExec(pg.db));
  project.provide('databaseUrl', pg.url);
  project.provide('dbWsProxy', pg.wsProxy);
  return async () => {
    if (process.env.VELLUM_DEBUG_PG) console.log('pg stats at teardown', pg.stats());
    await pg.stop();
  };
}
