import { defineConfig } from 'vitest/config';
import { workersDeps, workersPool } from './test/setup/workers-pool';

/** Test files written once and run in both the local and the production configuration. */
const PRODUCTION_PARITY_TESTS = [
  'test/lifecycle.test.ts',
  'test/degraded-retrieval.test.ts',
  'test/deletion-saga.test.ts',
  'test/access-isolation.test.ts',
];
/** Test files only meaningful in the production configuration (Workers AI, Analytics Engine). */
const PRODUCTION_ONLY_TESTS = ['test/prod/**/*.test.ts', 'test/vector-shards.test.ts'];

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
        // Each workerd project pre-bundles its dependencies into its own cache: two projects
        // optimizing into one directory at once race and fail to load each other's chunks.
        cacheDir: '.vite-cache/workers',
        test: {
          name: 'workers',
          globalSetup: ['./test/setup/global.ts', './test/setup/fake-anthropic.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'durable-objects/**/*.test.ts'],
          exclude: ['test/node/**', ...PRODUCTION_ONLY_TESTS],
          deps: workersDeps,
        },
      },
      {
        // The production configuration: Vectorize, Workers AI (embeddings and reranking) and
        // Analytics Engine, bound to the stand-ins of test/support/production-stand-ins.ts
        // (Vectorize as two shards, VECTORS and VECTORS_1, with VECTOR_SHARDS=2; see
        // productionBindings there). Runs the cases written once for both configurations.
        plugins: [
          workersPool({
            fakeAnthropic: true,
            main: './test/worker-prod.ts',
            bindings: {
              VECTOR_BACKEND: 'vectorize',
              EMBEDDING_BACKEND: 'workers-ai',
              RERANK_BACKEND: 'workers-ai',
              METRICS_SINK: 'analytics-engine',
            },
          }),
        ],
        cacheDir: '.vite-cache/workers-prod',
        test: {
          name: 'workers-prod',
          globalSetup: ['./test/setup/global.ts', './test/setup/fake-anthropic.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          include: [...PRODUCTION_PARITY_TESTS, ...PRODUCTION_ONLY_TESTS],
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
