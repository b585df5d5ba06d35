import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // CI also writes a JSON report so .ci/run can print one plain summary line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-artifacts/vitest.json' }]] : ['default'],
    projects: [
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            main: './test/worker.ts',
            wrangler: { configPath: './test/wrangler.test.toml' },
            remoteBindings: false,
            miniflare: {
              bindings: {
                DATABASE_URL: inject('databaseUrl'),
                DB_WS_PROXY: inject('dbWsProxy'),
                ANTHROPIC_BASE_URL: inject('anthropicBaseUrl'),
                ANTHROPIC_API_KEY: 'test-key',
              },
            },
          })),
        ],
        test: {
          name: 'workers',
          globalSetup: ['./test/setup/global.ts', './test/setup/fake-anthropic.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'durable-objects/**/*.test.ts'],
          exclude: ['test/node/**'],
          deps: {
            optimizer: {
              ssr: {
                enabled: true,
                include: [
                  '@neondatabase/serverless',
                  'drizzle-orm',
                  'hono',
                  '@hono/zod-openapi',
                  'zod',
                  '@anthropic-ai/sdk',
                ],
              },
            },
          },
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
