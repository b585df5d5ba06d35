// npm run bench -- keyword [--chunks 3000,30000]: the keyword leg alone, in-process PGlite, on one
// tenant grown from Cranfield abstracts (two chunks each, copied round after round). For each
// size it runs the Cranfield queries (limit 100, as hybrid search asks) three ways in one run:
// - postings: keywordSearch as served (exact BM25 summed from the query terms' postings lists,
//   keyword.ts; the GIN path past its budget);
// - gin: the GIN path alone (a budgeted MaxScore first pass, a second if needed);
// - exhaustive: the GIN path with an unlimited budget, i.e. every chunk holding a query term is
//   scored (what keyword search did before pruning, with the same statements otherwise).
// It prints p50/p90 of each, the ratios, fallbacks, how many rankings differ from the exhaustive
// one (any difference is a defect: every path is exact), and the five queries with the most
// postings (their terms' df summed) with both paths' times, to show how each grows with them.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { vector } from '@electric-sql/pglite-pgvector';
import { drizzle } from 'drizzle-orm/pglite';
import type { Database } from '../../src/db/client';
import { recomputeBm25Stats } from '../../src/retrieval/bm25-stats';
import { keywordSearch, queryTerms } from '../../src/retrieval/keyword';
import { applyMigrations, pgliteExec } from '../lib/migrate';

const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))] ?? NaN;

export async function benchKeyword(options: {
  sharedDir: string;
  sizes?: number[];
  queries?: number;
}) {
  const sizes = options.sizes ?? [3000, 30000];
  const dir = resolve(options.sharedDir, 'data/cranfield');
  const jsonl = (file: string) =>
    readFileSync(resolve(dir, file), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { title?: string; text: string });
  const corpus = jsonl('corpus.jsonl');
  const queries = jsonl('queries.jsonl')
    .map((q) => q.text)
    .slice(0, options.queries ?? 60);

  const pg = await PGlite.create({ extensions: { vector, btree_gin } });
  await applyMigrations(pgliteExec(pg));
  // The app's own statements through drizzle's PGlite driver (same `execute` result shape).
  const db = drizzle(pg) as unknown as Database;
  const [{ id: tenantId }] = (
    await pg.query<{ id: string }>(`insert into tenants (name) values ('bench') returning id`)
  ).rows as [{ id: string }];

  const targets = [...sizes].sort((x, y) => x - y);
  let chunks = 0;
  for (let round = 0; targets.length > 0; round++) {
    for (let i = 0; i < corpus.length && targets.length > 0; i += 12) {
      const documentId = crypto.randomUUID();
      await pg.query(
        `insert into documents (id, tenant_id, title, mime_type, byte_size, sha256, ready_version, status)
         values ($1, $2, $3, 'text/plain', 1, $4, 1, 'ready')`,
        [documentId, tenantId, `cranfield ${i} (${round})`, `${round}-${i}`],
      );
      const texts = corpus.slice(i, i + 12).flatMap((d) => {
        const words = d.text.split(' ');
        const half = Math.ceil(words.length / 2);
        return [
          `${d.title ?? ''} ${words.slice(0, half).join(' ')}`,
          words.slice(half).join(' ') || (d.title ?? '-'),
        ];
      });
      const rows = texts.map(
        (text, j) =>
          `($1, $2, 1, ${j}, $${j + 3}, ${Math.max(1, Math.round(text.split(' ').length * 1.3))}, '${round}-${i}-${j}', 0, 1)`,
      );
      await pg.query(
        `insert into chunks (tenant_id, document_id, version, ordinal, text, token_count, content_hash, char_start, char_end)
         values ${rows.join(', ')}`,
        [tenantId, documentId, ...texts],
      );
      chunks += texts.length;
      if (chunks >= targets[0]!) {
        targets.shift();
        await measure();
      }
    }
  }
  await pg.close();

  async function measure() {
    await recomputeBm25Stats(db, tenantId);
    // Vacuumed too: the visibility map lets the postings be read index-only, as they are once a
    // database's autovacuum has caught up with the writes.
    await pg.query('vacuum analyze');
    const times = { postings: [] as number[], gin: [] as number[], exhaustive: [] as number[] };
    let secondPass = 0;
    let fallbacks = 0;
    const heaviest: { postings: number; ms: number; gin: number }[] = [];
    const differing = { postings: 0, gin: 0 };
    const same = (a: { score: number }[], b: { score: number }[]) =>
      a.length === b.length && a.every((hit, i) => Math.abs(hit.score - b[i]!.score) < 1e-9);
    for (const query of queries) {
      const timed = async (options: Parameters<typeof keywordSearch>[3], into: number[]) => {
        const start = performance.now();
        const result = await keywordSearch(db, tenantId, query, options);
        into.push(performance.now() - start);
        return result;
      };
      const p = await timed({ limit: 100 }, times.postings);
      const g = await timed({ limit: 100, postingsBudget: 0 }, times.gin);
      const e = await timed(
        { limit: 100, postingsBudget: 0, candidateBudget: Infinity },
        times.exhaustive,
      );
      if (p.path === 'gin') fallbacks++;
      const postings = (await queryTerms(db, tenantId, query)).reduce((sum, t) => sum + t.df, 0);
      heaviest.push({ postings, ms: times.postings.at(-1)!, gin: times.gin.at(-1)! });
      if (g.passes === 2) secondPass++;
      if (!same(p.items, e.items)) differing.postings++;
      if (!same(g.items, e.items)) differing.gin++;
    }
    const row = (xs: number[]) =>
      `p50 ${quantile(xs, 0.5).toFixed(1)} ms, p90 ${quantile(xs, 0.9).toFixed(1)} ms`;
    const ratio = (xs: number[]) => (quantile(xs, 0.5) / quantile(times.postings, 0.5)).toFixed(2);
    const n = queries.length;
    console.log(`keyword leg, ${chunks} chunks, ${n} Cranfield queries, limit 100`);
    console.log(
      `  postings:   ${row(times.postings)}; GIN fallback (past the budget) in ${fallbacks}/${n}`,
    );
    console.log(`  gin:        ${row(times.gin)}; second pass in ${secondPass}/${n}`);
    console.log(`  exhaustive: ${row(times.exhaustive)}`);
    console.log(
      `  p50 / postings p50: gin ${ratio(times.gin)}x, exhaustive ${ratio(times.exhaustive)}x; rankings differing from exhaustive: postings ${differing.postings}, gin ${differing.gin}`,
    );
    const top = heaviest.sort((a, b) => b.postings - a.postings).slice(0, 5);
    console.log(
      `  most postings: ${top.map((q) => `${q.postings} (postings ${q.ms.toFixed(0)} ms, gin ${q.gin.toFixed(0)} ms)`).join('; ')}`,
    );
  }
}
