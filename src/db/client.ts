import { Pool, neonConfig } from '@neondatabase/serverless';
import { drizzle, type NeonDatabase } from 'drizzle-orm/neon-serverless';
import * as schema from './schema';

export type Database = NeonDatabase<typeof schema>;

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export interface DatabaseConfig {
  DATABASE_URL: string;
  DB_WS_PROXY?: string;
}

/** Local Postgres is reached through a plain-WebSocket bridge; Neon needs no extra config. */
function configureDriver(config: DatabaseConfig): void {
  const host = new URL(config.DATABASE_URL).hostname;
  if (!LOCAL_HOSTS.has(host)) return;
  const proxy = config.DB_WS_PROXY;
  if (!proxy) throw new Error('DB_WS_PROXY must be set when DATABASE_URL points at localhost');
  neonConfig.wsProxy = (h, p) => `${proxy}/v2?address=${h}:${p}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineTLS = false;
  neonConfig.pipelineConnect = false;
}

/**
 * A pool lives for one request or queue batch: Workers cannot share sockets across
 * requests. Call `close()` (usually via waitUntil) when done.
 */
export function openDatabase(config: DatabaseConfig): { db: Database; close: () => Promise<void> } {
  configureDriver(config);
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: 4 });
  pool.on('error', () => {});
  const db = drizzle({ client: pool, schema });
  return { db, close: () => pool.end() };
}
