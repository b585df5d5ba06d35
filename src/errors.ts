import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Stable, documented error codes. Clients may switch on these. */
export type ErrorCode =
  | 'bad_request'
  | 'malformed_json'
  | 'validation_failed'
  | 'invalid_id'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'route_not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'idempotency_in_progress'
  | 'idempotency_key_reused'
  | 'empty_file'
  | 'file_too_large'
  | 'body_too_large'
  | 'unsupported_media_type'
  | 'invalid_filename'
  | 'invalid_text'
  | 'invalid_token'
  | 'expired_token'
  | 'token_operations_exceed_key'
  | 'token_signing_unavailable'
  | 'rate_limited'
  | 'auth_rate_limited'
  | 'rate_limiter_unavailable'
  | 'ingest_backlog_full'
  | 'budget_exceeded'
  | 'exceeds_operator_limit'
  | 'key_limit_reached'
  | 'queue_unavailable'
  | 'database_unavailable'
  | 'database_timeout'
  | 'storage_unavailable'
  | 'not_ready'
  | 'unavailable'
  | 'retrieval_unavailable'
  | 'internal_error';

/** The one error type the API throws; `app.onError` renders it as the JSON envelope. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  static badRequest(message: string, details?: unknown) {
    return new ApiError(400, 'bad_request', message, details);
  }
  static notFound(what = 'resource') {
    return new ApiError(404, 'not_found', `${what} not found`);
  }
  static unauthorized(message = 'a valid API key is required') {
    return new ApiError(401, 'unauthorized', message, undefined, { 'WWW-Authenticate': 'Bearer' });
  }
  static forbidden(message = 'this key may not perform this operation') {
    return new ApiError(403, 'forbidden', message);
  }
}

export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; requestId: string; details?: unknown };
}
