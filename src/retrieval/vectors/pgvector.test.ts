import { and, eq, isNotNull } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { newTenant, withDb } from '../../../test/helpers';
import { embedLocally } from '../../ai/embed/local';
import type { Database } from '../../db/client';
import { chunks, documents } from '../../db/schema';
import { PgVectorStore } from './pgvector';

interface DocSpec {
  texts: string[];
  version?: number;
  readyVersion?: number | null;
  tags?: string[];
  mimeType?: string;
}

/** Inserts a document and its chunk rows (no embeddings yet); returns the ids. */
async function insertDocument(db: Database, tenantId: string, spec: DocSpec) {
  const documentId = crypto.randomUUID();
  const version = spec.version ?? 1;
  await db.insert(documents).values({
    id: documentId,
    tenantId,
    title: 'doc',
    mimeType: spec.mimeType ?? 'text/plain',
    byteSize: 1,
    sha256: crypto.randomUUID(),
    currentVersion: version,
    readyVersion: spec.readyVersion === undefined ? version : spec.readyVersion,
    tags: spec.tags ?? [],
  });
  const rows = await db
    .insert(chunks)
    .values(
      spec.texts.map((text, ordinal) => ({
        tenantId,
        documentId,
        version,
        ordinal,
        text,
        tokenCount: 1,
        contentHash: `${documentId}-${ordinal}`,
        charStart: 0,
        charEnd: text.length,
      })),
    )
    .returning({ id: chunks.id });
  return { documentId, chunkIds: rows.map((r) => r.id) };
}

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

describe('PgVectorStore', () => {
  it('stores vectors and returns nearest chunks with scores and metadata', async () => {
    const { tenantId } = await newTenant();
    await withDb(async (db) => {
      const store = new PgVectorStore(db);
      const wing = await insertDocument(db, tenantId, { texts: WING, tags: ['aero'] });
      const shell = await insertDocument(db, tenantId, {
        texts: SHELL,
        mimeType: 'application/pdf',
      });
      await embedChunks(store, tenantId, wing.documentId, wing.chunkIds, WING);
      await embedChunks(store, tenantId, shell.documentId, shell.chunkIds, SHELL);

      const matches = await store.query(
        tenantId,
        embedLocally('induced drag from wing tip vortex'),
        { topK: 2 },
      );
      expect(matches.map((m) => m.id)).toEqual([wing.chunkIds[1], wing.chunkIds[0]]);
      expect(matches[0]!.score).toBeGreaterThan(matches[1]!.score);
      expect(matches[0]!.score).toBeLessThanOrEqual(1.0001);
      expect(matches[0]!.metadata).toEqual({
        documentId: wing.documentId,
        version: 1,
        tags: ['aero'],
        mimeType: 'text/plain',
      });

      const exact = await store.query(tenantId, embedLocally(SHELL[0]!), { topK: 1 });
      expect(exact[0]!.id).toBe(shell.chunkIds[0]);
      expect(exact[0]!.score).toBeCloseTo(1, 4);
    });
  });

  it('applies documentIds, tags and mimeType filters', async () => {
    const { tenantId } = await newTenant();
    await withDb(async (db) => {
      const store = new PgVectorStore(db);
      const wing = await insertDocument(db, tenantId, { texts: WING, tags: ['aero', 'wing'] });
      const shell = await insertDocument(db, tenantId, {
        texts: SHELL,
        tags: ['aero'],
        mimeType: 'application/pdf',
      });
      await embedChunks(store, tenantId, wing.documentId, wing.chunkIds, WING);
      await embedChunks(store, tenantId, shell.documentId, shell.chunkIds, SHELL);
      const q = embedLocally('wing');
      const ids = async (filter: object) =>
        (await store.query(tenantId, q, { topK: 10, filter })).map((m) => m.id).sort();

      expect(await ids({ documentIds: [shell.documentId] })).toEqual(shell.chunkIds);
      expect(await ids({ tags: ['aero'] })).toHaveLength(3);
      expect(await ids({ tags: ['aero', 'wing'] })).toEqual([...wing.chunkIds].sort());
      expect(await ids({ mimeType: 'application/pdf' })).toEqual(shell.chunkIds);
      expect(await ids({ documentIds: [] })).toEqual([]);
    });
  });

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

  it('deletes vectors by chunk id within the tenant only', async () => {
    const a = await newTenant();
    const b = await newTenant();
    await withDb(async (db) => {
      const store = new PgVectorStore(db);
      const doc = await insertDocument(db, a.tenantId, { texts: WING });
      await embedChunks(store, a.tenantId, doc.documentId, doc.chunkIds, WING);

      await store.deleteByIds(b.tenantId, doc.chunkIds);
      expect(await store.query(a.tenantId, embedLocally('wing'), { topK: 10 })).toHaveLength(2);

      await store.deleteByIds(a.tenantId, [doc.chunkIds[0]!]);
      const left = await store.query(a.tenantId, embedLocally('wing'), { topK: 10 });
      expect(left.map((m) => m.id)).toEqual([doc.chunkIds[1]]);
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
