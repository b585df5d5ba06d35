import { neon, Pool, neonConfig } from '@neondatabase/serverless';
import { drizzle as drizzleHttp } from 'drizzle-orm/neon-http';
import { drizzle, type NeonDatabase } from 'drizzle-orm/neon-serverless';
import * as schema from './schema';

export type Database = NeonDatabase<typeof schema>;

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export interface DatabaseConfig {
  DATABASE_URL: string;
  DB_WS_PROXY?: string;
  /** `websocket` (default) or `http`; see `databaseTransport` and docs/performance.md. */
  DB_TRANSPORT?: string;
}

/**
 * How statements reach Postgres. `websocket`: one pool per request, every statement on it (the
 * only path locally, where the PGlite bridge speaks WebSocket). `http` (Neon only): single
 * statements over Neon's SQL-over-HTTP endpoint, one HTTPS request each and no connection setup,
 * while interactive transactions still get a WebSocket pool, opened on the first one. That is
 * Neon's guidance for its serverless driver: `neon()` for one-shot queries, `Pool` for sessions.
 */
export type DatabaseTransport = 'websocket' | 'http';

const isLocal = (url: string) => LOCAL_HOSTS.has(new URL(url).hostname);

export function databaseTransport(config: DatabaseConfig): DatabaseTransport {
  const requested = config.DB_TRANSPORT?.trim().toLowerCase() || 'websocket';
  if (requested === 'websocket') return 'websocket';
  if (requested !== 'http') {
    throw new Error(`DB_TRANSPORT must be 'http' or 'websocket', not '${config.DB_TRANSPORT}'`);
  }
  if (isLocal(config.DATABASE_URL)) {
    throw new Error(
      'DB_TRANSPORT=http needs Neon: there is no local SQL-over-HTTP endpoint (use websocket)',
    );
  }
  return 'http';
}

/** Local Postgres is reached through a plain-WebSocket bridge; Neon needs no extra config. */
function configureDriver(config: DatabaseConfig): void {
  if (!isLocal(config.DATABASE_URL)) return;
  const proxy = config.DB_WS_PROXY;
  if (!proxy) throw new Error('DB_WS_PROXY must be set when DATABASE_URL points at localhost');
  neonConfig.wsProxy = (h, p) => `${proxy}/v2?address=${h}:${p}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineTLS = false;
  neonConfig.pipelineConnect = false;
}

function openPool(config: DatabaseConfig): { db: Database; close: () => Promise<void> } {
  configureDriver(config);
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: 4 });
  pool.on('error', () => {});
  const db = drizzle({ client: pool, schema });
  return { db, close: () => pool.end() };
}

/**
 * Statements over HTTP, `transaction()` on a WebSocket pool opened when first needed. The query
 * builders are the same drizzle Postgres builders on both sides, and `execute()` returns
 * `{ rows }` on both, so callers keep one `Database`.
 */
function openHttp(config: DatabaseConfig): { db: Database; close: () => Promise<void> } {
  const http = drizzleHttp({ client: neon(config.DATABASE_URL), schema });
  let pool: ReturnType<typeof openPool> | null = null;
  const db = Object.create(http) as Database;
  db.transaction = (work, options) => {
    pool ??= openPool(config);
    return pool.db.transaction(work, options);
  };
  return { db, close: async () => pool?.close() };
}

/**
 * A database for one request or queue batch: Workers cannot share sockets across requests.
 * Call `close()` (usually via waitUntil) when done.
 */
export function openDatabase(config: DatabaseConfig): { db: Database; close: () => Promise<void> } {
  return databaseTransport(config) === 'http' ? openHttp(config) : openPool(config);
}
