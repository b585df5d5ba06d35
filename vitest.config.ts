import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

export default defineConfig({
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
    globalSetup: ['./test/setup/global.ts', './test/setup/fake-anthropic.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'durable-objects/**/*.test.ts'],
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
});
