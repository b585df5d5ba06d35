import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { newTenant, withDb } from '../../test/helpers';
import {
  allTerms,
  expectSameRanking,
  insertDocument,
  insertDocumentRow,
  referenceBm25,
} from '../../test/keyword-reference';
import { recomputeBm25Stats, shiftServedVersion } from './bm25-stats';
import { keywordSearch, lexemeQuery, MAX_QUERY_TERMS, queryTerms } from './keyword';

const CORPUS = [
  ['Supersonic wings use thin airfoils to reduce wave drag at high Mach numbers.'],
  [
    'The boundary layer heat transfer rate rises sharply near the stagnation point.',
    'Heat shields protect the wing leading edge from heat at hypersonic speed.',
  ],
  ['The controller reports fault ZX-4471 when the hydraulic pump pressure drops.'],
  ['Wave drag, wave drag and more wave drag: the transonic wing problem in one long sentence.'],
  ['A sponge cake needs eggs, flour and sugar folded gently together.'],
];

describe('keywordSearch', () => {
  it('ranks exactly as a straightforward BM25 over the served chunks', async () => {
    const { tenantId } = await newTenant();
    const other = await newTenant();
    await withDb(async (db) => {
      for (const texts of CORPUS) await insertDocument(db, tenantId, texts);
      // Not served: a version that is not ready, and a document with no ready version.
      await insertDocument(db, tenantId, ['wing wing wing heat drag'], {
        version: 2,
        readyVersion: null,
      });
      // Another tenant's chunks change neither the candidates nor the statistics.
      await insertDocument(db, other.tenantId, ['wing drag heat wave wave wave']);

      for (const query of ['wing wave drag heat', 'ZX-4471 pump', 'heating wings', 'the cake']) {
        const terms = await allTerms(db, query);
        const { scores } = await referenceBm25(db, tenantId, terms);
        const got = await keywordSearch(db, tenantId, query, { limit: 100 });
        expect(got.items.length).toBeGreaterThan(0);
        expectSameRanking(got.items, scores);
      }
      expect((await keywordSearch(db, tenantId, 'the of and', { limit: 10 })).items).toEqual([]);
      expect((await keywordSearch(db, tenantId, 'unicorn', { limit: 10 })).items).toEqual([]);
    });
  });

  it('keeps the 64 most selective terms of a long query and still ranks by BM25', async () => {
    const { tenantId } = await newTenant();
    // 150 words; word i appears in the first 150 - i chunks of 150, so df falls with i.
    const words = Array.from({ length: 150 }, (_, i) => `qz${i}x`);
    await withDb(async (db) => {
      const texts = Array.from({ length: 150 }, (_, c) =>
        words.filter((_, i) => c < 150 - i || (i + c) % 7 === 0).join(' '),
      );
      for (let i = 0; i < texts.length; i += 25)
        await insertDocument(db, tenantId, texts.slice(i, i + 25));
      const query = [...words, ...words].join(' ').padEnd(2500, ' filler');
      expect(query.length).toBeGreaterThan(2000);

      const terms = await queryTerms(db, tenantId, query);
      expect(terms.length).toBe(MAX_QUERY_TERMS);
      const { scores: all, df } = await referenceBm25(db, tenantId, await allTerms(db, query));
      const present = [...df.keys()].filter((l) => words.includes(l) || l === 'filler');
      const bySelectivity = present.sort((a, b) => df.get(a)! - df.get(b)! || (a < b ? -1 : 1));
      expect(terms.map((t) => t.lexeme)).toEqual(bySelectivity.slice(0, MAX_QUERY_TERMS));

      const got = await keywordSearch(db, tenantId, query, { limit: 200 });
      const { scores } = await referenceBm25(
        db,
        tenantId,
        terms.map((t) => t.lexeme),
      );
      expectSameRanking(got.items, scores);
      // The dropped common terms would have changed the scores.
      expect([...scores].some(([id, score]) => Math.abs(score - all.get(id)!) > 1e-6)).toBe(true);
    });
  });

  it('sums exact BM25 from the postings: the GIN path and the reference agree, ties included', async () => {
    const { tenantId } = await newTenant();
    // Deterministic variety: tf 0-4 per term, lengths 6-60 tokens, and exact duplicates (ties).
    let seed = 7;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const vocabulary = ['wing', 'drag', 'heat', 'flutter', 'shock'];
    const chunkText = () =>
      [
        ...vocabulary.flatMap((w) => Array<string>(rand(5) === 0 ? rand(5) : 0).fill(w)),
        ...Array<string>(6 + rand(55)).fill('filler'),
      ].join(' ');
    await withDb(async (db) => {
      const texts = Array.from({ length: 100 }, chunkText);
      // Exact duplicates of the first 20: equal scores, which both paths order by id.
      texts.push(...texts.slice(0, 20), ...Array.from({ length: 140 }, chunkText));
      const ids: string[] = [];
      for (let i = 0; i < 120; i += 30)
        ids.push(await insertDocument(db, tenantId, texts.slice(i, i + 30)));
      const first = ids[0]!;
      let ties = 0;
      const check = async (label: string) => {
        for (const query of [
          'wing drag',
          'flutter shock heat',
          'wing drag heat flutter shock',
          'heat shock',
          'drag flutter',
          'wing',
        ]) {
          const { scores } = await referenceBm25(db, tenantId, await allTerms(db, query));
          for (const limit of [1, 2, 3, 5, 10]) {
            const gin = await keywordSearch(db, tenantId, query, { limit, postingsBudget: 0 });
            const got = await keywordSearch(db, tenantId, query, { limit });
            expect(got.path, label).toBe('postings');
            // The same chunks in the same order as the GIN path, ties on id included.
            expect(
              got.items.map((h) => h.id),
              `${label} ${query} ${limit}`,
            ).toEqual(gin.items.map((h) => h.id));
            const best = [...scores.values()].sort((a, b) => b - a).slice(0, limit);
            expect(got.items.map((h) => h.score)).toEqual(best.map((x) => expect.closeTo(x, 9)));
            ties += got.items.filter((h, i) => i > 0 && h.score === got.items[i - 1]!.score).length;
          }
        }
      };
      await check('before avgdl moved');
      expect(ties).toBeGreaterThan(0); // the tie order was exercised
      // Longer chunks move avgdl: scores come from each posting's tf and dl at the avgdl of the
      // moment, so postings written before stay exact.
      for (let i = 120; i < texts.length; i += 35) {
        await insertDocument(
          db,
          tenantId,
          texts.slice(i, i + 35).map((t) => `${t} ${'padding '.repeat(150)}`),
        );
      }
      await check('after avgdl moved');
      // Past its read budget the postings path cuts lists to their heads (keyword-budget.test.ts):
      // what it returns is still scored exactly, and here the best chunk is still found.
      const small = await keywordSearch(db, tenantId, 'wing drag heat flutter shock', {
        limit: 10,
        postingsBudget: 6,
      });
      expect(small).toMatchObject({ path: 'postings', exact: false });
      // Filters and a user's reach are applied by the GIN path, before the limit.
      const filtered = await keywordSearch(db, tenantId, 'wing drag', {
        limit: 10,
        filters: { documentIds: [first] },
      });
      expect(filtered.path).toBe('gin');
      expect(filtered.items.length).toBeGreaterThan(0);
      const ofFirst = await db.execute<{ id: string }>(
        sql`select id from chunks where document_id = ${first}::uuid`,
      );
      const inFirst = new Set(ofFirst.rows.map((r) => r.id));
      expect(filtered.items.every((h) => inFirst.has(h.id))).toBe(true);
      // A user's reach: another user's private document holds the best chunk for the query,
      // and the user still gets a full page without it.
      const best = (await keywordSearch(db, tenantId, 'wing drag', { limit: 1 })).items[0]!;
      const owner = await db.execute<{ document_id: string }>(
        sql`select document_id from chunks where id = ${best.id}::uuid`,
      );
      const hidden = owner.rows[0]!.document_id;
      await db.execute(sql`update documents set visibility = 'private', owner_user_id = 'someone-else'
        where id = ${hidden}::uuid`);
      const reach = await keywordSearch(db, tenantId, 'wing drag', {
        limit: 5,
        access: { userId: 'a-user' },
      });
      expect(reach.path).toBe('gin');
      expect(reach.items).toHaveLength(5);
      const visible = await db.execute<{ id: string }>(
        sql`select id from chunks where document_id = ${hidden}::uuid`,
      );
      const hiddenChunks = new Set(visible.rows.map((r) => r.id));
      expect(reach.items.some((h) => hiddenChunks.has(h.id))).toBe(false);

      // A release that writes no postings (the previous one, mid-deploy) moves N and the token
      // total alone: the postings no longer cover what is counted, so the GIN path answers until
      // the daily recompute has repaired them.
      await db.execute(sql`update bm25_corpus set n = n + 1, total_tokens = total_tokens + 9
        where tenant_id = ${tenantId}::uuid`);
      expect((await keywordSearch(db, tenantId, 'wing drag', { limit: 5 })).path).toBe('gin');
      await recomputeBm25Stats(db, tenantId);
      expect((await keywordSearch(db, tenantId, 'wing drag', { limit: 5 })).path).toBe('postings');
      const { scores } = await referenceBm25(
        db,
        tenantId,
        await allTerms(db, 'wing drag heat flutter shock'),
      );
      expectSameRanking(small.items, new Map(small.items.map((h) => [h.id, scores.get(h.id)!])));
      expect(small.items[0]!.score).toBeCloseTo(Math.max(...scores.values()), 9);
    });
  });

  it('finds the exact top k in a second pass when the selective terms cannot settle it', async () => {
    const { tenantId } = await newTenant();
    await withDb(async (db) => {
      // 'rare' alone in 5 chunks; 'wing' and 'drag' in 19 and 24 others, with tf up to 4 and 3. Chunks holding
      // both common terms outscore the rare term's, so the first pass (with a budget of 1, 'rare'
      // alone) cannot rule them out and the second must find them.
      const texts = Array.from({ length: 60 }, (_, i) =>
        [
          i >= 55 ? 'rare' : '',
          i % 3 === 0 && i < 55 ? 'wing '.repeat(1 + (i % 4)) : '',
          i % 3 !== 2 && i >= 20 && i < 55 ? 'drag '.repeat(1 + (i % 3)) : '',
          'filler text',
        ].join(' '),
      );
      for (let i = 0; i < texts.length; i += 20)
        await insertDocument(db, tenantId, texts.slice(i, i + 20));
      const query = 'rare wing drag';
      const { scores } = await referenceBm25(db, tenantId, await allTerms(db, query));
      const best = [...scores.values()].sort((a, b) => b - a);
      for (const limit of [2, 5, 12]) {
        // The GIN path (postingsBudget 0), with a budget that makes 'rare' the only generator.
        const forced = await keywordSearch(db, tenantId, query, {
          limit,
          candidateBudget: 1,
          postingsBudget: 0,
        });
        expect(forced.path).toBe('gin');
        expect(forced.passes).toBe(2);
        expect(forced.items.map((h) => h.score)).toEqual(
          best.slice(0, limit).map((score) => expect.closeTo(score, 9)),
        );
        for (const hit of forced.items) expect(hit.score).toBeCloseTo(scores.get(hit.id)!, 9);
        expect(new Set(forced.items.map((h) => h.id)).size).toBe(forced.items.length);
        // The default budget covers this small tenant: every term generates, one pass.
        const whole = await keywordSearch(db, tenantId, query, { limit, postingsBudget: 0 });
        expect(whole.passes).toBe(1);
        expect(whole.items.map((h) => h.score)).toEqual(forced.items.map((h) => h.score));
      }
    });
  });

  it('returns the cached embeddings of its top hits for feedback', async () => {
    const { tenantId } = await newTenant();
    await withDb(async (db) => {
      const id = await insertDocument(db, tenantId, CORPUS.flat());
      const vector = (seed: number) => Array.from({ length: 768 }, (_, i) => ((i * seed) % 7) / 7);
      await db.execute(sql`
        insert into embedding_cache (tenant_id, model, content_hash, embedding)
        select ${tenantId}::uuid, 'm', content_hash, ${`[${vector(3).join(',')}]`}::vector
        from chunks where document_id = ${id}::uuid`);
      const plain = await keywordSearch(db, tenantId, 'wing drag heat', { limit: 10 });
      expect(plain.feedback).toEqual([]);
      const withFeedback = await keywordSearch(db, tenantId, 'wing drag heat', {
        limit: 10,
        feedback: { count: 2, model: 'm' },
      });
      expect(withFeedback.items).toEqual(plain.items);
      expect(withFeedback.feedback).toHaveLength(2);
      expect(withFeedback.feedback[0]![1]).toBeCloseTo(3 / 7, 6);
      const otherModel = await keywordSearch(db, tenantId, 'wing drag heat', {
        limit: 10,
        feedback: { count: 2, model: 'other' },
      });
      expect(otherModel.feedback).toEqual([]);
    });
  });

  it('quotes lexemes verbatim in a tsquery', async () => {
    await withDb(async (db) => {
      const text = lexemeQuery(["it's", 'a\\b', 'zx-4471']);
      const result = await db.execute<{ q: string }>(sql`select ${text}::tsquery::text as q`);
      expect(result.rows[0]!.q).toBe(`'it''s' | 'a\\\\b' | 'zx-4471'`);
    });
  });

  it('finds candidates through the (tenant_id, tsv) GIN index, never by reading the tenant', async () => {
    // With a btree leading on tenant_id, the planner read a tenant of a few thousand chunks row
    // by row and filtered `tsv @@ q` on each (migration 0015): O(tenant) per scan. The statement
    // is vellum_keyword_candidates' (migration 0014), planned with its setting.
    await withDb(async (db) => {
      const { tenantId } = await newTenant();
      const documentId = await insertDocumentRow(db, tenantId);
      await db.execute(sql`
        insert into chunks (tenant_id, document_id, version, ordinal, text, token_count, content_hash, char_start, char_end)
        select ${tenantId}::uuid, ${documentId}::uuid, 1, i,
          'alpha' || (i % 20) || ' beta' || (i % 53) || ' gamma' || (i % 211) || ' wing drag', 5, md5(i::text), 0, 1
        from generate_series(1, 3000) i`);
      // Only the columns the plan depends on: the table is shared by every test file.
      await db.execute(sql`analyze chunks (tenant_id, tsv)`);
      for (const match of [
        "'alpha3' | 'beta7'",
        "'gamma5' | 'gamma9' | 'beta11'",
        "'alpha1' & 'beta2'",
      ]) {
        const plan = await db.transaction(async (tx) => {
          await tx.execute(sql`set local enable_seqscan = off`);
          const result = await tx.execute<{ 'QUERY PLAN': unknown }>(sql`
            explain (format json) select c.id from chunks c
            where c.tenant_id = ${tenantId}::uuid and c.tsv @@ ${match}::tsquery`);
          return JSON.stringify(result.rows[0]!['QUERY PLAN']);
        });
        const indexes = [...plan.matchAll(/"Index Name":\s*"(\w+)"/g)].map((m) => m[1]);
        expect(indexes, match).toEqual(['chunks_tenant_tsv_idx']);
      }
    });
  });

  it('keeps the GIN the only index on chunks that leads with tenant_id, and the scan as tested', async () => {
    // The rule docs/retrieval.md states, checked in the catalog: any btree leading with
    // tenant_id is one the planner may prefer for candidates (migration 0015).
    await withDb(async (db) => {
      const leading = await db.execute<{ name: string }>(sql`
        select i.relname as name
        from pg_index x
        join pg_class i on i.oid = x.indexrelid
        join pg_attribute a on a.attrelid = x.indrelid and a.attnum = x.indkey[0]
        where x.indrelid = 'chunks'::regclass and a.attname = 'tenant_id'`);
      expect(leading.rows.map((r) => r.name)).toEqual(['chunks_tenant_tsv_idx']);
      // The statement the plan test explains is the candidate function's, with its setting.
      const fn = await db.execute<{ def: string }>(sql`
        select pg_get_functiondef('vellum_keyword_candidates'::regproc) as def`);
      expect(fn.rows[0]!.def).toContain('c.tenant_id = $1 AND c.tsv @@ $2');
      expect(fn.rows[0]!.def).toMatch(/SET enable_seqscan (TO|=) '?off'?/);
    });
  });
});
