import { neon, Pool, neonConfig } from '@neondatabase/serverless';
import { drizzle as drizzleHttp } from 'drizzle-orm/neon-http';
import { drizzle, type NeonDatabase } from 'drizzle-orm/neon-serverless';
import * as schema from './schema';
import { CLIENT_GRACE_MS, statementTimeoutMs, type DatabaseRole } from './timeout';

export type Database = NeonDatabase<typeof schema>;

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export interface DatabaseConfig {
  DATABASE_URL: string;
  DB_WS_PROXY?: string;
  /** `websocket` (default) or `http`; see `databaseTransport` and docs/performance.md. */
  DB_TRANSPORT?: string;
  /** Client deadline per statement (src/db/timeout.ts); defaults by role, `0` for none. */
  DB_STATEMENT_TIMEOUT_MS?: string;
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

/** The driver's deadline for one statement, or undefined for none. */
const clientDeadline = (timeoutMs: number) =>
  timeoutMs > 0 ? timeoutMs + CLIENT_GRACE_MS : undefined;

function openPool(
  config: DatabaseConfig,
  timeoutMs: number,
): { db: Database; close: () => Promise<void> } {
  configureDriver(config);
  // query_timeout: the driver fails the statement ("Query read timeout") and the pool drops that
  // connection, so a stuck statement cannot hold the request (src/db/timeout.ts). Connecting gets
  // the same deadline: by default the driver waits for a connection forever.
  const deadline = clientDeadline(timeoutMs);
  const pool = new Pool({
    connectionString: config.DATABASE_URL,
    max: 4,
    ...(deadline ? { query_timeout: deadline, connectionTimeoutMillis: deadline } : {}),
  });
  pool.on('error', () => {});
  const db = drizzle({ client: pool, schema });
  return { db, close: () => pool.end() };
}

/**
 * Statements over HTTP, `transaction()` on a WebSocket pool opened when first needed. The query
 * builders are the same drizzle Postgres builders on both sides, and `execute()` returns
 * `{ rows }` on both, so callers keep one `Database`.
 */
function openHttp(
  config: DatabaseConfig,
  timeoutMs: number,
): { db: Database; close: () => Promise<void> } {
  const client = neon(config.DATABASE_URL);
  const deadline = clientDeadline(timeoutMs);
  if (deadline) {
    // Each statement is one fetch; its own timeout signal aborts it (a TimeoutError).
    const query = client.query.bind(client);
    client.query = ((text: string, params?: unknown[], options?: Record<string, unknown>) =>
      query(text, params, {
        ...options,
        fetchOptions: {
          ...(options?.fetchOptions as object | undefined),
          signal: AbortSignal.timeout(deadline),
        },
      })) as typeof client.query;
  }
  const http = drizzleHttp({ client, schema });
  let pool: ReturnType<typeof openPool> | null = null;
  const db = Object.create(http) as Database;
  db.transaction = (work, options) => {
    pool ??= openPool(config, timeoutMs);
    return pool.db.transaction(work, options);
  };
  return { db, close: async () => pool?.close() };
}

/**
 * A database for one request or queue batch: Workers cannot share sockets across requests.
 * Call `close()` (usually via waitUntil) when done. `role` picks the statement deadline: API
 * requests fail fast with a 503, queue and cron work gets longer (src/db/timeout.ts).
 */
export function openDatabase(
  config: DatabaseConfig,
  role: DatabaseRole = 'api',
): { db: Database; close: () => Promise<void> } {
  const timeoutMs = statementTimeoutMs(config, role);
  return databaseTransport(config) === 'http'
    ? openHttp(config, timeoutMs)
    : openPool(config, timeoutMs);
}
