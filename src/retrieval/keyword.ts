import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { documentPredicates, type SearchFilters } from './scope';

/** BM25 parameters: the classic Robertson/Lucene defaults. */
export const BM25 = { k1: 1.2, b: 0.75 } as const;

/**
 * BM25 over the tsvector index, inside one tenant's served chunks. Query terms are the
 * English stems plus the exact (`simple`) tokens that are not stop words, so identifiers
 * and codes match verbatim. Candidates come from the GIN index (`tsv @@ t1 | t2 | …`);
 * term frequencies come from the tsvector itself; document length is the chunk's
 * token count; df and avgdl are computed over the tenant's served chunks.
 */
export async function keywordSearch(
  db: Database,
  tenantId: string,
  query: string,
  options: { limit: number; filters?: SearchFilters },
): Promise<Array<{ id: string; score: number }>> {
  if (!/[\p{L}\p{N}]/u.test(query)) return [];
  const docFilter = documentPredicates(options.filters);
  const where = sql.join([sql`c.tenant_id = ${tenantId}::uuid`, ...docFilter], sql` and `);
  const result = await db.execute<{ id: string; score: number }>(sql`
    with terms as (
      select array(
        select distinct lexeme from (
          select unnest(tsvector_to_array(to_tsvector('english'::regconfig, ${query}::text))) as lexeme
          union
          select t from unnest(tsvector_to_array(to_tsvector('simple'::regconfig, ${query}::text))) as t
          where to_tsvector('english'::regconfig, t) <> ''::tsvector
        ) s
      ) as list
    ),
    served as (
      select c.id, c.tsv, c.token_count
      from chunks c
      join documents d on d.id = c.document_id and d.tenant_id = c.tenant_id and c.version = d.ready_version
      where ${where}
    ),
    stats as (
      select count(*)::float8 as n, greatest(avg(token_count), 1)::float8 as avgdl from served
    ),
    matches as (
      select s.id, u.lexeme, coalesce(array_length(u.positions, 1), 1)::float8 as tf, s.token_count::float8 as dl
      from served s
      cross join terms
      cross join lateral unnest(s.tsv) as u
      where cardinality(terms.list) > 0
        and s.tsv @@ to_tsquery('simple'::regconfig, array_to_string(array(select quote_literal(t) from unnest(terms.list) t), ' | '))
        and u.lexeme = any(terms.list)
    ),
    df as (
      select lexeme, count(distinct id)::float8 as df from matches group by lexeme
    )
    select m.id,
      sum(
        ln(1 + (st.n - df.df + 0.5) / (df.df + 0.5))
        * m.tf * ${BM25.k1 + 1}::float8 / (m.tf + ${BM25.k1}::float8 * (1 - ${BM25.b}::float8 + ${BM25.b}::float8 * m.dl / st.avgdl))
      )::float8 as score
    from matches m
    join df using (lexeme)
    cross join stats st
    group by m.id
    order by score desc, m.id
    limit ${options.limit}::int
  `);
  return result.rows.map((r) => ({ id: r.id, score: Number(r.score) }));
}
