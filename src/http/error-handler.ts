import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { isDatabaseUnavailable, pgErrorCode } from '../db/errors';
import { isStatementTimeout } from '../db/timeout';
import { ApiError, type ErrorEnvelope } from '../errors';
import { errorFields, logJson } from '../observability/log';
import { traceIdOf } from '../observability/traceparent';
import type { AppEnv } from '../types';

function isHttpException(error: unknown): error is HTTPException {
  return (
    error instanceof Error &&
    typeof (error as HTTPException).status === 'number' &&
    typeof (error as HTTPException).getResponse === 'function'
  );
}

function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  // Duck-typed: validator errors may come from another bundled copy of hono.
  if (error instanceof HTTPException || isHttpException(error)) {
    if (/malformed json/i.test(error.message)) {
      return new ApiError(400, 'malformed_json', 'the request body is not valid JSON');
    }
    if (error.status === 413) return new ApiError(413, 'body_too_large', error.message);
    // The OpenAPI validator's media-type gate: a JSON route sent another Content-Type.
    if (error.status === 415) {
      return new ApiError(
        415,
        'unsupported_media_type',
        "the request body's Content-Type is not one this route accepts",
      );
    }
    return new ApiError(
      error.status === 404 ? 404 : 400,
      'bad_request',
      error.message || 'bad request',
    );
  }
  // Postgres text cannot hold NUL (22021) or a \u0000 escape in jsonb (22P05): client input
  // that reached a column, refused as such rather than a 500 (found by test/fuzz/api.fuzz.test.ts).
  const sqlState = pgErrorCode(error);
  if (sqlState === '22021' || sqlState === '22P05') {
    return new ApiError(400, 'invalid_text', 'text may not contain NUL (U+0000) characters');
  }
  // A statement past its deadline (src/db/timeout.ts): the database is busy or something holds a
  // lock this request needs. Retryable like an outage, with its own code so the two can be told apart.
  if (isStatementTimeout(error)) {
    return new ApiError(
      503,
      'database_timeout',
      'the database did not answer in time; retry shortly',
      undefined,
      { 'Retry-After': '5' },
    );
  }
  // An outage is not a bug: a clean, retryable 503 with a stable code (never the driver message).
  if (isDatabaseUnavailable(error)) {
    return new ApiError(
      503,
      'database_unavailable',
      'the database is unavailable; nothing was stored, retry shortly',
      undefined,
      { 'Retry-After': '5' },
    );
  }
  return new ApiError(500, 'internal_error', 'an unexpected error occurred');
}

/** The single place errors become HTTP responses. */
export function handleError(error: unknown, c: Context<AppEnv>): Response {
  const apiError = toApiError(error);
  const requestId = c.get('requestId') ?? crypto.randomUUID();
  if (apiError.status >= 500) {
    logJson('error', {
      msg: 'request.error',
      requestId,
      traceId: traceIdOf(c.get('traceparent')),
      method: c.req.method,
      path: c.req.path,
      code: apiError.code,
      ...errorFields(error),
    });
  }
  const body: ErrorEnvelope = {
    error: {
      code: apiError.code,
      message: apiError.message,
      requestId,
      ...(apiError.details !== undefined ? { details: apiError.details } : {}),
    },
  };
  for (const [name, value] of Object.entries(apiError.headers ?? {})) c.header(name, value);
  c.header('X-Request-Id', requestId);
  return c.json(body, apiError.status);
}
