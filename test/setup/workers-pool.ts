// The workerd pool both the test suite and the in-workerd benchmarks run in: the test Worker,
// its wrangler config and the local database, plus the dependencies vitest pre-bundles for it.
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';

export function workersPool(
  options: { fakeAnthropic?: boolean; bindings?: Record<string, string>; main?: string } = {},
) {
  return cloudflareTest(({ inject }) => ({
    main: options.main ?? './test/worker.ts',
    wrangler: { configPath: './test/wrangler.test.toml' },
    remoteBindings: false,
    miniflare: {
      bindings: {
        DATABASE_URL: inject('databaseUrl'),
        DB_WS_PROXY: inject('dbWsProxy'),
        ...(options.fakeAnthropic
          ? { ANTHROPIC_BASE_URL: inject('anthropicBaseUrl'), ANTHROPIC_API_KEY: 'test-key' }
          : {}),
        ...options.bindings,
      },
    },
  }));
}

export const workersDeps = {
  optimizer: {
    ssr: {
      enabled: true,
      include: [
        '@neondatabase/serverless',
        'drizzle-orm',
        // Neon's HTTP path (src/db/client.ts); pre-bundled up front so it is never discovered mid-run.
        'drizzle-orm/neon-http',
        'hono',
        '@hono/zod-openapi',
        'zod',
        '@anthropic-ai/sdk',
      ],
    },
  },
};
