// npm run dev — the whole system, offline: embedded Postgres (+pgvector) with migrations,
// a local tenant and key, and both Workers under `wrangler dev --local`.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DATA_DIR, DEV_PG_PORT, DEV_WS_PORT, type LocalDatabase } from './lib/local-stack';
import { createTenantKey } from './lib/provision';
import { startStack } from './lib/stack';

const { values: flags } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '8787' },
    'fake-llm': { type: 'boolean', default: false },
  },
});

const log = (message: string) => console.log(`[vellum] ${message}`);
const KEY_FILE = resolve(DATA_DIR, 'dev-key');
const SIGNING_FILE = resolve(DATA_DIR, 'signing-key');

async function ensureLocalKey(db: LocalDatabase): Promise<string> {
  if (existsSync(KEY_FILE)) {
    const saved = readFileSync(KEY_FILE, 'utf8').trim();
    const [row] = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM api_keys WHERE key_hash = encode(sha256($1::bytea), 'hex') AND revoked_at IS NULL",
      [Buffer.from(saved)],
    );
    if (row && row.n > 0) return saved;
  }
  const { secret } = await createTenantKey(db.query, {
    tenant: 'local',
    role: 'owner',
    name: 'local dev',
    environment: 'dev',
  });
  writeFileSync(KEY_FILE, `${secret}\n`, { mode: 0o600 });
  return secret;
}

if (process.env.DATABASE_URL) {
  log(
    'DATABASE_URL is set: run `wrangler dev` with your own .dev.vars against it; npm run dev uses the embedded Postgres.',
  );
}

mkdirSync(DATA_DIR, { recursive: true });
const vars: Record<string, string> = {};
if (!existsSync(SIGNING_FILE)) {
  writeFileSync(
    SIGNING_FILE,
    crypto.randomUUID().replace(/-/g, '') + crypto.randomUUID().replace(/-/g, ''),
    { mode: 0o600 },
  );
}
vars.SIGNING_KEYS = `dev1:${readFileSync(SIGNING_FILE, 'utf8').trim()}`;

let stopFake = async () => {};
if (flags['fake-llm']) {
  const { startFakeAnthropic } = await import('./lib/fake-anthropic');
  const fake = await startFakeAnthropic({ port: 0 });
  vars.ANTHROPIC_BASE_URL = fake.url;
  vars.ANTHROPIC_API_KEY = 'fake-local-key';
  stopFake = fake.stop;
  log(`fake Anthropic API at ${fake.url}`);
}

const stack = await startStack({
  dataDir: DATA_DIR,
  port: Number(flags.port),
  pgPort: DEV_PG_PORT,
  wsPort: DEV_WS_PORT,
  vars,
  inheritOutput: true,
  log,
});
const key = await ensureLocalKey(stack.database);
log(`embedded Postgres on 127.0.0.1:${DEV_PG_PORT} (data in .data/pg)`);
log(`API:       http://localhost:${flags.port}`);
log(`API key:   ${key}   (local dev only; owner of tenant "local")`);
log(
  `try:       curl -H "Authorization: Bearer ${key}" http://localhost:${flags.port}/v1/documents`,
);

const shutdown = async () => {
  await stack.stop();
  await stopFake();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
stack.wrangler.on('exit', async (code) => {
  await stopFake();
  await stack.database.stop();
  process.exit(code ?? 0);
});
