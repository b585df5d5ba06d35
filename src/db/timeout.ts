/**
 * Statement deadlines. Two layers, because one of them cannot be tested here:
 *
 * - Server side (production): each Worker connects as its own Postgres role, and the role
 *   carries `statement_timeout` (`ALTER ROLE … SET`, docs/deploying.md). Neon's pooler refuses
 *   startup options such as `statement_timeout`, and a session-level `SET` would leak to other
 *   clients of a transaction-mode pooler, so the role is the one place the setting reaches every
 *   statement: WebSocket pool, HTTP queries and transactions alike. Postgres then cancels the
 *   statement (SQLSTATE 57014) and frees its locks and CPU.
 * - Client side (everywhere): the driver gives up on a statement (or on connecting) after the
 *   same deadline plus a little grace. This is what bounds a request when the server does not cancel: locally, where
 *   PGlite ignores `statement_timeout` and runs one statement at a time for every connection, or
 *   when a statement waits behind another connection's transaction.
 *
 * Either way the API answers 503 `database_timeout` (src/http/error-handler.ts), never a hang.
 */
import { pgErrorCode } from './errors';

/** Who opens the database: API requests get a short deadline, queue and cron work a longer one. */
export type DatabaseRole = 'api' | 'background';

export const DEFAULT_STATEMENT_TIMEOUT_MS: Record<DatabaseRole, number> = {
  api: 5_000,
  background: 30_000,
};

/** Added to the client deadline so that, with both layers set alike, the server cancels first. */
export const CLIENT_GRACE_MS = 500;

/**
 * The client deadline of one statement, in ms: `DB_STATEMENT_TIMEOUT_MS` when set (each Worker
 * has its own vars), else the role's default; `0` turns the client deadline off.
 */
export function statementTimeoutMs(
  config: { DB_STATEMENT_TIMEOUT_MS?: string },
  role: DatabaseRole,
): number {
  const raw = config.DB_STATEMENT_TIMEOUT_MS?.trim();
  if (!raw) return DEFAULT_STATEMENT_TIMEOUT_MS[role];
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 0) {
    throw new Error(`DB_STATEMENT_TIMEOUT_MS must be a whole number of ms, not '${raw}'`);
  }
  return ms;
}

function* chain(error: unknown): Generator<unknown> {
  for (let e = error, depth = 0; e && depth < 5; depth++) {
    yield e;
    const next = e as { cause?: unknown; sourceError?: unknown };
    e = next.cause ?? next.sourceError;
  }
}

// 57014: canceled by statement_timeout; 55P03: lock_timeout. The driver's own deadlines say
// "Query read timeout" (a statement on the WebSocket pool), "timeout exceeded when trying to
// connect" / "… due to connection timeout" / "timeout expired" (connecting), or abort the fetch
// with a TimeoutError (HTTP). Locally a connection cannot even start while another holds PGlite.
const TIMEOUT_CODES = new Set(['57014', '55P03']);
const TIMEOUT_MESSAGE =
  /query read timeout|aborted due to timeout|timeout exceeded when trying to connect|due to connection timeout|timeout expired/i;

/** True when a statement ran out of time (either layer), as opposed to Postgres being down. */
export function isStatementTimeout(error: unknown): boolean {
  const code = pgErrorCode(error);
  if (code && TIMEOUT_CODES.has(code)) return true;
  for (const e of chain(error)) {
    if ((e as { name?: unknown }).name === 'TimeoutError') return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && TIMEOUT_MESSAGE.test(message)) return true;
  }
  return false;
}
