import { env } from 'cloudflare:test';
import { onTestFinished } from 'vitest';
import { newTenant } from '../../../test/helpers';
import { insertDocument, shareThroughCollection } from '../../../test/pg-chunks';
import { vectorStoreCases, type VectorStoreHarness } from '../../../test/vector-store-cases';
import { openDatabase } from '../../db/client';
import { MemoryVectorize } from './memory-vectorize';
import { PgVectorStore } from './pgvector';
import { VECTORIZE_METADATA_INDEXES, VectorizeStore } from './vectorize';

/** pgvector on the real chunks table, with a connection that lives as long as the test. */
const pgvector =
  (options: { exactScanMaxRows?: number } = {}) =>
  async () => {
    const { db, close } = openDatabase(env);
    onTestFinished(close);
    const harness: VectorStoreHarness = {
      store: new PgVectorStore(db, options),
      newTenant: async () => (await newTenant()).tenantId,
      addDocument: (tenantId, texts, spec) => insertDocument(db, tenantId, { texts, ...spec }),
      share: async (tenantId, documentId, userId) => {
        await shareThroughCollection(db, tenantId, documentId, userId);
      },
    };
    return harness;
  };

/**
 * Vectorize over the in-memory stand-in; tags and collections resolve to document ids as the
 * Postgres resolvers (vectors/index.ts) would.
 */
const vectorize = async () => {
  const tagsOf = new Map<
    string,
    { tenantId: string; tags: string[]; visibility?: string; ownerUserId?: string | null }
  >();
  const members = new Map<string, Set<string>>();
  const index = new MemoryVectorize({
    dimensions: 768,
    metadataIndexes: [...VECTORIZE_METADATA_INDEXES],
  });
  const store = new VectorizeStore(index, {
    resolveTags: async (tenantId, tags) =>
      [...tagsOf]
        .filter(([, d]) => d.tenantId === tenantId && tags.every((t) => d.tags.includes(t)))
        .map(([id]) => id),
    resolveCollections: async (tenantId, userId) =>
      [...tagsOf]
        .filter(
          ([id, d]) =>
            d.tenantId === tenantId &&
            members.get(id)?.has(userId) &&
            d.visibility === 'private' &&
            d.ownerUserId !== userId,
        )
        .map(([id]) => id),
  });
  const harness: VectorStoreHarness = {
    store,
    newTenant: async () => crypto.randomUUID(),
    async addDocument(tenantId, texts, spec) {
      const documentId = crypto.randomUUID();
      tagsOf.set(documentId, {
        tenantId,
        tags: spec?.tags ?? [],
        visibility: spec?.visibility ?? 'tenant',
        ownerUserId: spec?.ownerUserId ?? null,
      });
      return { documentId, chunkIds: texts.map(() => crypto.randomUUID()) };
    },
    share: async (_tenantId, documentId, userId) => {
      members.set(documentId, new Set([...(members.get(documentId) ?? []), userId]));
    },
  };
  return harness;
};

vectorStoreCases('pgvector', pgvector());
// Every query through HNSW with iterative scans, the path large tenants take.
vectorStoreCases('pgvector, HNSW only', pgvector({ exactScanMaxRows: 0 }));
vectorStoreCases('Vectorize (in-memory stand-in)', vectorize);
