// npm run bench -- events [--duration 5] [--rounds 3] [--connections 16]   (or npm run bench:events)
//
// Ack latency of POST /v1/events (100-event batches) against the bare GET /v1/health, on
// `npm run dev` (wrangler dev --local with the embedded Postgres). Starts and stops its own dev
// stack in a temporary data directory. The two routes are measured in interleaved rounds whose
// order alternates (health→events, then events→health, ...), so load from elsewhere on a shared
// machine drifts onto both; each round prints its own ratio, and the summary is the median of
// the rounds' ratios. Prints figures, never asserts.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './lib';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const BATCH = 100;

export interface EventsBenchOptions {
  /** Concurrent connections per route (default 16, BENCH_CONNECTIONS). */
  connections?: number;
  /** Seconds per route per round (default 5, BENCH_SECONDS). */
  duration?: number;
  /** Interleaved rounds (default 3, BENCH_ROUNDS). */
  rounds?: number;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

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

export async function benchEvents(options: EventsBenchOptions = {}) {
  const connections = options.connections ?? Number(process.env.BENCH_CONNECTIONS ?? 16);
  const duration = options.duration ?? Number(process.env.BENCH_SECONDS ?? 5);
  const rounds = options.rounds ?? Number(process.env.BENCH_ROUNDS ?? 3);

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
  let firstFailure = '';

  async function run(label: string, spec: autocannon.Options) {
    const result = await autocannon({ connections, duration, ...spec });
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
  type Row = Awaited<ReturnType<typeof run>>;
  const health = () => run('GET /v1/health', { url: `${base}/v1/health` });
  const events = () =>
    run(`POST /v1/events (${BATCH} events)`, {
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
  const print = (r: Row) =>
    console.log(
      `  ${r.label.padEnd(30)} p50 ${String(r.p50).padStart(5)} ms  p99 ${String(r.p99).padStart(5)} ms  ` +
        `${r.rps.toFixed(0)} req/s  (${r.requests} requests, ${r.non2xx} non-2xx, ${r.errors} errors; ${r.statuses})`,
    );

  try {
    // Lift the events bucket (the dev stack's operator ceilings allow it), as the search bench
    // does: the limiter still runs on every request, it just never refuses, so a faster route
    // is not measured by its cheaper 429s.
    const lifted = await fetch(`${base}/v1/tenant/settings`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify({
        rateLimits: { events: { capacity: 100_000, refillPerSecond: 10_000 } },
      }),
    });
    if (!lifted.ok) throw new Error(`could not lift the events limit: ${lifted.status}`);
    // Warm up both paths (first requests load the Worker and open connections).
    for (let i = 0; i < 5; i++) {
      await fetch(`${base}/v1/health`);
      const res = await fetch(`${base}/v1/events`, { method: 'POST', headers, body: batchBody() });
      if (res.status !== 202)
        throw new Error(`warm-up POST /v1/events -> ${res.status} ${await res.text()}`);
    }
    console.log(
      `wrangler dev --local, concurrency ${connections}, ${rounds} rounds of ${duration} s per route`,
    );
    const ratios: { p50: number; p99: number }[] = [];
    const pairs: { health: Row; events: Row }[] = [];
    for (let round = 0; round < rounds; round++) {
      let h: Row;
      let e: Row;
      if (round % 2 === 0) {
        h = await health();
        e = await events();
      } else {
        e = await events();
        h = await health();
      }
      pairs.push({ health: h, events: e });
      ratios.push({ p50: e.p50 / Math.max(h.p50, 1), p99: e.p99 / Math.max(h.p99, 1) });
      console.log(`round ${round + 1}:`);
      print(h);
      print(e);
      console.log(
        `  ratio events/health: p50 ${ratios[round]!.p50.toFixed(2)}x  p99 ${ratios[round]!.p99.toFixed(2)}x`,
      );
    }
    if (firstFailure) console.log(`  first non-2xx answer: ${firstFailure}`);
    console.log(
      `summary (median of ${rounds} rounds): health p50 ${median(pairs.map((p) => p.health.p50))} ms, ` +
        `events p50 ${median(pairs.map((p) => p.events.p50))} ms; ` +
        `ratio p50 ${median(ratios.map((r) => r.p50)).toFixed(2)}x ` +
        `(rounds ${ratios.map((r) => r.p50.toFixed(2)).join(', ')}), ` +
        `p99 ${median(ratios.map((r) => r.p99)).toFixed(2)}x`,
    );
    console.log(
      `  events acknowledged per second: ${(median(pairs.map((p) => p.events.rps)) * BATCH).toFixed(0)}`,
    );
  } finally {
    stop();
    await new Promise((r) => setTimeout(r, 1500));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// Run directly (npm run bench:events), not when imported by scripts/bench/index.ts.
if (process.argv[1] && resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  await benchEvents();
}
