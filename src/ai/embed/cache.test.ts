import { describe, expect, it } from 'vitest';
import { newTenant, withDb } from '../../../test/helpers';
import { embedWithCache, getCachedEmbeddings, putCachedEmbeddings } from './cache';
import type { Embedder } from './embedder';
import { LocalEmbedder } from './local';

/** Wraps the local embedder and records every text it is asked to embed. */
function countingEmbedder(): Embedder & { seen: string[] } {
  const inner = new LocalEmbedder();
  const seen: string[] = [];
  return {
    model: inner.model,
    dimensions: inner.dimensions,
    seen,
    async embed(texts) {
      seen.push(...texts);
      return inner.embed(texts);
    },
  };
}

const items = (texts: string[]) => texts.map((text) => ({ hash: `h-${text}`, text }));

describe('embedding cache', () => {
  it('round-trips vectors and keeps the first vector on conflict', async () => {
    const { tenantId } = await newTenant();
    const [v1, v2] = await new LocalEmbedder().embed(['alpha wing', 'beta shell']);
    await withDb(async (db) => {
      await putCachedEmbeddings(db, tenantId, 'm1', [{ hash: 'a', embedding: v1! }]);
      await putCachedEmbeddings(db, tenantId, 'm1', [
        { hash: 'a', embedding: v2! },
        { hash: 'b', embedding: v2! },
      ]);
      const found = await getCachedEmbeddings(db, tenantId, 'm1', ['a', 'b', 'missing']);
      expect([...found.keys()].sort()).toEqual(['a', 'b']);
      expect(found.get('a')![0]).toBeCloseTo(v1![0]!, 5);
      expect(found.get('b')![5]).toBeCloseTo(v2![5]!, 5);
      expect((await getCachedEmbeddings(db, tenantId, 'm2', ['a'])).size).toBe(0);
    });
  });

  it('embeds identical text once per tenant and reuses it afterwards', async () => {
    const { tenantId } = await newTenant();
    const embedder = countingEmbedder();
    await withDb(async (db) => {
      const first = await embedWithCache(db, embedder, tenantId, items(['lift', 'drag', 'lift']));
      expect(first).toMatchObject({ embedded: 2, reused: 0 });
      expect(embedder.seen).toEqual(['lift', 'drag']);

      const second = await embedWithCache(db, embedder, tenantId, items(['drag', 'thrust']));
      expect(second).toMatchObject({ embedded: 1, reused: 1 });
      expect(embedder.seen).toEqual(['lift', 'drag', 'thrust']);
      expect(second.vectors.get('h-drag')![0]).toBeCloseTo(first.vectors.get('h-drag')![0]!, 5);
      expect([...second.vectors.keys()].sort()).toEqual(['h-drag', 'h-thrust']);
    });
  });

  it('never shares cached vectors across tenants', async () => {
    const a = await newTenant();
    const b = await newTenant();
    const embedder = countingEmbedder();
    await withDb(async (db) => {
      await embedWithCache(db, embedder, a.tenantId, items(['nozzle']));
      const forB = await embedWithCache(db, embedder, b.tenantId, items(['nozzle']));
      expect(forB).toMatchObject({ embedded: 1, reused: 0 });
    });
  });

  it('handles more hashes than one statement carries', async () => {
    const { tenantId } = await newTenant();
    const texts = Array.from({ length: 230 }, (_, i) => `chunk number ${i}`);
    await withDb(async (db) => {
      const first = await embedWithCache(db, new LocalEmbedder(), tenantId, items(texts));
      expect(first.embedded).toBe(230);
      const again = await embedWithCache(db, new LocalEmbedder(), tenantId, items(texts));
      expect(again).toMatchObject({ embedded: 0, reused: 230 });
    });
  });
});
