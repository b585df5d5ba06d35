import { and, eq, isNotNull, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { newTenant, withDb } from '../../../test/helpers';
import { insertDocument } from '../../../test/pg-chunks';
import { embedLocally } from '../../ai/embed/local';
import type { Database } from '../../db/client';
import { chunks, documents } from '../../db/schema';
import { PgVectorStore } from './pgvector';

async function embedChunks(
  store: PgVectorStore,
  tenantId: string,
  documentId: string,
  ids: string[],
  texts: string[],
  version = 1,
) {
  await store.upsert(
    tenantId,
    ids.map((id, i) => ({
      id,
      values: embedLocally(texts[i]!),
      metadata: { documentId, version },
    })),
  );
}

const WING = ['lift distribution of a swept wing', 'wing tip vortices and induced drag'];
const SHELL = ['buckling of cylindrical shells under axial load'];

// The behaviour all adapters share is in test/vector-store-cases.ts (run by stores.test.ts).
describe('PgVectorStore', () => {
  it('serves only the ready version of each document and skips chunks without vectors', async () => {
    const { tenantId } = await newTenant();
    await withDb(async (db) => {
      const store = new PgVectorStore(db);
      const doc = await insertDocument(db, tenantId, { texts: WING, version: 1 });
      await embedChunks(store, tenantId, doc.documentId, doc.chunkIds, WING);
      // Version 2 is embedded but not yet ready.
      const v2 = await db
        .insert(chunks)
        .values({
          tenantId,
          documentId: doc.documentId,
          version: 2,
          ordinal: 0,
          text: 'v2',
          tokenCount: 1,
          contentHash: 'v2',
          charStart: 0,
          charEnd: 2,
        })
        .returning({ id: chunks.id });
      await embedChunks(store, tenantId, doc.documentId, [v2[0]!.id], [WING[0]!], 2);
      const unready = await insertDocument(db, tenantId, { texts: WING, readyVersion: null });
      await embedChunks(store, tenantId, unready.documentId, unready.chunkIds, WING);
      const bare = await insertDocument(db, tenantId, { texts: WING });

      const seen = (await store.query(tenantId, embedLocally(WING[0]!), { topK: 20 })).map(
        (m) => m.id,
      );
      expect(seen.sort()).toEqual([...doc.chunkIds].sort());
      expect(seen).not.toContain(bare.chunkIds[0]);

      await db.update(documents).set({ readyVersion: 2 }).where(eq(documents.id, doc.documentId));
      const after = await store.query(tenantId, embedLocally(WING[0]!), { topK: 20 });
      expect(after.map((m) => m.id)).toEqual([v2[0]!.id]);
      expect(after[0]!.metadata?.version).toBe(2);
    });
  });

  it('never returns another tenant’s chunks, even when its document ids are in the filter', async () => {
    const a = await newTenant();
    const b = await newTenant();
    await withDb(async (db) => {
      const store = new PgVectorStore(db);
      const docA = await insertDocument(db, a.tenantId, { texts: WING });
      await embedChunks(store, a.tenantId, docA.documentId, docA.chunkIds, WING);
      const docB = await insertDocument(db, b.tenantId, { texts: SHELL });
      await embedChunks(store, b.tenantId, docB.documentId, docB.chunkIds, SHELL);

      const q = embedLocally(WING[0]!);
      expect(
        await store.query(b.tenantId, q, { topK: 10, filter: { documentIds: [docA.documentId] } }),
      ).toEqual([]);
      expect((await store.query(b.tenantId, q, { topK: 10 })).map((m) => m.id)).toEqual(
        docB.chunkIds,
      );

      // B writing vectors under A's chunk ids changes nothing for A.
      await store.upsert(b.tenantId, [
        {
          id: docA.chunkIds[0]!,
          values: embedLocally('zzz'),
          metadata: { documentId: docA.documentId, version: 1 },
        },
      ]);
      expect((await store.query(a.tenantId, q, { topK: 1 }))[0]).toMatchObject({
        id: docA.chunkIds[0],
      });
      expect((await store.query(a.tenantId, q, { topK: 1 }))[0]!.score).toBeCloseTo(1, 4);
    });
  });

  it('gives a 1% tenant its full topK when the planner orders by HNSW (ef_search 40)', async () => {
    const big = await newTenant();
    const small = await newTenant();
    await withDb(async (db) => {
      const store = new PgVectorStore(db);
      const wings = Array.from(
        { length: 495 },
        (_, i) => `wing panel ${i} flutter at Mach ${i % 30}`,
      );
      for (let i = 0; i < wings.length; i += 99) {
        const doc = await insertDocument(db, big.tenantId, { texts: wings.slice(i, i + 99) });
        await embedChunks(
          store,
          big.tenantId,
          doc.documentId,
          doc.chunkIds,
          wings.slice(i, i + 99),
        );
      }
      const cakes = ['sponge cake', 'lemon cake with glaze', 'carrot cake', 'wing biscuits'];
      const recipes = await insertDocument(db, small.tenantId, { texts: cakes });
      await embedChunks(store, small.tenantId, recipes.documentId, recipes.chunkIds, cakes);
      const q = embedLocally('flutter of a wing panel at Mach 2');

      // Statistics on a large table lead Postgres to order by the HNSW index and filter after
      // it; enable_sort = off (for this transaction only) steers the plan there on a small one.
      await db.transaction(async (tx) => {
        await tx.execute(sql`SET LOCAL enable_sort = off`);
        const steered = new PgVectorStore(tx as unknown as Database);
        const found = await steered.query(small.tenantId, q, { topK: 4 });
        expect(found.map((m) => m.id).sort()).toEqual([...recipes.chunkIds].sort());
        expect(found[0]!.id).toBe(recipes.chunkIds[3]);
        // More than ef_search at once, from the tenant that holds nearly everything.
        expect(await steered.query(big.tenantId, q, { topK: 100 })).toHaveLength(100);
      });
    });
  }, 180_000);

  it('upserts in batches and rejects malformed vectors', async () => {
    const { tenantId } = await newTenant();
    await withDb(async (db) => {
      const store = new PgVectorStore(db);
      const texts = Array.from({ length: 260 }, (_, i) => `panel ${i} flutter`);
      const doc = await insertDocument(db, tenantId, { texts });
      await embedChunks(store, tenantId, doc.documentId, doc.chunkIds, texts);
      const embedded = await db
        .select({ id: chunks.id })
        .from(chunks)
        .where(and(eq(chunks.documentId, doc.documentId), isNotNull(chunks.embedding)));
      expect(embedded).toHaveLength(260);
      expect(await store.query(tenantId, embedLocally(texts[259]!), { topK: 1 })).toMatchObject([
        { id: doc.chunkIds[259] },
      ]);
      await expect(
        store.upsert(tenantId, [
          {
            id: doc.chunkIds[0]!,
            values: [1, 2],
            metadata: { documentId: doc.documentId, version: 1 },
          },
        ]),
      ).rejects.toThrow(/768/);
    });
  });
});
