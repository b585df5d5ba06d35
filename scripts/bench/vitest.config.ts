// Runs the in-workerd benchmarks (files ending .bench-run.ts) with the test worker and database.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { workersDeps, workersPool } from '../../test/setup/workers-pool';

const root = fileURLToPath(new URL('../..', import.meta.url));

export default defineConfig({
  root,
  plugins: [
    workersPool({
      bindings: {
        BENCH_ROUNDS: process.env.BENCH_ROUNDS ?? '400',
        BENCH_HOSTILE_SCALE: process.env.BENCH_HOSTILE_SCALE ?? String(1024 * 1024),
        BENCH_HOSTILE_SLOW: process.env.BENCH_HOSTILE_SLOW ?? '0',
      },
    }),
  ],
  test: {
    globalSetup: ['./test/setup/global.ts'],
    testTimeout: 300_000,
    hookTimeout: 60_000,
    include: ['scripts/bench/**/*.bench-run.ts'],
    deps: workersDeps,
  },
});
