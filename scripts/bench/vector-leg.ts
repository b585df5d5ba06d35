// npm run bench -- vector-leg [--chunks 20000]
//
// The measurement behind the pgvector leg's design (docs/retrieval.md): on the real schema in
// PGlite, one tenant holds ~98% of the chunks and one ~1%; for each, the old post-filtered HNSW
// query, HNSW with iterative scans (relaxed and strict order), and an exact scan over the
// tenant's rows, at topK 10 and 100. Prints results returned, recall against the exact answer,
// latency, and EXPLAIN ANALYZE of each at topK 100; also the HNSW build and insert costs.
// Prints figures; never asserts.
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { resolve } from 'node:path';
import { embedLocally } from '../../src/ai/embed/local';
import { EXACT_SCAN_MAX_ROWS } from '../../src/retrieval/vectors/pgvector';
import { loadBeir } from '../lib/beir';
import { percentile } from '../lib/ir-metrics';
import { applyMigrations, pgliteExec } from '../lib/migrate';

const literal = (v: number[]) => `[${v.map((x) => x.toFixed(6)).join(',')}]`;

type Strategy = { name: string; settings: string[]; sql: (k: number) => string };

const SERVED = `FROM chunks c JOIN documents d ON d.id = c.document_id
  WHERE c.tenant_id = $1 AND d.tenant_id = $1 AND c.version = d.ready_version AND c.embedding IS NOT NULL`;

const STRATEGIES: Strategy[] = [
  {
    name: 'hnsw post-filter (before)',
    settings: ["SET LOCAL hnsw.iterative_scan = 'off'"],
    sql: (k) => `SELECT c.id, c.embedding <=> $2 AS distance ${SERVED}
      ORDER BY c.embedding <=> $2 LIMIT ${k}`,
  },
  {
    name: 'hnsw iterative relaxed',
    settings: ["SET LOCAL hnsw.iterative_scan = 'relaxed_order'"],
    sql: (k) => `SELECT id, distance FROM (
        SELECT c.id, c.embedding <=> $2 AS distance ${SERVED}
        ORDER BY c.embedding <=> $2 LIMIT ${k}) AS hits ORDER BY distance`,
  },
  {
    name: 'hnsw iterative strict',
    settings: ["SET LOCAL hnsw.iterative_scan = 'strict_order'"],
    sql: (k) => `SELECT c.id, c.embedding <=> $2 AS distance ${SERVED}
      ORDER BY c.embedding <=> $2 LIMIT ${k}`,
  },
  {
    name: 'chosen: vellum_nearest_chunks',
    settings: [],
    sql: (k) =>
      `SELECT id, distance FROM vellum_nearest_chunks($1, $2, ${k}, ${EXACT_SCAN_MAX_ROWS})`,
  },
  {
    name: 'exact (tenant rows, then sort)',
    settings: [],
    sql: (k) => `WITH rows AS MATERIALIZED (SELECT c.id, c.embedding ${SERVED})
      SELECT id, embedding <=> $2 AS distance FROM rows ORDER BY distance LIMIT ${k}`,
  },
];

const EXACT = STRATEGIES.at(-1)!;

