import { env } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Database } from '../src/db/client';
import type { Env } from '../src/env';
import { runMaintenance } from '../src/maintenance';
import { recomputeBm25Stats } from '../src/retrieval/bm25-stats';
import { newTenant, uploadText, withDb, type TestClient } from './helpers';
import { waitForReady, waitForStatus } from './support/poll';

/** Waits until every document serves its latest version (or, with `failedOk`, has failed). */
async function waitServed(client: TestClient, ids: string[], failedOk = false) {
  for (const id of ids) {
    if (failedOk) await waitForStatus(client, id, ['ready', 'failed'], 45_000);
    else await waitForReady(client, id, 45_000);
  }
}

/** The statistics as stored, and as counted from scratch over the served chunks (independently). */
async function statistics(db: Database, tenantId: string) {
  const stored = await db.execute<{ n: number; total: number }>(sql`
    select n::int as n, total_tokens::int as total from bm25_corpus where tenant_id = ${tenantId}::uuid`);
  const storedDf = await db.execute<{ lexeme: string; df: number }>(sql`
    select lexeme, df from bm25_df where tenant_id = ${tenantId}::uuid order by lexeme`);
  const truth = await db.execute<{ n: number; total: number }>(sql`
    select count(*)::int as n, coalesce(sum(c.token_count), 0)::int as total
    from chunks c join documents d on d.id = c.document_id and c.version = d.ready_version
    where c.tenant_id = ${tenantId}::uuid`);
  const truthDf = await db.execute<{ lexeme: string; df: number }>(sql`
    select u.lexeme, count(*)::int as df
    from chunks c join documents d on d.id = c.document_id and c.version = d.ready_version
    cross join lateral unnest(tsvector_to_array(c.tsv)) u(lexeme)
    where c.tenant_id = ${tenantId}::uuid
    group by u.lexeme order by u.lexeme`);
  return {
    stored: { corpus: stored.rows[0] ?? { n: 0, total: 0 }, df: storedDf.rows },
    truth: { corpus: truth.rows[0]!, df: truthDf.rows },
  };
}

/** The postings as stored, and (chunk, lexeme, tf, dl) of every served chunk's lexemes. */
async function postings(db: Database, tenantId: string) {
  const stored = await db.execute<{ key: string }>(sql`
    select chunk_id || ' ' || lexeme || ' ' || tf || ' ' || dl as key from keyword_postings
    where tenant_id = ${tenantId}::uuid order by key`);
  const served = await db.execute<{ key: string }>(sql`
    select c.id || ' ' || u.lexeme || ' ' || coalesce(array_length(u.positions, 1), 1) || ' ' ||
        c.token_count as key
    from chunks c join documents d on d.id = c.document_id and c.version = d.ready_version
    cross join lateral unnest(c.tsv) u
    where c.tenant_id = ${tenantId}::uuid order by key`);
  return { stored: stored.rows.map((r) => r.key), truth: served.rows.map((r) => r.key) };
}

async function expectExact(tenantId: string) {
  const { stored, truth } = await withDb((db) => statistics(db, tenantId));
  expect(stored.corpus).toEqual(truth.corpus);
  expect(stored.df).toEqual(truth.df);
  const lists = await withDb((db) => postings(db, tenantId));
  expect(lists.stored).toEqual(lists.truth);
  // And they are marked as covering exactly what the statistics count.
  const covered = await withDb((db) =>
    db.execute<{ covered: boolean }>(sql`
      select postings_n = n and postings_tokens = total_tokens as covered
      from bm25_corpus where tenant_id = ${tenantId}::uuid`),
  );
  expect(covered.rows[0]?.covered ?? true).toBe(true);
  return truth;
}

const text = (i: number, salt = '') =>
  `# Note ${i}${salt}\n\nAirfoil ${i} report${salt}: wing section w${i} with flap${i % 3} and slat${i % 5}. ` +
  `Pressure drag ${i * 17} at Mach ${i % 4}. ${'boundary layer '.repeat(i % 6)}${salt}`;

const put = (client: TestClient, id: string, body: string | Uint8Array, type = 'text/markdown') =>
  client.json(`/v1/documents/${id}/content`, {
    method: 'PUT',
    headers: { 'content-type': type },
    body,
  });

