// npm run eval -- <beir-dir> [--json] [--max-docs N] [--max-queries N] [--port N]
// Ingests a BEIR collection into a fresh tenant through the HTTP API of a fresh local stack,
// runs every query in each mode, and scores the same corpus with Orama (BM25) as a peer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { create, insertMultiple, search as oramaSearch } from '@orama/orama';
import { loadBeir, type BeirDoc } from './lib/beir';
import { score, type ModeScores } from './lib/ir-metrics';
import { startStack } from './lib/stack';
import { pool } from './bench/lib';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    json: { type: 'boolean', default: false },
    'max-docs': { type: 'string' },
    'max-queries': { type: 'string' },
    port: { type: 'string', default: '8797' },
    concurrency: { type: 'string', default: '8' },
    modes: { type: 'string' },
  },
});
const dir = resolve(positionals[0] ?? '../shared/data/cranfield');
const say = (m: string) => (values.json ? process.stderr.write(`${m}\n`) : console.log(m));

async function request(
  url: string,
  key: string,
  init: RequestInit = {},
  attempts = 5,
): Promise<Response> {
  for (let i = 1; ; i++) {
    const res = await fetch(url, {
      ...init,
      headers: { authorization: `Bearer ${key}`, ...init.headers },
    });
    if (res.status < 500 && res.status !== 429) return res;
    if (i >= attempts) return res;
    const retryAfter = Number(res.headers.get('retry-after'));
    await res.arrayBuffer();
    await new Promise((r) =>
      setTimeout(r, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 200 * i),
    );
  }
}

const documentText = (d: BeirDoc) => (d.title ? `${d.title}\n\n${d.text}` : d.text);

const { corpus: fullCorpus, queries: allQueries, qrels: allQrels } = loadBeir(dir);
const corpus = values['max-docs'] ? fullCorpus.slice(0, Number(values['max-docs'])) : fullCorpus;
const queryIds = [...allQrels.keys()].slice(
  0,
  values['max-queries'] ? Number(values['max-queries']) : undefined,
);
const qrels = new Map(queryIds.map((id) => [id, allQrels.get(id)!]));
say(`collection ${dir}: ${corpus.length} documents, ${queryIds.length} judged queries`);

