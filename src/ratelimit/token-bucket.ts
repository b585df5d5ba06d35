/** A token bucket as plain data: `tokens` may be fractional; `updatedAt` is epoch ms. */
export interface BucketState {
  tokens: number;
  updatedAt: number;
}

export interface BucketLimits {
  capacity: number;
  refillPerSecond: number;
}

export interface TakeResult {
  allowed: boolean;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Seconds until the bucket is full again (the `t` of the RateLimit header). */
  resetSeconds: number;
  /** Seconds until `cost` tokens are available; 0 when allowed. */
  retryAfterSeconds: number;
  /**
   * Tokens taken on top of `cost` for the caller to spend later (a lease, see lease.ts). Only
   * present when asked for: at most the whole tokens left after `cost`.
   */
  leased?: number;
}

export function refill(state: BucketState | null, limits: BucketLimits, now: number): BucketState {
  if (!state) return { tokens: limits.capacity, updatedAt: now };
  const elapsed = Math.max(0, now - state.updatedAt) / 1000;
  const tokens = Math.min(limits.capacity, state.tokens + elapsed * limits.refillPerSecond);
  return { tokens, updatedAt: Math.max(now, state.updatedAt) };
}

const secondsFor = (tokens: number, rate: number) =>
  tokens <= 0 ? 0 : rate > 0 ? Math.ceil(tokens / rate) : Number.MAX_SAFE_INTEGER;

/**
 * Takes `cost` tokens if present, and then up to `lease` more whole tokens for the caller to
 * hold (none when the request itself is refused). Pure: the caller persists the returned state.
 */
export function takeTokens(
  state: BucketState | null,
  limits: BucketLimits,
  now: number,
  cost = 1,
  lease = 0,
): { state: BucketState; result: TakeResult } {
  const current = refill(state, limits, now);
  const allowed = current.tokens >= cost;
  const leased = allowed
    ? Math.max(0, Math.min(Math.floor(lease), Math.floor(current.tokens - cost)))
    : 0;
  const next = allowed ? { ...current, tokens: current.tokens - cost - leased } : current;
  return {
    state: next,
    result: {
      allowed,
      remaining: Math.floor(next.tokens),
      resetSeconds: secondsFor(limits.capacity - next.tokens, limits.refillPerSecond),
      retryAfterSeconds: allowed ? 0 : secondsFor(cost - next.tokens, limits.refillPerSecond),
      ...(lease > 0 && { leased }),
    },
  };
}
