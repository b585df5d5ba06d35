// Measures the latency auth + rate limiting add per request, inside workerd (vitest pool),
// against GET /v1/health in the same run. Usage: npm run bench -- auth-overhead (BENCH_ROUNDS overrides the rounds)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export function benchAuthOverhead(rounds = process.env.BENCH_ROUNDS ?? '400'): number {
  const result = spawnSync(
    'npx',
    ['vitest', 'run', '--config', 'scripts/bench/vitest.config.ts', 'auth-overhead'],
    {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, BENCH_ROUNDS: rounds },
    },
  );
  return result.status ?? 1;
}
