// Search latency at concurrency 1 and 16 over ~10k chunks on wrangler dev, against the bare
// GET /v1/health route in the same run, plus where the time goes (embed, vector, keyword, fusion).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadBeir } from '../lib/beir';
import { percentile } from '../lib/ir-metrics';
import { startStack } from '../lib/stack';
import { load, pool, printLoadTable, type LoadResult } from './lib';

export async function benchSearch(options: {
  sharedDir: string;
  port?: number;
  targetChunks?: number;
  duration?: number;
}) {
  const { corpus, queries } = loadBeir(resolve(options.sharedDir, 'data/cranfield'));
  const dataDir = mkdtempSync(join(tmpdir(), 'vellum-bench-search-'));
  const stack = await startStack({
    dataDir,
    port: options.port ?? 8798,
    vars: { SIGNING_KEYS: 'bench:bench-signing-key-0123456789ab' },
  });
  try {
    const key = await stack.newKey(`bench-${Date.now()}`, 'owner');
    await stack.unthrottle(key);
    const auth = { authorization: `Bearer ${key}` };
    // Documents of 12 abstracts each (~8-10 chunks), repeated with a suffix until ~targetChunks.
    const target = options.targetChunks ?? 10_000;
    const docs: string[] = [];
    for (let round = 0; docs.length * 9 < target; round++) {
      for (let i = 0; i + 12 <= corpus.length && docs.length * 9 < target; i += 12) {
        docs.push(
          corpus
            .slice(i, i + 12)
            .map((d) => `## ${d.title} (${round})\n\n${d.text}`)
            .join('\n\n'),
        );
      }
    }
    const started = performance.now();
    await pool(docs, 8, async (text, i) => {
      const res = await fetch(`${stack.url}/v1/documents?title=bench-${i}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'text/markdown' },
        body: text,
      });
      if (res.status !== 202 && res.status !== 200)
        throw new Error(`upload failed ${res.status} ${await res.text()}`);
    });
    for (;;) {
      const pending = await Promise.all(
        ['queued', 'processing'].map(async (s) => {
          const r = await fetch(`${stack.url}/v1/documents?status=${s}&limit=1`, { headers: auth });
          return ((await r.json()) as { data: unknown[] }).data.length;
        }),
      );
      if (pending.every((n) => n === 0)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const [{ n }] = await stack.database.query<{ n: number }>(
      'select count(*)::int as n from chunks',
    );
    console.log(
      `indexed ${docs.length} documents, ${n} chunks in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    // Where the time goes: server-side timings over distinct queries (cache misses).
    const queryTexts = [...queries.values()];
    const breakdown: Record<string, number[]> = {
      took: [],
      embed: [],
      vector: [],
      keyword: [],
      fusion: [],
      hydrate: [],
    };
    for (const query of queryTexts.slice(0, 100)) {
      const res = await fetch(`${stack.url}/v1/search`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ query, mode: 'hybrid', topK: 10 }),
      });
      const body = (await res.json()) as { took_ms: number; timings: Record<string, number> };
      breakdown.took!.push(body.took_ms);
      for (const k of ['embed', 'vector', 'keyword', 'fusion', 'hydrate'])
        breakdown[k]!.push(body.timings[k] ?? 0);
    }
    console.log('\nhybrid search, server-side ms over 100 distinct queries (cache misses)');
    for (const [k, v] of Object.entries(breakdown)) {
      console.log(
        `  ${k.padEnd(8)} p50 ${percentile(v, 50).toFixed(1).padStart(7)}   p95 ${percentile(v, 95).toFixed(1).padStart(7)}`,
      );
    }

    const duration = options.duration ?? 10;
    const rows: LoadResult[] = [];
    for (const connections of [1, 16]) {
      rows.push(
        await load('GET /v1/health (bare route)', {
          url: `${stack.url}/v1/health`,
          connections,
          duration,
        }),
      );
      for (const mode of ['hybrid', 'keyword', 'semantic'] as const) {
        rows.push(
          await load(`POST /v1/search ${mode} (cached)`, {
            url: `${stack.url}/v1/search`,
            connections,
            duration,
            method: 'POST',
            headers: { ...auth, 'content-type': 'application/json' },
            body: JSON.stringify({
              query: 'boundary layer heat transfer at hypersonic speeds',
              mode,
              topK: 10,
            }),
          }),
        );
      }
      let counter = 0;
      rows.push(
        await load('POST /v1/search hybrid (uncached)', {
          url: `${stack.url}/v1/search`,
          connections,
          duration,
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          nextBody: () =>
            JSON.stringify({
              query: `${queryTexts[counter % queryTexts.length]} q${counter++}`,
              mode: 'hybrid',
              topK: 10,
            }),
        }),
      );
    }
    printLoadTable('search latency (autocannon, wrangler dev --local)', rows, (row) =>
      rows.find((r) => r.connections === row.connections && r.label.startsWith('GET /v1/health')),
    );
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchSearch({
    sharedDir: process.env.VELLUM_SHARED ?? resolve(process.cwd(), '../shared'),
  });
}
