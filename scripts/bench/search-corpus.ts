// Builds the search benchmark's tenant: a seed of real documents ingested through the API, then
// grown to each size by copying the seed's served chunk rows in SQL into new documents of the
// same tenant (new ids, same text and embeddings). Ingesting 100k chunks through the API takes
// ~20 minutes locally, almost all of it HNSW inserts in PGlite; copying takes a fraction.
import type { BeirDoc } from '../lib/beir';
import type { LocalDatabase } from '../lib/local-stack';
import { pool } from './lib';

type Query = LocalDatabase['query'];

/** Chunks per seed document, measured: 223 documents made 2,934 chunks. */
const CHUNKS_PER_DOC = 13;

/** Documents of 12 abstracts each, repeated with a round suffix until ~target chunks. */
export function seedDocuments(corpus: BeirDoc[], targetChunks: number): string[] {
  const docs: string[] = [];
  for (let round = 0; docs.length * CHUNKS_PER_DOC < targetChunks; round++) {
    for (
      let i = 0;
      i + 12 <= corpus.length && docs.length * CHUNKS_PER_DOC < targetChunks;
      i += 12
    ) {
      docs.push(
        corpus
          .slice(i, i + 12)
          .map((d) => `## ${d.title} (${round})\n\n${d.text}`)
          .join('\n\n'),
      );
    }
  }
  return docs;
}

