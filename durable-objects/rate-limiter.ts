import { DurableObject } from 'cloudflare:workers';
import {
  takeTokens,
  type BucketLimits,
  type BucketState,
  type TakeResult,
} from '../src/ratelimit/token-bucket';

/** Storage key of the bucket (the KV API keeps it in the object's SQLite database). */
export const BUCKET_KEY = 'bucket';

/**
 * One token bucket: one instance per (key, operation class[, shard]). `take` runs without
 * awaiting anything, and a Durable Object runs one such call at a time, so concurrent
 * callers can never spend the same token. The bucket lives in this object's memory; storage
 * only has to bring it back after an eviction or restart.
 *
 * Persisting is off the reply path: a plain write holds the reply at the output gate until
 * storage confirms it, which is a replication round trip on every request. `allowUnconfirmed`
 * lets the reply go as soon as the write is queued; the write still commits right after, in
 * order. What a machine crash can lose is written down in docs/rate-limits.md.
 */
export class RateLimiter extends DurableObject {
  private state: BucketState | null;

  // Reads no bindings: typing env as unknown keeps this object from importing src/env.ts,
  // which names this class for its binding (no type cycle).
  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    this.state = ctx.storage.kv.get<BucketState>(BUCKET_KEY) ?? readLegacyRow(ctx.storage.sql);
  }

  /**
   * Spends `cost` tokens, and when `lease` > 0 hands up to that many more to the caller to
   * spend on its own (src/ratelimit/lease.ts): they leave the bucket here, so the total the
   * bucket lets through is unchanged.
   */
  take(limits: BucketLimits, cost = 1, lease = 0): TakeResult {
    const { state, result } = takeTokens(this.state, limits, Date.now(), cost, lease);
    this.state = state;
    // A refused take spends nothing: the stored state refills to the same figure, so a flood
    // of refused requests costs no writes at all.
    if (result.allowed) {
      void this.ctx.storage.put(BUCKET_KEY, state, { allowUnconfirmed: true });
    }
    return result;
  }

  /** Current tokens without spending any (for tests and diagnostics). */
  peek(limits: BucketLimits): number {
    return takeTokens(this.state, limits, Date.now(), 0).state.tokens;
  }
}

/**
 * Objects created before the bucket moved to the KV API kept it in a `bucket` SQL table. Read
 * it once so a deploy does not refill every drained bucket; the next take writes the KV copy.
 */
function readLegacyRow(sql: SqlStorage): BucketState | null {
  const table = sql
    .exec(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'bucket'`)
    .toArray();
  if (table.length === 0) return null;
  const row = sql
    .exec<{ tokens: number; updated_at: number }>('SELECT tokens, updated_at FROM bucket')
    .toArray()[0];
  return row ? { tokens: row.tokens, updatedAt: row.updated_at } : null;
}
