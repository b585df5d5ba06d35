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
 * Where a scoring statement's candidates come from: `ctes` (each ending in a comma) run first,
 * and `rows` yields candidate chunks as (id, document_id, version, content_hash, dl, tsv), the
 * tsvector cut down to the selected lexemes. `extra` rows are appended to the result as JSON
 * (a postings pass reports its list frontiers that way, in the same round trip).
 */
export interface CandidateSource {
  ctes?: SQL;
  rows: SQL;
  extra?: SQL;
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
 * selected lexemes before it is unnested. Rows of `source.extra` follow the hits.
 */
export async function scoreCandidates<Extra = never>(
  db: Database,
  tenantId: string,
  terms: KeywordTerm[],
  avgdl: number,
  source: CandidateSource,
  options: ScoreOptions,
): Promise<{ hits: Scored[]; extra: Extra[] }> {
  const reach = accessPredicate(options.access ?? null, 'd');
  const extra = [...documentPredicates(options.filters), ...(reach ? [reach] : [])];
  const lexemes = lexemeArray(terms);
  const idfs = `{${terms.map((t) => t.idf).join(',')}}`;
  const feedbackCount = options.feedback?.count ?? 0;
  const model = options.feedback?.model ?? '';
  const { k1, b } = BM25;
  const result = await db.execute<Scored & { kind: string; extra: Extra | null }>(sql`
    with ${source.ctes ?? sql``}
    terms as (
      select * from unnest(${lexemes}::text[], ${idfs}::float8[]) as t(lexeme, idf)
    ),
    candidates as (
      select m.id, m.content_hash, m.dl, m.tsv
      from ${source.rows} m
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
    ),
    hits as (
      select 'hit'::text as kind, r.rank, r.id, r.score,
        -- A subplan in a case branch runs only for the top hits: one key lookup each.
        case when r.rank <= ${feedbackCount}::int then (
          select e.embedding::text from embedding_cache e
          where e.tenant_id = ${tenantId}::uuid and e.model = ${model}::text and e.content_hash = r.content_hash
        ) end as embedding,
        null::json as extra
      from ranked r
    )
    select kind, id, score, embedding, extra from (
      select * from hits
      ${source.extra ? sql`union all select 'extra'::text, null, null, null, null, to_json(e) from (${source.extra}) e` : sql``}
    ) rows
    order by kind desc, rank
  `);
  const hits: Scored[] = [];
  const extras: Extra[] = [];
  for (const row of result.rows) {
    if (row.kind === 'hit')
      hits.push({ id: row.id, score: Number(row.score), embedding: row.embedding });
    else extras.push(row.extra as Extra);
  }
  return { hits, extra: extras };
}
