// npm run bench -- keyword [--chunks 3000,30000] [--budgets 5000,50000]: the keyword leg alone,
// in-process PGlite, on one tenant grown from Cranfield abstracts (two chunks each, copied round
// after round). For each size it runs the Cranfield queries (limit 100, as hybrid search asks)
// several ways in one run, interleaved per query:
// - budget B: keywordSearch as served, the postings path reading at most B postings (the default
//   READ_BUDGET, and each --budgets value): lists past their share are cut to their heads;
// - whole lists: the postings path with no budget (every list read whole: exact BM25);
// - gin: the GIN path alone (a budgeted MaxScore first pass, a second if needed);
// - exhaustive: the GIN path with an unlimited budget, i.e. every chunk holding a query term is
//   scored (what keyword search did before pruning, with the same statements otherwise).
// It prints p50/p90 of each and its ratio to whole lists, how many queries had a list cut, how
// many rankings differ from the exhaustive one (a defect for any path that did not cut a list)
// and the share of ranks holding the exhaustive score, and the five queries with the most
// postings (their terms' df summed) with three paths' times, to show how each grows with them.
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { vector } from '@electric-sql/pglite-pgvector';
import { drizzle } from 'drizzle-orm/pglite';
import type { Database } from '../../src/db/client';
import { recomputeBm25Stats } from '../../src/retrieval/bm25-stats';
import { keywordSearch, queryTerms } from '../../src/retrieval/keyword';
import { READ_BUDGET } from '../../src/retrieval/postings-plan';
import { loadBeir } from '../lib/beir';
import { ndcgAt } from '../lib/ir-metrics';
import { applyMigrations, pgliteExec } from '../lib/migrate';

const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))] ?? NaN;

export async function benchKeyword(options: {
  sharedDir: string;
  sizes?: number[];
  queries?: number;
  /** Read budgets measured beside the default one (READ_BUDGET). */
  budgets?: number[];
}) {
  const sizes = options.sizes ?? [3000, 30000];
  const beir = loadBeir(resolve(options.sharedDir, 'data/cranfield'));
  const { corpus, qrels } = beir;
  const queries = [...beir.queries]
    .filter(([id]) => qrels.has(id))
    .slice(0, options.queries ?? 60)
    .map(([id, text]) => ({ id, text }));

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
          `${d.title} ${words.slice(0, half).join(' ')}`,
          words.slice(half).join(' ') || d.title || '-',
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
    const n = queries.length;
    const k = 100;
    type Run = {
      ms: number[];
      cut: number;
      differing: number;
      at10: number;
      at100: number;
      ndcg: number;
    };
    const budgets = [READ_BUDGET, ...(options.budgets ?? [])];
    const runs = new Map<string, Run>();
    const run = (name: string) => {
      if (!runs.has(name))
        runs.set(name, { ms: [], cut: 0, differing: 0, at10: 0, at100: 0, ndcg: 0 });
      return runs.get(name)!;
    };
    let secondPass = 0;
    const heaviest: { postings: number; ms: number; whole: number; gin: number }[] = [];
    // Ranks (of the first `upTo`) holding the exhaustive ranking's score there. Every path returns
    // exact scores in score order, so this counts ranks where a better chunk was missed; copies
    // that tie are interchangeable, which comparing ids would not allow.
    const exactRanks = (got: { score: number }[], want: { score: number }[], upTo: number) =>
      want.slice(0, upTo).filter((hit, i) => Math.abs((got[i]?.score ?? -1) - hit.score) < 1e-9)
        .length;
    // Each chunk's Cranfield document: content_hash is `${round}-${first}-${j}` (see above).
    const hashes = await pg.query<{ id: string; content_hash: string }>(
      `select id, content_hash from chunks where tenant_id = $1`,
      [tenantId],
    );
    const docOf = new Map(
      hashes.rows.map((r) => {
        const [, first, j] = r.content_hash.split('-').map(Number);
        return [r.id, corpus[first! + Math.floor(j! / 2)]!.id];
      }),
    );
    // nDCG@10 of the documents in the ranking's order (a document's first chunk counts). Only
    // meaningful before copies: past one round, a copy of a relevant document is a duplicate.
    const ndcg = (items: { id: string }[], queryId: string) =>
      ndcgAt([...new Set(items.map((h) => docOf.get(h.id)!))], qrels.get(queryId)!, 10);
    for (const { id: queryId, text: query } of queries) {
      const timed = async (name: string, searchOptions: Parameters<typeof keywordSearch>[3]) => {
        const start = performance.now();
        const result = await keywordSearch(db, tenantId, query, searchOptions);
        run(name).ms.push(performance.now() - start);
        return { name, result };
      };
      const budgeted = [];
      for (const budget of budgets) {
        budgeted.push(await timed(`budget ${budget}`, { limit: k, postingsBudget: budget }));
      }
      const whole = await timed('whole lists', { limit: k, postingsBudget: Infinity });
      const gin = await timed('gin', { limit: k, postingsBudget: 0 });
      const exhaustive = await timed('exhaustive', {
        limit: k,
        postingsBudget: 0,
        candidateBudget: Infinity,
      });
      if (gin.result.passes === 2) secondPass++;
      run('exhaustive').ndcg += ndcg(exhaustive.result.items, queryId);
      for (const { name, result } of [...budgeted, whole, gin]) {
        const r = run(name);
        r.ndcg += ndcg(result.items, queryId);
        if (!result.exact) r.cut++;
        const at100 = exactRanks(result.items, exhaustive.result.items, k);
        if (at100 < exhaustive.result.items.length) r.differing++;
        r.at10 += exactRanks(result.items, exhaustive.result.items, 10);
        r.at100 += at100;
      }
      const postings = (await queryTerms(db, tenantId, query)).reduce((sum, t) => sum + t.df, 0);
      heaviest.push({
        postings,
        ms: run(`budget ${READ_BUDGET}`).ms.at(-1)!,
        whole: run('whole lists').ms.at(-1)!,
        gin: run('gin').ms.at(-1)!,
      });
    }
    const p50 = (xs: number[]) => quantile(xs, 0.5);
    const base = p50(run('whole lists').ms);
    console.log(`keyword leg, ${chunks} chunks, ${n} Cranfield queries, limit ${k}`);
    console.log(
      '  path            p50 ms   p90 ms   p50/whole   lists cut   nDCG@10   rankings differing   exact ranks @10 / @100',
    );
    for (const [name, r] of runs) {
      const exactness =
        name === 'exhaustive'
          ? ''
          : `${String(r.differing).padStart(9)}/${n}   ${((100 * r.at10) / (10 * n)).toFixed(1)}% / ${((100 * r.at100) / (k * n)).toFixed(1)}%`;
      console.log(
        `  ${name.padEnd(14)} ${p50(r.ms).toFixed(1).padStart(7)}  ${quantile(r.ms, 0.9).toFixed(1).padStart(7)}  ${(p50(r.ms) / base).toFixed(2).padStart(9)}x  ${name.startsWith('budget') ? `${String(r.cut).padStart(7)}/${n}` : '          '}    ${(r.ndcg / n).toFixed(4)}  ${exactness}`,
      );
    }
    console.log(`  gin: second pass in ${secondPass}/${n}`);
    const top = heaviest.sort((a, b) => b.postings - a.postings).slice(0, 5);
    console.log(
      `  most postings: ${top.map((q) => `${q.postings} (budget ${q.ms.toFixed(0)} ms, whole ${q.whole.toFixed(0)} ms, gin ${q.gin.toFixed(0)} ms)`).join('; ')}`,
    );
  }
}
