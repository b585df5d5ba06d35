// Helpers shared by the benchmarks: an autocannon run reduced to the figures we print.
import autocannon from 'autocannon';

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
