import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client';
import { accessPredicate } from '../access/visibility';
import {
  BM25,
  completionQuery,
  isComplete,
  lexemeQuery,
  planCandidates,
  type KeywordTerm,
} from './keyword-plan';
import { planReads, READ_BUDGET } from './postings-plan';
import { documentPredicates } from './scope';
import {
  bm25Term,
  keepLexemes,
  lexemeArray,
  matchSource,
  scoreCandidates,
  type Scored,
  type ScoreOptions,
} from './keyword-score';

export { BM25, lexemeQuery };

/**
 * A long query keeps only its most selective terms (highest idf, i.e. lowest df): common terms
 * add little to the ranking but each widens the candidate set, so a pasted page stays fast.
 */
export const MAX_QUERY_TERMS = 64;

/**
 * The query's terms that occur in the tenant's served chunks, with their df, most selective
 * first. Terms are the English stems plus the exact (`simple`) tokens that are not stop words,
 * so identifiers and codes match verbatim. Each is looked up by key in `bm25_df`.
 */
function termsSql(tenantId: string, query: string): SQL {
  return sql`
    select f.lexeme, f.df::float8 as df
    from (
      select unnest(tsvector_to_array(to_tsvector('english'::regconfig, ${query}::text))) as lexeme
      union
      select t from unnest(tsvector_to_array(to_tsvector('simple'::regconfig, ${query}::text))) as t
      where to_tsvector('english'::regconfig, t) <> ''::tsvector
    ) q
    join bm25_df f on f.tenant_id = ${tenantId}::uuid and f.lexeme = q.lexeme
    where f.df > 0
    order by f.df, f.lexeme
    limit ${MAX_QUERY_TERMS}::int`;
}

/** The terms keyword search uses for `query` (at most MAX_QUERY_TERMS), with their df. */
export async function queryTerms(db: Database, tenantId: string, query: string) {
  const result = await db.execute<{ lexeme: string; df: number }>(termsSql(tenantId, query));
  return result.rows.map((r) => ({ lexeme: r.lexeme, df: Number(r.df) }));
}

export interface KeywordOptions extends ScoreOptions {
  /** Postings the GIN path's first pass may cover (keyword-plan.ts); tests lower it to force a second. */
  candidateBudget?: number;
  /**
   * Postings the postings path reads at most (READ_BUDGET, postings-plan.ts); 0 sends the query
   * to the GIN path. Tests and the benchmark vary it to run each path on the same corpus.
   */
  postingsBudget?: number;
}

export interface KeywordResult {
  items: Array<{ id: string; score: number }>;
  /** Embeddings of the top `feedback.count` hits that have one, best first. */
  feedback: number[][];
  /** Which index answered: the postings, or the (tenant_id, tsv) GIN index. */
  path: 'postings' | 'gin' | 'none';
  /** Scoring statements run on the path that answered. */
  passes: number;
  /**
   * The exact BM25 top k. False only when the postings path cut a list to its read budget
   * (postings-plan.ts): the hits are then the best of the chunks read, each scored exactly.
   */
  exact: boolean;
}

/**
 * The selected terms with df and idf, N, avgdl and whether the postings cover the served chunks:
 * key lookups in `bm25_df` / `bm25_corpus` (kept at write time, see bm25-stats.ts). idf is
 * computed here, once, by the database.
 */
async function readStatistics(db: Database, tenantId: string, query: string) {
  const result = await db.execute<{
    lexeme: string;
    df: number;
    idf: number;
    avgdl: number;
    covered: boolean;
  }>(sql`
    with terms as (${termsSql(tenantId, query)}),
    corpus as (
      select n::float8 as n, greatest(total_tokens::float8 / nullif(n, 0), 1) as avgdl,
        (postings_n = n and postings_tokens = total_tokens) as covered
      from bm25_corpus where tenant_id = ${tenantId}::uuid
    )
    select t.lexeme, t.df, ln(1 + (co.n - t.df + 0.5) / (t.df + 0.5))::float8 as idf, co.avgdl,
      co.covered
    from terms t cross join corpus co
    order by t.df, t.lexeme`);
  const terms: KeywordTerm[] = result.rows.map((r) => ({
    lexeme: r.lexeme,
    df: Number(r.df),
    idf: Number(r.idf),
  }));
  const first = result.rows[0];
  return { terms, avgdl: Number(first?.avgdl ?? 1), covered: first?.covered === true };
}

const byScore = (a: Scored, b: Scored) =>
  b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Chunks picked past `limit`. The sum above adds terms in list order and the scoring statement
 * in lexeme order; two chunks whose exact scores tie at rank k can differ in the last bit, and
 * the margin lets the scoring statement's own (score, id) order, the GIN path's, decide them.
 */
const PICK_MARGIN = 16;

/**
 * The postings path: each query term's list read from keyword_postings (narrow index tuples
 * holding tf and the chunk's length) in impact order, whole or, past the read budget, its head
 * (postings-plan.ts); each chunk read gets the BM25 of the terms it was read for, summed there;
 * chunk rows are read for the best `limit` only and scored exactly over every term. One
 * statement; the work is the postings read, about a microsecond each, whatever the tenant's size.
 */
