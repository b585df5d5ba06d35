// npm run dev — the whole system, offline: embedded Postgres (+pgvector) with migrations,
// a local tenant and key, and both Workers under `wrangler dev --local`.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  DATA_DIR,
  DEV_PG_PORT,
  DEV_WS_PORT,
  ROOT,
  startEmbeddedDatabase,
  type LocalDatabase,
} from './lib/local-stack';
import { createTenantKey } from './lib/provision';

const { values: flags } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '8787' },
    'fake-llm': { type: 'boolean', default: false },
  },
});

const log = (message: string) => console.log(`[vellum] ${message}`);
const KEY_FILE = resolve(DATA_DIR, 'dev-key');

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

function devVars(database: { url: string; wsProxy: string }, extra: Record<string, string>) {
  const signing = resolve(DATA_DIR, 'signing-key');
  if (!existsSync(signing))
    writeFileSync(
      signing,
      crypto.randomUUID().replace(/-/g, '') + crypto.randomUUID().replace(/-/g, ''),
    );
  const vars = {
    DATABASE_URL: database.url,
    DB_WS_PROXY: database.wsProxy,
    SIGNING_KEYS: `dev1:${readFileSync(signing, 'utf8').trim()}`,
    ...extra,
  };
  const text =
    Object.entries(vars)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join('\n') + '\n';
  for (const dir of [ROOT, resolve(ROOT, 'workers/ingest')])
    writeFileSync(resolve(dir, '.dev.vars'), text);
}

const external = process.env.DATABASE_URL;
const database = external
  ? { url: external, wsProxy: process.env.DB_WS_PROXY ?? '', stop: async () => {} }
  : await startEmbeddedDatabase({ pgPort: DEV_PG_PORT, wsPort: DEV_WS_PORT, log });
if (!external) log(`embedded Postgres on 127.0.0.1:${DEV_PG_PORT} (data in .data/pg)`);

const extraVars: Record<string, string> = {};
let stopFake = async () => {};
if (flags['fake-llm']) {
  try {
    // @ts-expect-error plain ESM helper
    const { startFakeAnthropic } = await import('./lib/fake-anthropic.mjs');
    const fake = await startFakeAnthropic({ port: 0 });
    extraVars.ANTHROPIC_BASE_URL = fake.url;
    extraVars.ANTHROPIC_API_KEY = 'fake-local-key';
    stopFake = fake.stop;
    log(`fake Anthropic API at ${fake.url}`);
  } catch (error) {
    log(`--fake-llm unavailable: ${(error as Error).message}`);
  }
}
devVars(database, extraVars);

const key =
  'query' in database
    ? await ensureLocalKey(database as LocalDatabase)
    : (process.env.VELLUM_KEY ?? '(use npm run keys:create)');

const wrangler = spawn(
  resolve(ROOT, 'node_modules/.bin/wrangler'),
  [
    'dev',
    '-c',
    'wrangler.toml',
    '-c',
    'workers/ingest/wrangler.toml',
    '--local',
    '--port',
    flags.port!,
    '--persist-to',
    '.data/wrangler',
    '--show-interactive-dev-session=false',
  ],
  {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
  },
);
let announced = false;
wrangler.stdout.on('data', (chunk: Buffer) => {
  process.stdout.write(chunk);
  if (!announced && /Ready on/i.test(chunk.toString())) {
    announced = true;
    log(`API:       http://localhost:${flags.port}`);
    log(`API key:   ${key}   (local dev only; owner of tenant "local")`);
    log(
      `try:       curl -H "Authorization: Bearer ${key}" http://localhost:${flags.port}/v1/documents`,
    );
  }
});

const shutdown = async () => {
  wrangler.kill('SIGINT');
  await stopFake();
  await database.stop();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
wrangler.on('exit', async (code) => {
  await stopFake();
  await database.stop();
  process.exit(code ?? 0);
});
