import { createMiddleware } from 'hono/factory';
import { ApiError } from '../../errors';
import { recordRateLimited } from '../../metrics';
import {
  DEFAULT_ALL_USERS_POLICIES,
  DEFAULT_USER_POLICIES,
  OPERATION_CLASSES,
  policyFor,
  shardPolicy,
  type BucketPolicy,
  type OperationClass,
} from '../../ratelimit/config';
import { rateLimitHeader, rateLimitPolicyHeader } from '../../ratelimit/headers';
import { LeaseBook, leaseSize } from '../../ratelimit/lease';
import { operationFor } from '../../ratelimit/routes';
import type { OperatorPrincipal } from '../../operator/keys';
import type { TenantSettings } from '../../tenants/settings';
import type { AppEnv, Principal } from '../../types';

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

interface Bucket {
  name: string;
  policy: BucketPolicy;
}

/**
 * The buckets a request spends from. An API key: its own bucket per class. A user token
 * (issue #16): the end user's bucket per class and the tenant's all-users bucket, so neither one
 * user nor a million of them can exceed what the tenant was given. An operator key: its own.
 */
export function bucketsFor(
  caller: { operator?: OperatorPrincipal; principal?: Principal; settings?: TenantSettings },
  operation: OperationClass,
): Bucket[] {
  const { operator, principal, settings } = caller;
  if (operator || !principal) {
    return [{ name: `operator:${operator?.operatorKeyId}`, policy: policyFor(operation) }];
  }
  if (principal.userId === null) {
    return [{ name: principal.keyId, policy: policyFor(operation, settings?.rateLimits) }];
  }
  return [
    {
      name: `user:${principal.tenantId}:${principal.userId}`,
      policy: policyFor(operation, settings?.userRateLimits, DEFAULT_USER_POLICIES),
    },
    {
      name: `all-users:${principal.tenantId}`,
      policy: policyFor(operation, settings?.allUsersRateLimits, DEFAULT_ALL_USERS_POLICIES),
    },
  ];
}

/** The tokens this isolate holds for leased classes (ratelimit/lease.ts). */
const isolateLeases = new LeaseBook();

export interface RateLimitOptions {
  /** Where leased tokens are held; one per isolate by default (tests pass their own). */
  leases?: LeaseBook;
}

/**
 * Spends one token from each of the caller's buckets for the route's operation class (see
 * ratelimit/routes.ts and bucketsFor) and reports the first bucket's quota in
 * `RateLimit`/`RateLimit-Policy` headers (the key's, or the user's own). For a leased class
 * (`events`) the token usually comes from the few this isolate took ahead from the same bucket,
 * with no object round trip; see ratelimit/lease.ts for why the limit still holds.
 * Runs after `authenticate()`. If the limiter itself errors, the expensive classes (`upload`,
 * `chat` by default; RATE_LIMIT_FAIL_CLOSED) are refused with 503 `rate_limiter_unavailable`,
 * since waving them through would let anyone who can break their own bucket's object spend
 * without limit; the other classes proceed, so a limiter outage is not an API outage.
 *
 * @example
 * app.use('/v1/*', authenticate(), rateLimit());
 */
export const rateLimit = ({ leases = isolateLeases }: RateLimitOptions = {}) =>
  createMiddleware<AppEnv>(async function rateLimit(c, next) {
    const namespace = c.env.RATE_LIMITER;
    if (!namespace) return next();
    const operation = operationFor(c.req.method, c.req.path);
    const caller = {
      operator: c.get('operator'),
      principal: c.get('principal'),
      settings: c.get('tenantSettings'),
    };
    const buckets = bucketsFor(caller, operation).map((bucket) => {
      const shards = Math.max(1, Math.floor(bucket.policy.shards));
      const shard = shards > 1 ? Math.floor(Math.random() * shards) : 0;
      const stub = namespace.get(namespace.idFromName(bucketName(bucket.name, operation, shard)));
      return { ...bucket, shards, stub };
    });
    const results = [];
    try {
      // In order, stopping at the first refusal: a user over their own limit must not keep
      // draining the all-users bucket the tenant's other users share.
      for (const b of buckets) {
        const limits = shardPolicy(b.policy);
        const lease = leaseSize(operation, limits.capacity);
        // One lease per bucket whatever shard answers: it is held under the unsharded name.
        const result =
          lease > 0
            ? await leases.take(bucketName(b.name, operation, 0), lease, (n) =>
                b.stub.take(limits, 1, n),
              )
            : await b.stub.take(limits);
        results.push(result);
        if (!result.allowed) break;
      }
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
    const first = buckets[0]!;
    const headers = {
      'RateLimit-Policy': rateLimitPolicyHeader(operation, first.policy),
      RateLimit: rateLimitHeader(operation, results[0]!, first.shards),
    };
    const denied = results.findIndex((r) => !r.allowed);
    if (denied >= 0) {
      const result = results[denied]!;
      const whose = denied === 0 ? '' : " (all of the tenant's users together)";
      recordRateLimited(c, c.var.principal.tenantId, operation);
      throw new ApiError(
        429,
        'rate_limited',
        `rate limit for '${operation}'${whose} exceeded; retry in ${result.retryAfterSeconds} s`,
        undefined,
        { ...headers, 'Retry-After': String(result.retryAfterSeconds) },
      );
    }
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    await next();
  });