async function searchPostings(
  db: Database,
  tenantId: string,
  terms: KeywordTerm[],
  avgdl: number,
  options: KeywordOptions,
): Promise<{ hits: Scored[]; passes: number; exact: boolean }> {
  const lexemes = lexemeArray(terms);
  const plan = planReads(terms, options.postingsBudget ?? READ_BUDGET, options.limit + PICK_MARGIN);
  // A list read whole gets no LIMIT (null): df comes from an earlier statement, and a list that
  // has grown since (a promotion committed meanwhile) or a drifted df must not cut it unseen.
  const readLimits = `{${plan.reads.map((n, i) => (n >= terms[i]!.df ? 'NULL' : n)).join(',')}}`;
  // A cut list leaves chunks' sums partial, so more are picked for the exact re-scoring.
  const pick = plan.complete ? options.limit + PICK_MARGIN : 2 * options.limit + PICK_MARGIN;
  const hits = await scoreCandidates(
    db,
    tenantId,
    terms,
    avgdl,
    {
      ctes: sql`
        reads as (
          select * from unnest(${lexemes}::text[], ${readLimits}::int[]) as r(lexeme, n)
        ),
        pick as (
          select p.chunk_id
          from terms l
          join reads r on r.lexeme = l.lexeme
          cross join lateral (
            select p.chunk_id, p.tf, p.dl from keyword_postings p
            where p.tenant_id = ${tenantId}::uuid and p.lexeme = l.lexeme
            order by p.imp desc, p.chunk_id
            limit r.n
          ) p
          group by p.chunk_id
          order by sum(${bm25Term(sql`l.idf`, sql`p.tf`, sql`p.dl`, avgdl)}) desc, p.chunk_id
          limit ${pick}::int
        ),`,
      rows: sql`(
        select c.id, c.document_id, c.version, c.content_hash, c.token_count::float8 as dl,
          ${keepLexemes(sql`c.tsv`, lexemes)} as tsv
        from pick x join chunks c on c.id = x.chunk_id and c.tenant_id = ${tenantId}::uuid
      )`,
    },
    options,
  );
  return { hits, passes: 1, exact: plan.complete };
}

/** The GIN path: MaxScore over the (tenant_id, tsv) index (keyword-plan.ts, steps 1-3). */
async function searchGin(
  db: Database,
  tenantId: string,
  terms: KeywordTerm[],
  avgdl: number,
  options: KeywordOptions,
): Promise<{ hits: Scored[]; passes: number; exact: boolean }> {
  const lexemes = lexemeArray(terms);
  const plan = planCandidates(terms, options.candidateBudget);
  const generating = lexemeQuery(plan.generating.map((t) => t.lexeme));
  const score = (match: string) =>
    scoreCandidates(db, tenantId, terms, avgdl, matchSource(tenantId, match, lexemes), options);
  let hits = await score(generating);
  if (
    isComplete(
      plan,
      hits.map((h) => h.score),
      options.limit,
    )
  ) {
    return { hits, passes: 1, exact: true };
  }
  const theta = hits.length >= options.limit ? hits[options.limit - 1]!.score : 0;
  const more = await score(completionQuery(plan.rest, theta));
  // A chunk holding a generating term too comes back with the same score: kept once.
  const seen = new Set(hits.map((h) => h.id));
  hits = [...hits, ...more.filter((h) => !seen.has(h.id))].sort(byScore).slice(0, options.limit);
  return { hits, passes: 2, exact: true };
}

/**
 * BM25 inside one tenant's served chunks: statistics by key, then the postings lists read in
 * impact order up to the read budget (exact while the lists fit it, the best of what was read
 * past it; `exact` says which), or, for document filters and a user's reach, exact MaxScore over
 * the GIN index. The statistics (N, avgdl, df) stay tenant-wide whoever asks; a user's reach
 * and document filters only drop candidates, and the GIN path's bounds hold for what they leave.
 */
export async function keywordSearch(
  db: Database,
  tenantId: string,
  query: string,
  options: KeywordOptions,
): Promise<KeywordResult> {
  const none: KeywordResult = { items: [], feedback: [], path: 'none', passes: 0, exact: true };
  if (!/[\p{L}\p{N}]/u.test(query)) return none;
  const { terms, avgdl, covered } = await readStatistics(db, tenantId, query);
  if (terms.length === 0) return none;
  type Answer = { hits: Scored[]; path: 'postings' | 'gin'; passes: number; exact: boolean };
  let answer: Answer | null = null;
  // The lists hold every served chunk: a user's reach or document filters take the GIN path,
  // which applies them to its candidates before the limit.
  const unrestricted =
    documentPredicates(options.filters).length === 0 &&
    !accessPredicate(options.access ?? null, 'd');
  // `covered`: the postings hold exactly what the statistics count. A release that does not
  // write postings (the previous one, mid-deploy or after a rollback) breaks that until the
  // daily recompute repairs them, and the GIN path answers meanwhile.
  if (covered && unrestricted && options.postingsBudget !== 0) {
    answer = { ...(await searchPostings(db, tenantId, terms, avgdl, options)), path: 'postings' };
  }
  if (!answer) answer = { ...(await searchGin(db, tenantId, terms, avgdl, options)), path: 'gin' };
  const count = options.feedback?.count ?? 0;
  const feedback: number[][] = [];
  for (const hit of answer.hits.slice(0, count)) {
    if (hit.embedding) feedback.push(JSON.parse(hit.embedding) as number[]);
  }
  return {
    items: answer.hits.map((h) => ({ id: h.id, score: h.score })),
    feedback,
    path: answer.path,
    passes: answer.passes,
    exact: answer.exact,
  };
}
