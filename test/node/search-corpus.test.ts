// The search benchmark grows its tenant by copying chunk rows behind the API's back; its keyword
// statistics must come out exactly as the write path (and the daily recompute) would have them,
// or the benchmark measures a ranking nobody serves.
import { PGlite } from '@electric-sql/pglite';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { vector } from '@electric-sql/pglite-pgvector';
import { drizzle } from 'drizzle-orm/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { growTenant } from '../../scripts/bench/search-corpus';
import { applyMigrations, pgliteExec } from '../../scripts/lib/migrate';
import type { Database } from '../../src/db/client';
import { hasDrift, recomputeBm25Stats } from '../../src/retrieval/bm25-stats';

let pg: PGlite;
const query = async <T>(text: string, params?: unknown[]) => (await pg.query<T>(text, params)).rows;

beforeAll(async () => {
  pg = await PGlite.create({ extensions: { vector, btree_gin } });
  await applyMigrations(pgliteExec(pg));
}, 120_000);
afterAll(() => pg?.close());

describe('search benchmark corpus', () => {
  it('keeps the BM25 statistics exact while copying, round by round', async () => {
    const db = drizzle(pg) as unknown as Database;
    const [{ id: tenantId }] = (await query<{ id: string }>(
      `insert into tenants (name) values ('bench') returning id`,
    )) as [{ id: string }];
    const seeds: string[] = [];
    const texts = [
      'shock waves in supersonic flow over a wedge',
      'boundary layer transition on a flat plate at high reynolds number',
      'heat transfer in hypersonic flow, shock and boundary layer interaction',
    ];
    for (const [i, text] of texts.entries()) {
      const id = crypto.randomUUID();
      seeds.push(id);
      await query(
        `insert into documents (id, tenant_id, title, mime_type, byte_size, sha256, ready_version, status)
         values ($1, $2, $3, 'text/plain', 1, $4, 1, 'ready')`,
        [id, tenantId, `seed ${i}`, `sha-${i}`],
      );
      await query(
        `insert into document_versions (tenant_id, document_id, version, mime_type, byte_size, sha256, r2_key, status)
         values ($4, $1, 1, 'text/plain', 1, $2, $3, 'ready')`,
        [id, `sha-${i}`, `k-${i}`, tenantId],
      );
      // Two chunks each, one of them a served-older version that must not count.
      await query(
        `insert into chunks (tenant_id, document_id, version, ordinal, text, token_count, content_hash, char_start, char_end)
         values ($1, $2, 1, 0, $3, 9, $4, 0, 1), ($1, $2, 1, 1, $5, 4, $6, 0, 1),
                ($1, $2, 0, 0, 'stale version text', 3, $7, 0, 1)`,
        [tenantId, id, text, `h${i}a`, `${text} again`, `h${i}b`, `h${i}old`],
      );
    }
    await recomputeBm25Stats(db, tenantId);

    const grown = await growTenant(query, tenantId, seeds, 15);
    expect(grown.chunks).toBeGreaterThanOrEqual(15);
    const drift = await recomputeBm25Stats(db, tenantId);
    expect(drift.n).toEqual({ stored: grown.chunks, actual: grown.chunks });
    expect(hasDrift(drift)).toBe(false);
  }, 120_000);
});
