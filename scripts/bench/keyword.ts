// npm run bench -- keyword [--chunks 3000,30000]: the keyword leg alone, in-process PGlite, on one
// tenant grown from Cranfield abstracts (two chunks each, copied round after round). For each
// size it runs the Cranfield queries (limit 100, as hybrid search asks) two ways in the same run:
// - pruned: keywordSearch as served (keyword-plan.ts: a budgeted first pass, a second if needed);
// - exhaustive: the same code with an unlimited budget, i.e. every chunk holding a query term is
//   scored (what keyword search did before pruning, with the same statements otherwise).
// It prints p50/p90 of each, their ratio, how many queries took a second pass, and how many
// rankings differ (any difference is a defect: pruning is exact).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { vector } from '@electric-sql/pglite-pgvector';
import { drizzle } from 'drizzle-orm/pglite';
import type { Database } from '../../src/db/client';
import { recomputeBm25Stats } from '../../src/retrieval/bm25-stats';
import { keywordSearch } from '../../src/retrieval/keyword';
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
    await pg.query('analyze');
    const pruned: number[] = [];
    const exhaustive: number[] = [];
    let secondPass = 0;
    let differing = 0;
    for (const query of queries) {
      let start = performance.now();
      const a = await keywordSearch(db, tenantId, query, { limit: 100 });
      pruned.push(performance.now() - start);
      start = performance.now();
      const b = await keywordSearch(db, tenantId, query, { limit: 100, candidateBudget: Infinity });
      exhaustive.push(performance.now() - start);
      if (a.passes === 2) secondPass++;
      const same =
        a.items.length === b.items.length &&
        a.items.every((hit, i) => Math.abs(hit.score - b.items[i]!.score) < 1e-9);
      if (!same) differing++;
    }
    const row = (xs: number[]) =>
      `p50 ${quantile(xs, 0.5).toFixed(1)} ms, p90 ${quantile(xs, 0.9).toFixed(1)} ms`;
    console.log(`keyword leg, ${chunks} chunks, ${queries.length} Cranfield queries, limit 100`);
    console.log(`  pruned:     ${row(pruned)}; second pass in ${secondPass}/${queries.length}`);
    console.log(`  exhaustive: ${row(exhaustive)}`);
    console.log(
      `  exhaustive / pruned p50: ${(quantile(exhaustive, 0.5) / quantile(pruned, 0.5)).toFixed(2)}x; rankings differing: ${differing}`,
    );
  }
}
