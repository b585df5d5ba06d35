import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client';
import { postingImpact } from '../db/schema';

/**
 * Per-tenant BM25 statistics over the SERVED chunks (chunks.version = documents.ready_version):
 * `bm25_corpus` holds N and the total token count, `bm25_df` the document frequency of every
 * tsvector lexeme, i.e. exactly the lexemes keyword search matches against, and
 * `keyword_postings` each served chunk's lexemes with tf and the chunk's length, from which
 * keyword search sums exact scores (keyword.ts).
 *
 * They change in the same transaction that changes what is served, by the changed document's
 * chunks only (O(document)). Lock order, the same for every writer so concurrent ingests of one
 * tenant cannot deadlock: the document row (callers: `select … for update`), then the tenant's
 * `bm25_corpus` row, then `bm25_df` rows in lexeme order, then the document's postings. Holding
 * the corpus row serialises all statistics writers of a tenant, so the df upserts never race
 * each other.
 */
type Executor = Pick<Database, 'execute'>;

export interface ServedChange {
  tenantId: string;
  documentId: string;
  /** The version served before the change (null: none). */
  from: number | null;
  /** The version served after it (null: none, e.g. the document is being deleted). */
  to: number | null;
}

/** A tsvector lexeme's tf: its position count (1 for a lexeme stored without positions). */
const TF = sql`coalesce(array_length(u.positions, 1), 1)`;

/**
 * (chunk_id, lexeme, tf, dl) of the chunks `where` selects (alias c): exactly the postings they
 * have or get. One expression for writes, deletes and repair.
 */
function postingsOf(where: SQL): SQL {
  return sql`
    select c.id as chunk_id, u.lexeme, ${TF}::smallint as tf, c.token_count as dl
    from chunks c
    cross join lateral unnest(c.tsv) as u
    where ${where}`;
}

/** Applies one document's move from serving `from` to serving `to`. Call inside the transaction. */
export async function shiftServedVersion(tx: Executor, change: ServedChange): Promise<void> {
  const { tenantId, documentId, from, to } = change;
  if (from === to) return;
  // Chunks of `to` count +1, chunks of `from` -1; a null version matches no chunk.
  const sign = sql`(case when c.version = ${to}::int then 1 else -1 end)`;
  const chunksOfChange = sql`
    c.tenant_id = ${tenantId}::uuid and c.document_id = ${documentId}::uuid
    and c.version = any(array[${from}::int, ${to}::int])`;
  // 1. The corpus row first: it is the tenant's statistics lock. The postings' coverage moves by
  //    the same deltas (step 4 writes them), so it stays equal to N and the token total.
  await tx.execute(sql`
    insert into bm25_corpus as b (tenant_id, n, total_tokens, postings_n, postings_tokens)
    select ${tenantId}::uuid, s.n, s.tokens, s.n, s.tokens
    from (
      select coalesce(sum(${sign}), 0) as n, coalesce(sum(${sign} * c.token_count), 0) as tokens
      from chunks c
      where ${chunksOfChange}
    ) s
    on conflict (tenant_id) do update
      set n = b.n + excluded.n, total_tokens = b.total_tokens + excluded.total_tokens,
        postings_n = b.postings_n + excluded.n,
        postings_tokens = b.postings_tokens + excluded.total_tokens`);
  // 2. df deltas, upserted in lexeme order. A lexeme in both versions' chunks nets out.
  await tx.execute(sql`
    insert into bm25_df as f (tenant_id, lexeme, df)
    select ${tenantId}::uuid, u.lexeme, sum(${sign})::int
    from chunks c
    cross join lateral unnest(tsvector_to_array(c.tsv)) as u(lexeme)
    where ${chunksOfChange}
    group by u.lexeme
    having sum(${sign}) <> 0
    order by u.lexeme
    on conflict (tenant_id, lexeme) do update set df = f.df + excluded.df`);
  // 3. Lexemes no served chunk holds any more (found through the partial index on df <= 0).
  await tx.execute(sql`delete from bm25_df where tenant_id = ${tenantId}::uuid and df <= 0`);
  // 4. Postings: the old version's out, each by its full key (imp recomputed from tf and
  //    length), the new version's in (in key order).
  const ofVersion = (version: number) => sql`
    c.tenant_id = ${tenantId}::uuid and c.document_id = ${documentId}::uuid and c.version = ${version}::int`;
  if (from !== null) {
    await tx.execute(sql`
      delete from keyword_postings p
      using (${postingsOf(ofVersion(from))}) x
      where p.tenant_id = ${tenantId}::uuid and p.lexeme = x.lexeme
        and p.imp = ${postingImpact(sql`x.tf`, sql`x.dl`)} and p.chunk_id = x.chunk_id`);
  }
  if (to !== null) {
    await tx.execute(sql`
      insert into keyword_postings (tenant_id, lexeme, chunk_id, tf, dl)
      select ${tenantId}::uuid, x.lexeme, x.chunk_id, x.tf, x.dl
      from (${postingsOf(ofVersion(to))}) x
      order by x.lexeme, x.chunk_id
      on conflict do nothing`);
  }
}

