// Starts the full local system (embedded Postgres + both Workers under wrangler dev) for the
// dev server, benchmarks and the retrieval eval.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ROOT, startEmbeddedDatabase, type LocalDatabase } from './local-stack';
import { prepareConsoleAssets } from './console-assets';
import { createTenantKey } from './provision';

export interface Stack {
  url: string;
  database: LocalDatabase;
  wrangler: ChildProcess;
  /** A fresh tenant with a key of `role`. */
  newKey(tenant: string, role?: string): Promise<string>;
  /** Lifts the tenant's rate limits and ingest backlog cap, as an operator would for a bulk load. */
  unthrottle(ownerKey: string): Promise<void>;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Where Postgres and wrangler state live; a fresh temp dir gives a clean system. */
  dataDir: string;
  port: number;
  pgPort?: number;
  wsPort?: number;
  vars?: Record<string, string>;
  /** Forward wrangler's output (dev) or keep it quiet (benchmarks). */
  inheritOutput?: boolean;
  onReady?: (url: string) => void;
  log?: (message: string) => void;
}

const UNTHROTTLED = { capacity: 100_000, refillPerSecond: 10_000 };
const UNTHROTTLED_BACKLOG = 1_000_000;

export async function startStack(options: StackOptions): Promise<Stack> {
  mkdirSync(options.dataDir, { recursive: true });
  prepareConsoleAssets();
  const database = await startEmbeddedDatabase({
    dataDir: options.dataDir,
    pgPort: options.pgPort ?? 0,
    wsPort: options.wsPort ?? 0,
    log: options.log,
  });
  // wrangler loads `.dev.vars` beside each config; copies of both configs in the data dir
  // give every stack (dev, eval, benchmarks) its own database settings.
  const vars = {
    DATABASE_URL: database.url,
    DB_WS_PROXY: database.wsProxy,
    // A local stack is its own operator: ceilings high enough for `unthrottle` below, which
    // benchmarks and evals use to measure the system rather than its rate limits.
    MAX_TENANT_RATE_CAPACITY: String(UNTHROTTLED.capacity),
    MAX_TENANT_RATE_REFILL_PER_SECOND: String(UNTHROTTLED.refillPerSecond),
    MAX_TENANT_INGEST_BACKLOG: String(UNTHROTTLED_BACKLOG),
    ...options.vars,
  };
  const devVars = Object.entries(vars).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  writeFileSync(resolve(options.dataDir, '.dev.vars'), devVars.join('\n') + '\n', { mode: 0o600 });
  const configs = ['wrangler.toml', 'workers/ingest/wrangler.toml'].map((config, i) => {
    const source = resolve(ROOT, config);
    const text = readFileSync(source, 'utf8')
      .replace(
        /^main = "([^"]+)"/m,
        (_, main: string) => `main = "${resolve(dirname(source), main)}"`,
      )
      .replace(
        /^directory = "([^"]+)"/m,
        (_, dir: string) => `directory = "${resolve(dirname(source), dir)}"`,
      );
    const copy = resolve(options.dataDir, `${i === 0 ? 'api' : 'ingest'}.wrangler.toml`);
    writeFileSync(copy, text);
    return copy;
  });
  const wrangler = spawn(
    resolve(ROOT, 'node_modules/.bin/wrangler'),
    [
      'dev',
      '-c',
      configs[0]!,
      '-c',
      configs[1]!,
      '--local',
      '--port',
      String(options.port),
      '--persist-to',
      resolve(options.dataDir, 'wrangler'),
      '--show-interactive-dev-session=false',
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', options.inheritOutput ? 'inherit' : 'pipe'],
      env: {
        ...process.env,
        WRANGLER_SEND_METRICS: 'false',
        CLOUDFLARE_CF_FETCH_ENABLED: 'false',
        CI: 'true',
      },
    },
  );
  const url = `http://127.0.0.1:${options.port}`;
  let output = '';
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`wrangler dev did not start:\n${output.slice(-2000)}`)),
      // Generous: on a loaded shared machine the first build alone can take minutes.
      300_000,
    );
    wrangler.stdout!.on('data', (chunk: Buffer) => {
      if (options.inheritOutput) process.stdout.write(chunk);
      output += chunk.toString();
      if (/Ready on/i.test(output)) {
        clearTimeout(timer);
        ready();
      }
    });
    wrangler.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    wrangler.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`wrangler dev exited (${code}):\n${output.slice(-2000)}`));
    });
  });
  options.onReady?.(url);
  return {
    url,
    database,
    wrangler,
    async newKey(tenant, role = 'owner') {
      const { secret } = await createTenantKey(database.query, {
        tenant,
        role,
        name: 'stack',
        environment: 'dev',
      });
      return secret;
    },
    async unthrottle(ownerKey) {
      const bucket = UNTHROTTLED;
      const all = {
        read: bucket,
        search: bucket,
        upload: bucket,
        chat: bucket,
        admin: bucket,
        events: bucket,
      };
      const res = await fetch(`${url}/v1/tenant/settings`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${ownerKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          rateLimits: all,
          // User tokens spend from per-user and all-users buckets too (issue #16).
          userRateLimits: all,
          allUsersRateLimits: all,
          ingestBacklogCap: UNTHROTTLED_BACKLOG,
        }),
      });
      if (!res.ok) throw new Error(`could not lift limits: ${res.status} ${await res.text()}`);
    },
    async stop() {
      wrangler.removeAllListeners('exit');
      await new Promise<void>((done) => {
        wrangler.once('exit', () => done());
        wrangler.kill('SIGINT');
        setTimeout(() => (wrangler.kill('SIGKILL'), done()), 5000);
      });
      await database.stop();
    },
  };
}
