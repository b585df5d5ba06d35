import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import { ApiError } from '../../errors';
import { findRouteRule } from '../../ratelimit/routes';
import type { AppEnv } from '../../types';

/** JSON bodies are small; anything larger is refused before it is buffered. */
export const JSON_BODY_LIMIT_BYTES = 64 * 1024;

const limitJson = bodyLimit({
  maxSize: JSON_BODY_LIMIT_BYTES,
  onError: () => {
    throw new ApiError(
      413,
      'body_too_large',
      `request bodies are limited to ${JSON_BODY_LIMIT_BYTES} bytes`,
    );
  },
});

/** Applies the JSON limit to every route except streamed uploads (bounded by MAX_UPLOAD_BYTES). */
export const jsonBodyLimit = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (findRouteRule(c.req.method, c.req.path)?.streamsBody) return next();
    return limitJson(c, next);
  });
