import type { BucketPolicy, OperationClass } from './config';
import type { TakeResult } from './token-bucket';

/** IETF draft-ietf-httpapi-ratelimit-headers: the policy (quota q per window w seconds). */
export function rateLimitPolicyHeader(operation: OperationClass, policy: BucketPolicy): string {
  const window = Math.max(1, Math.ceil(policy.capacity / policy.refillPerSecond));
  return `"${operation}";q=${policy.capacity};w=${window}`;
}

/**
 * The current state: r tokens remaining, t seconds until full. With S shards the caller
 * only sees its own sub-bucket, so r is scaled by S as an estimate of the whole key.
 */
export function rateLimitHeader(
  operation: OperationClass,
  result: TakeResult,
  shards: number,
): string {
  return `"${operation}";r=${result.remaining * shards};t=${result.resetSeconds}`;
}
