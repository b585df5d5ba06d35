import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ApiError, type ErrorEnvelope } from '../errors';
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
    return new ApiError(
      error.status === 404 ? 404 : 400,
      'bad_request',
      error.message || 'bad request',
    );
  }
  return new ApiError(500, 'internal_error', 'an unexpected error occurred');
}

/** The single place errors become HTTP responses. */
export function handleError(error: unknown, c: Context<AppEnv>): Response {
  const apiError = toApiError(error);
  const requestId = c.get('requestId') ?? crypto.randomUUID();
  if (apiError.status >= 500) {
    const err = error instanceof Error ? error : new Error(String(error));
    console.error(
      JSON.stringify({
        level: 'error',
        requestId,
        route: c.req.routePath,
        code: apiError.code,
        error: err.name,
        // Drizzle appends query parameters to messages; they may hold document text.
        message: err.message.replace(/\nparams:[\s\S]*$/, '').slice(0, 500),
        stack: err.stack,
      }),
    );
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
