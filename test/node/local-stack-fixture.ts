// A private local stack (embedded Postgres + both Workers under wrangler dev, fake Anthropic API)
// for node tests that drive the product from outside: CLI and browser.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack, type Stack } from '../../scripts/lib/stack';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Fixture {
  stack: Stack;
  key: string;
  stop(): Promise<void>;
}

export async function startFixture(name: string): Promise<Fixture> {
  const dataDir = mkdtempSync(join(tmpdir(), `vellum-${name}-`));
  const { startFakeAnthropic } = await import('../../scripts/lib/fake-anthropic');
  const fake = await startFakeAnthropic({ port: 0 });
  const stack = await startStack({
    dataDir,
    port: await freePort(),
    vars: {
      ANTHROPIC_BASE_URL: fake.url,
      ANTHROPIC_API_KEY: 'fake-local-key',
      SIGNING_KEYS: `t1:${crypto.randomUUID().replace(/-/g, '')}${crypto.randomUUID().replace(/-/g, '')}`,
    },
  });
  const key = await stack.newKey(`${name}-${Date.now()}`, 'owner');
  await stack.unthrottle(key);
  return {
    stack,
    key,
    async stop() {
      await stack.stop();
      await fake.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
