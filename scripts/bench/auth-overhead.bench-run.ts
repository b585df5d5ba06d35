// Added latency of authentication + rate limiting per request, measured inside workerd
// against GET /v1/health (no key, no limiter) in the same run. Prints; never asserts.
import { env, SELF } from 'cloudflare:test';
import { it } from 'vitest';
import { BASE, newTenant } from '../../test/helpers';

const ROUNDS = Number((env as { BENCH_ROUNDS?: string }).BENCH_ROUNDS ?? 400);
const WARMUP = 30;

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function time(run: () => Promise<Response | unknown>): Promise<number> {
  const started = performance.now();
  const res = await run();
  if (res instanceof Response) {
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`unexpected status ${res.status}`);
  }
  return performance.now() - started;
}

it('auth + rate-limit overhead', async () => {
  const client = await newTenant('viewer', 'bench');
  const health = () => SELF.fetch(`${BASE}/v1/health`);
  // An authenticated route that touches nothing else: key lookup (isolate-cached after the
  // first request) + one Durable Object take() for the `read` bucket.
  const self = () => client.fetch('/v1/keys/self');
  // The limiter's share on its own: one RPC take() on a bucket that never runs dry.
  const ns = env.RATE_LIMITER!;
  const bucket = ns.get(ns.idFromName(`bench:${crypto.randomUUID()}`));
  const take = () => bucket.take({ capacity: 1_000_000, refillPerSecond: 1_000_000 });
  for (let i = 0; i < WARMUP; i++) {
    await time(health);
    await time(self);
  }
  const baseline: number[] = [];
  const guarded: number[] = [];
  const takes: number[] = [];
  // Interleaved so drift affects every series alike.
  for (let i = 0; i < ROUNDS; i++) {
    baseline.push(await time(health));
    guarded.push(await time(self));
    takes.push(await time(take));
  }
  for (const xs of [baseline, guarded, takes]) xs.sort((a, b) => a - b);
  const row = (name: string, xs: number[]) =>
    `${name.padEnd(36)} p50 ${percentile(xs, 50).toFixed(3)} ms  p95 ${percentile(xs, 95).toFixed(3)} ms`;
  console.log(
    [
      `auth-overhead: ${ROUNDS} interleaved requests each (after ${WARMUP} warm-up), SELF.fetch in workerd`,
      row('GET /v1/health (baseline)', baseline),
      row('GET /v1/keys/self (auth + limiter)', guarded),
      row('RateLimiter.take() RPC alone', takes),
      `added p50 ${(percentile(guarded, 50) - percentile(baseline, 50)).toFixed(3)} ms, ratio p50 ${(percentile(guarded, 50) / percentile(baseline, 50)).toFixed(2)}x, ratio p95 ${(percentile(guarded, 95) / percentile(baseline, 95)).toFixed(2)}x`,
    ].join('\n'),
  );
});
