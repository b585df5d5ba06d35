// Runs the in-workerd benchmarks (files ending .bench-run.ts) with the test worker and database.
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('../..', import.meta.url));

export default defineConfig({
  root,
  plugins: [
    cloudflareTest(({ inject }) => ({
      main: './test/worker.ts',
      wrangler: { configPath: './test/wrangler.test.toml' },
      remoteBindings: false,
      miniflare: {
        bindings: {
          DATABASE_URL: inject('databaseUrl'),
          DB_WS_PROXY: inject('dbWsProxy'),
          BENCH_ROUNDS: process.env.BENCH_ROUNDS ?? '400',
        },
      },
    })),
  ],
  test: {
    globalSetup: ['./test/setup/global.ts'],
    testTimeout: 300_000,
    hookTimeout: 60_000,
    include: ['scripts/bench/**/*.bench-run.ts'],
    deps: {
      optimizer: {
        ssr: {
          enabled: true,
          include: ['@neondatabase/serverless', 'drizzle-orm', 'hono', '@hono/zod-openapi', 'zod'],
        },
      },
    },
  },
});
