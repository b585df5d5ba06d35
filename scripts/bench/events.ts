// npm run bench:events — ack latency of POST /v1/events (100-event batches, concurrency 16)
// against the bare GET /v1/health in the same run, on `npm run dev` (wrangler dev --local with
// the embedded Postgres). Starts and stops its own dev stack in a temporary data directory.
// Prints figures and the ratio, never asserts.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const DURATION = Number(process.env.BENCH_SECONDS ?? 15);
const BATCH = 100;

const freePort = () =>
  new Promise<number>((done) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });

const [apiPort, pgPort, wsPort] = [await freePort(), await freePort(), await freePort()];
const dataDir = mkdtempSync(join(tmpdir(), 'vellum-bench-events-'));
const dev = spawn('npm', ['run', 'dev', '--', '--port', String(apiPort)], {
  cwd: ROOT,
  detached: true, // its own process group, so stopping it stops wrangler and workerd too
  stdio: ['ignore', 'pipe', 'pipe'],
  env: {
    ...process.env,
    VELLUM_DATA_DIR: dataDir,
    VELLUM_PG_PORT: String(pgPort),
    VELLUM_PG_WS_PORT: String(wsPort),
    DATABASE_URL: '',
  },
});
const stop = () => {
  try {
    process.kill(-dev.pid!, 'SIGINT');
  } catch {
    // already gone
  }
};

const key = await new Promise<string>((done, fail) => {
  let out = '';
  const timer = setTimeout(
    () => fail(new Error(`dev stack did not start:\n${out.slice(-2000)}`)),
    180_000,
  );
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    // BENCH_DEV_LOG=path keeps the dev stack's output (request logs, errors) for diagnosis.
    if (process.env.BENCH_DEV_LOG) appendFileSync(process.env.BENCH_DEV_LOG, chunk);
    const match = /API key:\s+(vk_\S+)/.exec(out);
    if (match) {
      clearTimeout(timer);
      done(match[1]!);
    }
  };
  dev.stdout!.on('data', onData);
  dev.stderr!.on('data', onData);
  dev.on('exit', (code) => fail(new Error(`dev exited (${code}):\n${out.slice(-2000)}`)));
}).catch((error) => {
  stop();
  throw error;
});

const base = `http://127.0.0.1:${apiPort}`;
const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
const batchBody = () =>
  JSON.stringify({
    events: Array.from({ length: BATCH }, (_, i) => ({
      event_id: crypto.randomUUID(),
      name: i % 3 ? 'page.view' : 'search.run',
      user_id: `user-${Math.floor(Math.random() * 500)}`,
      timestamp: new Date().toISOString(),
      properties: { path: `/docs/${i}`, plan: 'pro' },
    })),
  });

async function run(label: string, options: autocannon.Options) {
  const result = await autocannon({ connections: CONNECTIONS, duration: DURATION, ...options });
  return {
    label,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    statuses: Object.entries(result.statusCodeStats ?? {})
      .map(([code, stat]) => `${code}×${(stat as { count: number }).count}`)
      .join(' '),
  };
}

let firstFailure = '';
try {
  // Warm up both paths (first requests load the Worker and open connections).
  for (let i = 0; i < 5; i++) {
    await fetch(`${base}/v1/health`);
    const res = await fetch(`${base}/v1/events`, { method: 'POST', headers, body: batchBody() });
    if (res.status !== 202)
      throw new Error(`warm-up POST /v1/events -> ${res.status} ${await res.text()}`);
  }
  const health = await run('GET /v1/health', { url: `${base}/v1/health` });
  const events = await run(`POST /v1/events (${BATCH} events)`, {
    url: `${base}/v1/events`,
    method: 'POST',
    headers,
    requests: [
      {
        setupRequest: (req: any) => ({ ...req, body: batchBody() }),
        onResponse: (status: number, body: string) => {
          if (status >= 300 && !firstFailure) firstFailure = `${status} ${body.slice(0, 300)}`;
        },
      },
    ],
  });
  if (firstFailure) console.log(`  first non-2xx answer: ${firstFailure}`);
  console.log(`wrangler dev --local, concurrency ${CONNECTIONS}, ${DURATION} s each`);
  for (const r of [health, events]) {
    console.log(
      `  ${r.label.padEnd(30)} p50 ${String(r.p50).padStart(5)} ms  p99 ${String(r.p99).padStart(5)} ms  ` +
        `${r.rps.toFixed(0)} req/s  (${r.requests} requests, ${r.non2xx} non-2xx, ${r.errors} errors; ${r.statuses})`,
    );
  }
  console.log(
    `  ratio events/health: p50 ${(events.p50 / Math.max(health.p50, 1)).toFixed(1)}x  p99 ${(events.p99 / Math.max(health.p99, 1)).toFixed(1)}x`,
  );
  console.log(`  events acknowledged per second: ${(events.rps * BATCH).toFixed(0)}`);
} finally {
  stop();
  await new Promise((r) => setTimeout(r, 1500));
  rmSync(dataDir, { recursive: true, force: true });
}