/** Reads the version a document serves now and locks its row until the transaction ends. */
export async function lockServedVersion(
  tx: Executor,
  tenantId: string,
  documentId: string,
): Promise<{ readyVersion: number | null } | undefined> {
  const result = await tx.execute<{ ready_version: number | null }>(sql`
    select ready_version from documents
    where tenant_id = ${tenantId}::uuid and id = ${documentId}::uuid
    for update`);
  const row = result.rows[0];
  return row ? { readyVersion: row.ready_version } : undefined;
}

export interface Bm25Drift {
  tenantId: string;
  /** N as stored before the recompute, and as recomputed. */
  n: { stored: number; actual: number };
  totalTokens: { stored: number; actual: number };
  /** bm25_df rows that were wrong, missing or extra (all repaired). */
  dfRows: number;
  /** keyword_postings rows that were wrong, missing or extra (all repaired). */
  postingRows: number;
  /** Whether the postings were marked as covering N and the token total before the repair. */
  postingsCovered: boolean;
}

export const hasDrift = (d: Bm25Drift) =>
  d.dfRows > 0 ||
  d.postingRows > 0 ||
  !d.postingsCovered ||
  d.n.stored !== d.n.actual ||
  d.totalTokens.stored !== d.totalTokens.actual;

/**
 * Recomputes one tenant's statistics from its served chunks, writes only what differs, and
 * reports the drift. O(tenant): for the daily job and for scripts that bulk-load chunks.
 */
export async function recomputeBm25Stats(db: Database, tenantId: string): Promise<Bm25Drift> {
  const drift = await db.transaction(async (tx): Promise<Bm25Drift> => {
    // Same lock order as the write path: the corpus row first.
    const stored = await tx.execute<{ n: string; total_tokens: string }>(sql`
      insert into bm25_corpus as b (tenant_id) select id from tenants where id = ${tenantId}::uuid
      on conflict (tenant_id) do update set n = b.n
      returning n, total_tokens`);
    const none = { stored: 0, actual: 0 };
    // A tenant deleted meanwhile: its statistics went with it.
    if (!stored.rows[0]) {
      return {
        tenantId,
        n: none,
        totalTokens: none,
        dfRows: 0,
        postingRows: 0,
        postingsCovered: true,
      };
    }
    const actual = await tx.execute<{ n: string; total_tokens: string }>(sql`
      update bm25_corpus b set n = s.n, total_tokens = s.total_tokens
      from (
        select count(*) as n, coalesce(sum(c.token_count), 0) as total_tokens
        from chunks c
        join documents d on d.id = c.document_id and d.tenant_id = c.tenant_id and c.version = d.ready_version
        where c.tenant_id = ${tenantId}::uuid
      ) s
      where b.tenant_id = ${tenantId}::uuid
      returning b.n, b.total_tokens`);
    const df = await tx.execute<{ differing: number }>(sql`
      with truth as (
        select u.lexeme, count(*)::int as df
        from chunks c
        join documents d on d.id = c.document_id and d.tenant_id = c.tenant_id and c.version = d.ready_version
        cross join lateral unnest(tsvector_to_array(c.tsv)) as u(lexeme)
        where c.tenant_id = ${tenantId}::uuid
        group by u.lexeme
      ),
      diff as (
        select coalesce(t.lexeme, f.lexeme) as lexeme, t.df as actual
        from truth t
        full join (select lexeme, df from bm25_df where tenant_id = ${tenantId}::uuid) f on f.lexeme = t.lexeme
        where t.df is distinct from f.df
      ),
      removed as (
        delete from bm25_df f using diff
        where f.tenant_id = ${tenantId}::uuid and f.lexeme = diff.lexeme and diff.actual is null
      ),
      upserted as (
        insert into bm25_df as f (tenant_id, lexeme, df)
        select ${tenantId}::uuid, lexeme, actual from diff where actual is not null order by lexeme
        on conflict (tenant_id, lexeme) do update set df = excluded.df
      )
      select count(*)::int as differing from diff`);
    return {
      tenantId,
      n: { stored: Number(stored.rows[0]!.n), actual: Number(actual.rows[0]!.n) },
      totalTokens: {
        stored: Number(stored.rows[0]!.total_tokens),
        actual: Number(actual.rows[0]!.total_tokens),
      },
      dfRows: df.rows[0]!.differing,
      postingRows: 0,
      postingsCovered: true,
    };
  });
  // Postings in a transaction of their own (a tenant deleted meanwhile has no corpus row: none):
  // the larger diff must not take the df repair down with it if it runs out of time.
  return { ...drift, ...(await repairPostings(db, tenantId)) };
}

