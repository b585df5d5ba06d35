import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { newTenant, withDb } from '../../test/helpers';
import { allTerms, insertDocument, referenceBm25 } from '../../test/keyword-reference';
import type { Database } from '../db/client';
import { postingImpact } from '../db/schema';
import { keywordSearch, queryTerms } from './keyword';
import { BM25 } from './keyword-plan';
import { planReads } from './postings-plan';

/** Each (lexeme, chunk) posting of the tenant as stored: tf, length and the list-order key. */
async function storedPostings(db: Database, tenantId: string) {
  const rows = await db.execute<{
    lexeme: string;
    chunk_id: string;
    tf: number;
    dl: number;
    imp: number;
  }>(sql`select lexeme, chunk_id, tf, dl, imp from keyword_postings
    where tenant_id = ${tenantId}::uuid`);
  return rows.rows;
}

/**
 * The budgeted postings path, written out plainly: each term's list in (imp desc, chunk id)
 * order cut to its planned read, the partial BM25 of what was read summed per chunk, the best
 * `pick` of those re-scored over every term, the best `limit` of them returned.
 */
async function referenceBudgeted(
  db: Database,
  tenantId: string,
  query: string,
  limit: number,
  budget: number,
) {
  const terms = await queryTerms(db, tenantId, query);
  const reference = await referenceBm25(db, tenantId, await allTerms(db, query));
  const { scores, n, avgdl } = reference;
  const plan = planReads(terms, budget, limit + 16);
  const postings = await storedPostings(db, tenantId);
  const partial = new Map<string, number>();
  const { k1, b } = BM25;
  terms.forEach((term, i) => {
    const idf = Math.log(1 + (n - term.df + 0.5) / (term.df + 0.5));
    const list = postings
      .filter((p) => p.lexeme === term.lexeme)
      .sort((x, y) => y.imp - x.imp || (x.chunk_id < y.chunk_id ? -1 : 1))
      .slice(0, plan.reads[i]);
    for (const p of list) {
      const part = (idf * p.tf * (k1 + 1)) / (p.tf + k1 * (1 - b + (b * p.dl) / avgdl));
      partial.set(p.chunk_id, (partial.get(p.chunk_id) ?? 0) + part);
    }
  });
  const pick = plan.complete ? limit + 16 : 2 * limit + 16;
  const picked = [...partial]
    .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
    .slice(0, pick)
    .map(([id]) => ({ id, score: scores.get(id)! }));
  const hits = picked.sort((x, y) => y.score - x.score || (x.id < y.id ? -1 : 1)).slice(0, limit);
  return { hits, complete: plan.complete, scores };
}

