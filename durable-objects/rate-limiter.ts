import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../src/env';
import {
  takeTokens,
  type BucketLimits,
  type BucketState,
  type TakeResult,
} from '../src/ratelimit/token-bucket';

/**
 * One token bucket: one instance per (key, operation class[, shard]). `take` runs without
 * awaiting anything, and a Durable Object runs one such call at a time, so concurrent
 * callers can never spend the same token. The state lives in the object's SQLite storage.
 */
export class RateLimiter extends DurableObject<Env> {
  private state: BucketState | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    sql.exec(
      `CREATE TABLE IF NOT EXISTS bucket (
         id INTEGER PRIMARY KEY CHECK (id = 0),
         tokens REAL NOT NULL,
         updated_at INTEGER NOT NULL
       )`,
    );
    const row = sql
      .exec<{ tokens: number; updated_at: number }>('SELECT tokens, updated_at FROM bucket')
      .toArray()[0];
    if (row) this.state = { tokens: row.tokens, updatedAt: row.updated_at };
  }

  take(limits: BucketLimits, cost = 1): TakeResult {
    const { state, result } = takeTokens(this.state, limits, Date.now(), cost);
    this.state = state;
    this.ctx.storage.sql.exec(
      'INSERT INTO bucket (id, tokens, updated_at) VALUES (0, ?, ?) ON CONFLICT (id) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at',
      state.tokens,
      state.updatedAt,
    );
    return result;
  }

  /** Current tokens without spending any (for tests and diagnostics). */
  peek(limits: BucketLimits): number {
    return takeTokens(this.state, limits, Date.now(), 0).state.tokens;
  }
}
