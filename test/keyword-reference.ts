// Keyword search's test corpus and its reference: documents written with their statistics
// (as promotion writes them), and a straightforward BM25 computed in TypeScript to check against.
import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import type { Database } from '../src/db/client';
import { chunks, documents } from '../src/db/schema';
import { shiftServedVersion } from '../src/retrieval/bm25-stats';
import { BM25 } from '../src/retrieval/keyword';

/** Inserts the document row only: at `version`, serving `readyVersion` (null: nothing). */
export async function insertDocumentRow(
  db: Database,
  tenantId: string,
  version = 1,
  readyVersion: number | null = 1,
) {
  const documentId = crypto.randomUUID();
  await db.insert(documents).values({
    id: documentId,
    tenantId,
    title: 'doc',
    mimeType: 'text/plain',
    byteSize: 1,
    sha256: crypto.randomUUID(),
    currentVersion: version,
    readyVersion,
  });
  return documentId;
}

/** Inserts a document serving `readyVersion` (null: nothing) with chunks of `version`. */
export async function insertDocument(
  db: Database,
  tenantId: string,
  texts: string[],
  { version = 1, readyVersion = 1 as number | null } = {},
) {
  const documentId = await insertDocumentRow(db, tenantId, version, readyVersion);
  await db.insert(chunks).values(
    texts.map((text, ordinal) => ({
      tenantId,
      documentId,
      version,
      ordinal,
      text,
      tokenCount: text.split(/\s+/).length,
      contentHash: `${documentId}-${ordinal}`,
      charStart: 0,
      charEnd: text.length,
    })),
  );
  if (readyVersion !== null) {
    await db.transaction((tx) =>
      shiftServedVersion(tx, { tenantId, documentId, from: null, to: readyVersion }),
    );
  }
  return documentId;
}

/**
 * Straightforward BM25 in TypeScript over every served chunk of the tenant: N, avgdl and df
 * counted here from the chunks' tsvector lexemes (read as they are stored), not from the tables.
 */
export async function referenceBm25(db: Database, tenantId: string, terms: string[]) {
  const rows = await db.execute<{ id: string; dl: number; lexeme: string; tf: number }>(sql`
    select c.id, c.token_count as dl, u.lexeme, coalesce(array_length(u.positions, 1), 1) as tf
    from chunks c
    join documents d on d.id = c.document_id and c.version = d.ready_version
    cross join lateral unnest(c.tsv) u
    where c.tenant_id = ${tenantId}::uuid`);
  const docs = new Map<string, { dl: number; tf: Map<string, number> }>();
  for (const r of rows.rows) {
    const doc = docs.get(r.id) ?? { dl: r.dl, tf: new Map() };
    doc.tf.set(r.lexeme, r.tf);
    docs.set(r.id, doc);
  }
  const n = docs.size;
  const avgdl = Math.max([...docs.values()].reduce((s, d) => s + d.dl, 0) / n, 1);
  const df = new Map<string, number>();
  for (const doc of docs.values())
    for (const lexeme of doc.tf.keys()) df.set(lexeme, (df.get(lexeme) ?? 0) + 1);
  const { k1, b } = BM25;
  const scores = new Map<string, number>();
  for (const [id, doc] of docs) {
    let score = 0;
    let matched = false;
    for (const term of terms) {
      const tf = doc.tf.get(term);
      if (!tf) continue;
      matched = true;
      const idf = Math.log(1 + (n - df.get(term)! + 0.5) / (df.get(term)! + 0.5));
      score += (idf * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * doc.dl) / avgdl));
    }
    if (matched) scores.set(id, score);
  }
  return { scores, df, n, avgdl };
}

/** The query's terms by the documented rule: English stems plus non-stop-word exact tokens. */
export async function allTerms(db: Database, query: string) {
  const rows = await db.execute<{ lexeme: string }>(sql`
    select unnest(tsvector_to_array(to_tsvector('english', ${query}::text))) as lexeme
    union
    select t from unnest(tsvector_to_array(to_tsvector('simple', ${query}::text))) t
    where to_tsvector('english', t) <> ''::tsvector`);
  return rows.rows.map((r) => r.lexeme);
}

export function expectSameRanking(
  got: Array<{ id: string; score: number }>,
  expected: Map<string, number>,
) {
  expect(new Set(got.map((g) => g.id))).toEqual(new Set(expected.keys()));
  for (const hit of got) expect(hit.score).toBeCloseTo(expected.get(hit.id)!, 9);
  for (let i = 1; i < got.length; i++) {
    // Same order as the reference (up to float noise between equal scores).
    expect(expected.get(got[i - 1]!.id)!).toBeGreaterThanOrEqual(expected.get(got[i]!.id)! - 1e-9);
  }
}
