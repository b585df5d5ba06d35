import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client';
import { accessPredicate, type DocumentAccess } from '../access/visibility';
import { pgArray } from '../db/sql';
import { documentPredicates, type SearchFilters } from './scope';
import { BM25, type KeywordTerm } from './keyword-plan';

export interface ScoreOptions {
  limit: number;
  filters?: SearchFilters;
  /** An end user's reach, applied to candidates inside the statement (before the limit). */
  access?: DocumentAccess | null;
  /** Also return the cached embeddings (of this model) of the top `count` hits, for feedback. */
  feedback?: { count: number; model: string };
}

export type Scored = {
  id: string;
  score: number;
  embedding: string | null;
};

/**
 * Where a scoring statement's candidates come from: `ctes` (each ending in a comma) follow the
 * statement's `terms (lexeme, idf)` CTE and may read it, and `rows` yields candidate chunks as
 * (id, document_id, version, content_hash, dl, tsv), the tsvector cut down to the selected
 * lexemes.
 */
export interface CandidateSource {
  ctes?: SQL;
  rows: SQL;
}

/** One term's BM25 contribution: `idf`, `tf` and `dl` are SQL expressions, avgdl a number. */
export function bm25Term(idf: SQL, tf: SQL, dl: SQL, avgdl: number): SQL {
  const { k1, b } = BM25;
  return sql`(${idf} * ${tf} * ${k1 + 1}::float8
    / (${tf} + ${k1}::float8 * (1 - ${b}::float8 + ${b}::float8 * ${dl} / ${avgdl}::float8)))`;
}

/** The terms' lexemes as a text[] literal. */
export const lexemeArray = (terms: KeywordTerm[]) => pgArray(terms.map((t) => t.lexeme));

/** A tsvector cut down to `lexemes` (every weight D, those lexemes A, keep A). */
export const keepLexemes = (tsv: SQL, lexemes: string) =>
  sql`ts_filter(setweight(setweight(${tsv}, 'D'), 'A', ${lexemes}::text[]), '{a}')`;

/** The chunks matching a tsquery, through the (tenant_id, tsv) GIN index (migration 0014). */
export function matchSource(tenantId: string, match: string, lexemes: string): CandidateSource {
  return {
    rows: sql`vellum_keyword_candidates(${tenantId}::uuid, ${match}::tsquery, ${lexemes}::text[])`,
  };
}

/**
 * Scores, over every selected term, the served chunks a source names and returns the best
 * `limit`, with the cached embeddings of the first `feedback.count`. tf is the lexeme's
 * position count, document length the chunk's token count; each tsvector is cut down to the
 * selected lexemes before it is unnested.
 */
export async function scoreCandidates(
  db: Database,
  tenantId: string,
  terms: KeywordTerm[],
  avgdl: number,
  source: CandidateSource,
  options: ScoreOptions,
): Promise<Scored[]> {
  const reach = accessPredicate(options.access ?? null, 'd');
  const extra = [...documentPredicates(options.filters), ...(reach ? [reach] : [])];
  const lexemes = lexemeArray(terms);
  const idfs = `{${terms.map((t) => t.idf).join(',')}}`;
  const feedbackCount = options.feedback?.count ?? 0;
  const model = options.feedback?.model ?? '';
  const result = await db.execute<Scored>(sql`
    with terms as (
      select * from unnest(${lexemes}::text[], ${idfs}::float8[]) as t(lexeme, idf)
    ),
    ${source.ctes ?? sql``}
    candidates as (
      select m.id, m.content_hash, m.dl, m.tsv
      from ${source.rows} m
      join documents d on d.id = m.document_id and d.tenant_id = ${tenantId}::uuid and m.version = d.ready_version
      ${extra.length ? sql`where ${sql.join(extra, sql` and `)}` : sql``}
    ),
    scored as (
      select m.id, m.content_hash,
        sum(${bm25Term(sql`t.idf`, sql`u.tf`, sql`m.dl`, avgdl)})::float8 as score
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
