import { describe, expect, it } from 'vitest';
import { embedLocally } from '../../ai/embed/local';
import type { Database } from '../../db/client';
import { createVectorStore } from './index';
import { MemoryVectorize } from './memory-vectorize';
import { PgVectorStore } from './pgvector';
import {
  shardBinding,
  shardedIndexResolver,
  shardForTenant,
  shardIndexes,
  shardIndexName,
  vectorShardCount,
} from './shard';
import { VECTORIZE_METADATA_INDEXES, VectorizeStore, vectorIdFor } from './vectorize';
import type { VectorRecord } from './vector-store';

const TENANT_A = '6f1c2d3e-4a5b-4c6d-8e7f-901234567890';
const TENANT_B = '0a1b2c3d-4e5f-4a6b-9c8d-7e6f5a4b3c2d';
const DOC_1 = '11111111-1111-4111-8111-111111111111';
const DOC_2 = '22222222-2222-4222-8222-222222222222';

const newIndex = () =>
  new MemoryVectorize({ dimensions: 768, metadataIndexes: [...VECTORIZE_METADATA_INDEXES] });

function record(
  id: string,
  text: string,
  documentId = DOC_1,
  extra: Partial<VectorRecord['metadata']> = {},
): VectorRecord {
  return { id, values: embedLocally(text), metadata: { documentId, version: 1, ...extra } };
}

