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

export const MAX_SHARDS = 16;

/** Documents queued or processing per tenant before uploads get 429 ingest_backlog_full. */
export const DEFAULT_INGEST_BACKLOG_CAP = 1000;

export function policyFor(
  operation: OperationClass,
  overrides?: Partial<Record<OperationClass, Partial<BucketPolicy>>>,
): BucketPolicy {
  return { ...DEFAULT_POLICIES[operation], ...overrides?.[operation] };
}

/** The policy one sub-bucket enforces. */
export function shardPolicy(policy: BucketPolicy): { capacity: number; refillPerSecond: number } {
  const shards = Math.max(1, Math.min(MAX_SHARDS, Math.floor(policy.shards)));
  return {
    capacity: Math.max(1, Math.floor(policy.capacity / shards)),
    refillPerSecond: policy.refillPerSecond / shards,
  };
}
