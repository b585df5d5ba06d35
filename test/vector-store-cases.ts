// The behaviour every VectorStore adapter shares, defined once and run against each adapter
// (src/retrieval/vectors/stores.test.ts): pgvector on the chunks table, and Vectorize over the
// in-memory stand-in.
import { describe, expect, it } from 'vitest';
import { embedLocally } from '../src/ai/embed/local';
import type { VectorStore } from '../src/retrieval/vectors/vector-store';

export interface StoredDocument {
  documentId: string;
  chunkIds: string[];
}

/** What a case needs from an adapter: a store, tenants, and documents to hang vectors on. */
export interface VectorStoreHarness {
  store: VectorStore;
  newTenant(): Promise<string>;
  /** Creates a served document with one chunk per text (no vectors yet). */
  addDocument(
    tenantId: string,
    texts: string[],
    options?: DocumentOptions,
  ): Promise<StoredDocument>;
  /** Puts the document in a collection whose member is `userId`. */
  share(tenantId: string, documentId: string, userId: string): Promise<void>;
}

interface DocumentOptions {
  tags?: string[];
  mimeType?: string;
  visibility?: 'private' | 'tenant';
  ownerUserId?: string | null;
}

const WING = ['lift distribution of a swept wing', 'wing tip vortices and induced drag'];
const SHELL = ['buckling of cylindrical shells under axial load'];

/** Adds a document and its vectors, with the metadata ingest writes (ingest/index-text.ts). */
async function addEmbedded(
  harness: VectorStoreHarness,
  tenantId: string,
  texts: string[],
  options: DocumentOptions = {},
) {
  const doc = await harness.addDocument(tenantId, texts, options);
  await harness.store.upsert(
    tenantId,
    doc.chunkIds.map((id, i) => ({
      id,
      values: embedLocally(texts[i]!),
      metadata: {
        documentId: doc.documentId,
        version: 1,
        tags: options.tags ?? [],
        mimeType: options.mimeType ?? 'text/plain',
        visibility: options.visibility ?? 'tenant',
        ownerUserId: options.ownerUserId ?? null,
      },
    })),
  );
  return doc;
}

