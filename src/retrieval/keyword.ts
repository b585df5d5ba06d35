import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client';
import { accessPredicate, type DocumentAccess } from '../access/visibility';
import { pgArray } from '../db/sql';
import { documentPredicates, type SearchFilters } from './scope';
import {
  BM25,
  completionQuery,
  isComplete,
  lexemeQuery,
  planCandidates,
  type KeywordTerm,
} from './keyword-plan';

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

export interface KeywordOptions {
  limit: number;
  filters?: SearchFilters;
  /** An end user's reach, applied to candidates inside the statement (before the limit). */
  access?: DocumentAccess | null;
  /** Also return the cached embeddings (of this model) of the top `count` hits, for feedback. */
  feedback?: { count: number; model: string };
  /** Postings the first pass may cover (keyword-plan.ts); tests lower it to force a second. */
  candidateBudget?: number;
}

export interface KeywordResult {
  items: Array<{ id: string; score: number }>;
  /** Embeddings of the top `feedback.count` hits that have one, best first. */
  feedback: number[][];
  /** Scoring passes run: 1 when the selective terms' chunks settled the top k, else 2. */
  passes: number;
}

/**
 * The selected terms with df and idf, and N and avgdl: key lookups in `bm25_df` / `bm25_corpus`
 * (kept at write time, see bm25-stats.ts). idf is computed here, once, by the database.
 */
async function readStatistics(db: Database, tenantId: string, query: string) {
  const result = await db.execute<{ lexeme: string; df: number; idf: number; avgdl: number }>(sql`
    with terms as (${termsSql(tenantId, query)}),
    corpus as (
      select n::float8 as n, greatest(total_tokens::float8 / nullif(n, 0), 1) as avgdl
      from bm25_corpus where tenant_id = ${tenantId}::uuid
    )
    select t.lexeme, t.df, ln(1 + (co.n - t.df + 0.5) / (t.df + 0.5))::float8 as idf, co.avgdl
    from terms t cross join corpus co
    order by t.df, t.lexeme`);
  const terms: KeywordTerm[] = result.rows.map((r) => ({
    lexeme: r.lexeme,
    df: Number(r.df),
    idf: Number(r.idf),
  }));
  return { terms, avgdl: Number(result.rows[0]?.avgdl ?? 1) };
}

type Scored = {
  id: string;
  score: number;
  embedding: string | null;
};

/**
 * Scores, over every selected term, the served chunks matching `candidates` (a tsquery text)
 * and returns the best `limit`, with the cached embeddings of the first `feedback.count`.
 * The matches come from vellum_keyword_candidates (migration 0014): the (tenant_id, tsv) GIN
 * index, never a scan of the tenant, each tsvector already cut down to the selected lexemes.
 * tf is the lexeme's position count, document length the chunk's token count.
 */
async function scoreCandidates(
  db: Database,
  tenantId: string,
  terms: KeywordTerm[],
  avgdl: number,
  candidates: string,
  options: KeywordOptions,
): Promise<Scored[]> {
  const reach = accessPredicate(options.access ?? null, 'd');
  const extra = [...documentPredicates(options.filters), ...(reach ? [reach] : [])];
  const lexemes = pgArray(terms.map((t) => t.lexeme));
  const idfs = `{${terms.map((t) => t.idf).join(',')}}`;
  const feedbackCount = options.feedback?.count ?? 0;
  const model = options.feedback?.model ?? '';
  const { k1, b } = BM25;
  const result = await db.execute<Scored>(sql`
    with terms as (
      select * from unnest(${lexemes}::text[], ${idfs}::float8[]) as t(lexeme, idf)
    ),
    candidates as (
      select m.id, m.content_hash, m.dl, m.tsv
      from vellum_keyword_candidates(${tenantId}::uuid, ${candidates}::tsquery, ${lexemes}::text[]) m
      join documents d on d.id = m.document_id and d.tenant_id = ${tenantId}::uuid and m.version = d.ready_version
      ${extra.length ? sql`where ${sql.join(extra, sql` and `)}` : sql``}
    ),
    scored as (
      select m.id, m.content_hash,
        sum(
          t.idf * u.tf * ${k1 + 1}::float8
          / (u.tf + ${k1}::float8 * (1 - ${b}::float8 + ${b}::float8 * m.dl / ${avgdl}::float8))
        )::float8 as score
      from candidates m
      cross join lateral (
        select lexeme, coalesce(array_length(positions, 1), 1)::float8 as tf from unnest(m.tsv)
      ) u
      join terms t on t.lexeme = u.lexeme
      group by m.id, m.content_hash
      order by score desc, m.id
      limit ${options.limit}::int
    ),
    ranked as (
      select s.*, row_number() over (order by s.score desc, s.id) as rank from scored s
    )
    select r.id, r.score,
      -- A subplan in a case branch runs only for the top hits: one key lookup each.
      case when r.rank <= ${feedbackCount}::int then (
        select e.embedding::text from embedding_cache e
        where e.tenant_id = ${tenantId}::uuid and e.model = ${model}::text and e.content_hash = r.content_hash
      ) end as embedding
    from ranked r
    order by r.rank
  `);
  return result.rows.map((r) => ({ ...r, score: Number(r.score) }));
}

const byScore = (a: Scored, b: Scored) =>
  b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Exact BM25 inside one tenant's served chunks, scoring only the chunks that can reach the top
 * `limit` (keyword-plan.ts): statistics by key, then one scoring pass over the chunks holding a
 * selective term, and a second pass only when the first cannot rule out the rest. The
 * statistics (N, avgdl, df) stay tenant-wide whoever asks; a user's reach and document filters
 * only drop candidates, and the bounds hold for what they leave.
 */
export async function keywordSearch(
  db: Database,
  tenantId: string,
  query: string,
  options: KeywordOptions,
): Promise<KeywordResult> {
  if (!/[\p{L}\p{N}]/u.test(query)) return { items: [], feedback: [], passes: 0 };
  const { terms, avgdl } = await readStatistics(db, tenantId, query);
  if (terms.length === 0) return { items: [], feedback: [], passes: 0 };
  const plan = planCandidates(terms, options.candidateBudget);
  const generating = lexemeQuery(plan.generating.map((t) => t.lexeme));
  let hits = await scoreCandidates(db, tenantId, terms, avgdl, generating, options);
  let passes = 1;
  if (
    !isComplete(
      plan,
      hits.map((h) => h.score),
      options.limit,
    )
  ) {
    const theta = hits.length >= options.limit ? hits[options.limit - 1]!.score : 0;
    const completion = completionQuery(plan.rest, theta);
    const more = await scoreCandidates(db, tenantId, terms, avgdl, completion, options);
    // A chunk holding a generating term too comes back with the same score: kept once.
    const seen = new Set(hits.map((h) => h.id));
    hits = [...hits, ...more.filter((h) => !seen.has(h.id))].sort(byScore).slice(0, options.limit);
    passes = 2;
  }
  const count = options.feedback?.count ?? 0;
  const feedback: number[][] = [];
  for (const hit of hits.slice(0, count)) {
    if (hit.embedding) feedback.push(JSON.parse(hit.embedding) as number[]);
  }
  return { items: hits.map((h) => ({ id: h.id, score: h.score })), feedback, passes };
}