describe('keyword search past its read budget', () => {
  it('reads each list best-first: a cut list still yields its best chunks', async () => {
    const { tenantId } = await newTenant();
    // 200 chunks of one length holding 'flutter' once, and three holding it 6, 5 and 4 times.
    const texts = Array.from({ length: 200 }, (_, i) => `flutter ${'filler '.repeat(20)}w${i}`);
    texts.push(...[6, 5, 4].map((tf) => `${'flutter '.repeat(tf)}${'filler '.repeat(21 - tf)}`));
    await withDb(async (db) => {
      for (let i = 0; i < texts.length; i += 50)
        await insertDocument(db, tenantId, texts.slice(i, i + 50));
      // A budget of 1 still reads limit + 16 = 19 postings of the list's 203.
      const got = await keywordSearch(db, tenantId, 'flutter', { limit: 3, postingsBudget: 1 });
      expect(got).toMatchObject({ path: 'postings', exact: false });
      const { scores } = await referenceBm25(db, tenantId, ['flutter']);
      const best = [...scores].sort((x, y) => y[1] - x[1]).slice(0, 3);
      expect(got.items.map((h) => h.id)).toEqual(best.map(([id]) => id));
      expect(got.items.map((h) => h.score)).toEqual(best.map(([, s]) => expect.closeTo(s, 9)));
      // The whole list, for comparison: the same answer, and exact.
      const whole = await keywordSearch(db, tenantId, 'flutter', { limit: 3 });
      expect(whole).toMatchObject({ path: 'postings', exact: true, items: got.items });
    });
  });

  it('reads a list it plans whole to its end, whatever df said', async () => {
    const { tenantId } = await newTenant();
    // 'flutter' in 41 chunks; 'rare' in one of them, a long one holding 'flutter' once.
    const texts = Array.from({ length: 40 }, (_, i) => `flutter ${'filler '.repeat(i)}`);
    texts.push(`rare flutter ${'filler '.repeat(60)}`);
    await withDb(async (db) => {
      await insertDocument(db, tenantId, texts);
      // A df read before the list grew (a promotion committed between the statistics and the
      // postings statement), or drifted until the daily repair: 1 where the list holds 41.
      await db.execute(sql`update bm25_df set df = 1
        where tenant_id = ${tenantId}::uuid and lexeme = 'flutter'`);
      const got = await keywordSearch(db, tenantId, 'flutter rare', { limit: 5 });
      const gin = await keywordSearch(db, tenantId, 'flutter rare', {
        limit: 5,
        postingsBudget: 0,
      });
      expect(got).toMatchObject({ path: 'postings', exact: true });
      expect(got.items).toHaveLength(5);
      expect(got.items.map((h) => h.id)).toEqual(gin.items.map((h) => h.id));
    });
  });

  it('returns what the plan reads, each hit scored exactly, at every budget', async () => {
    const { tenantId } = await newTenant();
    let seed = 11;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const vocabulary = ['wing', 'drag', 'heat', 'flutter', 'shock'];
    // Lengths spread (5 + i filler tokens), so few partial sums tie; ties are broken by chunk id
    // on both sides.
    const texts = Array.from({ length: 240 }, (_, i) =>
      [
        ...vocabulary.flatMap((w) => Array<string>(rand(3) === 0 ? 0 : 1 + rand(4)).fill(w)),
        ...Array<string>(5 + i).fill('filler'),
      ].join(' '),
    );
    await withDb(async (db) => {
      for (let i = 0; i < texts.length; i += 40)
        await insertDocument(db, tenantId, texts.slice(i, i + 40));
      // The stored key is BM25's tf factor at the 400-token reference length (migrations/0017),
      // and postingImpact (the key deletes and the repair compute) is the stored value exactly.
      for (const p of await storedPostings(db, tenantId)) {
        const want = (22000 * p.tf) / (p.tf + 0.3 + (0.9 * p.dl) / 400);
        expect(Math.abs(p.imp - want)).toBeLessThanOrEqual(0.5 + 1e-9);
      }
      const differing = await db.execute<{ n: number }>(sql`
        select count(*)::int as n from keyword_postings
        where tenant_id = ${tenantId}::uuid and imp <> ${postingImpact(sql`tf`, sql`dl`)}`);
      expect(differing.rows[0]!.n).toBe(0);
      let cut = 0;
      for (const query of ['wing drag', 'wing drag heat flutter shock', 'heat', 'shock flutter']) {
        for (const [limit, budget] of [
          [5, 1],
          [10, 60],
          [3, 150],
          [10, 10_000],
        ] as const) {
          const label = `${query} limit ${limit} budget ${budget}`;
          const want = await referenceBudgeted(db, tenantId, query, limit, budget);
          const got = await keywordSearch(db, tenantId, query, { limit, postingsBudget: budget });
          expect(got.path, label).toBe('postings');
          expect(got.exact, label).toBe(want.complete);
          expect(
            got.items.map((h) => h.id),
            label,
          ).toEqual(want.hits.map((h) => h.id));
          for (const hit of got.items)
            expect(hit.score, label).toBeCloseTo(want.scores.get(hit.id)!, 9);
          if (!want.complete) cut++;
        }
      }
      expect(cut).toBeGreaterThan(4); // the cut lists were exercised
    });
  });
});