export function vectorStoreCases(name: string, setup: () => Promise<VectorStoreHarness>) {
  describe(`${name}: the VectorStore contract`, () => {
    it('returns the nearest chunks first, with scores and document metadata', async () => {
      const h = await setup();
      const tenant = await h.newTenant();
      const wing = await addEmbedded(h, tenant, WING);
      await addEmbedded(h, tenant, SHELL);
      const matches = await h.store.query(tenant, embedLocally('induced drag from wing tips'), {
        topK: 2,
      });
      expect(matches.map((m) => m.id)).toEqual([wing.chunkIds[1], wing.chunkIds[0]]);
      expect(matches[0]!.score).toBeGreaterThan(matches[1]!.score);
      expect(matches[0]!.metadata).toMatchObject({ documentId: wing.documentId, version: 1 });
      const exact = await h.store.query(tenant, embedLocally(SHELL[0]!), { topK: 1 });
      expect(exact[0]!.score).toBeCloseTo(1, 4);
    });

    it('applies document-id, tag and mime-type filters before topK', async () => {
      const h = await setup();
      const tenant = await h.newTenant();
      const wing = await addEmbedded(h, tenant, WING, { tags: ['aero', 'wing'] });
      const shell = await addEmbedded(h, tenant, SHELL, {
        tags: ['aero'],
        mimeType: 'application/pdf',
      });
      const q = embedLocally('wing');
      const ids = async (filter: object, topK = 10) =>
        (await h.store.query(tenant, q, { topK, filter })).map((m) => m.id).sort();
      expect(await ids({ documentIds: [shell.documentId] })).toEqual(shell.chunkIds);
      expect(await ids({ documentIds: [shell.documentId] }, 1)).toEqual(shell.chunkIds);
      expect(await ids({ tags: ['aero'] })).toHaveLength(3);
      expect(await ids({ tags: ['aero', 'wing'] })).toEqual([...wing.chunkIds].sort());
      expect(await ids({ mimeType: 'application/pdf' })).toEqual(shell.chunkIds);
      expect(await ids({ documentIds: [] })).toEqual([]);
    });

    it('never returns another tenant’s chunks, even when the filter names its documents', async () => {
      const h = await setup();
      const a = await h.newTenant();
      const b = await h.newTenant();
      const docA = await addEmbedded(h, a, WING);
      const docB = await addEmbedded(h, b, SHELL);
      const q = embedLocally(WING[0]!);
      expect(
        await h.store.query(b, q, { topK: 10, filter: { documentIds: [docA.documentId] } }),
      ).toEqual([]);
      expect((await h.store.query(b, q, { topK: 10 })).map((m) => m.id)).toEqual(docB.chunkIds);
    });

    it('applies a user’s reach before topK: own, tenant-shared and collection documents only', async () => {
      const h = await setup();
      const tenant = await h.newTenant();
      // Every private document of the other user is nearer the query than what the user may
      // see: a filter applied after topK would return nothing (or leak).
      const theirs = await addEmbedded(h, tenant, [WING[0]!, WING[1]!], {
        visibility: 'private',
        ownerUserId: 'user-b',
      });
      const mine = await addEmbedded(h, tenant, ['wing flaps of my own glider'], {
        visibility: 'private',
        ownerUserId: 'user-a',
      });
      const shared = await addEmbedded(h, tenant, SHELL, { visibility: 'tenant' });
      const viaCollection = await addEmbedded(h, tenant, ['wing spar loads in a collection'], {
        visibility: 'private',
        ownerUserId: 'user-b',
      });
      await h.share(tenant, viaCollection.documentId, 'user-a');
      const q = embedLocally(WING[0]!);
      const seen = async (filter: object, topK = 2) =>
        (await h.store.query(tenant, q, { topK, filter })).map((m) => m.id).sort();

      const reachable = [...mine.chunkIds, ...shared.chunkIds, ...viaCollection.chunkIds].sort();
      expect(await seen({ access: { userId: 'user-a' } }, 10)).toEqual(reachable);
      expect(await seen({ access: { userId: 'user-a' } }, 3)).toEqual(reachable);
      expect(await seen({ access: { userId: 'user-a' } })).toHaveLength(2);
      expect(await seen({ access: { userId: 'user-a' } }, 10)).not.toContain(theirs.chunkIds[0]);
      // The owner reaches their private document; an API key (no access) the whole tenant.
      expect(await seen({ access: { userId: 'user-b' } }, 10)).toEqual(
        [...theirs.chunkIds, ...shared.chunkIds, ...viaCollection.chunkIds].sort(),
      );
      expect(await seen({}, 10)).toHaveLength(5);
      // A document-id filter naming another user's private document does not widen the reach.
      expect(
        await seen({ access: { userId: 'user-a' }, documentIds: [theirs.documentId] }, 10),
      ).toEqual([]);
      expect(
        await seen(
          {
            access: { userId: 'user-a' },
            documentIds: [theirs.documentId, viaCollection.documentId],
          },
          10,
        ),
      ).toEqual(viaCollection.chunkIds);
      // A stranger reaches the tenant-shared document only.
      expect(await seen({ access: { userId: 'user-c' } }, 10)).toEqual(shared.chunkIds);
    });

    it('deletes vectors by chunk id within the tenant only', async () => {
      const h = await setup();
      const a = await h.newTenant();
      const b = await h.newTenant();
      const doc = await addEmbedded(h, a, WING);
      await h.store.deleteByIds(b, doc.chunkIds);
      expect(await h.store.query(a, embedLocally('wing'), { topK: 10 })).toHaveLength(2);
      await h.store.deleteByIds(a, [doc.chunkIds[0]!]);
      const left = await h.store.query(a, embedLocally('wing'), { topK: 10 });
      expect(left.map((m) => m.id)).toEqual([doc.chunkIds[1]]);
    });

    it('gives a tenant holding 1% of the vectors its full topK, in exact order', async () => {
      const h = await setup();
      const big = await h.newTenant();
      const small = await h.newTenant();
      // 495 wing passages in one tenant, 5 cake recipes in another: the query is about wings,
      // so every chunk near it belongs to the big tenant and a post-filtered scan of the
      // nearest 40 (pgvector's default ef_search) holds none of the small tenant's.
      const wings = Array.from(
        { length: 495 },
        (_, i) => `wing panel ${i} flutter at Mach ${(i % 30) / 10} with ${i % 7} spars`,
      );
      for (let i = 0; i < wings.length; i += 99) {
        await addEmbedded(h, big, wings.slice(i, i + 99));
      }
      const cakes = [
        'sponge cake with eggs and flour',
        'chocolate cake baked for forty minutes',
        'lemon drizzle cake with sugar glaze',
        'carrot cake with walnuts',
        'wing shaped biscuits dipped in chocolate',
      ];
      const recipes = await addEmbedded(h, small, cakes);
      const q = embedLocally('flutter of a wing panel at Mach 2');
      const matches = await h.store.query(small, q, { topK: 5 });
      expect(matches.map((m) => m.id).sort()).toEqual([...recipes.chunkIds].sort());
      // Exact order: the biscuit that mentions a wing ranks first.
      expect(matches[0]!.id).toBe(recipes.chunkIds[4]);
      const scores = matches.map((m) => m.score);
      expect(scores).toEqual([...scores].sort((x, y) => y - x));

      // The big tenant asks for more than ef_search at once and gets all of it.
      const many = await h.store.query(big, q, { topK: 100 });
      expect(many).toHaveLength(100);
      expect(new Set(many.map((m) => m.id)).size).toBe(100);
    }, 180_000);
  });
}
