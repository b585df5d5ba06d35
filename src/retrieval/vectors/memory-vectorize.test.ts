import { describe, expect, it } from 'vitest';
import { MemoryVectorize } from './memory-vectorize';

const vec = (...head: number[]) => [...head, ...new Array(4 - head.length).fill(0)];
const index = () => new MemoryVectorize({ dimensions: 4, metadataIndexes: ['kind', 'n'] });

describe('MemoryVectorize', () => {
  it('enforces batch, id, dimension, namespace and metadata limits', async () => {
    const idx = index();
    const many = Array.from({ length: 1001 }, (_, i) => ({ id: `v${i}`, values: vec(1) }));
    await expect(idx.upsert(many)).rejects.toThrow(/at most 1000/);
    await expect(idx.insert(many)).rejects.toThrow(/at most 1000/);
    await expect(idx.deleteByIds(many.map((v) => v.id))).rejects.toThrow(/at most 1000/);
    await expect(idx.upsert([{ id: 'x'.repeat(65), values: vec(1) }])).rejects.toThrow(/64 bytes/);
    await expect(idx.upsert([{ id: 'a', values: [1, 2] }])).rejects.toThrow(/dimensions/);
    await expect(
      idx.upsert([{ id: 'a', values: vec(1), namespace: 'n'.repeat(65) }]),
    ).rejects.toThrow(/namespace/);
    await expect(
      idx.upsert([{ id: 'a', values: vec(1), metadata: { big: 'x'.repeat(11_000) } }]),
    ).rejects.toThrow(/metadata/);
    await idx.insert([{ id: 'a', values: vec(1) }]);
    await expect(idx.insert([{ id: 'a', values: vec(1) }])).rejects.toThrow(/exists/);
  });

  it('enforces topK ceilings by what the query returns', async () => {
    const idx = index();
    await idx.upsert([{ id: 'a', values: vec(1) }]);
    await expect(idx.query(vec(1), { topK: 101 })).rejects.toThrow(/1\.\.100/);
    await expect(
      idx.query(vec(1), { topK: 100, returnMetadata: 'indexed' }),
    ).resolves.toMatchObject({ count: 1 });
    await expect(idx.query(vec(1), { topK: 21, returnValues: true })).rejects.toThrow(/1\.\.20/);
    await expect(idx.query(vec(1), { topK: 21, returnMetadata: 'all' })).rejects.toThrow(/1\.\.20/);
    await expect(idx.query(vec(1), { topK: 0 })).rejects.toThrow();
  });

  it('scopes queries to a namespace and applies $eq/$ne/$in/$nin before topK', async () => {
    const idx = index();
    await idx.upsert([
      { id: 'a', values: vec(1, 0), namespace: 't1', metadata: { kind: 'x', n: 1 } },
      { id: 'b', values: vec(1, 0.1), namespace: 't1', metadata: { kind: 'y', n: 2 } },
      { id: 'c', values: vec(1, 0.2), namespace: 't2', metadata: { kind: 'x', n: 3 } },
    ]);
    const ids = async (options: VectorizeQueryOptions) =>
      (await idx.query(vec(1), { topK: 10, ...options })).matches.map((m) => m.id);
    expect(await ids({ namespace: 't1' })).toEqual(['a', 'b']);
    expect(await ids({})).toEqual(['a', 'b', 'c']);
    expect(await ids({ filter: { kind: 'x' } })).toEqual(['a', 'c']);
    expect(await ids({ filter: { kind: { $eq: 'y' } } })).toEqual(['b']);
    expect(await ids({ filter: { kind: { $ne: 'x' } } })).toEqual(['b']);
    expect(await ids({ filter: { n: { $in: [1, 3] } } })).toEqual(['a', 'c']);
    expect(await ids({ namespace: 't1', filter: { n: { $nin: [1] } } })).toEqual(['b']);
    expect(await ids({ topK: 1, filter: { kind: 'y' } })).toEqual(['b']);
    await expect(ids({ filter: { other: 'z' } })).rejects.toThrow(/metadata index/);
    await expect(
      ids({ filter: { kind: { $in: Array.from({ length: 300 }, (_, i) => `value-${i}`) } } }),
    ).rejects.toThrow(/2048/);
  });

  it('returns values and metadata only when asked, indexed fields only for "indexed"', async () => {
    const idx = index();
    await idx.upsert([{ id: 'a', values: vec(1), metadata: { kind: 'x', note: 'free text' } }]);
    const [none] = (await idx.query(vec(1), { topK: 1 })).matches;
    expect(none).toEqual({ id: 'a', score: 1 });
    const [indexed] = (await idx.query(vec(1), { topK: 1, returnMetadata: 'indexed' })).matches;
    expect(indexed!.metadata).toEqual({ kind: 'x' });
    const [all] = (await idx.query(vec(1), { topK: 1, returnMetadata: 'all', returnValues: true }))
      .matches;
    expect(all).toMatchObject({ metadata: { kind: 'x', note: 'free text' }, values: vec(1) });
  });

  it('upserts replace, deletes remove, getByIds reads back', async () => {
    const idx = index();
    await idx.upsert([{ id: 'a', values: vec(1), metadata: { kind: 'x' } }]);
    await idx.upsert([{ id: 'a', values: vec(0, 1), metadata: { kind: 'y' } }]);
    expect(await idx.getByIds(['a', 'zz'])).toEqual([
      { id: 'a', values: vec(0, 1), metadata: { kind: 'y' } },
    ]);
    expect(await idx.deleteByIds(['a', 'zz'])).toEqual({ ids: ['a'], count: 1 });
    expect((await idx.describe()).vectorsCount).toBe(0);
  });
});
