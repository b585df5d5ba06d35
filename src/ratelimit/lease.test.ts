import { describe, expect, it } from 'vitest';
import { LEASE_TTL_MS, LeaseBook, leaseSize, MAX_LEASE, type LeaseFetch } from './lease';
import { takeTokens, type BucketState } from './token-bucket';

/** A bucket object as the lease sees it: the pure core behind an async call, counting calls. */
function bucket(capacity: number, now: () => number) {
  let state: BucketState | null = null;
  const calls: number[] = [];
  const fetch: LeaseFetch = async (lease) => {
    calls.push(lease);
    await new Promise((r) => setTimeout(r, 1));
    const step = takeTokens(state, { capacity, refillPerSecond: 0 }, now(), 1, lease);
    state = step.state;
    return step.result;
  };
  return { fetch, calls, tokens: () => state?.tokens ?? capacity };
}

describe('token leases', () => {
  it('lease only the leased classes, and only buckets big enough to lease', () => {
    expect(leaseSize('events', 300)).toBe(15);
    expect(leaseSize('events', 10_000)).toBe(MAX_LEASE);
    expect(leaseSize('events', 39)).toBe(0);
    expect(leaseSize('events', 2)).toBe(0);
    expect(leaseSize('search', 10_000)).toBe(0);
    expect(leaseSize('upload', 10_000)).toBe(0);
  });

  it('never lets through more than the bucket holds, however many ask at once', async () => {
    const now = () => 0;
    const b = bucket(40, now);
    const book = new LeaseBook(now);
    const results = await Promise.all(
      Array.from({ length: 100 }, () => book.take('k:events', leaseSize('events', 40), b.fetch)),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(40);
    expect(b.tokens()).toBe(0);
    // Concurrent requests shared calls: one per lease of 1 + 2 tokens, plus the refusal.
    expect(b.calls.length).toBeLessThanOrEqual(Math.ceil(40 / 3) + 1);
  });

  it('spends held tokens without calling the object, and reports what is left', async () => {
    const now = () => 0;
    const b = bucket(100, now);
    const book = new LeaseBook(now);
    const first = await book.take('k', 5, b.fetch);
    expect(first).toMatchObject({ allowed: true, remaining: 99 });
    expect(book.holding('k')).toBe(5);
    const next = await book.take('k', 5, b.fetch);
    expect(next).toMatchObject({ allowed: true, remaining: 98 });
    expect(b.calls).toHaveLength(1);
    for (let i = 0; i < 4; i++) await book.take('k', 5, b.fetch);
    expect(b.calls).toHaveLength(1);
    await book.take('k', 5, b.fetch);
    expect(b.calls).toHaveLength(2);
  });

  it('drops held tokens when the lease expires, and asks the object again', async () => {
    let t = 0;
    const b = bucket(100, () => t);
    const book = new LeaseBook(() => t);
    await book.take('k', 8, b.fetch);
    expect(book.holding('k')).toBe(8);
    t = LEASE_TTL_MS;
    expect(book.holding('k')).toBe(0);
    await book.take('k', 8, b.fetch);
    expect(b.calls).toHaveLength(2);
    // The 8 dropped tokens are gone from the bucket too: nothing is ever handed out twice.
    expect(b.tokens()).toBe(100 - 9 - 9);
  });

  it('refuses the requests that waited on a refused call without asking again', async () => {
    const now = () => 0;
    const b = bucket(0, now);
    const book = new LeaseBook(now);
    const results = await Promise.all(Array.from({ length: 10 }, () => book.take('k', 4, b.fetch)));
    expect(results.every((r) => !r.allowed)).toBe(true);
    expect(b.calls).toHaveLength(1);
  });

  it('keeps buckets apart', async () => {
    const now = () => 0;
    const one = bucket(50, now);
    const two = bucket(50, now);
    const book = new LeaseBook(now);
    await book.take('a', 4, one.fetch);
    await book.take('b', 4, two.fetch);
    expect([one.calls.length, two.calls.length]).toEqual([1, 1]);
    expect([book.holding('a'), book.holding('b')]).toEqual([4, 4]);
  });

  it('tracks at most maxEntries buckets', async () => {
    const now = () => 0;
    const book = new LeaseBook(now, 3);
    for (const name of ['a', 'b', 'c', 'd']) await book.take(name, 2, bucket(10, now).fetch);
    expect(['a', 'b', 'c', 'd'].map((n) => book.holding(n))).toEqual([0, 2, 2, 2]);
  });

  it('passes an object error to every waiting request', async () => {
    const book = new LeaseBook(() => 0);
    const failing: LeaseFetch = () =>
      new Promise((_, reject) => setTimeout(() => reject(new Error('limiter down')), 1));
    const results = await Promise.allSettled(
      Array.from({ length: 3 }, () => book.take('k', 4, failing)),
    );
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
  });
});
