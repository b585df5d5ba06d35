/** Operation classes: each has its own bucket per key, so one kind of traffic cannot starve another. */
export const OPERATION_CLASSES = ['read', 'search', 'chat', 'upload', 'admin', 'events'] as const;
export type OperationClass = (typeof OPERATION_CLASSES)[number];

export interface BucketPolicy {
  /** Burst size: the most requests a full bucket allows at once. */
  capacity: number;
  /** Sustained rate in tokens per second. */
  refillPerSecond: number;
  /**
   * Sub-buckets a key's bucket is split into (each capacity/shards, refill/shards).
   * 1 keeps the limit exact; more spreads a hot key over several Durable Objects.
   */
  shards: number;
}

/** Defaults per key. Tenants may override any class through their settings. */
export const DEFAULT_POLICIES: Record<OperationClass, BucketPolicy> = {
  read: { capacity: 600, refillPerSecond: 10, shards: 1 },
  search: { capacity: 120, refillPerSecond: 2, shards: 1 },
  chat: { capacity: 30, refillPerSecond: 0.5, shards: 1 },
  upload: { capacity: 60, refillPerSecond: 1, shards: 1 },
  admin: { capacity: 60, refillPerSecond: 1, shards: 1 },
  // Product events: batches of up to 1,000 events, sent by SDKs in the background. Its own
  // bucket, so analytics traffic never spends the upload budget (and the other way round).
  events: { capacity: 300, refillPerSecond: 20, shards: 1 },
};

/**
 * Defaults per end user (requests with a user token, issue #16): one person in a browser, so
 * well below a key, which usually serves a whole backend.
 */
export const DEFAULT_USER_POLICIES: Record<OperationClass, BucketPolicy> = {
  read: { capacity: 120, refillPerSecond: 2, shards: 1 },
  search: { capacity: 30, refillPerSecond: 0.5, shards: 1 },
  chat: { capacity: 10, refillPerSecond: 0.1, shards: 1 },
  upload: { capacity: 20, refillPerSecond: 0.2, shards: 1 },
  admin: { capacity: 10, refillPerSecond: 0.1, shards: 1 },
  events: { capacity: 60, refillPerSecond: 2, shards: 1 },
};

/**
 * Defaults for all of a tenant's user-token traffic together: what a million users of one
 * tenant may spend at most, sharded because every one of them hits this bucket.
 */
export const DEFAULT_ALL_USERS_POLICIES: Record<OperationClass, BucketPolicy> = {
  read: { capacity: 6000, refillPerSecond: 100, shards: 8 },
  search: { capacity: 1200, refillPerSecond: 20, shards: 8 },
  chat: { capacity: 300, refillPerSecond: 5, shards: 4 },
  upload: { capacity: 600, refillPerSecond: 10, shards: 4 },
  admin: { capacity: 600, refillPerSecond: 10, shards: 4 },
  events: { capacity: 3000, refillPerSecond: 200, shards: 8 },
};

export const MAX_SHARDS = 16;

/** Documents queued or processing per tenant before uploads get 429 ingest_backlog_full. */
export const DEFAULT_INGEST_BACKLOG_CAP = 1000;

export function policyFor(
  operation: OperationClass,
  overrides?: Partial<Record<OperationClass, Partial<BucketPolicy>>>,
  defaults: Record<OperationClass, BucketPolicy> = DEFAULT_POLICIES,
): BucketPolicy {
  return { ...defaults[operation], ...overrides?.[operation] };
}

/** The policy one sub-bucket enforces. */
export function shardPolicy(policy: BucketPolicy): { capacity: number; refillPerSecond: number } {
  const shards = Math.max(1, Math.min(MAX_SHARDS, Math.floor(policy.shards)));
  return {
    capacity: Math.max(1, Math.floor(policy.capacity / shards)),
    refillPerSecond: policy.refillPerSecond / shards,
  };
}
