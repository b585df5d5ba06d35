// npm run bench -- search [--chunks 10000,100000] [--duration 6] [--hnsw auto|keep|rebuild] [--json]
//
// Builds ONE tenant up to each size in turn (a seed ingested through the API, grown by copying
// chunk rows in SQL; see search-corpus.ts) and measures it on wrangler dev --local: for each size,
// at concurrency 1 and 16, p50/p95/p99 of the bare GET /v1/health, cached search, uncached
// keyword/semantic/hybrid search, POST /v1/events (100 events) and upload acks, each with its
// ratio to the bare route in the same run, plus the server-side timings per search leg.
// With --json the last line is {"sizes":[{"chunks","concurrency","routes":{...}}]} in ms.
// Prints figures; never asserts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadBeir } from '../lib/beir';
import { percentile } from '../lib/ir-metrics';
import { startStack } from '../lib/stack';
import { freePort, measure, type Measured } from './lib';
import {
  growTenant,
  ingestSeed,
  seedDocuments,
  servedChunks,
  waitForIngest,
  type HnswMode,
} from './search-corpus';

export interface SearchBenchOptions {
  sharedDir: string;
  port?: number;
  /** Tenant sizes in chunks, measured in ascending order. */
  sizes?: number[];
  /** Seconds per route and concurrency. */
  duration?: number;
  /** Chunks ingested through the API before copying takes over. */
  seedChunks?: number;
  hnsw?: HnswMode;
  json?: boolean;
}

const ROUTES = ['bare', 'cached', 'keyword', 'semantic', 'hybrid', 'events', 'upload'] as const;
type Route = (typeof ROUTES)[number];
const LEGS = ['took_ms', 'embed', 'vector', 'keyword', 'fusion', 'hydrate'] as const;
const CONCURRENCY = [1, 16];

export async function benchSearch(options: SearchBenchOptions) {
  const sizes = [...(options.sizes ?? [10_000, 100_000])].sort((a, b) => a - b);
  const duration = options.duration ?? 6;
  const { corpus, queries } = loadBeir(resolve(options.sharedDir, 'data/cranfield'));
  const queryTexts = [...queries.values()];
  const dataDir = mkdtempSync(join(tmpdir(), 'vellum-bench-search-'));
  const stack = await startStack({
    dataDir,
    port: options.port ?? (await freePort()),
    vars: { SIGNING_KEYS: 'bench:bench-signing-key-0123456789ab' },
  });
  const db = stack.database.query;
  const report: { chunks: number; concurrency: number; routes: Record<Route, Percentiles> }[] = [];
  try {
    const tenantName = `bench-${Date.now()}`;
    const key = await stack.newKey(tenantName, 'owner');
    await stack.unthrottle(key);
    // Upload acks go to a second tenant, so they never change the measured tenant's size or
    // invalidate its cached searches.
    const uploadKey = await stack.newKey(`${tenantName}-uploads`, 'owner');
    await stack.unthrottle(uploadKey);
    const [{ id: tenantId }] = (await db<{ id: string }>('SELECT id FROM tenants WHERE name = $1', [
      tenantName,
    ])) as [{ id: string }];

    const seedTarget = Math.min(sizes[0]!, options.seedChunks ?? 2000);
    let started = performance.now();
    await ingestSeed(stack.url, key, seedDocuments(corpus, seedTarget));
    const seedIds = (
      await db<{ id: string }>('SELECT id FROM documents WHERE tenant_id = $1', [tenantId])
    ).map((r) => r.id);
    console.log(
      `seed: ${seedIds.length} documents, ${await servedChunks(db, tenantId)} chunks ingested through the API in ${secs(started)} s`,
    );

    const auth = { authorization: `Bearer ${key}` };
    const json = { ...auth, 'content-type': 'application/json' };
    let counter = 0;
    const uncached = (mode: string) => () =>
      JSON.stringify({
        query: `${queryTexts[counter % queryTexts.length]} q${counter++}`,
        mode,
        topK: 10,
      });

    for (const size of sizes) {
      started = performance.now();
      const grown = await growTenant(db, tenantId, seedIds, size, options.hnsw);
      console.log(
        `\n## tenant at ${grown.chunks} chunks (+${grown.added} copied in ${(grown.insertMs / 1000).toFixed(1)} s` +
          (grown.indexMs !== undefined
            ? `, HNSW rebuilt in ${(grown.indexMs / 1000).toFixed(1)} s`
            : ', HNSW kept') +
          `; ${secs(started)} s in all)`,
      );
      for (const connections of CONCURRENCY) {
        const rows: Measured[] = [];
        const legs: Record<string, Record<string, number[]>> = {};
        const run = async (route: Route, spec: Parameters<typeof measure>[1]) => {
          rows.push(await measure(route, spec));
        };
        const base = { connections, duration };
        const search = (route: Route, body: () => string) => {
          const samples: Record<string, number[]> = (legs[route] = {});
          return run(route, {
            ...base,
            url: `${stack.url}/v1/search`,
            method: 'POST',
            headers: json,
            body,
            onBody: (text) => {
              const parsed = JSON.parse(text) as {
                took_ms: number;
                timings?: Record<string, number>;
              };
              const values: Record<string, number> = { took_ms: parsed.took_ms, ...parsed.timings };
              for (const [leg, ms] of Object.entries(values)) (samples[leg] ??= []).push(ms);
            },
          });
        };

        await warm(`${stack.url}/v1/health`, {});
        await run('bare', { ...base, url: `${stack.url}/v1/health` });
        const cachedBody = JSON.stringify({
          query: 'boundary layer heat transfer at hypersonic speeds',
          mode: 'hybrid',
          topK: 10,
        });
        await warm(`${stack.url}/v1/search`, { method: 'POST', headers: json, body: cachedBody });
        await run('cached', {
          ...base,
          url: `${stack.url}/v1/search`,
          method: 'POST',
          headers: json,
          body: () => cachedBody,
        });
        for (const mode of ['keyword', 'semantic', 'hybrid'] as const)
          await search(mode, uncached(mode));
        await run('events', {
          ...base,
          url: `${stack.url}/v1/events`,
          method: 'POST',
          headers: json,
          body: eventsBody,
        });
        let uploads = 0;
        await run('upload', {
          ...base,
          url: `${stack.url}/v1/documents?title=ack`,
          method: 'POST',
          headers: { authorization: `Bearer ${uploadKey}`, 'content-type': 'text/plain' },
          body: () => `Upload acknowledgement probe ${uploads++} ${crypto.randomUUID()}.`,
        });
        // Let the uploads' ingest finish so it does not load the next measurements.
        const drain = performance.now();
        await waitForIngest(stack.url, uploadKey);

        printRows(grown.chunks, connections, rows);
        printLegs(legs);
        console.log(`  (upload backlog drained in ${secs(drain)} s)`);
        report.push({
          chunks: grown.chunks,
          concurrency: connections,
          routes: Object.fromEntries(
            rows.map((r) => [r.label, { p50: r.p50, p95: r.p95, p99: r.p99 }]),
          ) as Record<Route, Percentiles>,
        });
      }
    }
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
    // Whatever was measured, even when a later size failed.
    if (options.json) console.log(JSON.stringify({ sizes: report }));
  }
}

interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

const secs = (since: number) => ((performance.now() - since) / 1000).toFixed(1);

/** A few sequential requests first, so a route's first-use costs stay out of its figures. */
async function warm(url: string, init: RequestInit) {
  const deadline = Date.now() + 180_000;
  for (let ok = 0; ok < 3;) {
    try {
      const res = await fetch(url, init);
      await res.arrayBuffer();
      if (res.ok) ok++;
    } catch (error) {
      // wrangler dev restarts a worker now and then on a loaded machine; wait for it.
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

function eventsBody(): string {
  return JSON.stringify({
    events: Array.from({ length: 100 }, (_, i) => ({
      event_id: crypto.randomUUID(),
      name: i % 3 ? 'page.view' : 'search.run',
      user_id: `user-${Math.floor(Math.random() * 500)}`,
      timestamp: new Date().toISOString(),
      properties: { path: `/docs/${i}`, plan: 'pro' },
    })),
  });
}

function printRows(chunks: number, connections: number, rows: Measured[]) {
  const bare = rows.find((r) => r.label === 'bare')!;
  const ratio = (value: number, of: number) => (of > 0 ? `${(value / of).toFixed(1)}×` : '-');
  console.log(`\n${chunks} chunks, concurrency ${connections} (ms; ratio to bare in the same run)`);
  console.log('route      req/s    p50      p95      p99   fails   p50×    p95×    p99×');
  for (const r of rows) {
    console.log(
      `${r.label.padEnd(8)} ${String(r.rps).padStart(7)} ${r.p50.toFixed(1).padStart(8)} ${r.p95.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)} ${String(r.failures).padStart(7)} ` +
        [ratio(r.p50, bare.p50), ratio(r.p95, bare.p95), ratio(r.p99, bare.p99)]
          .map((s) => s.padStart(7))
          .join(' '),
    );
    if (r.firstFailure) console.log(`         first failure: ${r.firstFailure}`);
  }
}

function printLegs(legs: Record<string, Record<string, number[]>>) {
  console.log('  server-side timings, ms p50 / p95 (uncached searches):');
  for (const [route, samples] of Object.entries(legs)) {
    const cells = LEGS.filter((leg) => samples[leg]?.length).map(
      (leg) =>
        `${leg} ${percentile(samples[leg]!, 50).toFixed(1)}/${percentile(samples[leg]!, 95).toFixed(1)}`,
    );
    console.log(`    ${route.padEnd(8)} ${cells.join('  ')}`);
  }
}
