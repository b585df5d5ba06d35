import { z } from '@hono/zod-openapi';

/**
 * The one error envelope (`ApiError` rendered by http/error-handler.ts), as every route
 * documents it. It lives here, with the other HTTP conventions, so features import it from
 * the transport layer instead of from each other.
 */
export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      requestId: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error');

/** An OpenAPI JSON response entry for a zod schema. */
export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});

/** The error statuses routes document; each answers with the error envelope. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503;

const retryAfter = {
  'Retry-After': {
    description: 'Seconds to wait before retrying',
    schema: { type: 'integer' as const },
  },
};

const rateLimitHeaders = {
  ...retryAfter,
  RateLimit: {
    description: 'The remaining quota of the bucket this route spends from',
    schema: { type: 'string' as const },
  },
  'RateLimit-Policy': {
    description: 'The bucket policy (capacity and refill window)',
    schema: { type: 'string' as const },
  },
};

/** What each status means on any route; a route may name a sharper description. */
const DEFAULTS: Record<ErrorStatus, { description: string; headers?: typeof retryAfter }> = {
  400: {
    description: 'Invalid input: validation_failed, invalid_id, malformed_json or bad_request',
  },
  401: { description: 'Missing, invalid, expired or revoked API key' },
  403: { description: "The key's role lacks the permission this route needs" },
  404: { description: 'Not found, or not visible to this tenant' },
  409: { description: 'Conflicts with the current state' },
  413: { description: 'The request body is larger than this route accepts' },
  415: { description: 'The request body has a media type this route does not accept' },
  422: { description: 'Well-formed but not processable' },
  429: {
    description: 'Rate limited, or the ingest backlog is full: retry after Retry-After seconds',
    headers: rateLimitHeaders,
  },
  503: {
    description: 'A dependency (database, rate limiter, queue) is unavailable: retry shortly',
    headers: retryAfter,
  },
};

type ErrorResponse = ReturnType<typeof jsonResponse<typeof ErrorSchema>> & {
  headers?: typeof retryAfter;
};

/** One documented error response; `description` overrides the status's usual wording. */
export function errorResponse(status: ErrorStatus, description?: string): ErrorResponse {
  const entry = DEFAULTS[status];
  return {
    ...jsonResponse(ErrorSchema, description ?? entry.description),
    ...(entry.headers ? { headers: entry.headers } : {}),
  };
}

/**
 * The error responses of a route, by status: `errorResponses(...AUTHENTICATED, 403, 404)`.
 * test/node/lint/openapi-walk.test.ts derives from the app's middleware which of these each
 * operation must list, so a route that forgets one fails there.
 */
export function errorResponses<S extends ErrorStatus>(
  ...statuses: readonly S[]
): { [K in S]: ErrorResponse } {
  return Object.fromEntries(statuses.map((s) => [s, errorResponse(s)])) as {
    [K in S]: ErrorResponse;
  };
}

/**
 * What every authenticated route can answer before its handler runs: 401 from the key check,
 * 429 from the rate limiter (and the ingest backlog), 503 when the key lookup's database or a
 * fail-closed rate limiter is unavailable.
 */
export const AUTHENTICATED = [401, 429, 503] as const;
