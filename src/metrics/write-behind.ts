import { mergeInto } from './histogram';
import type { KeyActivityRow } from '../usage/key-activity';
import type { UsageDelta } from '../usage/record';
import type { MetricAggregate } from './types';

/** One tenant's `usage_daily` delta for one UTC day. */
export interface UsageRow {
  tenantId: string;
  day: string;
  delta: Required<UsageDelta>;
}

export type { KeyActivityRow };

/** What one flush writes: at most one row per conflict key of each table, plus its own id. */
export interface PendingBatch {
  /** Written in the same statement as the rows, so a retry of a committed flush adds nothing. */
  id: string;
  aggregates: MetricAggregate[];
  usage: UsageRow[];
  keyActivity: KeyActivityRow[];
}

export interface FlushPolicy {
  /** Flush once the oldest pending row is this old. */
  maxAgeMs: number;
  /** Flush at once when this many rows are pending. */
  maxRows: number;
  /** Rows kept while the database is unreachable; beyond this new rows are dropped and counted. */
  maxRetained: number;
  /** Wait after a failed flush before the next attempt (doubles per failure, capped). */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Failed attempts after which a batch is dropped and counted. */
  maxAttempts: number;
}

export const DEFAULT_FLUSH_POLICY: FlushPolicy = {
  maxAgeMs: 1_000,
  maxRows: 500,
  maxRetained: 20_000,
  retryBaseMs: 1_000,
  retryMaxMs: 20_000, // stays inside the 30 s a waitUntil may run after the response
  maxAttempts: 30, // about 9 minutes of back-off
};

const ZERO_USAGE: Required<UsageDelta> = {
  searches: 0,
  answers: 0,
  uploads: 0,
  tokensIn: 0,
  tokensOut: 0,
  costUsd: 0,
};

/**
 * One malformed row would fail every statement it is part of, and a failed batch is retried
 * as it is: rows that cannot be written (not a uuid, e.g. from a unit test's fake principal)
 * are refused on the way in rather than poisoning the isolate's flushes.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A write older than this is presumed cancelled with its request (see `flush`). */
const STALE_MS = 25_000;

const batchRows = (b: PendingBatch) => b.aggregates.length + b.usage.length + b.keyActivity.length;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Per-isolate write-behind buffer for the hot rollup rows (`metrics_minute`, `usage_daily`,
 * `key_activity_daily`). Requests add to it in memory, keyed by each table's conflict key, so a
 * burst of requests becomes one row per key; a flush writes everything in one statement.
 *
 * Exactness: a flush takes the rows out as one batch with its own id. If the write fails the
 * batch is kept as it is (never merged with newer rows) and retried with the same id; the
 * statement records the id, so a retry of a batch that did commit (an ambiguous failure)
 * writes nothing. Rows are therefore neither lost on failure nor counted twice (short of a batch
 * still failing after `maxAttempts`, which is dropped and counted).
 */
export class WriteBehindBuffer {
  private aggregates = new Map<string, MetricAggregate>();
  private usage = new Map<string, UsageRow>();
  private activity = new Map<string, KeyActivityRow>();
  private oldest: number | null = null;
  /** A batch whose write failed: retried before anything newer. */
  private failed: PendingBatch | null = null;
  private failures = 0;
  private retryAt = 0;
  /** The write under way. Another request never awaits it (promises are per request). */
  private inFlight: { batch: PendingBatch; since: number } | null = null;
  private armed = false;
  /** Rows refused (buffer full, unwritable) or given up after `maxAttempts`; logged and reset by flush.ts. */
  dropped = 0;

  constructor(
    private readonly policy: FlushPolicy = DEFAULT_FLUSH_POLICY,
    private readonly now: () => number = Date.now,
  ) {}

  /** Rows waiting, including a failed batch. */
  get size(): number {
    const failed = this.failed ? batchRows(this.failed) : 0;
    return this.aggregates.size + this.usage.size + this.activity.size + failed;
  }

  addAggregates(aggregates: readonly MetricAggregate[]): void {
    for (const a of aggregates) {
      if (a.tenantId !== null && !UUID.test(a.tenantId)) {
        this.dropped += 1;
        continue;
      }
      const key = `${a.tenantId ?? ''}|${a.name}|${a.labels}|${a.minute}`;
      const entry = this.aggregates.get(key);
      if (entry) {
        entry.count += a.count;
        entry.sum += a.sum;
        if (a.buckets) {
          if (entry.buckets) mergeInto(entry.buckets, a.buckets);
          else entry.buckets = [...a.buckets];
        }
      } else if (this.admit()) {
        this.aggregates.set(key, { ...a, buckets: a.buckets ? [...a.buckets] : null });
      }
    }
  }