const dataDir = mkdtempSync(join(tmpdir(), 'vellum-eval-'));
const stack = await startStack({
  dataDir,
  port: Number(values.port),
  vars: { SIGNING_KEYS: 'eval:eval-signing-key-0123456789abcdef' },
});
const output: {
  modes: Record<string, ModeScores>;
  peer: Record<string, ModeScores>;
  ingest: Record<string, number>;
} = {
  modes: {},
  peer: {},
  ingest: {},
};
try {
  const key = await stack.newKey(`eval-${Date.now()}`, 'owner');
  await stack.unthrottle(key);
  // Identical texts deduplicate to one document, so one document may stand for several ids.
  const byDocument = new Map<string, string[]>();
  let skipped = 0;

  // Ingest.
  const ingestStart = performance.now();
  await pool(corpus, Number(values.concurrency), async (doc) => {
    if (!documentText(doc).trim()) {
      skipped++;
      return;
    }
    const res = await request(
      `${stack.url}/v1/documents?title=${encodeURIComponent(doc.title.slice(0, 500) || doc.id)}`,
      key,
      {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: documentText(doc),
      },
    );
    const body = (await res.json()) as { document?: { id: string }; error?: { code: string } };
    if (!body.document)
      throw new Error(`upload of ${doc.id} failed: ${res.status} ${JSON.stringify(body)}`);
    byDocument.set(body.document.id, [...(byDocument.get(body.document.id) ?? []), doc.id]);
  });
  const uploadSeconds = (performance.now() - ingestStart) / 1000;
  for (;;) {
    const res = await request(`${stack.url}/v1/documents?status=ready&limit=1`, key);
    const pending = await Promise.all(
      ['queued', 'processing', 'failed'].map(async (status) => {
        const r = await request(`${stack.url}/v1/documents?status=${status}&limit=100`, key);
        return ((await r.json()) as { data: unknown[] }).data.length;
      }),
    );
    await res.text();
    if (pending[0] === 0 && pending[1] === 0) {
      if (pending[2]) say(`warning: ${pending[2]}+ documents failed to ingest`);
      break;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const readySeconds = (performance.now() - ingestStart) / 1000;
  output.ingest = {
    documents: corpus.length,
    upload_seconds: Math.round(uploadSeconds * 100) / 100,
    ready_seconds: Math.round(readySeconds * 100) / 100,
    docs_per_second: Math.round((corpus.length / readySeconds) * 100) / 100,
  };
  say(
    `ingested ${corpus.length} documents: uploads ${uploadSeconds.toFixed(1)} s, all ready after ${readySeconds.toFixed(1)} s (${output.ingest.docs_per_second} docs/s)`,
  );

  // Query every mode.
  const modes: Array<{ name: string; body: Record<string, unknown> }> = [
    { name: 'keyword', body: { mode: 'keyword' } },
    { name: 'semantic', body: { mode: 'semantic' } },
    { name: 'hybrid', body: { mode: 'hybrid' } },
    { name: 'hybrid_rrf', body: { mode: 'hybrid', fusion: { method: 'rrf', k: 60 } } },
    {
      name: 'hybrid_convex_0.3',
      body: { mode: 'hybrid', fusion: { method: 'convex', alpha: 0.3 } },
    },
    {
      name: 'hybrid_convex_0.5',
      body: { mode: 'hybrid', fusion: { method: 'convex', alpha: 0.5 } },
    },
    { name: 'hybrid_rrf_prf3', body: { mode: 'hybrid', feedback: 3 } },
    {
      name: 'hybrid_convex_0.5_prf3',
      body: { mode: 'hybrid', feedback: 3, fusion: { method: 'convex', alpha: 0.5 } },
    },
    {
      name: 'hybrid_convex_0.3_prf3',
      body: { mode: 'hybrid', feedback: 3, fusion: { method: 'convex', alpha: 0.3 } },
    },
    { name: 'hybrid_no_feedback', body: { mode: 'hybrid', feedback: 0 } },
    { name: 'hybrid_rrf_prf5', body: { mode: 'hybrid', feedback: 5 } },
    {
      name: 'hybrid_convex_0.5_prf5',
      body: { mode: 'hybrid', feedback: 5, fusion: { method: 'convex', alpha: 0.5 } },
    },
  ];
  const only = values.modes?.split(',');
  for (const mode of modes.filter((m) => !only || only.includes(m.name))) {
    const runs = new Map<string, string[]>();
    const latencies: number[] = [];
    let failed = 0;
    for (const queryId of queryIds) {
      const started = performance.now();
      // A failed query is reported and scored as an empty ranking; the run goes on.
      let body: { results?: Array<{ documentId: string }>; error?: unknown };
      let status = 0;
      try {
        const res = await request(`${stack.url}/v1/search`, key, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            query: allQueries.get(queryId),
            topK: 100,
            highlight: false,
            ...mode.body,
          }),
        });
        status = res.status;
        const text = await res.text();
        try {
          body = JSON.parse(text) as typeof body;
        } catch {
          body = { error: text.slice(0, 200) };
        }
      } catch (error) {
        body = { error: error instanceof Error ? error.message : String(error) };
      }
      latencies.push(performance.now() - started);
      if (!body.results) {
        failed++;
        say(`  ${mode.name} query ${queryId} failed (${status}): ${JSON.stringify(body.error)}`);
        runs.set(queryId, []);
        continue;
      }
      const ranked: string[] = [];
      for (const hit of body.results) {
        for (const id of byDocument.get(hit.documentId) ?? [])
          if (!ranked.includes(id)) ranked.push(id);
      }
      runs.set(queryId, ranked);
    }
    output.modes[mode.name] = score(runs, qrels, latencies);
    if (failed)
      say(`${mode.name}: ${failed} of ${queryIds.length} queries failed (scored as empty)`);
  }

  // Peer: Orama BM25 full-text over the same documents.
  const orama = create({ schema: { id: 'string', title: 'string', text: 'string' } as const });
  await insertMultiple(
    orama,
    corpus.map((d) => ({ id: d.id, title: d.title, text: d.text })),
  );
  const oramaRuns = new Map<string, string[]>();
  const oramaLatencies: number[] = [];
  for (const queryId of queryIds) {
    const started = performance.now();
    const result = await oramaSearch(orama, {
      term: allQueries.get(queryId)!,
      properties: ['title', 'text'],
      limit: 100,
    });
    oramaLatencies.push(performance.now() - started);
    oramaRuns.set(
      queryId,
      result.hits.map((h) => (h.document as { id: string }).id),
    );
  }
  output.peer.orama = score(oramaRuns, qrels, oramaLatencies);
} finally {
  await stack.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

if (values.json) {
  console.log(JSON.stringify(output));
} else {
  const rows = [
    ...Object.entries(output.modes),
    ...Object.entries(output.peer).map(([k, v]) => [`peer:${k}`, v] as const),
  ];
  console.log('\nmode                 nDCG@10  Recall@100  MRR@10   p50 ms   p95 ms');
  for (const [name, s] of rows) {
    console.log(
      `${name.padEnd(20)} ${s['ndcg@10'].toFixed(4).padStart(7)}  ${s['recall@100'].toFixed(4).padStart(10)}  ${s['mrr@10'].toFixed(4).padStart(6)}  ${s.p50_ms.toFixed(1).padStart(7)}  ${s.p95_ms.toFixed(1).padStart(7)}`,
    );
  }
  console.log(
    '(Orama latencies are in-process, without HTTP; Vellum latencies are HTTP round trips on wrangler dev.)',
  );
}
