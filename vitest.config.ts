import { defineConfig } from 'vitest/config';
import { workersDeps, workersPool } from './test/setup/workers-pool';

const fuzzBindings = () =>
  Object.fromEntries(
    (['CI', 'FUZZ_SEED'] as const).flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])),
  );

export default defineConfig({
  test: {
    // CI also writes a JSON report so .ci/run can print one plain summary line.
    reporters: process.env.CI
      ? ['default', ['json', { outputFile: 'test-artifacts/vitest.json' }]]
      : ['default'],
    projects: [
      {
        // CI / FUZZ_SEED reach workerd as bindings (process.env there): fixed fuzz seeds in CI.
        plugins: [workersPool({ fakeAnthropic: true, bindings: fuzzBindings() })],
        test: {
          name: 'workers',
          globalSetup: ['./test/setup/global.ts', './test/setup/fake-anthropic.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'durable-objects/**/*.test.ts'],
          exclude: ['test/node/**'],
          deps: workersDeps,
        },
      },
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['test/node/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
    ],
  },
});
