// npm run bench -- hostile: extraction time per MB of each adversarial file beside a normal
// file of the same size, measured inside workerd (scripts/bench/hostile.bench-run.ts).
// BENCH_HOSTILE_SCALE sets the payload size (bytes, default 1 MiB); BENCH_HOSTILE_SLOW=1 adds
// the HTML element flood (a million parser callbacks).
import { spawnSync } from 'node:child_process';
import { ROOT } from '../lib/local-stack';

export function benchHostile(): void {
  const result = spawnSync(
    'npx',
    ['vitest', 'run', '--config', 'scripts/bench/vitest.config.ts', 'hostile'],
    { cwd: ROOT, stdio: 'inherit', env: process.env },
  );
  if (result.status) process.exitCode = result.status;
}
