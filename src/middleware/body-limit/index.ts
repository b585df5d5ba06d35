import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import { ApiError } from '../../errors';
import { findRouteRule } from '../../ratelimit/routes';
import type { AppEnv } from '../../types';

/** JSON bodies are small; anything larger is refused before it is buffered. */
export const JSON_BODY_LIMIT_BYTES = 64 * 1024;

const limiters = new Map<number, ReturnType<typeof bodyLimit>>();
function limiterFor(maxSize: number) {
  let limiter = limiters.get(maxSize);
  if (!limiter) {
    limiter = bodyLimit({
      maxSize,
      onError: () => {
        throw new ApiError(413, 'body_too_large', `request bodies are limited to ${maxSize} bytes`);
      },
    });
    limiters.set(maxSize, limiter);
  }
  return limiter;
}

/**
 * Applies the JSON limit to every route except streamed uploads (bounded by MAX_UPLOAD_BYTES);
 * batch routes name a larger limit in the route table.
 */
export const jsonBodyLimit = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const rule = findRouteRule(c.req.method, c.req.path);
    if (rule?.streamsBody) return next();
    return limiterFor(rule?.maxBodyBytes ?? JSON_BODY_LIMIT_BYTES)(c, next);
  });
