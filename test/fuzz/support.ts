// Shared by the fuzz files: the seed policy, an app over real bindings minus the parts that
// would make hundreds of cases slow (queues capture, the per-key limiter is off), and a tally.
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { createApp } from '../../src/app';
import type { Env } from '../../src/env';
import { BASE } from '../helpers';

/** Fixed in CI (or FUZZ_SEED to replay), fresh and printed otherwise. */
export function fuzzSeed(target: string): number {
  const fixed = process.env.FUZZ_SEED ?? (process.env.CI ? '20261129' : undefined);
  const seed = fixed !== undefined ? Number(fixed) : Math.floor(Math.random() * 2 ** 31);
  console.log(`[fuzz] ${target}: seed ${seed} (replay with FUZZ_SEED=${seed})`);
  return seed;
}

/** Cases per target: a few hundred, enough to find crashes, small enough to stay quick. */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 200);

const capture = { send: async () => {}, sendBatch: async () => {} } as unknown as Queue<never>;

export function fuzzApp() {
  const app = createApp();
  const fuzzEnv = {
    ...(env as Env),
    INGEST_QUEUE: capture,
    EVENTS_QUEUE: capture,
    RATE_LIMITER: undefined,
    AUTH_FAILURE_LIMITER: undefined,
    // Each case awaits its request's background work; the write-behind window would make that
    // up to a second per case.
    METRICS_FLUSH_MS: '0',
  } as Env;
  const statuses = new Map<number, number>();
  return {
    statuses,
    async request(path: string, init: RequestInit): Promise<{ status: number; text: string }> {
      const ctx = createExecutionContext();
      const res = await app.request(`${BASE}${path}`, init, fuzzEnv, ctx);
      const text = await res.text();
      await waitOnExecutionContext(ctx);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      return { status: res.status, text };
    },
  };
}

/** Unhandled rejections anywhere in the isolate during a fuzz run. */
export function watchUnhandled() {
  const seen: unknown[] = [];
  const onRejection = (event: PromiseRejectionEvent) => seen.push(event.reason);
  globalThis.addEventListener('unhandledrejection', onRejection);
  return {
    seen,
    stop: () => globalThis.removeEventListener('unhandledrejection', onRejection),
  };
}
