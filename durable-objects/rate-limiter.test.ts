import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BUCKET_KEY, type RateLimiter } from './rate-limiter';

// A refill this slow adds no whole token during a test run.
const limits = { capacity: 5, refillPerSecond: 0.001 };

const stubFor = (name: string) => env.RATE_LIMITER!.get(env.RATE_LIMITER!.idFromName(name));

/** Restarts one object the way an eviction or a deploy does: memory gone, storage kept. */
async function restart(name: string): Promise<void> {
  await runInDurableObject(stubFor(name), (_instance, state) => {
    state.abort('test restart');
  }).catch(() => {});
}

describe('rate limiter persistence', () => {
  it('keeps spent tokens across a restart: a drained bucket stays drained', async () => {
    const name = crypto.randomUUID();
    const first = await Promise.all(Array.from({ length: 8 }, () => stubFor(name).take(limits)));
    expect(first.filter((r) => r.allowed)).toHaveLength(5);

    await restart(name);

    // A fresh instance (memory lost) reads the bucket back from storage.
    const fresh = await runInDurableObject(stubFor(name), (instance, state) => ({
      peek: (instance as unknown as RateLimiter).peek(limits),
      stored: state.storage.kv.get<{ tokens: number }>(BUCKET_KEY),
    }));
    expect(fresh.stored?.tokens).toBeLessThan(1);
    expect(fresh.peek).toBeLessThan(1);
    expect((await stubFor(name).take(limits)).allowed).toBe(false);
  });

  it('restores a partly spent bucket exactly: the tokens left survive, none are added', async () => {
    const name = crypto.randomUUID();
    for (let i = 0; i < 2; i++) expect((await stubFor(name).take(limits)).allowed).toBe(true);
    await restart(name);
    const after = await Promise.all(Array.from({ length: 6 }, () => stubFor(name).take(limits)));
    expect(after.filter((r) => r.allowed)).toHaveLength(3);
  });

  it('writes nothing for a refused take', async () => {
    const name = crypto.randomUUID();
    const one = { capacity: 1, refillPerSecond: 0.001 };
    expect((await stubFor(name).take(one)).allowed).toBe(true);
    const stored = await runInDurableObject(stubFor(name), (_i, state) =>
      state.storage.kv.get<{ tokens: number; updatedAt: number }>(BUCKET_KEY),
    );
    expect((await stubFor(name).take(one)).allowed).toBe(false);
    const after = await runInDurableObject(stubFor(name), (_i, state) =>
      state.storage.kv.get<{ tokens: number; updatedAt: number }>(BUCKET_KEY),
    );
    expect(after).toEqual(stored);
  });

  it('reads a bucket left in the legacy SQL table by the previous version', async () => {
    const name = crypto.randomUUID();
    await runInDurableObject(stubFor(name), (_i, state) => {
      state.storage.sql.exec(
        `CREATE TABLE IF NOT EXISTS bucket (id INTEGER PRIMARY KEY CHECK (id = 0), tokens REAL NOT NULL, updated_at INTEGER NOT NULL)`,
      );
      state.storage.sql.exec(
        'INSERT INTO bucket (id, tokens, updated_at) VALUES (0, 0, ?)',
        Date.now(),
      );
    });
    await restart(name);
    expect((await stubFor(name).take(limits)).allowed).toBe(false);
  });

  it('hands out a lease from the bucket, so leased tokens are spent here and survive a restart', async () => {
    const name = crypto.randomUUID();
    const first = await stubFor(name).take(limits, 1, 3);
    expect(first).toMatchObject({ allowed: true, leased: 3, remaining: 1 });
    await restart(name);
    const after = await stubFor(name).take(limits, 1, 3);
    expect(after).toMatchObject({ allowed: true, leased: 0, remaining: 0 });
    expect((await stubFor(name).take(limits)).allowed).toBe(false);
  });
});