describe('BM25 statistics', () => {
  afterEach(() => vi.restoreAllMocks());

  it('stay exact through concurrent promotions, new versions, failures and deletes', async () => {
    const client = await newTenant('editor', 'bm25');
    // Many documents of one tenant, uploaded at once: the consumer promotes them concurrently.
    const uploads = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        uploadText(client, text(i), `?title=n${i}`, 'text/markdown'),
      ),
    );
    const ids = uploads.map((u) => u.body.document.id as string);
    await waitServed(client, ids);
    const first = await expectExact(client.tenantId);
    expect(first.corpus.n).toBeGreaterThanOrEqual(16);

    // New versions replacing old ones (some lexemes leave, some arrive), uploaded together with
    // new documents.
    const more = await Promise.all([
      ...ids.slice(0, 5).map((id, i) => put(client, id, text(i, ' revised quasar'))),
      ...Array.from({ length: 4 }, (_, i) =>
        uploadText(client, text(100 + i), '', 'text/markdown'),
      ),
    ]);
    expect(more.every((r) => r.status === 202)).toBe(true);
    const added = more.slice(5).map((u) => u.body.document.id as string);
    await waitServed(client, [...ids, ...added]);
    const second = await expectExact(client.tenantId);
    expect(second.df.find((r) => r.lexeme === 'quasar')?.df).toBe(5);
    expect(second.corpus.n).toBeGreaterThan(first.corpus.n);

    // A version that fails never serves: the statistics do not move.
    const bytes = new Uint8Array(2048).map((_, i) => (i * 7919) % 256);
    expect((await put(client, ids[6]!, bytes, 'text/plain')).status).toBe(202);
    await waitServed(client, [ids[6]!], true);
    const { body: failedDoc } = await client.json(`/v1/documents/${ids[6]}`);
    expect(failedDoc.readyVersion).toBe(1);
    expect(await expectExact(client.tenantId)).toEqual(second);

    // Deletes, some of documents just given a new version.
    const gone = [ids[0]!, ids[1]!, ids[6]!, added[0]!];
    const deletes = await Promise.all(
      gone.map((id) => client.fetch(`/v1/documents/${id}`, { method: 'DELETE' })),
    );
    expect(deletes.map((r) => r.status)).toEqual([202, 202, 202, 202]);
    // Exact as soon as the DELETEs answer: hiding a document takes it out of the statistics.
    const third = await expectExact(client.tenantId);
    expect(third.df.find((r) => r.lexeme === 'quasar')?.df).toBe(3);
    expect(third.corpus.n).toBeLessThan(second.corpus.n);

    // Nothing served: nothing counted, and no df row left behind.
    const rest = [...ids, ...added].filter((id) => !gone.includes(id));
    for (const id of rest) await client.fetch(`/v1/documents/${id}`, { method: 'DELETE' });
    const empty = await expectExact(client.tenantId);
    expect(empty.corpus).toEqual({ n: 0, total: 0 });
    expect(empty.df).toEqual([]);
    const lists = await withDb((db) => postings(db, client.tenantId));
    expect(lists.stored).toEqual([]);
  }, 120_000);

  it('the daily job repairs injected drift and reports it', async () => {
    const client = await newTenant('editor', 'bm25-drift');
    const { body } = await uploadText(client, text(7), '', 'text/markdown');
    await waitServed(client, [body.document.id]);
    const truth = await expectExact(client.tenantId);
    const tenantId = client.tenantId;
    await withDb(async (db) => {
      await db.execute(
        sql`update bm25_corpus set n = n + 3, total_tokens = total_tokens - 10 where tenant_id = ${tenantId}::uuid`,
      );
      // The mark of what the postings cover, off as a release that writes no postings leaves it.
      await db.execute(
        sql`update bm25_corpus set postings_n = postings_n - 2 where tenant_id = ${tenantId}::uuid`,
      );
      await db.execute(
        sql`update bm25_df set df = df + 5 where tenant_id = ${tenantId}::uuid and lexeme = 'wing'`,
      );
      await db.execute(
        sql`delete from bm25_df where tenant_id = ${tenantId}::uuid and lexeme = 'airfoil'`,
      );
      await db.execute(
        sql`insert into bm25_df (tenant_id, lexeme, df) values (${tenantId}::uuid, 'phantom', 2)`,
      );
      // Postings: a lexeme's lost, another's with a wrong tf, one for a chunk that does not exist.
      await db.execute(sql`
        delete from keyword_postings where tenant_id = ${tenantId}::uuid and lexeme = 'wing'`);
      await db.execute(sql`
        update keyword_postings set tf = tf + 1
        where tenant_id = ${tenantId}::uuid and lexeme = 'section'`);
      await db.execute(sql`
        insert into keyword_postings (tenant_id, lexeme, chunk_id, tf, dl)
        values (${tenantId}::uuid, 'phantom', gen_random_uuid(), 1, 10)`);
    });
    const wrongPostings = await withDb(async (db) => {
      const counted = await db.execute<{ n: number }>(sql`
        select count(*)::int as n from keyword_postings p
        join chunks c on c.id = p.chunk_id join documents d on d.id = c.document_id and c.version = d.ready_version
        where p.tenant_id = ${tenantId}::uuid and p.lexeme = 'section'`);
      const wing = await db.execute<{ n: number }>(sql`
        select count(*)::int as n from chunks c
        join documents d on d.id = c.document_id and c.version = d.ready_version
        where c.tenant_id = ${tenantId}::uuid and c.tsv @@ 'wing'::tsquery`);
      return counted.rows[0]!.n + wing.rows[0]!.n + 1;
    });
    expect(wrongPostings).toBeGreaterThanOrEqual(3);
    const warn = vi.spyOn(console, 'warn');
    const report = await runMaintenance(env as Env, {
      now: Date.now(),
      orphanPrefix: `tenants/${tenantId}/`,
    });
    expect(report.errors).toEqual([]);
    const drift = report.bm25!.drifted.find((d) => d.tenantId === tenantId);
    expect(drift).toEqual({
      tenantId,
      n: { stored: truth.corpus.n + 3, actual: truth.corpus.n },
      totalTokens: { stored: truth.corpus.total - 10, actual: truth.corpus.total },
      dfRows: 3,
      postingRows: wrongPostings,
      postingsCovered: false,
    });
    const logged = warn.mock.calls
      .map(([line]) => JSON.parse(String(line)))
      .find((l) => l.msg === 'maintenance.bm25_drift' && l.tenantId === tenantId);
    expect(logged).toMatchObject({
      dfRows: 3,
      postingRows: wrongPostings,
      nDelta: -3,
      corpusLengthDelta: 10,
    });
    await expectExact(tenantId);

    // Once repaired, a recompute finds nothing.
    const again = await withDb((db) => recomputeBm25Stats(db, tenantId));
    expect(again).toEqual({
      tenantId,
      n: { stored: truth.corpus.n, actual: truth.corpus.n },
      totalTokens: { stored: truth.corpus.total, actual: truth.corpus.total },
      dfRows: 0,
      postingRows: 0,
      postingsCovered: true,
    });
  });
});
