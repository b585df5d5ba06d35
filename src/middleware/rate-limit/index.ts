import { createMiddleware } from 'hono/factory';
import { ApiError } from '../../errors';
import { policyFor, shardPolicy } from '../../ratelimit/config';
import { rateLimitHeader, rateLimitPolicyHeader } from '../../ratelimit/headers';
import { operationFor } from '../../ratelimit/routes';
import type { AppEnv } from '../../types';

/** The Durable Object name of one (sub-)bucket. Shard 0 keeps the plain `${keyId}:${class}`. */
export function bucketName(keyId: string, operation: string, shard: number): string {
  return shard === 0 ? `${keyId}:${operation}` : `${keyId}:${operation}:${shard}`;
}

/**
 * Spends one token from the caller's bucket for the route's operation class (see
 * ratelimit/routes.ts) and reports the quota in `RateLimit`/`RateLimit-Policy` headers.
 * Runs after `authenticate()`. If the limiter itself is unreachable the request proceeds:
 * an outage of the limiter should not become an outage of the API.
 */
export const rateLimit = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const namespace = c.env.RATE_LIMITER;
    if (!namespace) return next();
    const operation = operationFor(c.req.method, c.req.path);
    const policy = policyFor(operation, c.var.tenantSettings?.rateLimits);
    const limits = shardPolicy(policy);
    const shards = Math.max(1, Math.floor(policy.shards));
    const shard = shards > 1 ? Math.floor(Math.random() * shards) : 0;
    const stub = namespace.get(
      namespace.idFromName(bucketName(c.var.principal.keyId, operation, shard)),
    );
    let result;
    try {
      result = await stub.take(limits);
    } catch (error) {
      console.error(
        JSON.stringify({
          level: 'error',
          requestId: c.var.requestId,
          msg: 'rate limiter unavailable; request allowed',
          error: (error as Error).message,
        }),
      );
      return next();
    }
    const headers = {
      'RateLimit-Policy': rateLimitPolicyHeader(operation, policy),
      RateLimit: rateLimitHeader(operation, result, shards),
    };
    if (!result.allowed) {
      throw new ApiError(
        429,
        'rate_limited',
        `rate limit for '${operation}' exceeded; retry in ${result.retryAfterSeconds} s`,
        undefined,
        { ...headers, 'Retry-After': String(result.retryAfterSeconds) },
      );
    }
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    await next();
  });