/**
 * Rewrites the tenant's postings where they differ from its served chunks, then marks them as
 * covering N and the token total, under the corpus-row lock. Returns the rows that differed and
 * whether the mark was already right.
 */
async function repairPostings(
  db: Database,
  tenantId: string,
): Promise<Pick<Bm25Drift, 'postingRows' | 'postingsCovered'>> {
  return db.transaction(async (tx) => {
    const locked = await tx.execute<{ covered: boolean }>(sql`
      select (postings_n = n and postings_tokens = total_tokens) as covered
      from bm25_corpus where tenant_id = ${tenantId}::uuid for update`);
    if (locked.rows.length === 0) return { postingRows: 0, postingsCovered: true };
    const served = sql`c.tenant_id = ${tenantId}::uuid and exists (
      select 1 from documents d
      where d.id = c.document_id and d.tenant_id = c.tenant_id and d.ready_version = c.version)`;
    const postings = await tx.execute<{ differing: number }>(sql`
      with truth as (${postingsOf(served)}),
      diff as (
        select t.chunk_id is not null as served, p.imp is not null as stored,
          coalesce(t.lexeme, p.lexeme) as lexeme, coalesce(t.chunk_id, p.chunk_id) as chunk_id, p.imp
        from truth t
        full join (
          select lexeme, chunk_id, tf, dl, imp from keyword_postings
          where tenant_id = ${tenantId}::uuid
        ) p on p.lexeme = t.lexeme and p.chunk_id = t.chunk_id
        where (t.tf, t.dl) is distinct from (p.tf, p.dl)
      ),
      -- Extra and wrong rows out, by their stored key. The wrong ones' right rows go in below,
      -- in a statement of its own: their key can equal the deleted one's (imp is rounded), and
      -- a statement does not see its own deletes.
      removed as (
        delete from keyword_postings p using diff
        where diff.stored and p.tenant_id = ${tenantId}::uuid and p.lexeme = diff.lexeme
          and p.imp = diff.imp and p.chunk_id = diff.chunk_id
      )
      select count(*)::int as differing from diff`);
    await tx.execute(sql`
      insert into keyword_postings (tenant_id, lexeme, chunk_id, tf, dl)
      select ${tenantId}::uuid, t.lexeme, t.chunk_id, t.tf, t.dl
      from (${postingsOf(served)}) t
      where not exists (
        select 1 from keyword_postings p
        where p.tenant_id = ${tenantId}::uuid and p.lexeme = t.lexeme
          and p.imp = ${postingImpact(sql`t.tf`, sql`t.dl`)} and p.chunk_id = t.chunk_id)
      order by t.lexeme, t.chunk_id`);
    // N and the token total were made exact by the statistics repair and cannot have moved since
    // (every writer holds this row): the postings now cover exactly them.
    await tx.execute(sql`
      update bm25_corpus set postings_n = n, postings_tokens = total_tokens
      where tenant_id = ${tenantId}::uuid`);
    return { postingRows: postings.rows[0]!.differing, postingsCovered: locked.rows[0]!.covered };
  });
}

export interface Bm25RepairResult {
  tenants: number;
  drifted: Bm25Drift[];
}

/** The daily repair: recomputes every tenant that serves, or once served, something. */
export async function repairBm25Stats(db: Database): Promise<Bm25RepairResult> {
  const tenants = await db.execute<{ id: string }>(sql`
    select t.id from tenants t
    where exists (select 1 from bm25_corpus b where b.tenant_id = t.id)
       or exists (select 1 from documents d where d.tenant_id = t.id and d.ready_version is not null)
    order by t.id`);
  const drifted: Bm25Drift[] = [];
  for (const { id } of tenants.rows) {
    const drift = await recomputeBm25Stats(db, id);
    if (hasDrift(drift)) drifted.push(drift);
  }
  return { tenants: tenants.rows.length, drifted };
}