describe('VectorizeStore', () => {
  it('upserts into the tenant namespace and returns chunk ids with metadata', async () => {
    const index = newIndex();
    const store = new VectorizeStore(index);
    await store.upsert(TENANT_A, [
      record('c1', 'supersonic flow over a cone', DOC_1, {
        mimeType: 'text/plain',
        tags: ['aero'],
      }),
      record('c2', 'creep of steel at high temperature', DOC_2, { mimeType: 'application/pdf' }),
    ]);
    const matches = await store.query(TENANT_A, embedLocally('cone in supersonic flow'), {
      topK: 5,
    });
    expect(matches.map((m) => m.id)).toEqual(['c1', 'c2']);
    expect(matches[0]!.metadata).toEqual({ documentId: DOC_1, version: 1, mimeType: 'text/plain' });
    const stored = await index.getByIds([vectorIdFor(TENANT_A, 'c1')]);
    expect(stored[0]).toMatchObject({ namespace: TENANT_A, metadata: { tags: ['aero'] } });
    expect(index.calls.filter((c) => c.op === 'query').every((c) => c.namespace === TENANT_A)).toBe(
      true,
    );
  });

  it('splits 2,500 records into three upserts and 2,500 deletes into three calls', async () => {
    const index = newIndex();
    const store = new VectorizeStore(index);
    const ids = Array.from({ length: 2500 }, () => crypto.randomUUID());
    await store.upsert(
      TENANT_A,
      ids.map((id, i) => record(id, `panel ${i}`)),
    );
    expect(index.calls.filter((c) => c.op === 'upsert').map((c) => c.size)).toEqual([
      1000, 1000, 500,
    ]);
    expect((await index.describe()).vectorsCount).toBe(2500);

    await store.deleteByIds(TENANT_A, ids);
    expect(index.calls.filter((c) => c.op === 'deleteByIds').map((c) => c.size)).toEqual([
      1000, 1000, 500,
    ]);
    expect((await index.describe()).vectorsCount).toBe(0);
  });

  it('filters by document ids and mime type', async () => {
    const store = new VectorizeStore(newIndex());
    await store.upsert(TENANT_A, [
      record('c1', 'wing', DOC_1, { mimeType: 'text/plain' }),
      record('c2', 'wing flap', DOC_2, { mimeType: 'application/pdf' }),
    ]);
    const q = embedLocally('wing');
    const ids = async (filter: object) =>
      (await store.query(TENANT_A, q, { topK: 10, filter })).map((m) => m.id);
    expect(await ids({ documentIds: [DOC_2] })).toEqual(['c2']);
    expect(await ids({ mimeType: 'text/plain' })).toEqual(['c1']);
    expect(await ids({ documentIds: [DOC_2], mimeType: 'text/plain' })).toEqual([]);
    expect(await ids({ documentIds: [] })).toEqual([]);
  });

  it('splits long document-id filters under the filter size limit and merges by score', async () => {
    const index = newIndex();
    const store = new VectorizeStore(index);
    const docs = Array.from({ length: 120 }, () => crypto.randomUUID());
    await store.upsert(
      TENANT_A,
      docs.map((doc, i) => record(`c${i}`, `flutter of panel number ${i}`, doc)),
    );
    const matches = await store.query(TENANT_A, embedLocally('flutter of panel number 77'), {
      topK: 3,
      filter: { documentIds: docs },
    });
    expect(matches[0]!.id).toBe('c77');
    const queries = index.calls.filter((c) => c.op === 'query');
    expect(queries.length).toBeGreaterThan(1);
  });

  it('resolves tag filters through the resolver, scoped to the tenant', async () => {
    const seen: [string, string[]][] = [];
    const store = new VectorizeStore(newIndex(), {
      resolveTags: async (tenantId, tags) => {
        seen.push([tenantId, tags]);
        return [DOC_2];
      },
    });
    await store.upsert(TENANT_A, [record('c1', 'wing', DOC_1), record('c2', 'wing', DOC_2)]);
    const matches = await store.query(TENANT_A, embedLocally('wing'), {
      topK: 5,
      filter: { tags: ['x'] },
    });
    expect(matches.map((m) => m.id)).toEqual(['c2']);
    expect(seen).toEqual([[TENANT_A, ['x']]]);
    await expect(
      new VectorizeStore(newIndex()).query(TENANT_A, embedLocally('wing'), {
        topK: 5,
        filter: { tags: ['x'] },
      }),
    ).rejects.toThrow(/tag resolver/);
  });

  it('keeps tenants apart even when the filter names another tenant’s documents', async () => {
    const index = newIndex();
    const store = new VectorizeStore(index);
    const shared = crypto.randomUUID();
    await store.upsert(TENANT_A, [record(shared, 'secret wing data', DOC_1)]);
    await store.upsert(TENANT_B, [record('b1', 'shell buckling', DOC_2)]);

    const q = embedLocally('secret wing data');
    expect(await store.query(TENANT_B, q, { topK: 10, filter: { documentIds: [DOC_1] } })).toEqual(
      [],
    );
    expect((await store.query(TENANT_B, q, { topK: 10 })).map((m) => m.id)).toEqual(['b1']);

    // Same chunk id from tenant B: a different vector, and deleting it leaves A intact.
    await store.upsert(TENANT_B, [record(shared, 'unrelated', DOC_2)]);
    await store.deleteByIds(TENANT_B, [shared]);
    const forA = await store.query(TENANT_A, q, { topK: 1 });
    expect(forA[0]).toMatchObject({ id: shared });
    expect(forA[0]!.score).toBeCloseTo(1, 5);
  });

  it('caps topK at the Vectorize ceiling and validates input', async () => {
    const index = newIndex();
    const store = new VectorizeStore(index);
    await store.upsert(TENANT_A, [record('c1', 'wing')]);
    await store.query(TENANT_A, embedLocally('wing'), { topK: 500 });
    expect(index.calls.at(-1)).toMatchObject({ op: 'query', size: 100 });
    await expect(store.query(TENANT_A, [1, 2, 3], { topK: 5 })).rejects.toThrow(/768/);
    await expect(store.upsert('x'.repeat(65), [record('c1', 'wing')])).rejects.toThrow(/namespace/);
  });

  it('routes each tenant to its shard through a resolver', async () => {
    const indexes = [newIndex(), newIndex()];
    const store = new VectorizeStore(shardedIndexResolver(indexes));
    await store.upsert(TENANT_A, [record('a1', 'wing')]);
    await store.upsert(TENANT_B, [record('b1', 'wing')]);
    const homeA = indexes[shardForTenant(TENANT_A, 2)]!;
    expect(await homeA.getByIds([vectorIdFor(TENANT_A, 'a1')])).toHaveLength(1);
    expect(
      (await store.query(TENANT_A, embedLocally('wing'), { topK: 5 })).map((m) => m.id),
    ).toEqual(['a1']);
  });
});