/** Uploads the seed through the API and waits until the ingest queue has served all of it. */
export async function ingestSeed(url: string, ownerKey: string, docs: string[]): Promise<void> {
  const auth = { authorization: `Bearer ${ownerKey}` };
  await pool(docs, 8, async (text, i) => {
    // wrangler dev restarts a worker now and then on a loaded machine (503); the same bytes
    // again are deduplicated by content hash, so a retry is safe.
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(`${url}/v1/documents?title=bench-${i}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'text/markdown' },
        body: text,
      }).catch((error: Error) => error);
      if (!(res instanceof Error) && (res.status === 202 || res.status === 200)) return;
      const why = res instanceof Error ? res.message : `${res.status} ${await res.text()}`;
      if (attempt >= 5) throw new Error(`upload failed: ${why}`);
      await new Promise((r) => setTimeout(r, 1000 * attempt));
    }
  });
  await waitForIngest(url, ownerKey);
}

/** Polls until the tenant has no queued or processing document. */
export async function waitForIngest(url: string, key: string): Promise<void> {
  const auth = { authorization: `Bearer ${key}` };
  let failures = 0;
  for (;;) {
    try {
      const pending = await Promise.all(
        ['queued', 'processing'].map(async (s) => {
          const r = await fetch(`${url}/v1/documents?status=${s}&limit=1`, { headers: auth });
          if (!r.ok) throw new Error(`status poll answered ${r.status} ${await r.text()}`);
          return ((await r.json()) as { data: unknown[] }).data.length;
        }),
      );
      if (pending.every((n) => n === 0)) return;
    } catch (error) {
      // A busy machine can drop a poll; give up only when the server stays unreachable.
      if (++failures > 20) throw error;
      console.log(`  (status poll failed, retrying: ${(error as Error).message})`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export async function servedChunks(query: Query, tenantId: string): Promise<number> {
  const [row] = await query<{ n: number }>(
    `SELECT count(*)::int AS n FROM chunks c JOIN documents d ON d.id = c.document_id
     WHERE c.tenant_id = $1 AND c.version = d.ready_version`,
    [tenantId],
  );
  return row!.n;
}

/** Columns of `table` a row copy carries over: all but the generated ones and `skip`. */
async function copyableColumns(query: Query, table: string, skip: string[]): Promise<string[]> {
  const rows = await query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns
     WHERE table_schema = 'public' AND table_name = $1 AND is_generated = 'NEVER'
     ORDER BY ordinal_position`,
    [table],
  );
  return rows.map((r) => r.column_name).filter((c) => !skip.includes(c));
}

export type HnswMode = 'keep' | 'rebuild' | 'auto';

export interface GrowResult {
  chunks: number;
  added: number;
  insertMs: number;
  /** Time to rebuild the HNSW index(es), when they were dropped around the copy. */
  indexMs?: number;
}

/**
 * Grows the tenant's served chunks to at least `target` by copying the seed documents (all of
 * them, round after round; the last round takes only as many as it needs). Each round is one
 * statement, so a document and its version and chunks land together. HNSW is kept by default:
 * measured in PGlite (`npm run bench -- vector-leg`), dropping it and rebuilding afterwards was
 * no faster (20.5k rows: 293 s to insert without it plus 364 s to build, against 11 ms a row
 * inserted with it present; 17k copied rows with it kept took 467 s). 'rebuild' drops and
 * rebuilds it from its own definition; 'auto' rebuilds when the copy at least doubles the table.
 */
export async function growTenant(
  query: Query,
  tenantId: string,
  seedIds: string[],
  target: number,
  hnsw: HnswMode = 'keep',
): Promise<GrowResult> {
  const before = await servedChunks(query, tenantId);
  if (before >= target) {
    // Every size is measured with fresh planner statistics, copied into or not.
    await afterBulkInsert(query);
    return { chunks: before, added: 0, insertMs: 0 };
  }
  const perSeed = await query<{ id: string; n: number }>(
    `SELECT d.id, count(c.id)::int AS n FROM documents d
     JOIN chunks c ON c.document_id = d.id AND c.version = d.ready_version
     WHERE d.id = ANY($1::uuid[]) GROUP BY d.id ORDER BY d.id`,
    [seedIds],
  );
  const [{ total }] = (await query<{ total: number }>(
    'SELECT count(*)::int AS total FROM chunks',
  )) as [{ total: number }];
  const rebuild = hnsw === 'rebuild' || (hnsw === 'auto' && target - before >= total);
  const indexes = rebuild
    ? await query<{ indexname: string; indexdef: string }>(
        `SELECT indexname, indexdef FROM pg_indexes
         WHERE schemaname = 'public' AND tablename = 'chunks' AND indexdef ILIKE '%USING hnsw%'`,
      )
    : [];
  for (const index of indexes) await query(`DROP INDEX IF EXISTS "${index.indexname}"`);

  const docColumns = await copyableColumns(query, 'documents', ['id', 'title', 'sha256']);
  const versionColumns = await copyableColumns(query, 'document_versions', ['id', 'document_id']);
  const chunkColumns = await copyableColumns(query, 'chunks', ['id', 'document_id']);
  const list = (columns: string[], alias: string) =>
    columns.map((c) => `${alias}."${c}"`).join(', ');
  const names = (columns: string[]) => columns.map((c) => `"${c}"`).join(', ');

  const started = performance.now();
  let chunks = before;
  for (let round = 1; chunks < target; round++) {
    const batch: string[] = [];
    for (const seed of perSeed) {
      if (chunks >= target) break;
      batch.push(seed.id);
      chunks += seed.n;
    }
    if (batch.length === 0) throw new Error('the seed has no served chunks to copy');
    await query(
      `WITH src AS (
         SELECT d.*, gen_random_uuid() AS new_id FROM documents d WHERE d.id = ANY($1::uuid[])
       ), docs AS (
         INSERT INTO documents (id, title, sha256, ${names(docColumns)})
         SELECT s.new_id, s.title || ' (copy ' || $2 || ')', md5(s.new_id::text) || md5(s.sha256),
                ${list(docColumns, 's')}
         FROM src s RETURNING id
       ), versions AS (
         INSERT INTO document_versions (document_id, ${names(versionColumns)})
         SELECT s.new_id, ${list(versionColumns, 'v')}
         FROM document_versions v JOIN src s ON s.id = v.document_id AND v.version = s.ready_version
         RETURNING id
       ), copied AS (
         INSERT INTO chunks (document_id, ${names(chunkColumns)})
         SELECT s.new_id, ${list(chunkColumns, 'c')}
         FROM chunks c JOIN src s ON s.id = c.document_id AND c.version = s.ready_version
         RETURNING id, tsv, token_count
       )
       -- The copies' postings, as shiftServedVersion writes them on promotion
       -- (retrieval/bm25-stats.ts).
       INSERT INTO keyword_postings (tenant_id, lexeme, chunk_id, tf, dl)
       SELECT $3::uuid, u.lexeme, n.id, coalesce(array_length(u.positions, 1), 1), n.token_count
       FROM copied n CROSS JOIN LATERAL unnest(n.tsv) AS u`,
      [batch, `${target}-${round}`, tenantId],
    );
    await addCopiedToKeywordStats(query, tenantId, batch);
  }
  const insertMs = performance.now() - started;

  let indexMs: number | undefined;
  if (indexes.length) {
    const indexStarted = performance.now();
    for (const index of indexes) await query(index.indexdef);
    indexMs = performance.now() - indexStarted;
  }
  await query('UPDATE tenants SET corpus_version = corpus_version + 1 WHERE id = $1', [tenantId]);
  await afterBulkInsert(query);
  return {
    chunks: await servedChunks(query, tenantId),
    added: chunks - before,
    insertMs,
    ...(indexMs !== undefined && { indexMs }),
  };
}

/**
 * Adds one copy round to the tenant's BM25 statistics, as the ingest path does when a document
 * is served (retrieval/bm25-stats.ts): a copy holds exactly its seed's chunks, so the round adds
 * the seeds' N, tokens and df, and the same N and tokens to what the postings (written by the
 * copy statement) cover. O(seed) per round, where recomputing the tenant after the copy was
 * O(tenant) in one statement (at 100k chunks, 7M+ lexeme rows in one aggregate, which the
 * embedded Postgres did not survive).
 */
async function addCopiedToKeywordStats(query: Query, tenantId: string, seeds: string[]) {
  const served = `FROM chunks c JOIN documents d ON d.id = c.document_id AND c.version = d.ready_version
     WHERE d.id = ANY($2::uuid[])`;
  await query(
    `INSERT INTO bm25_corpus AS b (tenant_id, n, total_tokens, postings_n, postings_tokens)
     SELECT $1::uuid, count(*), coalesce(sum(c.token_count), 0), count(*),
       coalesce(sum(c.token_count), 0) ${served}
     ON CONFLICT (tenant_id) DO UPDATE
       SET n = b.n + excluded.n, total_tokens = b.total_tokens + excluded.total_tokens,
         postings_n = b.postings_n + excluded.n,
         postings_tokens = b.postings_tokens + excluded.total_tokens`,
    [tenantId, seeds],
  );
  await query(
    `INSERT INTO bm25_df AS f (tenant_id, lexeme, df)
     SELECT $1::uuid, u.lexeme, count(*)::int
     ${served.replace('WHERE', 'CROSS JOIN LATERAL unnest(tsvector_to_array(c.tsv)) AS u(lexeme) WHERE')}
     GROUP BY u.lexeme ORDER BY u.lexeme
     ON CONFLICT (tenant_id, lexeme) DO UPDATE SET df = f.df + excluded.df`,
    [tenantId, seeds],
  );
}

/**
 * Refreshes the planner's statistics after rows were written behind the API's back. (The
 * keyword statistics are kept by the copy itself, round by round.)
 */
export async function afterBulkInsert(query: Query): Promise<void> {
  await query('ANALYZE chunks');
  await query('ANALYZE documents');
  // Vacuumed as well as analyzed: the visibility map lets keyword search read the postings
  // index-only, as it does in a database whose autovacuum has caught up with the writes.
  await query('VACUUM ANALYZE keyword_postings');
}
