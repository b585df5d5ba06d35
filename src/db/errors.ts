/** Postgres error classification. drizzle wraps driver errors, so the SQLSTATE may sit on a `cause`. */

function* causes(error: unknown): Generator<unknown> {
  for (let e = error, depth = 0; e && depth < 5; depth++) {
    yield e;
    e = (e as { cause?: unknown }).cause;
  }
}

/** The SQLSTATE of a Postgres error, looking through wrappers. */
export function pgErrorCode(error: unknown): string | undefined {
  for (const e of causes(error)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

export const isUniqueViolation = (error: unknown) => pgErrorCode(error) === '23505';

// Class 08: connection exceptions; 57P01-03: the server is shutting down or starting up;
// 53300: too many connections. Each means "Postgres is not serving us now", not a bug.
const UNAVAILABLE = /^(08...|57P0[1-3]|53300)$/;
// Socket-level failures from the serverless driver carry no SQLSTATE. Timeouts (a connection or
// a statement past its deadline) are told apart by isStatementTimeout in ./timeout.ts.
const SOCKET =
  /connection terminated|connection refused|econnrefused|websocket|socket hang up|network|connect failed/i;

/** True when the error means Postgres is unreachable or refusing connections. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const code = pgErrorCode(error);
  if (code) return UNAVAILABLE.test(code);
  for (const e of causes(error)) {
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && SOCKET.test(message)) return true;
    if (
      typeof e === 'object' &&
      e !== null &&
      (e as { type?: unknown }).type === 'error' &&
      'target' in e
    )
      return true; // a WebSocket ErrorEvent
  }
  return false;
}
