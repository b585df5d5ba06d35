import { createMiddleware } from 'hono/factory';
import { ApiError } from '../../errors';
import { recordRateLimited } from '../../metrics';
import {
  OPERATION_CLASSES,
  policyFor,
  shardPolicy,
  type OperationClass,
} from '../../ratelimit/config';
import { rateLimitHeader, rateLimitPolicyHeader } from '../../ratelimit/headers';
import { operationFor } from '../../ratelimit/routes';
import type { AppEnv } from '../../types';

/** The Durable Object name of one (sub-)bucket. Shard 0 keeps the plain `${keyId}:${class}`. */
export function bucketName(keyId: string, operation: string, shard: number): string {
  return shard === 0 ? `${keyId}:${operation}` : `${keyId}:${operation}:${shard}`;
}

/** Classes refused when the limiter errors unless RATE_LIMIT_FAIL_CLOSED says otherwise. */
export const DEFAULT_FAIL_CLOSED: readonly OperationClass[] = ['upload', 'chat'];

/** Parses RATE_LIMIT_FAIL_CLOSED: a comma-separated class list, "none", or unset (the default). */
export function failClosedClasses(raw: string | undefined): ReadonlySet<OperationClass> {
  if (raw === undefined || raw.trim() === '') return new Set(DEFAULT_FAIL_CLOSED);
  const wanted = raw.split(',').map((s) => s.trim().toLowerCase());
  return new Set(OPERATION_CLASSES.filter((c) => wanted.includes(c)));
}

/**
 * Spends one token from the caller's bucket for the route's operation class (see
 * ratelimit/routes.ts) and reports the quota in `RateLimit`/`RateLimit-Policy` headers.
 * Runs after `authenticate()`. If the limiter itself errors, the expensive classes (`upload`,
 * `chat` by default; RATE_LIMIT_FAIL_CLOSED) are refused with 503 `rate_limiter_unavailable`,
 * since waving them through would let anyone who can break their own bucket's object spend
 * without limit; the other classes proceed, so a limiter outage is not an API outage.
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
      const refuse = failClosedClasses(c.env.RATE_LIMIT_FAIL_CLOSED).has(operation);
      console.error(
        JSON.stringify({
          level: 'error',
          requestId: c.var.requestId,
          msg: `rate limiter unavailable; request ${refuse ? 'refused' : 'allowed'}`,
          operation,
          error: (error as Error).message,
        }),
      );
      if (refuse) {
        await c.req.raw.body?.cancel().catch(() => {});
        throw new ApiError(
          503,
          'rate_limiter_unavailable',
          `the rate limiter for '${operation}' is unavailable; retry shortly`,
          undefined,
          { 'Retry-After': '5' },
        );
      }
      return next();
    }
    const headers = {
      'RateLimit-Policy': rateLimitPolicyHeader(operation, policy),
      RateLimit: rateLimitHeader(operation, result, shards),
    };
    if (!result.allowed) {
      recordRateLimited(c, c.var.principal.tenantId, operation);
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
