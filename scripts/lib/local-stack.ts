// Shared by `npm run dev`, `npm run keys:create` and `npm run db:migrate`: find or start Postgres.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { startLocalPostgres } from './local-postgres';
import { applyMigrations, pgliteExec } from './migrate';

export const ROOT = resolve(new URL('../..', import.meta.url).pathname);
export const DATA_DIR = resolve(process.env.VELLUM_DATA_DIR ?? resolve(ROOT, '.data'));

export interface LocalDatabase {
  url: string;
  wsProxy: string;
  /** Runs SQL with positional parameters; rows as objects. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

/** The embedded PGlite under .data/pg, served on fixed local ports so Workers can reach it. */
export async function startEmbeddedDatabase(options: {
  pgPort: number;
  wsPort: number;
  /** Defaults to .data; stacks for evals and benchmarks pass a fresh directory. */
  dataDir?: string;
  log?: (m: string) => void;
}) {
  const dataDir = options.dataDir ?? DATA_DIR;
  mkdirSync(dataDir, { recursive: true });
  const pg = await startLocalPostgres({
    dataDir: resolve(dataDir, 'pg'),
    pgPort: options.pgPort,
    wsPort: options.wsPort,
  });
  await applyMigrations(pgliteExec(pg.db), { log: options.log });
  const database: LocalDatabase = {
    url: pg.url,
    wsProxy: pg.wsProxy,
    query: async <T>(sql: string, params?: unknown[]) => (await pg.db.query<T>(sql, params)).rows,
    stop: () => pg.stop(),
  };
  return database;
}

export const DEV_PG_PORT = Number(process.env.VELLUM_PG_PORT ?? 54329);
export const DEV_WS_PORT = Number(process.env.VELLUM_PG_WS_PORT ?? 54330);

async function reachable(port: number): Promise<boolean> {
  const { createConnection } = await import('node:net');
  return new Promise((done) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), done(true)));
    socket.once('error', () => done(false));
  });
}

/** A neon-driver pool from Node, through a WebSocket proxy when the server is local. */
async function neonPool(url: string, wsProxy: string | undefined): Promise<LocalDatabase> {
  const { Pool, neonConfig } = await import('@neondatabase/serverless');
  const { default: WebSocket } = await import('ws');
  neonConfig.webSocketConstructor = WebSocket;
  let stopBridge = async () => {};
  const host = new URL(url).hostname;
  if (['localhost', '127.0.0.1', '::1'].includes(host)) {
    if (!wsProxy) {
      const { startWsBridge } = await import('./local-postgres');
      const bridge = await startWsBridge();
      wsProxy = `127.0.0.1:${bridge.port}`;
      stopBridge = bridge.close;
    }
    neonConfig.wsProxy = (h, p) => `${wsProxy}/v2?address=${h}:${p}`;
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineTLS = false;
    neonConfig.pipelineConnect = false;
  }
  const pool = new Pool({ connectionString: url, max: 1 });
  // One session, so BEGIN/COMMIT in migrations share a connection.
  const client = await pool.connect();
  return {
    url,
    wsProxy: wsProxy ?? '',
    query: async (sql, params) => (await client.query(sql, params as unknown[])).rows,
    stop: async () => {
      client.release();
      await pool.end();
      await stopBridge();
    },
  };
}

/**
 * The database a script should talk to: DATABASE_URL if set; else the running dev
 * server's embedded Postgres; else the embedded one opened directly.
 */
export async function connectDatabase(log?: (m: string) => void): Promise<LocalDatabase> {
  if (process.env.DATABASE_URL) return neonPool(process.env.DATABASE_URL, process.env.DB_WS_PROXY);
  if ((await reachable(DEV_PG_PORT)) && (await reachable(DEV_WS_PORT))) {
    return neonPool(
      `postgres://postgres:postgres@localhost:${DEV_PG_PORT}/postgres`,
      `127.0.0.1:${DEV_WS_PORT}`,
    );
  }
  return startEmbeddedDatabase({ pgPort: 0, wsPort: 0, log });
}