  addUsage(tenantId: string, day: string, delta: UsageDelta): void {
    if (!UUID.test(tenantId)) return void (this.dropped += 1);
    const key = `${tenantId}|${day}`;
    let row = this.usage.get(key);
    if (!row) {
      if (!this.admit()) return;
      row = { tenantId, day, delta: { ...ZERO_USAGE } };
      this.usage.set(key, row);
    }
    for (const [k, v] of Object.entries(delta) as [keyof UsageDelta, number | undefined][]) {
      row.delta[k] += v ?? 0;
    }
  }

  addKeyActivity(row: KeyActivityRow): void {
    if (!UUID.test(row.tenantId) || !UUID.test(row.keyId)) return void (this.dropped += 1);
    const key = `${row.tenantId}|${row.day}|${row.keyId}`;
    if (!this.activity.has(key) && this.admit()) this.activity.set(key, { ...row });
  }

  /**
   * Writes what is pending when it is due (enough rows, or the oldest is old enough); otherwise
   * waits until it is due, unless another caller already waits. Meant for `waitUntil`, so the
   * isolate keeps running until the rows are out. Never throws: a failure keeps the batch.
   */
  async settle(write: (batch: PendingBatch) => Promise<void>): Promise<void> {
    if (this.size === 0) return;
    const wait = this.dueInMs();
    if (wait > 0) {
      if (this.armed) return;
      this.armed = true;
      await sleep(wait);
      this.armed = false;
    }
    await this.flush(write);
  }

  /**
   * Writes what is pending now: a failed batch first, then the rest. One write at a time per
   * isolate; while one is under way this returns at once and the writer picks up the rest.
   * Resolves false (never rejects) when a write failed; that batch is kept for the next flush.
   */
  async flush(write: (batch: PendingBatch) => Promise<void>): Promise<boolean> {
    if (this.inFlight) {
      // The request that started it may have been cancelled (its waitUntil ran out) and its
      // promise will then never settle: after STALE_MS its batch is retried. Safe, because a
      // batch that did commit is recognised by its id and applied only once.
      if (this.now() - this.inFlight.since < STALE_MS) return true;
      this.failed ??= this.inFlight.batch;
      this.inFlight = null;
    }
    for (;;) {
      const batch = this.failed ?? this.take();
      if (!batch) return true;
      const retry = batch === this.failed;
      this.failed = null;
      const mine = { batch, since: this.now() };
      this.inFlight = mine;
      let ok = true;
      try {
        await write(batch);
        this.failures = 0;
      } catch {
        ok = false;
        this.failures += 1;
        if (this.failures >= this.policy.maxAttempts) {
          // Still failing after minutes of retries: something other than an outage is wrong
          // with the batch. Dropped (and counted) so the rows behind it can go out.
          this.dropped += batchRows(batch);
          this.failures = 0;
        } else this.failed ??= batch;
        const backoff = this.policy.retryBaseMs * 2 ** (this.failures - 1);
        this.retryAt = this.now() + Math.min(this.policy.retryMaxMs, backoff);
      } finally {
        if (this.inFlight === mine) this.inFlight = null;
      }
      if (!ok) return false;
      // A retried batch went out: what piled up behind it follows at once. Otherwise rows that
      // arrived during the write wait for their own window.
      if (retry) continue;
      if (this.size > 0 && !this.armed) await this.settle(write);
      return true;
    }
  }

  /** Milliseconds until a flush is due; 0 when it is due now. */
  private dueInMs(): number {
    const now = this.now();
    if (this.failed) return Math.max(0, this.retryAt - now);
    if (this.oldest === null) return this.policy.maxAgeMs;
    if (this.size >= this.policy.maxRows) return 0;
    return Math.max(0, this.oldest + this.policy.maxAgeMs - now);
  }

  private admit(): boolean {
    if (this.size >= this.policy.maxRetained) {
      this.dropped += 1;
      return false;
    }
    this.oldest ??= this.now();
    return true;
  }

  private take(): PendingBatch | null {
    if (this.aggregates.size + this.usage.size + this.activity.size === 0) return null;
    const batch: PendingBatch = {
      id: crypto.randomUUID(),
      aggregates: [...this.aggregates.values()],
      usage: [...this.usage.values()],
      keyActivity: [...this.activity.values()],
    };
    this.aggregates = new Map();
    this.usage = new Map();
    this.activity = new Map();
    this.oldest = null;
    return batch;
  }
}
