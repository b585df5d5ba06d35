#!/usr/bin/env node
// Measures the latency auth + rate limiting add per request, inside workerd (vitest pool),
// against GET /v1/health in the same run. Usage: node scripts/bench/auth-overhead.mjs [rounds]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const result = spawnSync(
  'npx',
  ['vitest', 'run', '--config', 'scripts/bench/vitest.config.ts', 'auth-overhead'],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, BENCH_ROUNDS: process.argv[2] ?? process.env.BENCH_ROUNDS ?? '400' },
  },
);
process.exit(result.status ?? 1);
