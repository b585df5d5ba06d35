import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { bucketName } from '../src/middleware/rate-limit';
import { shardPolicy } from '../src/ratelimit/config';
import { addKey, newTenant, uploadText } from './helpers';

const patch = (body: unknown): RequestInit => ({
  method: 'PATCH',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
// A refill this slow adds no whole token during a test run.
const NO_REFILL = 0.001;

describe('rate limiter Durable Object', () => {
  it.each([1, 10, 50])('lets exactly N of 5N concurrent takes through (N = %i)', async (n) => {
    const stub = env.RATE_LIMITER!.get(env.RATE_LIMITER!.idFromName(crypto.randomUUID()));
    const attempts = 5 * n;
    const results = await Promise.all(
      Array.from({ length: attempts }, () =>
        stub.take({ capacity: n, refillPerSecond: NO_REFILL }),
      ),
    );
    const passed = results.filter((r) => r.allowed).length;
    console.log(`limiter exactness: N=${n} attempts=${attempts} passed=${passed}`);
    expect(passed).toBe(n);
    const denied = results.filter((r) => !r.allowed);
    expect(denied.every((r) => r.remaining === 0 && r.retryAfterSeconds > 0)).toBe(true);
  });

  it('keeps each shard exact when a key is split into S sub-buckets', async () => {
    const policy = { capacity: 40, refillPerSecond: 4 * NO_REFILL, shards: 4 };
    const limits = shardPolicy(policy);
    expect(limits.capacity).toBe(10);
    const keyId = crypto.randomUUID();
    const perShard = await Promise.all(
      [0, 1, 2, 3].map(async (shard) => {
        const ns = env.RATE_LIMITER!;
        const stub = ns.get(ns.idFromName(bucketName(keyId, 'search', shard)));
        const results = await Promise.all(Array.from({ length: 50 }, () => stub.take(limits)));
        return results.filter((r) => r.allowed).length;
      }),
    );
    console.log(
      `sharded exactness: capacity=40 shards=4 attempts=200 passed per shard=${perShard.join('/')} total=${perShard.reduce((a, b) => a + b)}`,
    );
    expect(perShard).toEqual([10, 10, 10, 10]);
  });

  it('refills over time at the configured rate', async () => {
    const stub = env.RATE_LIMITER!.get(env.RATE_LIMITER!.idFromName(crypto.randomUUID()));
    // One token per 200 ms: sequential calls on a loaded machine can be 50+ ms apart, so a
    // faster refill would hand out a token between the takes that must be refused.
    const limits = { capacity: 2, refillPerSecond: 5 };
    expect((await stub.take(limits)).allowed).toBe(true);
    expect((await stub.take(limits)).allowed).toBe(true);
    const denied = await stub.take(limits);
    expect(denied.allowed).toBe(false);
    expect(denied.retryAfterSeconds).toBe(1);
    await new Promise((r) => setTimeout(r, 250));
    expect((await stub.take(limits)).allowed).toBe(true);
  });
});

describe('rate limits over HTTP', () => {
  it('passes exactly N of 5N concurrent requests with a tenant override, per class', async () => {
    const admin = await newTenant('admin', 'rl');
    const viewer = await addKey(admin, 'viewer');
    const n = 5;
    const set = await admin.json(
      '/v1/tenant/settings',
      patch({ rateLimits: { read: { capacity: n, refillPerSecond: NO_REFILL } } }),
    );
    expect(set.status).toBe(200);
    expect(set.body.effective.rateLimits.read).toEqual({
      capacity: n,
      refillPerSecond: NO_REFILL,
      shards: 1,
    });

    const attempts = 5 * n;
    const responses = await Promise.all(
      Array.from({ length: attempts }, () => viewer.json('/v1/keys/self')),
    );
    const passed = responses.filter((r) => r.status === 200);
    const limited = responses.filter((r) => r.status === 429);
    console.log(`HTTP limiter exactness: N=${n} attempts=${attempts} passed=${passed.length}`);
    expect(passed).toHaveLength(n);
    expect(limited).toHaveLength(attempts - n);

    const window = Math.ceil(n / NO_REFILL);
    for (const ok of passed) {
      expect(ok.headers.get('ratelimit-policy')).toBe(`"read";q=${n};w=${window}`);
      expect(ok.headers.get('ratelimit')).toMatch(/^"read";r=[0-4];t=\d+$/);
    }
    const remaining = passed.map((r) => Number(/r=(\d+)/.exec(r.headers.get('ratelimit')!)![1]));
    expect(remaining.sort()).toEqual([0, 1, 2, 3, 4]);
    for (const denied of limited) {
      expect(denied.body.error.code).toBe('rate_limited');
      expect(Number(denied.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(denied.headers.get('ratelimit')).toMatch(/^"read";r=0;t=\d+$/);
      expect(denied.headers.get('ratelimit-policy')).toBe(`"read";q=${n};w=${window}`);
    }

    // A bulkhead: the admin class and other keys keep their own buckets.
    expect((await admin.json('/v1/tenant/settings')).status).toBe(200);
    expect((await admin.json('/v1/keys/self')).status).toBe(200);
  });

  it('refuses uploads with 429 ingest_backlog_full once the backlog reaches the cap', async () => {
    const admin = await newTenant('admin', 'backlog');
    expect((await admin.json('/v1/tenant/settings', patch({ ingestBacklogCap: 2 }))).status).toBe(
      200,
    );
    expect((await uploadText(admin, `one ${crypto.randomUUID()}`)).status).toBe(202);
    expect((await uploadText(admin, `two ${crypto.randomUUID()}`)).status).toBe(202);
    const third = await uploadText(admin, `three ${crypto.randomUUID()}`);
    expect(third.status).toBe(429);
    expect(third.body.error.code).toBe('ingest_backlog_full');
    expect(third.body.error.details).toEqual({ pending: 2, cap: 2 });
    expect(third.headers.get('retry-after')).toBe('30');
    // Reads are unaffected, and raising the cap lets uploads through again.
    expect((await admin.json('/v1/documents')).body.data).toHaveLength(2);
    expect(
      (await admin.json('/v1/tenant/settings', patch({ ingestBacklogCap: null }))).status,
    ).toBe(200);
    expect((await uploadText(admin, `four ${crypto.randomUUID()}`)).status).toBe(202);
  });
});
