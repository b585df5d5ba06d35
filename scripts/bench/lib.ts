// Helpers shared by the benchmarks: an autocannon run reduced to the figures we print.
import autocannon from 'autocannon';
import { createServer } from 'node:net';
import { percentile } from '../lib/ir-metrics';

export interface LoadResult {
  label: string;
  connections: number;
  requests: number;
  errors: number;
  non2xx: number;
  rps: number;
  p50: number;
  p99: number;
}

export async function load(
  label: string,
  options: {
    url: string;
    connections: number;
    duration: number;
    method?: 'GET' | 'POST';
    headers?: Record<string, string>;
    body?: string;
    /** A fresh body per request (e.g. to defeat caches). */
    nextBody?: () => string;
  },
): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.duration,
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body,
    ...(options.nextBody
      ? { requests: [{ setupRequest: (req: any) => ({ ...req, body: options.nextBody!() }) }] }
      : {}),
  });
  return {
    label,
    connections: options.connections,
    requests: result.requests.total,
    errors: result.errors,
    non2xx: result.non2xx,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

export function printLoadTable(
  title: string,
  rows: LoadResult[],
  baseline?: (row: LoadResult) => LoadResult | undefined,
) {
  console.log(`\n${title}`);
  console.log(
    'target                               conns   req/s   p50 ms   p99 ms   errors  p50 ratio',
  );
  for (const row of rows) {
    const base = baseline?.(row);
    const ratio = base && base !== row && base.p50 > 0 ? (row.p50 / base.p50).toFixed(2) + '×' : '';
    console.log(
      `${row.label.padEnd(36)} ${String(row.connections).padStart(5)} ${String(row.rps).padStart(7)} ${row.p50.toFixed(1).padStart(8)} ${row.p99.toFixed(1).padStart(8)} ${String(row.errors + row.non2xx).padStart(8)}  ${ratio}`,
    );
  }
}

export async function pool<T>(
  items: T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i]!, i);
      }
    }),
  );
}

export interface Measured {
  label: string;
  connections: number;
  requests: number;
  /** Transport errors plus non-2xx answers. */
  failures: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  /** The first failing answer, for diagnosis. */
  firstFailure?: string;
}

/**
 * A closed-loop load of `connections` keep-alive clients for `duration` seconds, timing every
 * request itself (autocannon reports no p95) and handing each 2xx body to `onBody`.
 */
export async function measure(
  label: string,
  options: {
    url: string;
    connections: number;
    duration: number;
    method?: 'GET' | 'POST';
    headers?: Record<string, string>;
    /** A body per request; called once per request so it can vary (e.g. to defeat caches). */
    body?: () => string;
    onBody?: (body: string) => void;
  },
): Promise<Measured> {
  const { Agent, request } = await import('node:http');
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const target = new URL(options.url);
  const latencies: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  const once = () =>
    new Promise<void>((done) => {
      const payload = options.body?.();
      const started = performance.now();
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          method: options.method ?? 'GET',
          headers: {
            ...options.headers,
            ...(payload !== undefined && { 'content-length': Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (part: Buffer) => parts.push(part));
          res.on('end', () => {
            latencies.push(performance.now() - started);
            const text = Buffer.concat(parts).toString();
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) {
              failures++;
              firstFailure ??= `${status} ${text.slice(0, 300)}`;
            } else options.onBody?.(text);
            done();
          });
        },
      );
      req.on('error', (error) => {
        failures++;
        firstFailure ??= String(error);
        done();
      });
      req.end(payload);
    });
  const started = performance.now();
  const stopAt = started + options.duration * 1000;
  await Promise.all(
    Array.from({ length: options.connections }, async () => {
      while (performance.now() < stopAt) await once();
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  const pick = (p: number) => Math.round(percentile(latencies, p) * 10) / 10;
  return {
    label,
    connections: options.connections,
    requests: latencies.length,
    failures,
    rps: Math.round(latencies.length / elapsed),
    p50: pick(50),
    p95: pick(95),
    p99: pick(99),
    ...(firstFailure !== undefined && { firstFailure }),
  };
}

/** A free local port, so parallel runs (other worktrees) never collide. */
export function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}
