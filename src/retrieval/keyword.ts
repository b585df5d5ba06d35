import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client';
import { accessPredicate, type DocumentAccess } from '../access/visibility';
import { documentPredicates, type SearchFilters } from './scope';

/** BM25 parameters: the classic Robertson/Lucene defaults. */
export const BM25 = { k1: 1.2, b: 0.75 } as const;
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

/** A tsquery text ORing lexemes verbatim: quoted, never re-parsed, so `zx-4471` stays one term. */
export const lexemeQuery = (lexemes: string[]) =>
  lexemes.map((l) => `'${l.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`).join(' | ');

const isLong = (query: string) =>
  new Set(query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).size > MAX_QUERY_TERMS;

/**
 * The candidate predicate's tsquery. The planner must see it as a constant to choose the
 * (tenant_id, tsv) GIN index over scanning the tenant (a tsquery from a subquery is unknown at
 * plan time, and was costed like a scan), so it is never built from a subquery:
 * - a short query ORs its own English lexemes, folded at plan time from the query text. Every
 *   chunk holding a query term holds one of them (a chunk's tsv has the English stem of each of
 *   its words, and stop words are never terms), so this is a superset of the matches;
 * - a long query would OR hundreds of lexemes, so its selected terms are read first (one more
 *   round trip) and passed as a literal tsquery.
 * Scoring uses only the selected terms either way; a candidate holding none of them drops out.
 */
async function candidateQuery(db: Database, tenantId: string, query: string) {
  if (!isLong(query)) {
    return sql`nullif(replace(strip(to_tsvector('english'::regconfig, ${query}::text))::text, ''' ''', ''' | '''), '')::tsquery`;
  }
  const terms = await queryTerms(db, tenantId, query);
  if (terms.length === 0) return null;
  return sql`${lexemeQuery(terms.map((t) => t.lexeme))}::tsquery`;
}

export interface KeywordOptions {
  limit: number;
  filters?: SearchFilters;
  /** An end user's reach, applied to candidates inside the statement (before the limit). */
  access?: DocumentAccess | null;
  /** Also return the cached embeddings (of this model) of the top `count` hits, for feedback. */
  feedback?: { count: number; model: string };
}

export interface KeywordResult {
  items: Array<{ id: string; score: number }>;
  /** Embeddings of the top `feedback.count` hits that have one, best first. */
  feedback: number[][];
}

/**
 * BM25 inside one tenant's served chunks, in one statement (two for long queries). The
 * statistics (N, avgdl, df) stay tenant-wide whoever asks; a user's reach only drops candidates.
 * - N, avgdl and each query term's df are read by key from `bm25_corpus` / `bm25_df`
 *   (kept at write time, see bm25-stats.ts);
 * - candidates come from the (tenant_id, tsv) GIN index, `tenant_id = $1 and tsv @@ q`
 *   (see candidateQuery), then the served-version check against documents;
 * - only candidates are scored. tf is the lexeme's position count in the tsvector, document
 *   length the chunk's token count. Rather than unnest whole tsvectors, each candidate's is cut
 *   down to the selected lexemes first (every weight D, the selected lexemes A, keep A: all in
 *   C, positions kept).
 */
export async function keywordSearch(
  db: Database,
  tenantId: string,
  query: string,
  options: KeywordOptions,
): Promise<KeywordResult> {
  if (!/[\p{L}\p{N}]/u.test(query)) return { items: [], feedback: [] };
  const candidates = await candidateQuery(db, tenantId, query);
  if (!candidates) return { items: [], feedback: [] };
  const reach = accessPredicate(options.access ?? null, 'd');
  const where = sql.join(
    [
      sql`c.tenant_id = ${tenantId}::uuid`,
      sql`c.tsv @@ ${candidates}`,
      ...documentPredicates(options.filters),
      ...(reach ? [reach] : []),
    ],
    sql` and `,
  );
  const feedbackCount = options.feedback?.count ?? 0;
  const model = options.feedback?.model ?? '';
  const { k1, b } = BM25;
  const result = await db.execute<{ id: string; score: number; embedding: string | null }>(sql`
    with terms as materialized (${termsSql(tenantId, query)}),
    selected as (select array_agg(lexeme) as lexemes from terms),
    corpus as (
      select n::float8 as n, greatest(total_tokens::float8 / nullif(n, 0), 1) as avgdl
      from bm25_corpus where tenant_id = ${tenantId}::uuid
    ),
    candidates as (
      select c.id, c.content_hash, c.token_count::float8 as dl,
        ts_filter(setweight(setweight(c.tsv, 'D'), 'A', (select lexemes from selected)), '{a}') as tsv
      from chunks c
      join documents d on d.id = c.document_id and d.tenant_id = c.tenant_id and c.version = d.ready_version
      where ${where}
    ),
    scored as (
      select m.id, m.content_hash,
        sum(
          ln(1 + (co.n - t.df + 0.5) / (t.df + 0.5))
          * u.tf * ${k1 + 1}::float8 / (u.tf + ${k1}::float8 * (1 - ${b}::float8 + ${b}::float8 * m.dl / co.avgdl))
        )::float8 as score
      from candidates m
      cross join lateral (
        select lexeme, coalesce(array_length(positions, 1), 1)::float8 as tf from unnest(m.tsv)
      ) u
      join terms t on t.lexeme = u.lexeme
      cross join corpus co
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
  const feedback: number[][] = [];
  for (const row of result.rows) {
    if (row.embedding) feedback.push(JSON.parse(row.embedding) as number[]);
  }
  return {
    items: result.rows.map((r) => ({ id: r.id, score: Number(r.score) })),
    feedback,
  };
}