export async function benchVectorLeg(options: { sharedDir: string; chunks?: number }) {
  const total = options.chunks ?? 20_000;
  const { corpus, queries } = loadBeir(resolve(options.sharedDir, 'data/cranfield'));
  // Chunk-sized passages: each abstract's sentences in pairs.
  const passages = corpus.flatMap((d) => {
    const sentences = d.text.split(/(?<=\.)\s+/);
    const out: string[] = [];
    for (let i = 0; i < sentences.length; i += 2) out.push(sentences.slice(i, i + 2).join(' '));
    return out.filter((p) => p.length > 40);
  });
  const db = await PGlite.create({ extensions: { vector } });
  await applyMigrations(pgliteExec(db));
  const small = await tenant(db, 'small');
  const big = await tenant(db, 'big');
  const smallCount = Math.round(total / 100);

  const hnsw = (
    await db.query<{ indexdef: string }>(
      "SELECT indexdef FROM pg_indexes WHERE indexname = 'chunks_embedding_idx'",
    )
  ).rows[0]!.indexdef;
  await db.query('DROP INDEX chunks_embedding_idx');
  let started = performance.now();
  // Interleaved, so the small tenant's vectors sit among the big one's in the graph.
  for (let i = 0; i < total; i += 500) {
    const rows: [string, string][] = [];
    for (let j = i; j < Math.min(total, i + 500); j++) {
      const owner = j % 100 === 0 && j / 100 < smallCount ? small : big;
      rows.push([owner, passages[(j * 7919) % passages.length]!]);
    }
    await insertChunks(db, rows);
  }
  const insertS = (performance.now() - started) / 1000;
  started = performance.now();
  await db.query(hnsw);
  const buildS = (performance.now() - started) / 1000;
  started = performance.now();
  const extra = 500;
  await insertChunks(
    db,
    Array.from({ length: extra }, (_, i) => [big, passages[(i * 31) % passages.length]!]),
  );
  const keepS = (performance.now() - started) / 1000;
  const counts = await db.query<{ tenant_id: string; n: number }>(
    'SELECT tenant_id, count(*)::int AS n FROM chunks GROUP BY tenant_id',
  );
  const sizeOf = (t: string) => counts.rows.find((r) => r.tenant_id === t)?.n ?? 0;
  console.log(
    `${total + extra} chunks: big tenant ${sizeOf(big)}, small tenant ${sizeOf(small)} ` +
      `(${((100 * sizeOf(small)) / (total + extra)).toFixed(2)}%)`,
  );
  console.log(
    `bulk insert without HNSW ${insertS.toFixed(1)} s; HNSW build ${buildS.toFixed(1)} s; ` +
      `${extra} more rows with HNSW present ${keepS.toFixed(1)} s (${((1000 * keepS) / extra).toFixed(1)} ms/row)`,
  );

  const qs = [...queries.values()].slice(0, 20).map((q) => literal(embedLocally(q)));
  for (const stats of ['no planner statistics (as PGlite runs: no autovacuum)', 'after ANALYZE']) {
    if (stats === 'after ANALYZE') await db.query('ANALYZE');
    console.log(`\n### ${stats}`);
    for (const [label, tenantId] of [
      ['small (1%)', small],
      ['big (~99%)', big],
    ] as const) {
      for (const k of [10, 100]) {
        const exact = await Promise.all(qs.map((q) => run(db, EXACT, k, tenantId, q)));
        console.log(`\n${label} tenant, topK ${k}`);
        for (const strategy of STRATEGIES) {
          const ms: number[] = [];
          const returned: number[] = [];
          const recall: number[] = [];
          for (const [i, q] of qs.entries()) {
            const t = performance.now();
            const ids = await run(db, strategy, k, tenantId, q);
            ms.push(performance.now() - t);
            returned.push(ids.length);
            const truth = new Set(exact[i]);
            recall.push(truth.size ? ids.filter((id) => truth.has(id)).length / truth.size : 1);
          }
          const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
          console.log(
            `  ${strategy.name.padEnd(32)} returned min ${Math.min(...returned)} mean ${mean(returned).toFixed(1)}` +
              `  recall ${mean(recall).toFixed(3)}  p50 ${percentile(ms, 50).toFixed(1)} ms  p95 ${percentile(ms, 95).toFixed(1)} ms`,
          );
        }
      }
      for (const strategy of STRATEGIES) {
        console.log(`\nEXPLAIN ANALYZE, ${label} tenant, topK 100: ${strategy.name}`);
        const plan = await run(db, strategy, 100, tenantId, qs[0]!, true);
        for (const line of plan) console.log(`  ${line.replace(/'\[[^\]]*\]'/g, "'[…]'")}`);
      }
    }
  }
  await db.close();
}

async function tenant(db: PGlite, name: string): Promise<string> {
  const r = await db.query<{ id: string }>('INSERT INTO tenants (name) VALUES ($1) RETURNING id', [
    `vector-leg-${name}`,
  ]);
  return r.rows[0]!.id;
}

/** One document per row, served at version 1, with the chunk's local embedding. */
async function insertChunks(db: PGlite, rows: [tenantId: string, text: string][]) {
  const values: string[] = [];
  const params: unknown[] = [];
  for (const [tenantId, text] of rows) {
    params.push(tenantId, text, literal(embedLocally(text)));
    const n = params.length;
    values.push(`($${n - 2}::uuid, $${n - 1}, $${n}::vector)`);
  }
  await db.query(
    `WITH input(tenant_id, text, embedding) AS (VALUES ${values.join(',')}),
     numbered AS (SELECT *, gen_random_uuid() AS document_id FROM input),
     docs AS (
       INSERT INTO documents (id, tenant_id, title, mime_type, byte_size, sha256, ready_version, status)
       SELECT document_id, tenant_id, 'doc', 'text/plain', 1, document_id::text, 1, 'ready' FROM numbered
     )
     INSERT INTO chunks (tenant_id, document_id, version, ordinal, text, token_count, content_hash, char_start, char_end, embedding)
     SELECT tenant_id, document_id, 1, 0, text, 1, md5(text), 0, length(text), embedding FROM numbered`,
    params,
  );
}

async function run(
  db: PGlite,
  strategy: Strategy,
  k: number,
  tenantId: string,
  q: string,
  explain = false,
): Promise<string[]> {
  return db.transaction(async (tx) => {
    for (const setting of strategy.settings) await tx.query(setting);
    const text = (explain ? 'EXPLAIN (ANALYZE, COSTS OFF, BUFFERS OFF) ' : '') + strategy.sql(k);
    const result = await tx.query<Record<string, string>>(text, [tenantId, q]);
    return result.rows.map((r) => (explain ? r['QUERY PLAN']! : r.id!));
  });
}
