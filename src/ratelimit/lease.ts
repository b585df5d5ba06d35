import type { OperationClass } from './config';
import type { TakeResult } from './token-bucket';

/**
 * Token leases: an isolate takes a few tokens more than it needs from a bucket's Durable Object
 * and spends them itself, so most requests of a high-rate class cost no object round trip
 * (issue 12: the RPC to the bucket object was the largest part of the events ack).
 *
 * Why the limit still holds: leased tokens leave the bucket when they are handed out, so the
 * requests let through, counted over all isolates, never exceed what the bucket gives. Two
 * things change, both bounded and written down in docs/rate-limits.md:
 * - a leased token may be spent up to LEASE_TTL_MS after it left the bucket, so over any window
 *   the admitted count can exceed capacity + refill·window by at most refill·LEASE_TTL_MS;
 * - tokens an isolate holds are not available to other isolates, and tokens still held when the
 *   lease expires are dropped (never returned), so a caller spread over many isolates can be
 *   refused up to `isolates × lease` tokens early, for at most LEASE_TTL_MS.
 * Small buckets (fewer than 2 × LEASE_DIVISOR tokens) are never leased: they stay exact.
 */

/** Only these classes lease: cheap, high-rate traffic where one object hop per request dominates. */
export const LEASED_CLASSES: ReadonlySet<OperationClass> = new Set(['events']);
/** How long an isolate may hold leased tokens before they are dropped. */
export const LEASE_TTL_MS = 1_000;
/** A lease is at most 1/LEASE_DIVISOR of the (sub-)bucket's capacity ... */
export const LEASE_DIVISOR = 20;
/** ... and at most this many tokens. */
export const MAX_LEASE = 16;

/** Extra tokens to ask for per object call; 0 means no lease (every request asks the object). */
export function leaseSize(operation: OperationClass, capacity: number): number {
  if (!LEASED_CLASSES.has(operation)) return 0;
  const size = Math.min(MAX_LEASE, Math.floor(capacity / LEASE_DIVISOR));
  return size >= 2 ? size : 0;
}

interface Held {
  tokens: number;
  expiresAt: number;
  /** The object's answer when the tokens were leased, for the RateLimit header. */
  result: TakeResult;
}

/** Asks the bucket's object for one token and up to `lease` more. */
export type LeaseFetch = (lease: number) => Promise<TakeResult>;

/**
 * The tokens one isolate holds, per bucket. Concurrent requests for the same bucket share one
 * object call: while it is in flight they wait for it, then spend from what it brought, and
 * only a request that still finds nothing makes the next call.
 */
export class LeaseBook {
  private readonly held = new Map<string, Held>();
  private readonly inflight = new Map<string, Promise<TakeResult>>();

  constructor(
    private readonly now: () => number = Date.now,
    /** Buckets tracked at once; beyond it expired entries, then the oldest, are dropped. */
    private readonly maxEntries = 10_000,
  ) {}

  /** Spends one token for `bucket`: a held one, else one fetched with `lease` more to hold. */
  async take(bucket: string, lease: number, fetch: LeaseFetch): Promise<TakeResult> {
    for (;;) {
      const local = this.spend(bucket);
      if (local) return local;
      const pending = this.inflight.get(bucket);
      if (!pending) break;
      // A refusal that arrived while this request waited refuses it too: the bucket was empty
      // at a moment this request was already in flight, and asking again would only queue.
      const seen = await pending;
      if (!seen.allowed) return seen;
    }
    const call = this.fetchAndHold(bucket, lease, fetch);
    this.inflight.set(bucket, call);
    try {
      return await call;
    } finally {
      if (this.inflight.get(bucket) === call) this.inflight.delete(bucket);
    }
  }

  /** Tokens currently held for `bucket` (diagnostics and tests). */
  holding(bucket: string): number {
    const held = this.held.get(bucket);
    return held && held.expiresAt > this.now() ? held.tokens : 0;
  }

  private async fetchAndHold(bucket: string, lease: number, fetch: LeaseFetch) {
    const result = await fetch(lease);
    const leased = result.allowed ? (result.leased ?? 0) : 0;
    if (leased > 0) {
      this.evictIfFull();
      this.held.set(bucket, { tokens: leased, expiresAt: this.now() + LEASE_TTL_MS, result });
    } else {
      this.held.delete(bucket);
    }
    // What the caller can still spend right now: the bucket's rest and what this isolate holds.
    return { ...result, remaining: result.remaining + leased };
  }

  private spend(bucket: string): TakeResult | null {
    const held = this.held.get(bucket);
    if (!held) return null;
    if (held.expiresAt <= this.now() || held.tokens <= 0) {
      this.held.delete(bucket);
      return null;
    }
    held.tokens -= 1;
    return { ...held.result, allowed: true, remaining: held.result.remaining + held.tokens };
  }

  private evictIfFull() {
    if (this.held.size < this.maxEntries) return;
    const now = this.now();
    for (const [key, held] of this.held) if (held.expiresAt <= now) this.held.delete(key);
    // Maps iterate in insertion order: the first key is the oldest lease.
    while (this.held.size >= this.maxEntries) {
      const oldest = this.held.keys().next().value;
      if (oldest === undefined) break;
      this.held.delete(oldest);
    }
  }
}