describe('shardForTenant', () => {
  it('is stable and within range', () => {
    expect(shardForTenant(TENANT_A, 64)).toBe(shardForTenant(TENANT_A, 64));
    expect(shardForTenant(TENANT_A, 64)).toBeGreaterThanOrEqual(0);
    expect(shardForTenant(TENANT_A, 64)).toBeLessThan(64);
    expect(shardForTenant(TENANT_A, 1)).toBe(0);
    expect(() => shardForTenant(TENANT_A, 0)).toThrow();
  });

  it('spreads tenants roughly evenly', () => {
    const counts = new Map<number, number>();
    for (let i = 0; i < 8000; i++) {
      const shard = shardForTenant(crypto.randomUUID(), 8);
      counts.set(shard, (counts.get(shard) ?? 0) + 1);
    }
    expect(counts.size).toBe(8);
    for (const n of counts.values()) expect(n).toBeGreaterThan(800);
  });

  it('names shard 0 as the original single index, so one shard needs no rename', () => {
    expect([0, 1, 12].map(shardBinding)).toEqual(['VECTORS', 'VECTORS_1', 'VECTORS_12']);
    expect([0, 1, 12].map((s) => shardIndexName(s))).toEqual([
      'vellum-chunks',
      'vellum-chunks-1',
      'vellum-chunks-12',
    ]);
  });

  it('prefers a dedicated index over the hash', () => {
    const dedicated = newIndex();
    const shared = newIndex();
    const resolve = shardedIndexResolver([shared], (t) => (t === TENANT_A ? dedicated : undefined));
    expect(resolve(TENANT_A)).toBe(dedicated);
    expect(resolve(TENANT_B)).toBe(shared);
    expect(() => shardedIndexResolver([])).toThrow(/positive integer/);
  });
});

describe('shardIndexes', () => {
  it('reads VECTOR_SHARDS bindings in shard order', () => {
    const [a, b, c] = [newIndex(), newIndex(), newIndex()];
    expect(shardIndexes({ VECTORS: a })).toEqual([a]);
    const three = shardIndexes({ VECTOR_SHARDS: '3', VECTORS: a, VECTORS_1: b, VECTORS_2: c });
    expect(three?.map((i) => i === a || i === b || i === c)).toEqual([true, true, true]);
    expect(three?.[2]).toBe(c);
    expect(shardIndexes({ VECTOR_SHARDS: '2' })).toBeUndefined();
  });

  it('refuses a shard count its bindings do not back, and a malformed count', () => {
    expect(() =>
      shardIndexes({ VECTOR_SHARDS: '3', VECTORS: newIndex(), VECTORS_1: newIndex() }),
    ).toThrow(/VECTORS_2 is not bound/);
    for (const bad of ['0', '-1', '1.5', 'two']) {
      expect(() => vectorShardCount(bad), bad).toThrow(/positive integer/);
    }
    expect(vectorShardCount(undefined)).toBe(1);
  });
});

describe('createVectorStore', () => {
  const db = {} as Database;
  it('uses Vectorize only when selected and bound', () => {
    const VECTORS = newIndex();
    expect(createVectorStore({ VECTOR_BACKEND: 'vectorize', VECTORS }, db)).toBeInstanceOf(
      VectorizeStore,
    );
    expect(createVectorStore({ VECTOR_BACKEND: 'vectorize' }, db)).toBeInstanceOf(PgVectorStore);
    expect(createVectorStore({ VECTOR_BACKEND: 'pgvector', VECTORS }, db)).toBeInstanceOf(
      PgVectorStore,
    );
  });

  it('fails loudly when VECTOR_SHARDS names more shards than are bound', () => {
    expect(() =>
      createVectorStore(
        { VECTOR_BACKEND: 'vectorize', VECTOR_SHARDS: '2', VECTORS: newIndex() },
        db,
      ),
    ).toThrow(/VECTORS_1 is not bound/);
  });
});
